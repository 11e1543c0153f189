"""After the session in a real browser: the attendee who joined opens the feedback link from
the recording mail on a phone (360 x 800), answers, changes the answer; the hub sees it in its
chart and downloads it; an attendee who did not join is not asked."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.messaging.services import send_recording
from eventsite.organisers.accounts import find as find_organiser
from eventsite.programme.models import ProgrammeSession
from tests.browser.harness import (
    DESKTOP,
    assert_accessible,
    create_organiser,
    download,
    expect,
    log_in,
    screenshot,
    sign_up_directly,
)
from tests.helpers import links_in

PHONE_800 = {"width": 360, "height": 800}


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_feedback_on_a_phone_from_the_recording_mail_to_the_organisers_chart(
    live_site, make_page, clock
):
    slug = live_site.slugs[0]  # hosted by the Noord hub
    hub = create_organiser(live_site, "noord@example.org", "--role", "region", "--region", "noord")
    came = sign_up_directly(live_site, "kwam@example.nl", slugs=[slug])
    missed = sign_up_directly(live_site, "gemist@example.nl", slugs=[slug])
    with live_site.database() as session_db:
        session = session_db.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        start, end = session.start_at, session.end_at
    # Kees joins through his personal link during the session; Gea does not.
    clock.set(start + timedelta(minutes=5))
    with live_site.app.test_client() as visitor:
        assert visitor.get(f"/my/{came.manage_token}/join/{slug}").status_code == 303

    # Past the session's end the hub sends "the recording is online".
    clock.set(end + timedelta(hours=1))
    with live_site.database() as session_db:
        session = session_db.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        session.recording_url = "https://video.example/noord"
        with unit_of_work():
            send_recording(session, find_organiser(hub), key="browser-recording")
        send_queued()
    recording = next(
        m
        for m in live_site.smtp.messages
        if m["To"] == "kwam@example.nl" and "opname" in m["Subject"]
    )
    feedback_link = next(u for u in links_in(recording) if "/feedback/" in u)

    # On a phone: answer, then change the answer.
    page = make_page(PHONE_800, "nl")
    page.goto(feedback_link)
    expect(page.locator("h1")).to_contain_text("Hoe was")
    page.get_by_role("button", name="Feedback versturen").click()  # nothing chosen yet
    expect(page.locator(".field-error")).to_contain_text("Kies een beoordeling van 1 tot 5.")
    page.get_by_label("4 – goed").check()
    page.get_by_label("Wat ga je ermee doen? (optioneel)").fill("Een sensor op de draaibank")
    screenshot(page, "feedback-phone")
    assert_accessible(page, "feedback form")
    page.get_by_role("button", name="Feedback versturen").click()
    expect(page.locator("body")).to_contain_text("Je antwoord is opgeslagen")
    expect(page.get_by_label("4 – goed")).to_be_checked()
    page.get_by_label("5 – uitstekend").check()
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(page.get_by_label("5 – uitstekend")).to_be_checked()
    expect(page.locator("#keep-posted-link")).to_be_visible()

    # Gea was not there: her personal page offers nothing, and the link is a kind no.
    page.goto(live_site(f"/my/{missed.manage_token}"))
    expect(page.get_by_role("link", name=re.compile("Feedback"))).to_have_count(0)
    page.goto(live_site(f"/my/{missed.manage_token}/feedback/{slug}"))
    expect(page.locator("#feedback-not-open")).to_contain_text("niet gezien")

    # The hub: one answer, rated 5, in the chart, the table and the download.
    desk = make_page(DESKTOP, "nl")
    log_in(desk, live_site, hub)
    desk.goto(live_site(f"/organiser/sessions/{slug}/feedback"))
    expect(desk.locator("#feedback-count")).to_have_text("1")
    expect(desk.locator('rect.bar[data-rating="5"]')).to_have_attribute("data-count", "1")
    expect(desk.locator('#rating-table tr[data-rating="5"] td.num')).to_have_text("1")
    expect(desk.locator(".feedback-answers")).to_contain_text("Een sensor op de draaibank")
    screenshot(desk, "organiser-feedback-desktop")
    name, body = download(desk, lambda: desk.get_by_role("link", name="CSV", exact=True).click())
    assert name.endswith(".csv") and "_feedback_" in name
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][1] == "kwam@example.nl" and rows[1][4] == "5"
    assert len(rows) == 2
