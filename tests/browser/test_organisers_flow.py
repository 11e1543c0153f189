"""An organiser's day in a real browser: log in, read the counts and the chart, search the
attendee list, download the CSV, move a session, and the attendees' calendars follow."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.browser.harness import (
    DESKTOP,
    create_organiser,
    download,
    expect,
    invites,
    log_in,
    screenshot,
    sign_up_directly,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_hub_organiser_moves_a_session_and_the_invite_follows(live_site, make_page):
    slug = live_site.slugs[0]  # hosted by the Noord hub
    hub = create_organiser(live_site, "noord@example.org", "--role", "region", "--region", "noord")
    anna = sign_up_directly(live_site, "anna@example.nl", slugs=[slug, live_site.slugs[1]])
    sign_up_directly(
        live_site, "jan@example.com", "en", slugs=[slug], name="Jan Jansen", organisation="Jansen"
    )
    sign_up_directly(live_site, "piet@example.nl", slugs=[slug], name="Piet", confirm=False)
    page = make_page(DESKTOP, "nl")
    before = Calendar.from_ical(
        page.request.get(live_site(f"/my/{anna.manage_token}/calendar.ics")).body()
    )
    first_event = before.walk("VEVENT")[0]

    # The dashboard: this hub's session only, its counts, and the chart of sign-ups.
    log_in(page, live_site, hub)
    row = page.locator(f"#session-{slug}")
    expect(page.locator("tbody tr[id^='session-']")).to_have_count(1)  # not the funnel's rows
    expect(row.locator("[data-count=confirmed]")).to_have_text("2")
    expect(row.locator("[data-count=pending]")).to_have_text("1")
    expect(page.locator("#total-attendees")).to_have_text("2")
    chart = page.get_by_role("img", name=re.compile(r"^Aanmeldingen per dag"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(1)
    screenshot(page, "organisers-dashboard-desktop")

    # The attendee list, searched.
    row.get_by_role("link", name="Deelnemers").click()
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/attendees$"))
    expect(page.locator("main tbody tr")).to_have_count(3)
    page.fill("#q", "jansen")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r".*[?&]q=jansen"))
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main tbody tr")).to_contain_text("jan@example.com")

    # The whole list as CSV, read back as a spreadsheet would.
    name, body = download(page, page.get_by_role("link", name="CSV", exact=True).click)
    assert re.fullmatch(rf".+_{slug}_attendees_\d{{4}}-\d{{2}}-\d{{2}}\.csv", name), name
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {r["E-mailadres"]: r["Status"] for r in rows} == {
        "anna@example.nl": "bevestigd",
        "jan@example.com": "bevestigd",
        "piet@example.nl": "nog niet bevestigd",
    }
    assert {r["Sessie"] for r in rows} == {first_event["SUMMARY"]}

    # Move the session one hour later.
    page.goto(live_site("/organiser/"))
    row.locator("summary", has_text="Meer").click()  # the row's compact menu
    row.get_by_role("link", name="Bewerken").click()
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/edit$"))
    start = datetime.fromisoformat(page.input_value("#start_at")).replace(tzinfo=AMSTERDAM)
    end = datetime.fromisoformat(page.input_value("#end_at")).replace(tzinfo=AMSTERDAM)
    new_start, new_end = start.replace(hour=start.hour + 1), end.replace(hour=end.hour + 1)
    page.fill("#start_at", new_start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#end_at", new_end.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".flash-success")).to_contain_text("bijgewerkte agenda-uitnodiging")

    # Each attendee with a place gets the updated invite: same event, later, a higher SEQUENCE.
    for address in ("anna@example.nl", "jan@example.com"):
        [mail] = live_site.mails(address, 1)
        [invite] = invites(mail, "REQUEST")
        [event] = invite.walk("VEVENT")
        assert str(invite["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == str(first_event["UID"])
        assert event["SEQUENCE"] > first_event.get("SEQUENCE", 0)
        assert event["DTSTART"].dt == new_start and event["DTEND"].dt == new_end
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert live_site.smtp.to("piet@example.nl") == []  # not confirmed: no appointment
    with live_site.database() as session:
        moved = session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        assert moved.start_at == new_start and moved.end_at == new_end
