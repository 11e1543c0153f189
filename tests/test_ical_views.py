"""The served calendar files: headers, 304 for polling clients, personal feeds, the buttons."""

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from flask import render_template_string
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.models import CANCELLED
from tests import factories


def session_by_slug(slug: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))


def events(response):
    return Calendar.from_ical(response.get_data()).walk("VEVENT")


def test_session_file_headers(client, make_edition):
    make_edition()
    response = client.get("/sessions/2021-noord.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="2021-noord.ics"'
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    (event,) = events(response)
    assert event["SUMMARY"] == "Digitaliseren begint bij je mensen"
    english = client.get("/sessions/2021-noord.ics?lang=en")
    assert events(english)[0]["SUMMARY"] == "Digitalisation starts with your people"
    assert english.headers["ETag"] != response.headers["ETag"]
    assert "Set-Cookie" not in english.headers  # calendar apps get no language cookie


def test_unknown_or_unpublished_gives_404(client, make_edition):
    edition = make_edition()
    assert client.get("/sessions/nope.ics").status_code == 404
    assert client.get("/editions/1999/calendar.ics").status_code == 404
    edition.published = False
    db.session.commit()
    assert client.get("/sessions/2021-noord.ics").status_code == 404
    assert client.get("/editions/2021/calendar.ics").status_code == 404


def test_a_matching_etag_or_date_gives_304_and_a_change_a_new_file(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    make_edition()
    first = client.get("/editions/2021/calendar.ics")
    assert first.status_code == 200
    assert first.headers["Content-Disposition"] == 'attachment; filename="jaarevent-2021.ics"'
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/editions/2021/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    by_date = client.get("/editions/2021/calendar.ics", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304

    clock.at(2026, 11, 25, 13)
    session = session_by_slug("2021-oost")
    session.apply_changes(start_at=session.start_at + timedelta(hours=1))
    db.session.commit()
    changed = client.get("/editions/2021/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    by_date = client.get("/editions/2021/calendar.ics", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 200
    session_file = client.get("/sessions/2021-oost.ics")
    assert events(session_file)[0]["SEQUENCE"] == 1


def test_personal_feed_has_only_confirmed_sessions_with_join_links(client, make_edition):
    edition = make_edition()
    noord, oost, zuid, west, zuidwest = edition.sessions
    for session in edition.sessions:
        session.stream_url = f"https://stream.example/room-{session.slug}"
    factories.attendee(west, "ander@example.nl")  # the last place in west
    me = "ondernemer@example.nl"
    for session, state in (
        (noord, "confirmed"),
        (zuid, "confirmed"),
        (oost, "pending"),
        (west, "waiting"),
        (zuidwest, "dropped"),
    ):
        attendee = factories.registration(session, me, state=state).attendee
    token = factories.manage_token(attendee)

    response = client.get(f"/my/{token}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    body = response.get_data(as_text=True)
    assert "stream.example" not in body
    found = {str(e["URL"]) for e in events(response)}
    assert found == {
        f"http://localhost/my/{token}/join/2021-noord?lang=nl",
        f"http://localhost/my/{token}/join/2021-zuid?lang=nl",
    }
    calendar = Calendar.from_ical(response.get_data())
    assert calendar["X-WR-CALNAME"] == "Smart Industry Jaarevent 2021: mijn sessies"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in body
    again = client.get(
        f"/my/{token}/calendar.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_personal_feed_404_for_unknown_or_forged_tokens(client, make_edition):
    edition = make_edition()
    attendee = factories.attendee(edition.sessions[0], "ondernemer@example.nl")
    token = factories.manage_token(attendee)
    assert client.get("/my/not-a-token/calendar.ics").status_code == 404
    assert client.get(f"/my/{token}x/calendar.ics").status_code == 404
    assert client.get(f"/my/{'a' * 500}/calendar.ics").status_code == 404
    # The stored hash itself is not a token.
    assert client.get(f"/my/{attendee.manage_token_hash}/calendar.ics").status_code == 404


def test_a_dropped_place_changes_the_personal_feed(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    edition = make_edition()
    registration = factories.registration(edition.sessions[0], "ondernemer@example.nl")
    factories.registration(edition.sessions[1], "ondernemer@example.nl")
    token = factories.manage_token(registration.attendee)
    first = client.get(f"/my/{token}/calendar.ics")
    clock.at(2026, 11, 25, 13)
    registration.state = CANCELLED
    registration.cancelled_at = clock.at(2026, 11, 25, 13)
    db.session.commit()
    headers = {"If-Modified-Since": first.headers["Last-Modified"]}
    later = client.get(f"/my/{token}/calendar.ics", headers=headers)
    assert later.status_code == 200 and len(events(later)) == 1


def test_programme_pages_offer_the_calendar(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    make_edition()
    make_edition(2027, starts_on=date(2027, 5, 31))
    html = client.get("/editions/2027").get_data(as_text=True)
    assert 'href="webcal://localhost/editions/2027/calendar.ics?lang=nl"' in html
    assert 'href="http://localhost/editions/2027/calendar.ics?lang=nl"' in html
    assert "Het programma in je agenda" in html
    # Cards carry one call to action; "add to calendar" is on each session's page.
    assert 'class="add-to-calendar"' not in html
    page = client.get("/sessions/2027-noord").get_data(as_text=True)
    assert page.count('class="add-to-calendar"') == 1
    assert 'href="/sessions/2027-noord.ics?lang=nl"' in page
    # Every link says which session it is about, for screen readers.
    assert '<span class="visually-hidden">: Digitaliseren begint bij je mensen</span>' in page

    google = unescape(re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page)[1])
    params = parse_qs(urlsplit(google).query)
    assert params["dates"] == ["20270531T130000Z/20270531T143000Z"]
    assert params["text"] == ["Digitaliseren begint bij je mensen"]
    assert params["ctz"] == ["Europe/Amsterdam"]
    outlook = unescape(re.search(r'href="(https://outlook\.live\.com/[^"]+)"', page)[1])
    assert parse_qs(urlsplit(outlook).query)["startdt"] == ["2027-05-31T13:00:00Z"]
    assert "Zet in je agenda" in page
    # A past edition is no longer offered as a subscription (its file still exists).
    assert "webcal:" not in client.get("/editions/2021").get_data(as_text=True)
    assert client.get("/editions/2021/calendar.ics").status_code == 200


def test_an_attendee_without_places_gets_a_valid_empty_feed(client, make_edition):
    edition = make_edition()
    registration = factories.registration(edition.sessions[0], "ondernemer@example.nl", "pending")
    token = factories.manage_token(registration.attendee)
    response = client.get(f"/my/{token}/calendar.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.get_data())
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1  # a calendar needs one component


def test_the_personal_feed_block_for_the_attendees_page(app, make_edition):
    """What the registration feature's /my/<token> page includes."""
    make_edition()
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "ical/_personal_feed.html" import personal_feed %}{{ personal_feed(t) }}',
            t="tok-123",
        )
    assert 'href="webcal://localhost/my/tok-123/calendar.ics"' in html
    assert 'href="http://localhost/my/tok-123/calendar.ics"' in html
    assert "Deel dit adres niet" in html


def test_add_to_calendar_links_keep_the_session_link_after_a_long_description(
    client, make_edition, clock
):
    """Google and Outlook take at most ``MAX_DETAILS`` characters of text: a long summary is
    cut, not the link to the session's page at the end (the event's only way back to it)."""
    clock.at(2026, 11, 25, 12)
    make_edition(2027, starts_on=date(2027, 5, 31))
    session = session_by_slug("2027-noord")
    session.description = "Hoe neem je je medewerkers mee in de digitalisering? " * 40
    db.session.commit()
    page = client.get("/sessions/2027-noord").get_data(as_text=True)
    for host, field in (("calendar.google.com", "details"), ("outlook.live.com", "body")):
        url = unescape(re.search(rf'href="(https://{re.escape(host)}/[^"]+)"', page)[1])
        text = parse_qs(urlsplit(url).query)[field][0]
        assert len(text) <= 1200
        assert "\nProgramma en details: http://localhost/sessions/2027-noord\n" in text
        assert "Hoe neem je je medewerkers mee" in text and "…" in text
