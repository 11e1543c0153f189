"""Someone else's calendar for the vobject tests, and resetting vobject's memory of TZIDs.

vobject keeps the first VTIMEZONE it reads for a TZID, for the rest of the process (Radicale
does the same). Our files must not poison that: after one of ours, another calendar's events
must still be read at the right moment.
"""

from __future__ import annotations

from datetime import UTC, datetime

import vobject

# Someone else's calendar (Google's form): observances from 1970, an event in 2021 and 1990.
OTHER_CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:a@other\r\nDTSTAMP:20210101T000000Z\r\n"
    "DTSTART;TZID=Europe/Amsterdam:20210531T150000\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:b@other\r\nDTSTAMP:20210101T000000Z\r\n"
    "DTSTART;TZID=Europe/Amsterdam:19900701T150000\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def vobject_forgets_amsterdam() -> None:
    """Drop Europe/Amsterdam from vobject's process-wide map of TZIDs."""
    getattr(vobject.icalendar, "__tzidMap").pop("Europe/Amsterdam", None)


def assert_vobject_reads_the_other_calendar_right() -> None:
    """Both of ``OTHER_CALENDAR``'s events at their moment (summer time, 13:00 UTC)."""
    first, second = vobject.readOne(OTHER_CALENDAR).vevent_list
    assert first.dtstart.value.astimezone(UTC) == datetime(2021, 5, 31, 13, tzinfo=UTC)
    assert second.dtstart.value.astimezone(UTC) == datetime(1990, 7, 1, 13, tzinfo=UTC)
