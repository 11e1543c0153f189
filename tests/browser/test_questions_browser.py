"""Issue 15's "must show" in a real browser: an organiser adds a required single-choice
question and a yes/no question, edits the confirmation mail's subject and opening line in
Dutch and makes a campaign link; a visitor arriving through that link signs up on a phone,
gets the error for the unanswered required question, answers, and receives the edited mail;
the answers and the source appear in the list, the CSV, the xlsx and the data download;
after erasing, none of it is left in the database."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.models import Attendee, SignupRequest
from eventsite.registration.question_models import Answer
from tests.browser.harness import DESKTOP, PHONE, create_organiser, download, expect, log_in

VISITOR = "marieke@example.nl"


def organiser_prepares(page, live_site, year: int, hub: str) -> str:
    """Two questions, the Dutch confirmation mail edited, a campaign link; returns the link."""
    page.goto(live_site(f"/organiser/editions/{year}/questions"))
    page.select_option("#kind", "single")
    page.fill("#label", "Hoeveel mensen werken er bij uw bedrijf?")
    page.fill("#label_en", "How many people work at your company?")
    page.fill("#choices", "1 tot 10 | 1 to 10\n10 tot 50 | 10 to 50\nMeer dan 50 | More than 50")
    page.check("#required")
    page.get_by_role("button", name="Vraag toevoegen", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Vraag toegevoegd")
    page.select_option("#kind", "yesno")
    page.fill("#label", "Gebruikt u al robots?")
    page.get_by_role("button", name="Vraag toevoegen", exact=True).click()
    expect(page.locator(".question-list > li")).to_have_count(2)

    page.goto(live_site(f"/organiser/editions/{year}/mails/confirm/nl"))
    page.fill("#subject", "Nog één klik voor {edition}")
    body = page.input_value("#body").replace("Hallo,", "Goedemiddag, fijn dat je erbij bent!", 1)
    page.fill("#body", body)
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Opgeslagen")

    page.goto(live_site(f"/organiser/editions/{year}/sources"))
    page.fill("#name", "Nieuwsbrief Noord")
    page.fill("#code", "noord-nieuwsbrief")
    page.select_option("#region", label=hub)
    page.get_by_role("button", name="Link maken", exact=True).click()
    return page.input_value(".copy-link")


def visitor_signs_up(page, campaign_link: str, slug: str) -> None:
    page.goto(campaign_link)
    page.goto(campaign_link.split("?")[0] + "register")
    page.fill("#name", "Marieke Smit")
    page.fill("#email", VISITOR)
    page.fill("#organisation", "Smit Precisie B.V.")
    page.check(f"#session-{slug}")
    page.check("#consent")
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    # The required question left empty: the error at its field, the input kept.
    expect(page.locator(".error-summary")).to_contain_text("Beantwoord deze vraag.")
    field = page.locator("fieldset", has_text="Hoeveel mensen werken er bij uw bedrijf?")
    expect(field.locator(".field-error")).to_have_text("Beantwoord deze vraag.")
    expect(page.locator("#name")).to_have_value("Marieke Smit")
    page.get_by_label("10 tot 50").check()
    page.locator("fieldset", has_text="Gebruikt u al robots?").get_by_label("Ja").check()
    page.check("#consent")
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    page.wait_for_url(re.compile(r".*/register/sent$"))


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_organisers_questions_mail_text_and_source_end_to_end(live_site, make_page):
    slug = live_site.slugs[0]  # hosted by the Noord hub
    with live_site.database() as session:
        noord = session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        year, hub = noord.edition.year, noord.region.name
    admin = create_organiser(live_site, "admin@example.org", "--role", "admin")
    organiser = make_page(DESKTOP, "nl")
    log_in(organiser, live_site, admin)
    campaign_link = organiser_prepares(organiser, live_site, year, hub)
    assert campaign_link.endswith("/?via=noord-nieuwsbrief")

    phone = make_page(PHONE, "nl")
    visitor_signs_up(phone, campaign_link, slug)
    [mail] = live_site.mails(VISITOR, 1)
    assert mail["Subject"].startswith("Nog één klik voor ")
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("Goedemiddag, fijn dat je erbij bent!")
    confirm_link = re.search(r"https?://\S+/confirm/\S+", text).group(0)
    phone.goto(confirm_link)
    phone.get_by_role("button", name="Mijn aanmelding bevestigen").click()
    phone.wait_for_url(re.compile(r".*/my/[^/]+$"))
    personal = phone.url

    phone.locator("summary", has_text="Mijn gegevens").click()  # behind a disclosure
    _name, body = download(phone, phone.get_by_role("link", name="Mijn gegevens downloaden").click)
    data = json.loads(body)
    assert data["source"] == "noord-nieuwsbrief"
    assert data["answers"] == [
        {"question": "Hoeveel mensen werken er bij uw bedrijf?", "answer": "10 tot 50"},
        {"question": "Gebruikt u al robots?", "answer": "ja"},
    ]

    organiser.goto(live_site(f"/organiser/sessions/{slug}/attendees"))
    answers = organiser.locator("td.answers")
    expect(answers).to_contain_text("noord-nieuwsbrief")
    expect(answers).to_contain_text("Hoeveel mensen werken er bij uw bedrijf?: 10 tot 50")
    organiser.select_option(
        "#choice", label="Hoeveel mensen werken er bij uw bedrijf?: Meer dan 50"
    )
    organiser.locator("form.filters button[type=submit]").click()
    expect(organiser.locator("main tbody tr")).to_have_count(0)
    organiser.goto(live_site(f"/organiser/sessions/{slug}/attendees"))
    _name, body = download(organiser, organiser.get_by_role("link", name="CSV", exact=True).click)
    [row] = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    assert row["Bron"] == "noord-nieuwsbrief"
    assert row["Hoeveel mensen werken er bij uw bedrijf?"] == "10 tot 50"
    assert row["Gebruikt u al robots?"] == "ja"
    _name, body = download(organiser, organiser.get_by_role("link", name="Excel", exact=True).click)
    sheet = load_workbook(io.BytesIO(body)).active
    header, values = [[c.value for c in r] for r in sheet.iter_rows(max_row=2)]
    assert dict(zip(header, values, strict=True))["Bron"] == "noord-nieuwsbrief"
    assert header[-2:] == ["Hoeveel mensen werken er bij uw bedrijf?", "Gebruikt u al robots?"]
    assert values[-2:] == ["10 tot 50", "ja"]
    sources = live_site(f"/organiser/editions/{year}/sources")
    organiser.goto(sources)
    expect(organiser.locator("tr", has_text="Nieuwsbrief Noord")).to_contain_text("1")

    phone.goto(personal + "/erase")
    phone.check("#really")
    phone.get_by_role("button", name="Mijn gegevens wissen").click()
    phone.wait_for_url(re.compile(r".*/erased$"))
    with live_site.database() as session:
        assert session.scalar(db.select(db.func.count()).select_from(Answer)) == 0
        assert session.scalar(db.select(db.func.count()).select_from(Attendee)) == 0
        assert session.scalar(db.select(db.func.count()).select_from(SignupRequest)) == 0
        mails = session.scalars(db.select(OutboxMessage).filter_by(recipient=VISITOR)).all()
        assert mails == []
