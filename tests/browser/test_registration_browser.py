"""A visitor signs up in a real browser: on a phone in Dutch from the programme to the
calendar and back out again, and in English through the form's errors first."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.registration.models import CANCELLED, Attendee
from tests.browser.harness import PHONE, download, expect, invites, screenshot, stream_url
from tests.helpers import links_in

MY_PAGE = re.compile(r".*/my/[^/?]+$")


def link_with(mail, pattern: str) -> str:
    """The first link in the mail's text that matches the regular expression."""
    return next(url for url in links_in(mail) if re.search(pattern, url))


def unfolded(ics: bytes) -> str:
    """The .ics text with folded lines joined, so addresses can be searched whole."""
    return re.sub(r"\r\n[ \t]", "", ics.decode())


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_dutch_phone_journey_from_programme_to_cancel(live_site, phone_page):
    page, email = phone_page, "anna@example.nl"
    first, second = live_site.slugs[:2]

    # The programme; a session's own sign-up button ticks that session on the form.
    page.goto(live_site("/"))
    screenshot(page, "programme-phone")
    card = page.locator(f"article[aria-labelledby='title-{first}']")
    card.get_by_role("link", name=re.compile(r"^Aanmelden")).click()
    page.wait_for_url(re.compile(rf".*/register\?session={first}$"))
    expect(page.locator(f"#session-{first}")).to_be_checked()
    page.check(f"#session-{second}")
    page.fill("#name", "Anna de Vries")
    page.fill("#email", email)
    page.fill("#organisation", "De Vries Metaal B.V.")
    page.check("#consent")
    screenshot(page, "register-phone")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r".*/register/sent$"))
    expect(page.locator("h1")).to_have_text("Kijk in je mailbox")
    expect(page.locator("#sent-to")).to_have_text(email)  # a typo would show here

    # The confirmation mail's link opens a page; only its button confirms.
    [confirm_mail] = live_site.mails(email, 1)
    assert confirm_mail["Subject"] == "Bevestig je aanmelding"
    page.goto(link_with(confirm_mail, "/confirm/"))
    page.get_by_role("button", name="Mijn aanmelding bevestigen").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator(".flash-success")).to_contain_text("Je bent aangemeld")

    # The second mail, the welcome, carries the personal link (and one PUBLISH file); an
    # invite per session follows, each a mail of its own (one iTIP object per mail).
    mails = live_site.mails(email, 4)
    welcome = mails[1]
    assert welcome["Subject"].startswith("Je bent aangemeld voor")
    assert invites(welcome, "REQUEST") == []
    assert [len(invites(m, "REQUEST")) for m in mails[2:]] == [1, 1]
    manage_link = link_with(welcome, r"/my/[^/?]+(\?lang=nl)?$")  # in the mail's language
    token = manage_link.rsplit("/", 1)[1].removesuffix("?lang=nl")
    page.goto(manage_link)
    expect(page.locator("main a[href*='/drop/']")).to_have_count(2)
    screenshot(page, "manage-phone")

    # The personal calendar (behind its disclosure): both sessions, Amsterdam time,
    # personal join links only.
    expect(page.get_by_role("link", name="Download je sessies (.ics)")).to_be_hidden()
    page.locator("summary", has_text="Je sessies in je agenda").click()
    name, ics = download(page, page.get_by_role("link", name="Download je sessies (.ics)").click)
    assert name.endswith("-mijn-sessies.ics")
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    uids = {}
    for event, slug in zip(events, (first, second), strict=True):
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert str(event["URL"]) == live_site(f"/my/{token}/join/{slug}?lang=nl")
        uids[slug] = str(event["UID"])
    text = unfolded(ics)
    assert "stream.example.net" not in text
    assert stream_url(first) not in text and stream_url(second) not in text

    # Drop one session, after the confirming page (one stray tap gives nothing away): the
    # place leaves the page, and a CANCEL for it arrives by mail.
    page.locator(f"a[href$='/drop/{first}']").click()
    page.wait_for_url(re.compile(rf".*/drop/{first}$"))
    expect(page.locator("h1")).to_have_text("Deze sessie weghalen?")
    screenshot(page, "drop-phone")
    page.get_by_role("link", name="Terug").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator("main a[href*='/drop/']")).to_have_count(2)  # nothing changed
    page.locator(f"a[href$='/drop/{first}']").click()
    page.get_by_role("button", name="Ja, uit mijn aanmelding halen").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator(".flash-success")).to_have_text("De sessie is uit je aanmelding gehaald.")
    expect(page.locator("main a[href*='/drop/']")).to_have_count(1)
    dropped_mail = live_site.mails(email, 5)[4]
    assert dropped_mail["Subject"] == "Er is een sessie uit je aanmelding gehaald"
    [cancel] = invites(dropped_mail, "CANCEL")
    assert [str(e["UID"]) for e in cancel.walk("VEVENT")] == [uids[first]]

    # Cancel everything, after the confirming page (behind "Mijn gegevens").
    page.locator("summary", has_text="Mijn gegevens").click()
    page.get_by_role("link", name="Mijn hele aanmelding annuleren").click()
    page.wait_for_url(re.compile(r".*/cancel$"))
    screenshot(page, "cancel-phone")
    page.get_by_role("button", name="Ja, alles annuleren").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator(".flash-success")).to_have_text("Je aanmelding is geannuleerd.")
    expect(page.get_by_text("Je bent voor geen enkele sessie aangemeld.")).to_be_visible()
    expect(page.locator("main a[href*='/drop/']")).to_have_count(0)
    last = live_site.mails(email, 6)[5]
    assert last["Subject"] == "Je aanmelding is geannuleerd"
    [cancel] = invites(last, "CANCEL")
    assert [str(e["UID"]) for e in cancel.walk("VEVENT")] == [uids[second]]

    # The calendar is empty now, and the database agrees: data kept, every place given up.
    feed = page.request.get(live_site(f"/my/{token}/calendar.ics"))
    assert Calendar.from_ical(feed.body()).walk("VEVENT") == []
    with live_site.database() as session:
        attendee = session.scalar(db.select(Attendee).filter_by(email=email))
        assert attendee.confirmed_at is not None and attendee.language == "nl"
        states = {r.session.slug: r.state for r in attendee.registrations}
        assert states == {first: CANCELLED, second: CANCELLED}
        assert all(r.cancelled_at for r in attendee.registrations)


ERRORS = {
    "name": "Please enter your name.",
    "email": "Please enter a valid email address, like name@company.nl.",
    "sessions-fieldset": "Please choose at least one session.",
    "consent": "Please agree to the privacy statement to sign up.",
}


def assert_error_at_field(page, field_id: str, message: str) -> None:
    """The message sits right above its field, inside the field's block, and the field
    points to it (aria-describedby) so a screen reader reads it with the field."""
    error_id = field_id.removesuffix("-fieldset") + "-error"
    error = page.locator(f"#{error_id}")
    expect(error).to_have_text(message)
    block = (
        page.locator(f"#{field_id}")
        if field_id.endswith("fieldset")
        else page.locator(".field", has=page.locator(f"#{field_id}"))
    )
    expect(block.locator(f"#{error_id}")).to_be_visible()
    described = page.locator(f"#{field_id}").get_attribute("aria-describedby") or ""
    assert error_id in described.split(), field_id
    error_box, field_box = error.bounding_box(), page.locator(f"#{field_id}").bounding_box()
    if not field_id.endswith("fieldset"):
        gap = field_box["y"] - (error_box["y"] + error_box["height"])
        assert 0 <= gap < 48, f"{field_id}: error {gap}px from its field"


def test_english_sign_up_shows_each_error_at_its_field_then_succeeds(live_site, make_page):
    page, email = make_page(PHONE, "en"), "jan@example.com"
    page.goto(live_site("/register"))
    expect(page.locator("h1")).to_contain_text("Sign up for")

    # Empty name, a bad address, no session, no consent.
    page.fill("#email", "jan@example")
    page.fill("#organisation", "Jansen Precision Ltd")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    expect(page.locator(".error-summary li")).to_have_count(len(ERRORS))
    for field_id, message in ERRORS.items():
        assert_error_at_field(page, field_id, message)
        assert page.locator(f".error-summary a[href='#{field_id}']").inner_text() == message
    # What was typed stays.
    expect(page.locator("#organisation")).to_have_value("Jansen Precision Ltd")
    expect(page.locator("#email")).to_have_value("jan@example")
    screenshot(page, "register-errors-phone-en")
    assert live_site.smtp.to(email) == []

    page.fill("#name", "Jan Jansen")
    page.fill("#email", email)
    page.check(f"#session-{live_site.slugs[2]}")
    page.check("#consent")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/register/sent$"))
    expect(page.locator("h1")).to_have_text("Check your mailbox")
    [confirm_mail] = live_site.mails(email, 1)
    assert confirm_mail["Subject"] == "Please confirm your registration"
    page.goto(link_with(confirm_mail, "/confirm/"))
    page.get_by_role("button", name="Confirm my registration").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator("h1")).to_have_text("My registration")
    expect(page.locator("main a[href*='/drop/']")).to_have_count(1)
    welcome = live_site.mails(email, 2)[1]
    assert welcome["Subject"].startswith("You are signed up for")
