"""VTIMEZONE: the RRULE form, derived from zoneinfo and read right by a second parser."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from eventsite.ical.timezones import switches, vtimezone
from tests.ical_fixtures import (
    assert_vobject_reads_the_other_calendar_right,
    vobject_forgets_amsterdam,
)


def wrap(zone_name: str, local: str, first: int, last: int) -> str:
    """A minimal calendar with the zone and one event at ``local`` (YYYYMMDDTHHMMSS)."""
    tz = vtimezone(zone_name, first, last).to_ical().decode()
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + tz
        + "BEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20210101T000000Z\r\n"
        + f"DTSTART;TZID={zone_name}:{local}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def blocks(text: str, name: str) -> list[str]:
    """The observances of one kind (STANDARD or DAYLIGHT), in order."""
    return [part.split(f"END:{name}")[0] for part in text.split(f"BEGIN:{name}")[1:]]


def test_amsterdam_is_written_as_yearly_rules_for_the_last_sundays():
    text = vtimezone("Europe/Amsterdam", 2021, 2021).to_ical().decode()
    assert "TZID:Europe/Amsterdam" in text
    daylight = blocks(text, "DAYLIGHT")[-1]
    standard = blocks(text, "STANDARD")[-1]
    # Today's rules, since the EU moved the autumn switch to October in 1996; open-ended.
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in daylight
    assert "TZOFFSETFROM:+0100" in daylight and "TZOFFSETTO:+0200" in daylight
    assert "TZNAME:CEST" in daylight and "DTSTART:19960331T020000" in daylight
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n" in standard
    assert "TZOFFSETFROM:+0200" in standard and "TZOFFSETTO:+0100" in standard
    assert "TZNAME:CET" in standard and "DTSTART:19961027T030000" in standard
    # Not the RDATE lists that other parsers read an hour off.
    assert "RDATE" not in text


def test_the_history_starts_in_1970_and_earlier_rules_end_with_until():
    """Observances from 1970, as Google writes them: no client's cache of the TZID is poisoned."""
    text = vtimezone("Europe/Amsterdam", 2027, 2027).to_ical().decode()
    starts = [line.split(":")[1] for line in text.splitlines() if line.startswith("DTSTART")]
    assert min(starts) == "19700101T000000"
    # 1981-1995: summer time ended on the last Sunday of September.
    assert "RRULE:FREQ=YEARLY;UNTIL=19950924T030000Z;BYDAY=-1SU;BYMONTH=9" in text


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("20210531T150000", datetime(2021, 5, 31, 13, tzinfo=UTC)),  # CEST: UTC+2
        ("20301125T150000", datetime(2030, 11, 25, 14, tzinfo=UTC)),  # CET: UTC+1
        ("20270328T030000", datetime(2027, 3, 28, 1, tzinfo=UTC)),  # just after the switch
        ("20271031T013000", datetime(2027, 10, 30, 23, 30, tzinfo=UTC)),  # just before
    ],
)
def test_vobject_reads_the_zone_to_the_same_utc_instant_as_zoneinfo(local, utc):
    parsed = vobject.readOne(wrap("Europe/Amsterdam", local, 2021, 2030))
    start = parsed.vevent.dtstart.value
    # vobject builds the zone from our VTIMEZONE, not from its own database.
    assert type(start.tzinfo).__name__ == "_tzicalvtz"
    assert start.astimezone(UTC) == utc
    naive = datetime.strptime(local, "%Y%m%dT%H%M%S")
    assert naive.replace(tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC) == utc


def test_every_hour_of_a_range_of_years_agrees_with_zoneinfo_in_vobject():
    zone = ZoneInfo("Europe/Amsterdam")
    parsed = vobject.readOne(wrap("Europe/Amsterdam", "20240101T120000", 2021, 2030))
    vtz = parsed.vevent.dtstart.value.tzinfo
    for year in range(2021, 2031):
        for month in (1, 3, 4, 6, 10, 11):
            for day in (1, 15, 28):
                moment = datetime(year, month, day, 15)
                assert vtz.utcoffset(moment) == moment.replace(tzinfo=zone).utcoffset()


def test_zones_with_other_rules_and_without_summer_time():
    new_york = vtimezone("America/New_York", 2025, 2027).to_ical().decode()
    assert "BYDAY=2SU;BYMONTH=3" in new_york and "BYDAY=1SU;BYMONTH=11" in new_york
    parsed = vobject.readOne(wrap("America/New_York", "20260701T090000", 2025, 2027))
    assert parsed.vevent.dtstart.value.astimezone(UTC) == datetime(2026, 7, 1, 13, tzinfo=UTC)

    tokyo = vtimezone("Asia/Tokyo", 2026, 2026)
    assert len(tokyo.subcomponents) == 1
    assert "TZOFFSETTO:+0900" in tokyo.to_ical().decode()


def test_every_day_since_1970_agrees_with_zoneinfo_in_vobject_and_icalendar():
    zone = ZoneInfo("Europe/Amsterdam")
    text = wrap("Europe/Amsterdam", "20270101T120000", 2027, 2027)
    from_vobject = vobject.readOne(text).vevent.dtstart.value.tzinfo
    (component,) = Calendar.from_ical(text).walk("VTIMEZONE")
    from_icalendar = component.to_tz()
    day = datetime(1970, 1, 1, 15)
    while day.year < 2036:
        expected = day.replace(tzinfo=zone).utcoffset()
        assert from_vobject.utcoffset(day) == expected, day
        assert day.replace(tzinfo=from_icalendar).utcoffset() == expected, day
        day += timedelta(days=1)


@pytest.fixture
def vobject_knows_no_amsterdam():
    """vobject's process-wide map of TZIDs, without Europe/Amsterdam for the test's duration."""
    vobject_forgets_amsterdam()
    yield
    vobject_forgets_amsterdam()


def test_vobject_reads_another_calendars_older_events_right_after_ours(vobject_knows_no_amsterdam):
    """vobject keeps the first definition of a TZID per process, as Radicale does.

    After our 2027 file, an event from 2021 (and one from 1990) in someone else's calendar with
    a Google-style VTIMEZONE must still be read at the right moment.
    """
    vobject.readOne(wrap("Europe/Amsterdam", "20271004T150000", 2027, 2027))
    assert_vobject_reads_the_other_calendar_right()


def test_switches_are_found_to_the_minute():
    spring, autumn = switches("Europe/Amsterdam", 2021)
    assert spring.at_utc == datetime(2021, 3, 28, 1, tzinfo=UTC) and spring.is_dst
    assert autumn.at_utc == datetime(2021, 10, 31, 1, tzinfo=UTC) and not autumn.is_dst


def test_icalendar_reads_the_component_back():
    calendar = Calendar.from_ical(wrap("Europe/Amsterdam", "20210531T150000", 2021, 2021))
    (zone,) = calendar.walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
