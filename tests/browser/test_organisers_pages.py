"""The organiser pages in a real browser: axe-core in Dutch and English, no CSP errors, and
the layouts fit a phone and a desktop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.mail.models import UndeliverableAddress
from eventsite.mail.sender import send_queued
from eventsite.programme.models import Edition
from eventsite.registration.models import Attendee, Registration
from tests.browser.harness import DESKTOP, PHONE, assert_accessible, expect, log_in, screenshot


@pytest.fixture
def busy_site(live_site, organiser_account):
    """Twelve people in every state over four days, with names that try to be markup."""
    with live_site.database() as session:
        edition = session.scalar(db.select(Edition).order_by(Edition.year.desc()))
        for i in range(12):
            programme_session = edition.sessions[i % 5]
            attendee = Attendee(
                edition=edition,
                email=f"p{i}@example.nl",
                name=f"Deelnemer {i} <script>x</script>",
                organisation=f"Metaalbewerking Jansen en Zonen BV {i % 4}",
                role="Directeur-eigenaar",
                consent_version="2026-1",
            )
            state = ("confirmed", "pending", "waiting")[i % 3]
            session.add(
                Registration(
                    attendee=attendee,
                    session=programme_session,
                    state=state,
                    created_at=utcnow() - timedelta(days=i % 4, hours=1),
                )
            )
            if state == "confirmed":
                programme_session.confirmed_count += 1
        for programme_session in edition.sessions:
            programme_session.capacity = 50
        # A waiting-list address bounced for good: a marker in the list, a count on the dashboard.
        session.add(UndeliverableAddress(address="p5@example.nl", reason="5.1.1 user unknown"))
        session.commit()
    return live_site


@pytest.mark.parametrize(
    ("language", "viewport"),
    # Both languages on the phone's stacked tables; the desktop layout once.
    [("nl", PHONE), ("en", PHONE), ("nl", DESKTOP)],
    ids=["nl-phone", "en-phone", "nl-desktop"],
)
def test_organiser_pages_are_accessible_and_fit(
    busy_site, organiser_account, make_page, language, viewport
):
    site, slug = busy_site, busy_site.slugs[0]
    page = make_page(viewport, language)
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    def check(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, label
        assert_accessible(page, label)

    for path in ("/organiser/login", "/organiser/password/forgot", "/organiser/password/reset/x"):
        page.goto(site(path))
        check(path)
    # A wrong password: the error on the login page.
    page.goto(site("/organiser/login"))
    page.fill("#email", organiser_account)
    page.fill("#password", "not the password")
    page.locator("main button[type=submit]").click()
    expect(
        page.locator("main .flash, main .error-summary, main .field-error").first
    ).to_be_visible()
    check("login with an error")

    log_in(page, site, organiser_account)
    device = "phone" if viewport is PHONE else "desktop"
    for path, shot in (
        ("/organiser/", "dashboard"),
        (f"/organiser/sessions/{slug}/attendees", "attendees"),
        (f"/organiser/sessions/{slug}/attendees?q=nobody", None),
        (f"/organiser/sessions/{slug}/edit", "edit"),
        (f"/organiser/sessions/{slug}/cancel", None),
        ("/organiser/audit", "audit"),
        ("/organiser/mail", "mail"),
        (f"/organiser/sessions/{slug}/feedback", "feedback"),
        ("/organiser/feedback", None),
        ("/organiser/keep-me-posted", None),
        ("/organiser/accounts", "accounts"),
        ("/organiser/accounts/invite", None),
        ("/organiser/accounts/1", None),  # the admin's own account
        ("/organiser/profile", "profile"),
    ):
        page.goto(site(path))
        check(path)
        if shot:
            screenshot(page, f"organisers-{shot}-{device}-{language}")
        if shot == "dashboard":
            assert page.locator("svg.chart-svg rect.bar").count() == 4
            assert page.inner_text("#total-undeliverable") == "1"
        if shot == "attendees":
            expect(page.locator("main .badge-undeliverable")).to_have_count(1)
            if viewport is DESKTOP:  # every column in sight on a 1280 px laptop, no scrolling
                frame = page.locator("main .table-wrap")
                assert frame.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls"
    # The edit form sent with errors.
    page.goto(site(f"/organiser/sessions/{slug}/edit"))
    page.fill("#title", "")
    page.fill("#end_at", "")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("main .error-summary")).to_be_visible()
    check("edit with errors")
    # No markup from attendees' names ever runs or shows as tags.
    page.goto(site(f"/organiser/sessions/{slug}/attendees"))
    expect(page.locator("main script")).to_have_count(0)
    # A message to the attendees: preview, then send, then its progress page.
    page.goto(site(f"/organiser/sessions/{slug}/messages"))
    check("messages")
    page.fill("#subject_nl", "De stream begint later")
    page.fill("#body_nl", "We beginnen tien minuten later: https://example.nl/" + "x" * 80)
    page.click("button[name=preview]")
    assert "tien minuten later" in page.inner_text(".mail-preview")
    check("message preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    site.app.config["MESSAGES_SEND_AT_ONCE_MAX"] = 0  # as a large send: left to the workers
    page.click("button[name=send]")
    page.wait_for_url(site(f"/organiser/sessions/{slug}/messages/*"))
    assert page.get_attribute("#progress", "data-done") == "false"
    check("message progress")
    with site.app.app_context():
        send_queued()
        db.session.remove()
    # The optional script fetches the new numbers without a reload.
    page.wait_for_selector("#progress[data-done=true]", timeout=15_000)
    screenshot(page, f"organisers-message-{device}-{language}")
    assert csp_errors == []
