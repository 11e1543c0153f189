"""VTIMEZONE components written the way Outlook, Google and Apple write them.

The offsets and switch moments come from the time zone database (zoneinfo); this module only
describes them in iCalendar. It writes each yearly switch as one observance with an RRULE
(``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`` for Europe/Amsterdam's summer time), not as the long
RDATE lists of icalendar's ``add_missing_timezones()``: ical.js and vobject read those an hour
off (see CHECKLISTS.md). The rule is derived from the real switches and checked against every
year the calendar needs; a zone whose rules change inside that range gets one observance per
switch instead, which is valid and read right, just longer.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Switch:
    """One change of a zone's UTC offset."""

    at_utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str  # the abbreviation in force after the switch, e.g. "CEST"
    is_dst: bool  # True when the clocks go to summer time

    @property
    def local_onset(self) -> datetime:
        """The wall-clock time of the switch in the old offset (naive), e.g. 02:00 in March."""
        return (self.at_utc + self.offset_from).replace(tzinfo=None)

    def rule(self) -> tuple[int, str, tuple[int, int]]:
        """(month, BYDAY such as "-1SU" or "2SU", (hour, minute)) describing this switch."""
        onset = self.local_onset
        days_in_month = stdlib_calendar.monthrange(onset.year, onset.month)[1]
        nth = -1 if onset.day + 7 > days_in_month else (onset.day - 1) // 7 + 1
        return onset.month, f"{nth}{WEEKDAYS[onset.weekday()]}", (onset.hour, onset.minute)


@lru_cache(maxsize=64)
def switches(zone_name: str, year: int) -> tuple[Switch, ...]:
    """Every offset change of ``zone_name`` in ``year`` (UTC), found by asking zoneinfo."""
    zone = ZoneInfo(zone_name)
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    # Day by day; inside a day where the offset changed, narrow down to the minute.
    while moment < end:
        following = min(moment + timedelta(days=1), end)
        if following.astimezone(zone).utcoffset() != offset:
            exact = moment
            for step in (timedelta(hours=1), timedelta(minutes=1)):
                while (exact + step).astimezone(zone).utcoffset() == offset:
                    exact += step
            exact += timedelta(minutes=1)
            local = exact.astimezone(zone)
            found.append(
                Switch(
                    exact, offset, local.utcoffset(), local.tzname() or zone_name, bool(local.dst())
                )
            )
            offset = local.utcoffset()
            # Carry on from the switch itself.
            following = exact
        moment = following
    return tuple(found)


def _rule_holds(zone_name: str, first_year: int, last_year: int) -> bool:
    """Whether every year in the range switches on the same rule (month, weekday, time)."""
    reference = switches(zone_name, first_year)
    if len(reference) != 2:
        return False
    expected = [(s.rule(), s.offset_from, s.offset_to, s.name) for s in reference]
    for year in range(first_year, last_year + 1):
        actual = [(s.rule(), s.offset_from, s.offset_to, s.name) for s in switches(zone_name, year)]
        if actual != expected:
            return False
    return True


def _observance(switch: Switch, rrule: dict | None) -> TimezoneStandard | TimezoneDaylight:
    block = TimezoneDaylight() if switch.is_dst else TimezoneStandard()
    block.add("dtstart", switch.local_onset)
    block.add("tzoffsetfrom", switch.offset_from)
    block.add("tzoffsetto", switch.offset_to)
    block.add("tzname", switch.name)
    if rrule:
        block.add("rrule", rrule)
    return block


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``zone_name`` that is right for events from ``first_year`` to ``last_year``.

    The observances start in the year before ``first_year``, so an event early in
    ``first_year`` already lies after an onset.
    """
    component = Timezone()
    component.add("tzid", zone_name)
    start = first_year - 1
    if _rule_holds(zone_name, start, last_year):
        for switch in switches(zone_name, start):
            month, byday, _ = switch.rule()
            component.add_component(
                _observance(switch, {"freq": "yearly", "bymonth": month, "byday": byday})
            )
        return component
    every = [s for year in range(start, last_year + 1) for s in switches(zone_name, year)]
    if not every:
        # No switch at all (e.g. UTC, or a zone without summer time): one fixed offset.
        zone = ZoneInfo(zone_name)
        moment = datetime(start, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = moment.utcoffset()
        name = moment.tzname() or zone_name
        fixed = Switch(datetime(1970, 1, 1, tzinfo=UTC) - offset, offset, offset, name, False)
        component.add_component(_observance(fixed, None))
        return component
    for switch in every:
        component.add_component(_observance(switch, None))
    return component
