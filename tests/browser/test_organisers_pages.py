"""The organiser pages in a real browser: axe-core, CSP, phone and desktop layouts."""

from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.organisers.accounts import create_organiser
from eventsite.programme.models import Edition
from eventsite.registration.models import Attendee, Registration
from tests.browser.conftest import DESKTOP, PHONE, new_page, screenshot, serious_violations
from tests.conftest import ORGANISER_PASSWORD


@pytest.fixture
def organiser_site(live_site):
    with live_site.app.app_context():
        create_organiser("admin@example.org", "admin", password=ORGANISER_PASSWORD)
        edition = db.session.scalar(db.select(Edition).order_by(Edition.year.desc()))
        for i in range(12):
            session = edition.sessions[i % 5]
            attendee = Attendee(
                edition=edition,
                email=f"p{i}@example.nl",
                name=f"Deelnemer {i} <script>x</script>",
                organisation=f"Metaalbewerking Jansen en Zonen BV {i % 4}",
                role="Directeur-eigenaar",
                consent_version="2026-1",
            )
            state = ("confirmed", "pending", "waiting")[i % 3]
            db.session.add(
                Registration(
                    attendee=attendee,
                    session=session,
                    state=state,
                    created_at=utcnow() - timedelta(days=i % 4, hours=1),
                )
            )
            if state == "confirmed":
                session.confirmed_count += 1
        for session in edition.sessions:
            session.capacity = 50
        slug = edition.sessions[0].slug
        db.session.commit()
        db.session.remove()
    return live_site, slug


def log_in(page, site):
    page.goto(site("/organiser/login"))
    page.fill("#email", "admin@example.org")
    page.fill("#password", ORGANISER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site("/organiser/"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_organiser_pages_are_accessible_and_fit(organiser_site, browser, viewport):
    site, slug = organiser_site
    page = new_page(browser, viewport)
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(site("/organiser/login"))
        assert serious_violations(page) == []
        log_in(page, site)
        name = "phone" if viewport is PHONE else "desktop"
        for path, shot in (
            ("/organiser/", "dashboard"),
            (f"/organiser/sessions/{slug}/attendees", "attendees"),
            (f"/organiser/sessions/{slug}/edit", "edit"),
            ("/organiser/audit", "audit"),
        ):
            page.goto(site(path))
            assert serious_violations(page) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            screenshot(page, f"organisers-{shot}-{name}")
            if shot == "dashboard":
                assert page.locator("svg.chart-svg rect.bar").count() == 4
        assert csp_errors == []
    finally:
        page.context.close()
