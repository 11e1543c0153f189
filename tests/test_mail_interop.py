"""Every calendar object our mails carry, read by other parsers than the one that wrote it:
libical's RFC 5546 restriction check over each REQUEST and CANCEL, Mozilla's ical.js with the
same times as icalendar (and as the programme), and vobject, which after reading our file
still reads someone else's 2021 appointment at the right moment."""

from __future__ import annotations

import pytest
import vobject
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.ical_fixtures import (
    assert_vobject_reads_the_other_calendar_right,
    vobject_forgets_amsterdam,
)
from tests.interop_tools import build_libical_check, icaljs_events, libical_check
from tests.mail_corpus import build_full_corpus

# The parsers do not care about the database: SQLite is enough to build the corpus.
sqlite_only = pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)


@pytest.fixture
def corpus(client, open_edition, smtp, make_organiser):
    return build_full_corpus(client, smtp, make_organiser)


@pytest.fixture(scope="session")
def libical(tmp_path_factory):
    return build_libical_check(tmp_path_factory.mktemp("libical"))


def itip_parts(corpus) -> list[tuple[str, bytes]]:
    """(subject, body) of every text/calendar part: the REQUESTs and CANCELs."""
    return [
        (str(mail["Subject"]), part.get_content().encode())
        for mail in corpus
        for part in mail.walk()
        if part.get_content_type() == "text/calendar"
    ]


def calendar_files(corpus) -> list[bytes]:
    """Every calendar object in the corpus once: iTIP parts and attached files (PUBLISH)."""
    found = [body for _, body in itip_parts(corpus)]
    found += [
        attachment.get_content()
        for mail in corpus
        for attachment in mail.iter_attachments()
        if attachment.get_content_type() == "application/ics"
    ]
    return list(dict.fromkeys(found))


def session_times() -> dict[str, tuple[int, int]]:
    """UID prefix -> the programme's start and end (Unix seconds): the truth."""
    sessions = db.session.scalars(db.select(ProgrammeSession))
    return {s.uid: (int(s.start_at.timestamp()), int(s.end_at.timestamp())) for s in sessions}


@sqlite_only
def test_every_kind_of_mail_has_at_most_one_calendar_part_matching_its_method(corpus):
    """One iTIP object per mail (RFC 6047 2.4): Gmail and Outlook act on one per message."""
    for mail in corpus:
        parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) <= 1, mail["Subject"]
        for part in parts:
            calendar = Calendar.from_ical(part.get_content())
            assert calendar["METHOD"] == part.get_param("method")
            assert len(calendar.walk("VEVENT")) == 1


@sqlite_only
def test_every_request_and_cancel_passes_libicals_rfc5546_restriction_check(corpus, libical):
    parts = itip_parts(corpus)
    methods = [Calendar.from_ical(body)["METHOD"] for _, body in parts]
    # The corpus has both kinds, from each flow: invites, updates, drops, cancellations.
    assert methods.count("REQUEST") >= 4 and methods.count("CANCEL") >= 3, methods
    for subject, body in parts:
        verdict = libical_check(libical, body)
        print(f"{subject}: {verdict.report.strip().splitlines()[-1]}")
        assert verdict.passed, (subject, verdict.report)


def test_libical_check_finds_a_broken_request(libical):
    """The check itself bites: a REQUEST without ORGANIZER, ATTENDEE and SUMMARY fails."""
    broken = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
        b"BEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20270101T000000Z\r\n"
        b"DTSTART:20270531T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    verdict = libical_check(libical, broken)
    assert not verdict.passed
    assert "ORGANIZER" in verdict.report and "ATTENDEE" in verdict.report


def icalendar_events(calendar: bytes) -> list[dict]:
    events = []
    for event in Calendar.from_ical(calendar).walk("VEVENT"):
        events.append(
            {
                "uid": str(event["UID"]),
                "start": int(event["DTSTART"].dt.timestamp()),
                "end": int(event["DTEND"].dt.timestamp()),
            }
        )
    return events


@sqlite_only
def test_icaljs_reads_every_calendar_with_the_same_times_as_icalendar(corpus):
    files = calendar_files(corpus)
    truth = session_times()
    from_icaljs = icaljs_events(files)
    compared = 0
    for calendar, read in zip(files, from_icaljs, strict=True):
        expected = icalendar_events(calendar)
        assert [{k: e[k] for k in ("uid", "start", "end")} for e in read] == expected
        for event in read:
            # Through the file's own VTIMEZONE, not as floating or UTC times.
            assert event["zone"] == "Europe/Amsterdam"
            assert (event["start"], event["end"]) == truth[event["uid"].split("@")[0]]
            compared += 1
    assert compared >= 10


@sqlite_only
def test_vobject_reads_a_2021_event_right_after_each_of_our_files(corpus):
    truth = session_times()
    try:
        for calendar in calendar_files(corpus):
            vobject_forgets_amsterdam()
            ours = vobject.readOne(calendar.decode())
            for event in ours.vevent_list:
                start = int(event.dtstart.value.timestamp())
                assert start == truth[event.uid.value.split("@")[0]][0]
            # Our definition now stands for Europe/Amsterdam in this process.
            assert_vobject_reads_the_other_calendar_right()
    finally:
        vobject_forgets_amsterdam()
