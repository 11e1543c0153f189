"""The programme office runs the next edition from the browser, start to end (issue 14's
first "Must show"): a new edition from this year's with a preview of the moved dates, its
intro, a speaker with a photo, a hub organiser invited by mail who prepares only their own
hub's session, publishing; visitors see it only then; the audit log tells every step in
Dutch words."""

from __future__ import annotations

import io
import re

import pytest

from eventsite.extensions import db
from tests.browser.harness import (
    DESKTOP,
    PHONE,
    create_organiser,
    expect,
    loaded_size,
    log_in,
    screenshot,
)
from tests.helpers import links_in

INTRO = "In 2028 laten vijf hubs zien hoe het mkb slimmer produceert. Schrijf je gratis in."
SPEAKER = "Fatima El Amrani"
HUB_TEXT = "Drie ondernemers uit Groningen laten zien hoe hun cobots dag en nacht draaien."
HUB_PASSWORD = "een lange zin voor nina"


def photo_jpeg() -> bytes:
    """A camera-sized JPEG, as a speaker's photo arrives."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 90, 160)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def edition_facts(live_site, year: int) -> dict:
    """The names the audit sentences use: the editions' and the Noord session's title."""
    from eventsite.programme.models import Edition, ProgrammeSession

    with live_site.database() as session:
        names = {e.year: e.name for e in session.scalars(db.select(Edition))}
        noord = session.scalar(db.select(ProgrammeSession).filter_by(slug=f"{year}-noord"))
        return {"names": names, "noord_title": noord.title}


def create_next_edition(page, live_site, year: int, new_year: int) -> None:
    """Editions > New edition: the preview of the moved dates, then create the draft."""
    page.get_by_role("link", name="Edities").click()
    page.get_by_role("link", name="Nieuwe editie").click()
    expect(page.locator("#source")).to_have_value(str(year))
    expect(page.locator("#year")).to_have_value(str(new_year))
    page.fill("#starts_on", f"{new_year}-05-29")
    page.get_by_role("button", name="Nieuwe data tonen").click()
    moved = page.locator("#moved-dates tbody tr")
    expect(moved).to_have_count(5)
    expect(moved.first).to_contain_text(str(year))  # was
    expect(moved.first).to_contain_text(f"29 mei {new_year}, 15.00 uur")  # becomes
    page.get_by_role("button", name=f"Editie {new_year} aanmaken").click()
    page.wait_for_url(live_site(f"/organiser/editions/{new_year}/edit"))
    expect(page.locator("#edition-status")).to_have_text("concept")


def add_speaker_with_photo(page, live_site, slug: str) -> None:
    """From the edition's sessions, the Noord session's page: a speaker with a photo."""
    page.goto(live_site(f"/organiser/editions/{slug.split('-')[0]}/sessions"))
    page.locator(f"a[href$='/organiser/sessions/{slug}/edit']").click()
    page.get_by_role("link", name="Spreker toevoegen").click()
    page.fill("#name", SPEAKER)
    page.fill("#company", "Precisie Frezen BV")
    page.fill("#role", "Directeur-eigenaar")
    page.set_input_files(
        "#photo", {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/edit#speakers$"))
    expect(page.locator("#speakers")).to_contain_text(SPEAKER)


def invite_hub_organiser(page, live_site) -> str:
    """Accounts > Invite: Nina for the Noord hub; returns the link from her mail."""
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="Organisator uitnodigen").click()
    page.fill("#name", "Nina Noord")
    page.fill("#email", "nina@example.org")
    page.select_option("#role", "region")
    page.select_option("#region", "noord")
    page.get_by_role("button", name="Uitnodigen").click()
    expect(page.locator(".flash")).to_contain_text("Nina Noord is uitgenodigd")
    [mail] = live_site.mails("nina@example.org", 1)
    return next(url for url in links_in(mail) if "/organiser/password/welcome/" in url)


def hub_prepares_their_session(hub, live_site, link: str, new_year: int) -> None:
    """Nina sets her password, switches to the new edition, sees only Noord's session and
    edits it; another hub's session is refused."""
    hub.goto(link)
    hub.fill("#password", HUB_PASSWORD)
    hub.fill("#confirm", HUB_PASSWORD)
    hub.get_by_role("button", name=re.compile("wachtwoord", re.I)).click()
    hub.wait_for_url(live_site("/organiser/"))
    hub.select_option("#edition", str(new_year))
    hub.get_by_role("button", name="Toon").click()
    rows = hub.locator("tbody tr[id^='session-']")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_id(f"session-{new_year}-noord")
    rows.first.get_by_text("Meer").click()
    rows.first.get_by_role("link", name="Bewerken").click()
    hub.wait_for_url(live_site(f"/organiser/sessions/{new_year}-noord/edit"))
    expect(hub.locator("#speakers")).to_contain_text(SPEAKER)
    hub.fill("#description", HUB_TEXT)
    hub.get_by_role("button", name="Opslaan").click()
    expect(hub.locator(".flash-success")).to_have_text("Opgeslagen.")
    screenshot(hub, "console-journey-hub-session-phone")
    assert hub.goto(live_site(f"/organiser/sessions/{new_year}-oost/edit")).status == 403
    assert hub.goto(live_site(f"/organiser/editions/{new_year}/edit")).status == 403


def publish(page, live_site, new_year: int) -> None:
    page.goto(live_site(f"/organiser/editions/{new_year}/edit"))
    page.get_by_role("link", name="Publiceren…").click()
    page.get_by_role("button", name="Ja, publiceren").click()
    expect(page.locator(".flash-success")).to_have_text("De editie is gepubliceerd.")


def assert_public(visitor, live_site, new_year: int) -> None:
    """The programme and the Noord session as a visitor sees them: intro, the hub's text,
    the speaker's photo served from /media/."""
    assert visitor.goto(live_site(f"/editions/{new_year}")).status == 200
    expect(visitor.locator("main")).to_contain_text(INTRO)
    expect(visitor.locator(".preview-banner")).to_have_count(0)
    expect(visitor.locator("article.session-card")).to_have_count(5)
    assert visitor.goto(live_site(f"/sessions/{new_year}-noord")).status == 200
    expect(visitor.locator("main")).to_contain_text(HUB_TEXT)
    photo = visitor.get_by_role("img", name=f"Foto van {SPEAKER}")
    expect(photo).to_be_visible()
    assert loaded_size(photo)[0] > 0
    source = photo.get_attribute("src")
    assert re.match(r"^(https?://[^/]+)?/media/", source), source
    served = visitor.request.get(live_site(re.sub(r"^https?://[^/]+", "", source)))
    assert served.status == 200
    assert served.headers["content-type"] == "image/jpeg"


def assert_audit_sentences(page, facts: dict, year: int, new_year: int) -> None:
    names, title = facts["names"], facts["noord_title"]
    page.get_by_role("link", name="Auditlog").click()
    log = page.locator("#audit-entries")
    for sentence in (
        f"Bea Beheer heeft de editie {names[new_year]} aangemaakt op basis van {names[year]}",
        f"Bea Beheer heeft de editie {names[new_year]} bewerkt",
        f"Bea Beheer heeft spreker {SPEAKER} toegevoegd aan de sessie '{title}'",
        "Bea Beheer heeft Nina Noord (nina@example.org) uitgenodigd als organisator van hub",
        "Nina Noord heeft een wachtwoord ingesteld met een link uit een mail",
        f"Nina Noord heeft de sessie '{title}' gewijzigd: de Nederlandse beschrijving",
        f"Bea Beheer heeft de editie {names[new_year]} gepubliceerd",
    ):
        expect(log).to_contain_text(sentence)
    screenshot(page, "console-journey-audit-desktop")


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_the_programme_office_prepares_and_publishes_the_next_edition(live_site, make_page):
    year = int(live_site.slugs[0].split("-")[0])
    new_year = year + 1
    create_organiser(live_site, "bea@example.org", "--role", "admin", "--name", "Bea Beheer")
    admin = make_page(DESKTOP, "nl")
    log_in(admin, live_site, "bea@example.org")

    create_next_edition(admin, live_site, year, new_year)
    visitor = make_page(PHONE, "nl")
    assert visitor.goto(live_site(f"/editions/{new_year}")).status == 404
    assert visitor.goto(live_site(f"/sessions/{new_year}-noord")).status == 404

    admin.fill("#intro", INTRO)
    admin.get_by_role("button", name="Opslaan").click()
    expect(admin.locator(".flash-success")).to_have_text("Opgeslagen.")
    add_speaker_with_photo(admin, live_site, f"{new_year}-noord")

    link = invite_hub_organiser(admin, live_site)
    hub_prepares_their_session(make_page(PHONE, "nl"), live_site, link, new_year)
    assert visitor.goto(live_site(f"/editions/{new_year}")).status == 404  # still a draft

    publish(admin, live_site, new_year)
    assert_public(visitor, live_site, new_year)
    assert_audit_sentences(admin, edition_facts(live_site, new_year), year, new_year)
