"""Dates and times as visitors read them: in the edition's time zone, with the zone named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_time

DEFAULT_ZONE = "Europe/Amsterdam"


def in_zone(moment: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """``moment`` converted to ``zone`` (default Europe/Amsterdam)."""
    return moment.astimezone(ZoneInfo(zone))


def local_date(moment: datetime, zone: str = DEFAULT_ZONE, fmt: str = "full") -> str:
    """E.g. 'maandag 31 mei 2021' or 'Monday, May 31, 2021'."""
    local = in_zone(moment, zone)
    return format_date(local.date(), format=fmt)


def local_time(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. '15:00'."""
    local = in_zone(moment, zone)
    return format_time(local.time(), format="HH:mm")


def zone_label(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """The zone abbreviation in force at ``moment``, e.g. 'CEST' in summer, 'CET' in winter."""
    return in_zone(moment, zone).tzname() or zone


def local_datetime(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. 'maandag 31 mei 2021, 15:00 CEST'."""
    return f"{local_date(moment, zone)}, {local_time(moment, zone)} {zone_label(moment, zone)}"
