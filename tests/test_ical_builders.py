"""The calendar files: every required property, the time zone, escaping, UID and SEQUENCE."""

from datetime import UTC, date, datetime, timedelta

import vobject
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.ical import builders
from eventsite.ical.addresses import page_url
from eventsite.ical.builders import event_uid
from eventsite.programme.models import CANCELLED, ProgrammeSession
from tests import factories


def session_by_slug(slug: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))


def only_event(body: bytes):
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event


def check_rfc5545(body: bytes, events: int) -> Calendar:
    """What every file must have: parseable, CRLF, folded, the calendar and event properties."""
    text = body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == builders.PRODID
    assert calendar["CALSCALE"] == "GREGORIAN"
    tzids = {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")}
    assert tzids == {"Europe/Amsterdam"}
    (zone,) = calendar.walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    found = calendar.walk("VEVENT")
    assert len(found) == events
    for event in found:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL"):
            assert name in event, name
        assert "DURATION" not in event
        assert event["LOCATION"] == "Online"
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert event["DTEND"].params["TZID"] == "Europe/Amsterdam"
        assert event["DTSTAMP"].dt.tzinfo is not None and event[
            "DTSTAMP"
        ].dt.utcoffset() == timedelta(0)
        assert "SEQUENCE" in event and "STATUS" in event
    return calendar


def test_a_session_file_has_everything_and_15_00_cest_is_13_00_utc(app, make_edition):
    make_edition()
    session = session_by_slug("2021-noord")
    body = builders.session_calendar(session, page_url_for=page_url)
    check_rfc5545(body, events=1)
    event = only_event(body)
    assert "METHOD" not in Calendar.from_ical(body)
    assert event["UID"] == event_uid(session) == f"{session.uid}@jaarevent.smartindustry.nl"
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2021, 5, 31, 13, tzinfo=UTC)
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2021, 5, 31, 14, 30, tzinfo=UTC)
    assert event["SUMMARY"] == "Digitaliseren begint bij je mensen"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event["URL"] == "http://localhost/sessions/2021-noord"
    description = str(event["DESCRIPTION"])
    assert "Thema: Mens en technologie" in description
    assert "Georganiseerd door Smart Industry Hub Noord" in description
    assert "Voorbeeldspreker A (Directeur-eigenaar, Voorbeeld Metaal B.V.)" in description
    assert "http://localhost/sessions/2021-noord" in description
    assert "voorbeelden" in description  # the invented values are marked
    assert "<" not in description  # plain text


def test_the_second_parser_reads_the_same_instant(app, make_edition):
    make_edition()
    session = session_by_slug("2021-noord")
    parsed = vobject.readOne(builders.session_calendar(session, page_url_for=page_url).decode())
    assert parsed.vevent.dtstart.value.astimezone(UTC) == datetime(2021, 5, 31, 13, tzinfo=UTC)
    assert parsed.vevent.uid.value == event_uid(session)


def test_a_winter_session_is_utc_plus_one_in_both_parsers(app, make_edition):
    make_edition()
    make_edition(2030, starts_on=date(2030, 11, 25))
    session = session_by_slug("2030-noord")
    body = builders.session_calendar(session, page_url_for=page_url)
    check_rfc5545(body, events=1)
    assert "DTSTART;TZID=Europe/Amsterdam:20301125T150000" in body.decode()
    assert only_event(body)["DTSTART"].dt.astimezone(UTC) == datetime(2030, 11, 25, 14, tzinfo=UTC)
    parsed = vobject.readOne(body.decode())
    assert parsed.vevent.dtstart.value.astimezone(UTC) == datetime(2030, 11, 25, 14, tzinfo=UTC)


def test_commas_semicolons_newlines_and_dutch_characters_survive(app, make_edition):
    make_edition()
    session = session_by_slug("2021-oost")
    title = "Data, sensoren; en\nmeer: café ë \\ ÿ"
    session.apply_changes(title=title, theme="Één; twee, drie")
    db.session.commit()
    body = builders.session_calendar(session, page_url_for=page_url)
    check_rfc5545(body, events=1)
    raw = body.decode()
    assert "SUMMARY:Data\\, sensoren\\; en\\nmeer: café ë \\\\ ÿ" in raw
    assert only_event(body)["SUMMARY"] == title
    assert vobject.readOne(raw).vevent.summary.value == title
    assert "Thema: Één; twee, drie" in vobject.readOne(raw).vevent.description.value


def test_long_dutch_text_is_folded_between_characters_not_inside_them(app, make_edition):
    make_edition()
    session = session_by_slug("2021-zuid")
    session.description = "ë" * 200
    db.session.commit()
    body = builders.session_calendar(session, page_url_for=page_url)
    check_rfc5545(body, events=1)  # decodes as UTF-8 and every line has at most 75 octets
    assert "ë" * 200 in str(only_event(body)["DESCRIPTION"])


def test_the_uid_survives_edits_and_the_sequence_grows(app, make_edition):
    make_edition()
    session = session_by_slug("2021-west")
    before = only_event(builders.session_calendar(session, page_url_for=page_url))
    session.apply_changes(
        title="Nieuwe titel",
        start_at=session.start_at + timedelta(hours=1),
        end_at=session.end_at + timedelta(hours=1),
    )
    db.session.commit()
    after = only_event(builders.session_calendar(session, page_url_for=page_url))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["DTSTART"].dt.astimezone(UTC) == datetime(2021, 6, 3, 14, tzinfo=UTC)
    session.apply_changes(capacity=10)  # not in a calendar: no new sequence
    db.session.commit()
    again = only_event(builders.session_calendar(session, page_url_for=page_url))
    assert again["SEQUENCE"] == after["SEQUENCE"]


def test_a_rolled_over_session_is_a_new_event(app, make_edition):
    make_edition()
    make_edition(2027)
    old, new = session_by_slug("2021-noord"), session_by_slug("2027-noord")
    old_uid = only_event(builders.session_calendar(old, page_url_for=page_url))["UID"]
    new_uid = only_event(builders.session_calendar(new, page_url_for=page_url))["UID"]
    assert old_uid != new_uid and new_uid == event_uid(new)


def test_a_cancelled_session_says_so(app, make_edition):
    make_edition()
    session = session_by_slug("2021-zuidwest")
    session.apply_changes(status=CANCELLED)
    db.session.commit()
    event = only_event(builders.session_calendar(session, page_url_for=page_url))
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert event["SUMMARY"].startswith("Geannuleerd: ")


def test_english_texts_on_request(app, make_edition):
    make_edition()
    session = session_by_slug("2021-noord")
    event = only_event(builders.session_calendar(session, page_url_for=page_url, language="en"))
    assert event["SUMMARY"] == "Digitalisation starts with your people"
    assert "Hosted by Smart Industry Hub North" in str(event["DESCRIPTION"])
    assert "Theme: People and technology" in str(event["DESCRIPTION"])


def test_the_edition_feed_has_a_name_and_refresh_hints(app, make_edition):
    edition = make_edition()
    body = builders.edition_calendar(edition, edition.sessions, page_url_for=page_url)
    calendar = check_rfc5545(body, events=5)
    raw = body.decode()
    assert calendar["X-WR-CALNAME"] == "Smart Industry Jaarevent 2021"
    assert "NAME:Smart Industry Jaarevent 2021\r\n" in raw
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in raw
    assert "X-PUBLISHED-TTL:PT12H\r\n" in raw
    assert "METHOD" not in calendar
    uids = [e["UID"] for e in calendar.walk("VEVENT")]
    assert len(set(uids)) == 5
    published = builders.edition_calendar(
        edition, edition.sessions, page_url_for=page_url, method="PUBLISH"
    )
    assert Calendar.from_ical(published)["METHOD"] == "PUBLISH"
    # The same programme gives the same bytes: polling clients can get 304.
    assert body == builders.edition_calendar(edition, edition.sessions, page_url_for=page_url)


def test_the_personal_feed_carries_join_links_and_never_the_stream(app, make_edition):
    edition = make_edition()
    session = edition.sessions[0]
    session.stream_url = "https://stream.example/secret-room"
    attendee = factories.attendee(session, "ondernemer@example.nl", language="en")
    token = factories.manage_token(attendee)
    body = builders.personal_calendar(
        attendee,
        [session],
        lambda s: f"http://localhost/my/{token}/join/{s.slug}",
        page_url_for=page_url,
    )
    check_rfc5545(body, events=1)
    event = only_event(body)
    join = f"http://localhost/my/{token}/join/2021-noord"
    assert event["URL"] == join and join in str(event["DESCRIPTION"])
    assert "secret-room" not in body.decode()
    assert "my sessions" in Calendar.from_ical(body)["X-WR-CALNAME"]


def test_an_invite_has_organizer_attendee_and_method(app, make_edition, clock):
    clock.at(2021, 5, 1, 12)
    edition = make_edition()
    session = edition.sessions[1]
    attendee = factories.attendee(session, "ondernemer@example.nl", name="Jansen, Piet; jr.")
    body = builders.invite(
        session,
        attendee,
        "REQUEST",
        organizer_email="jaarevent@smartindustry.nl",
        organizer_name="Smart Industry Jaarevent",
        page_url=page_url(session),
        stamp=datetime(2021, 5, 1, 12, tzinfo=UTC),
    )
    calendar = check_rfc5545(body, events=1)
    assert calendar["METHOD"] == "REQUEST"
    event = only_event(body)
    assert event["ORGANIZER"] == "mailto:jaarevent@smartindustry.nl"
    assert event["ORGANIZER"].params["CN"] == "Smart Industry Jaarevent"
    assert event["ATTENDEE"] == "mailto:ondernemer@example.nl"
    assert event["ATTENDEE"].params["CN"] == "Jansen, Piet; jr."
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert event["DTSTAMP"].dt == datetime(2021, 5, 1, 12, tzinfo=UTC)
    assert "bevestigingsmail" in str(event["DESCRIPTION"])  # where the join link is
    # vobject agrees on the attendee's parameters (quoted because of the comma).
    parsed = vobject.readOne(body.decode())
    assert parsed.vevent.attendee.params["CN"] == ["Jansen, Piet; jr."]


def test_what_one_attendee_gets_carries_their_own_sequence(app, make_edition, clock):
    """An attendee's invites, welcome file and feed say their sequence; public files the
    session's revision."""
    clock.at(2021, 5, 1, 12)
    session = make_edition().sessions[0]
    session.revision = 2
    attendee = factories.attendee(session, "ondernemer@example.nl")
    invite = builders.invite(
        session,
        attendee,
        "CANCEL",
        organizer_email="jaarevent@smartindustry.nl",
        organizer_name="Smart Industry Jaarevent",
        page_url=page_url(session),
        stamp=datetime(2021, 5, 1, 12, tzinfo=UTC),
        sequence=5,
    )
    assert only_event(invite)["SEQUENCE"] == 5
    mine = {"sequence_for": lambda s: 5, "page_url_for": page_url}
    welcome = builders.sessions_calendar(attendee, [session], lambda s: None, **mine)
    feed = builders.personal_calendar(attendee, [session], lambda s: None, **mine)
    assert only_event(welcome)["SEQUENCE"] == only_event(feed)["SEQUENCE"] == 5
    public = builders.session_calendar(session, page_url_for=page_url)
    assert only_event(public)["SEQUENCE"] == 2


def test_vobject_reads_the_whole_feed_and_an_invite(app, make_edition):
    edition = make_edition()
    feed = builders.edition_calendar(edition, edition.sessions, page_url_for=page_url)
    parsed = vobject.readOne(feed.decode())
    starts = sorted(e.dtstart.value.astimezone(UTC) for e in parsed.vevent_list)
    days = [(5, 31), (6, 1), (6, 2), (6, 3), (6, 4)]
    assert starts == [datetime(2021, m, d, 13, tzinfo=UTC) for m, d in days]
    assert parsed.x_wr_calname.value == "Smart Industry Jaarevent 2021"
    attendee = factories.attendee(edition.sessions[0], "ondernemer@example.nl")
    session = edition.sessions[0]
    body = builders.invite(
        session,
        attendee,
        "CANCEL",
        organizer_email="jaarevent@smartindustry.nl",
        organizer_name="Smart Industry Jaarevent",
        page_url=page_url(session),
        stamp=datetime(2021, 5, 1, tzinfo=UTC),
    )
    cancel = vobject.readOne(body.decode())
    assert cancel.method.value == "CANCEL" and cancel.vevent.status.value == "CANCELLED"
    assert cancel.vevent.dtstart.value.astimezone(UTC) == datetime(2021, 5, 31, 13, tzinfo=UTC)


def test_the_shared_time_zone_is_written_as_icalendar_writes_it(app, make_edition):
    """``to_ical`` writes the VTIMEZONE from bytes serialized once: the same bytes as
    icalendar's own serialization of the whole calendar, and the shared zone is unchanged."""
    edition = make_edition()
    sessions = list(
        db.session.scalars(db.select(ProgrammeSession).filter_by(edition_id=edition.id))
    )
    calendar = builders.new_calendar(sessions, "PUBLISH", edition)
    builders._feed_properties(calendar, "Jaarevent", edition.timezone)
    builders._add_events(calendar, sessions, "nl", page_url)
    assert builders.to_ical(calendar) == calendar.to_ical()
    again = builders.new_calendar(sessions[:1])
    assert again.subcomponents[0] is calendar.subcomponents[0]
    assert builders.to_ical(again) == again.to_ical()
