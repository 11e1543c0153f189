"""VTIMEZONE: the RRULE form, derived from zoneinfo and read right by a second parser."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from eventsite.ical.timezones import switches, vtimezone


def wrap(zone_name: str, local: str, first: int, last: int) -> str:
    """A minimal calendar with the zone and one event at ``local`` (YYYYMMDDTHHMMSS)."""
    tz = vtimezone(zone_name, first, last).to_ical().decode()
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + tz
        + "BEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20210101T000000Z\r\n"
        + f"DTSTART;TZID={zone_name}:{local}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_amsterdam_is_written_as_yearly_rules_for_the_last_sundays():
    text = vtimezone("Europe/Amsterdam", 2021, 2021).to_ical().decode()
    assert "TZID:Europe/Amsterdam" in text
    daylight = text[text.index("BEGIN:DAYLIGHT") : text.index("END:DAYLIGHT")]
    standard = text[text.index("BEGIN:STANDARD") : text.index("END:STANDARD")]
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in daylight
    assert "TZOFFSETFROM:+0100" in daylight and "TZOFFSETTO:+0200" in daylight
    assert "TZNAME:CEST" in daylight and "DTSTART:20200329T020000" in daylight
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in standard
    assert "TZOFFSETFROM:+0200" in standard and "TZOFFSETTO:+0100" in standard
    assert "TZNAME:CET" in standard and "DTSTART:20201025T030000" in standard
    # Not the RDATE lists that other parsers read an hour off.
    assert "RDATE" not in text


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


def test_a_change_of_rules_inside_the_range_gets_one_block_per_switch():
    # The EU moved the autumn switch from September to October in 1996.
    component = vtimezone("Europe/Amsterdam", 1995, 1997)
    text = component.to_ical().decode()
    assert "RRULE" not in text
    assert len(component.subcomponents) == 8  # 1994 .. 1997, two switches each
    assert "DTSTART:19950924T030000" in text and "DTSTART:19961027T030000" in text


def test_switches_are_found_to_the_minute():
    spring, autumn = switches("Europe/Amsterdam", 2021)
    assert spring.at_utc == datetime(2021, 3, 28, 1, tzinfo=UTC) and spring.is_dst
    assert autumn.at_utc == datetime(2021, 10, 31, 1, tzinfo=UTC) and not autumn.is_dst


def test_icalendar_reads_the_component_back():
    calendar = Calendar.from_ical(wrap("Europe/Amsterdam", "20210531T150000", 2021, 2021))
    (zone,) = calendar.walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
