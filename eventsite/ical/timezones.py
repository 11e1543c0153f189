"""VTIMEZONE components written the way Outlook, Google and Apple write them.

The offsets and switch moments come from the time zone database (zoneinfo); this module only
describes them in iCalendar. It writes each yearly switch as one observance with an RRULE
(``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`` for Europe/Amsterdam's summer time), not as the long
RDATE lists of icalendar's ``add_missing_timezones()``: ical.js and vobject read those an hour
off (see CHECKLISTS.md). The history starts in 1970, like Google's, and every run of years
with the same switches becomes one pair of observances (with UNTIL where the rules changed),
derived from the real switches of each year; a year that fits no run gets one observance per
switch, which is valid and read right, just longer.
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


HISTORY_FROM = 1970


def _signature(year_switches: tuple[Switch, ...]) -> tuple | None:
    """What makes two years' switches one yearly rule; None for a year that has no pair."""
    if len(year_switches) != 2:
        return None
    return tuple((s.rule(), s.offset_from, s.offset_to, s.name, s.is_dst) for s in year_switches)


@lru_cache(maxsize=64)
def _segments(zone_name: str, last_year: int) -> tuple[tuple[int, int], ...]:
    """Runs of consecutive years (first, last) from 1970 that switch on the same rule."""
    runs: list[list[int]] = []
    previous = object()
    for year in range(HISTORY_FROM, last_year + 1):
        signature = _signature(switches(zone_name, year))
        if runs and signature is not None and signature == previous:
            runs[-1][1] = year
        else:
            runs.append([year, year])
        previous = signature
    return tuple((first, last) for first, last in runs)


def _observance(switch: Switch, rrule: dict | None) -> TimezoneStandard | TimezoneDaylight:
    block = TimezoneDaylight() if switch.is_dst else TimezoneStandard()
    block.add("dtstart", switch.local_onset)
    block.add("tzoffsetfrom", switch.offset_from)
    block.add("tzoffsetto", switch.offset_to)
    block.add("tzname", switch.name)
    if rrule:
        block.add("rrule", rrule)
    return block


def _until(last: Switch) -> datetime:
    """UNTIL for a run whose last onset is ``last``, in UTC as RFC 5545 3.8.5.3 asks.

    dateutil (and so vobject) reads UNTIL as wall-clock time; the later of the onset's UTC
    and wall-clock readings includes the last onset under both readings, and lies months
    before the next one.
    """
    return max(last.at_utc, last.local_onset.replace(tzinfo=UTC))


def _in_force_at_history_start(zone_name: str) -> Switch:
    """The offset on 1 January 1970, as an observance that starts then and changes nothing."""
    moment = datetime(HISTORY_FROM, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(zone_name))
    offset = moment.utcoffset()
    return Switch(
        datetime(HISTORY_FROM, 1, 1, tzinfo=UTC) - offset,
        offset,
        offset,
        moment.tzname() or zone_name,
        bool(moment.dst()),
    )


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``zone_name``, right for every moment from 1970 to ``last_year``.

    The observances start in 1970, as Google's do (Outlook's start in 1601): a client that
    caches one definition per TZID (vobject, Radicale) then still reads any other calendar's
    older events right. Each run of years with the same yearly switches is one pair of
    observances with an RRULE (ending with UNTIL where the rules changed, open for the last
    run); a year that fits no run gets its switches as single observances. ``first_year``
    is kept for the callers: the history covers it.
    """
    del first_year  # every zone is written from 1970
    component = Timezone()
    component.add("tzid", zone_name)
    component.add_component(_observance(_in_force_at_history_start(zone_name), None))
    segments = _segments(zone_name, last_year)
    for index, (first, last) in enumerate(segments):
        year_switches = switches(zone_name, first)
        is_final = index == len(segments) - 1
        if last == first and not (is_final and _signature(year_switches)):
            for switch in year_switches:
                component.add_component(_observance(switch, None))
            continue
        for position, switch in enumerate(year_switches):
            month, byday, _ = switch.rule()
            rrule = {"freq": "yearly", "bymonth": month, "byday": byday}
            if not is_final:
                rrule["until"] = _until(switches(zone_name, last)[position])
            component.add_component(_observance(switch, rrule))
    return component


# The shared VTIMEZONEs' bytes, by the component's id (with the component, to check).
_SERIALIZED: dict[int, tuple[Timezone, bytes]] = {}


@lru_cache(maxsize=64)
def shared_vtimezone(zone_name: str, last_year: int) -> Timezone:
    """``vtimezone`` built and serialized once per process, for the calendars built per
    request (every confirmation builds two). The component is shared, so it is read only,
    never changed; ``serialized`` has its bytes.
    """
    component = vtimezone(zone_name, HISTORY_FROM, last_year)
    _SERIALIZED[id(component)] = (component, component.to_ical())
    return component


def serialized(component) -> bytes | None:
    """The bytes of a ``shared_vtimezone`` component, or None for any other component."""
    found = _SERIALIZED.get(id(component))
    return found[1] if found is not None and found[0] is component else None
