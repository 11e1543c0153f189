"""The public face in a browser: the first session card on a phone's first screen, the share
tags and JSON-LD a shared link shows, and the README's screenshots (phone and desktop, Dutch
and English) of the programme, a session, the sign-up with errors, check-your-mail, the
personal page and the dashboard."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.typos import suggest
from tests.browser.harness import (
    DESKTOP,
    assert_accessible,
    create_organiser,
    expect,
    log_in,
    screenshot,
    sign_up_directly,
)

SMALL_PHONE = {"width": 360, "height": 800}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_first_card_is_on_the_first_phone_screen(live_site, make_page, language):
    page = make_page(SMALL_PHONE, language)
    page.goto(live_site(f"/?lang={language}"))
    card = page.locator("article.session-card").first
    box = card.bounding_box()
    assert box["y"] + box["height"] <= 800, box  # the whole card, its button included
    button = card.locator(".button")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= 800
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"programme-phone-{language}", full_page=False)


def test_session_page_share_tags_and_json_ld_have_the_real_times(live_site, make_page):
    slug = live_site.slugs[0]
    page = make_page(SMALL_PHONE, "nl")
    page.goto(live_site(f"/sessions/{slug}"))
    tags = {
        key: page.locator(f"meta[property='{key}'], meta[name='{key}']").get_attribute("content")
        for key in ("og:title", "og:description", "og:image", "og:url", "twitter:card",
                    "twitter:image", "description")
    }
    assert all(tags.values()), tags
    assert tags["og:image"].endswith(f"/sessions/{slug}/share.png")
    image = page.request.get(tags["og:image"])
    assert image.ok and image.headers["content-type"] == "image/png"

    data = json.loads(page.locator("script[type='application/ld+json']").text_content())
    with live_site.database() as session:
        row = session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        zone = ZoneInfo(row.edition.timezone)
        start, end, title = row.start_at.astimezone(zone), row.end_at.astimezone(zone), row.title
    assert data["@type"] == "Event" and data["name"] == title
    assert data["startDate"] == start.replace(microsecond=0).isoformat()
    assert data["endDate"] == end.replace(microsecond=0).isoformat()
    assert data["location"]["@type"] == "VirtualLocation"
    # The call to action is on the first screen.
    button = page.locator("#join .button")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= 800


TYPED = ["jan@gmial.com", "JAN@Hotmial.NL", "piet@outlok.nl", "anna@jansenmetaal.nl",
         "anna@gmail.com", "kees@zigo.nl", "no-at-sign", "a@b"]


@pytest.mark.parametrize("language, question, button, taken", [
    ("nl", "Bedoel je jan@gmail.com?", "Ja, gebruik jan@gmail.com",
     "Het adres is nu jan@gmail.com."),
    ("en", "Did you mean jan@gmail.com?", "Yes, use jan@gmail.com",
     "The address is now jan@gmail.com."),
])
def test_did_you_mean_shows_while_typing(live_site, make_page, language, question, button, taken):
    """The typo question under the email field before sending, with a button to take it."""
    page = make_page(SMALL_PHONE, language)
    page.goto(live_site(f"/register?lang={language}&session={live_site.slugs[0]}"))
    hint = page.locator("#email-suggestion")
    assert hint.get_attribute("aria-live") == "polite"
    for typed in TYPED:  # the same answer as the server's check, from the same list
        page.fill("#email", typed)
        page.dispatch_event("#email", "change")
        expected = suggest(typed)
        if expected:
            expect(hint.locator("strong")).to_have_text(expected)
        else:
            expect(hint).to_be_empty()
    page.fill("#email", "jan@gmial.com")
    page.locator("#organisation").focus()  # leaving the field asks
    expect(hint.locator("p")).to_have_text(f"{question} {button}")
    email_box, hint_box = page.locator("#email").bounding_box(), hint.bounding_box()
    assert hint_box["y"] >= email_box["y"] + email_box["height"]  # under the field
    assert hint_box["x"] + hint_box["width"] <= 360
    screenshot(page, f"face-typo-hint-{language}", full_page=False)
    assert_accessible(page, f"did you mean ({language})")
    hint.get_by_role("button", name=button).click()
    expect(page.locator("#email")).to_have_value("jan@gmail.com")
    expect(page.locator("#email")).to_be_focused()
    expect(hint).to_have_text(taken)
    # Taken: the form goes through without the server asking again.
    page.fill("#name", "Jan Jansen")
    page.fill("#organisation", "Jansen Metaal")
    page.check("#consent")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#sent-to")).to_have_text("jan@gmail.com")


def test_did_you_mean_asked_while_typing_is_not_asked_again(live_site, make_page):
    """Shown under the field and left as it is, the address is kept as typed on sending."""
    page = make_page(SMALL_PHONE, "nl")
    page.goto(live_site(f"/register?lang=nl&session={live_site.slugs[0]}"))
    page.fill("#name", "Jan Jansen")
    page.fill("#email", "jan@hotmial.nl")
    page.fill("#organisation", "Jansen Metaal")
    expect(page.locator("#email-suggestion strong")).to_have_text("jan@hotmail.nl")
    page.check("#consent")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#sent-to")).to_have_text("jan@hotmial.nl")


def test_did_you_mean_from_the_server_is_not_repeated_under_the_field(live_site, make_page):
    """After the server asked (the field's error), leaving the field adds no second question."""
    page = make_page(SMALL_PHONE, "nl")
    page.goto(live_site(f"/register?lang=nl&session={live_site.slugs[0]}"))
    page.evaluate("document.getElementById('email').value = 'jan@gmial.com'")  # no events
    page.locator("form button[type=submit]").click()
    expect(page.locator("#email-error")).to_contain_text("Bedoel je jan@gmail.com?")
    page.focus("#email")
    page.focus("#organisation")
    expect(page.locator("#email-suggestion")).to_be_empty()
    page.fill("#email", "jan@hotmial.nl")
    page.focus("#organisation")
    expect(page.locator("#email-suggestion strong")).to_have_text("jan@hotmail.nl")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_screenshots_for_the_readme(live_site, make_page, language):
    person = sign_up_directly(live_site, f"anna.{language}@example.nl", language)
    admin = create_organiser(live_site, f"beheer.{language}@example.org", "--role", "admin")
    for device, viewport in (("phone", SMALL_PHONE), ("desktop", DESKTOP)):
        page = make_page(viewport, language)
        suffix = f"{device}-{language}"
        for name, path in (("programme", "/"), ("session", f"/sessions/{live_site.slugs[0]}"),
                           ("personal", f"/my/{person.manage_token}")):
            page.goto(live_site(f"{path}?lang={language}"))
            screenshot(page, f"face-{name}-{suffix}", full_page=False)
        page.goto(live_site(f"/register?lang={language}&session={live_site.slugs[0]}"))
        page.fill("#email", "jan@gmial.com")
        page.locator("form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        screenshot(page, f"face-register-errors-{suffix}", full_page=False)
        page.fill("#name", "Jan Jansen")
        page.fill("#organisation", "Jansen Metaal")
        page.check("#consent")
        page.locator("form button[type=submit]").click()  # keep the address as typed
        expect(page.locator("#sent-to")).to_have_text("jan@gmial.com")
        screenshot(page, f"face-sent-{suffix}", full_page=False)
        log_in(page, live_site, admin)
        page.goto(live_site(f"/organiser/?lang={language}"))
        screenshot(page, f"face-dashboard-{suffix}", full_page=device == "desktop")
