"""Dates and times as visitors read them: in the edition's time zone, the Dutch way.

Dutch readers get "ma 31 mei, 15.00–16.30 uur" (the style of Dutch newspapers and the
Taalunie: a full stop between hours and minutes, "uur" after the range); English readers
get British dates ("Mon 31 May, 15:00–16:30"), never the US order. The zone's name
("CEST") means little to a Dutch entrepreneur, so it is only added where a visitor abroad
needs it: on the English pages.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import has_app_context
from flask_babel import get_locale

DEFAULT_ZONE = "Europe/Amsterdam"
# Babel locale per site language: English dates are British.
BABEL_LOCALES = {"en": "en_GB", "nl": "nl"}


def babel_locale() -> str:
    """The Babel locale for dates: ``en_GB`` for English, the language itself otherwise."""
    locale = get_locale() if has_app_context() else None
    language = locale.language if locale else "nl"
    return BABEL_LOCALES.get(language, language)


def is_dutch() -> bool:
    """Whether dates are written for a Dutch reader."""
    return babel_locale() == "nl"


def in_zone(moment: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """``moment`` converted to ``zone`` (default Europe/Amsterdam)."""
    return moment.astimezone(ZoneInfo(zone))


def format_day(day: date, fmt: str = "long") -> str:
    """A calendar date in the visitor's language, British for English ('31 May 2021')."""
    return babel_format_date(day, format=fmt, locale=babel_locale())


def local_date(moment: datetime, zone: str = DEFAULT_ZONE, fmt: str = "full") -> str:
    """E.g. 'maandag 31 mei 2021' or 'Monday 31 May 2021'."""
    return format_day(in_zone(moment, zone).date(), fmt)


def local_time(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. '15.00' in Dutch, '15:00' in English."""
    local = in_zone(moment, zone)
    separator = "." if is_dutch() else ":"
    return f"{local:%H}{separator}{local:%M}"


def zone_label(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """The zone abbreviation in force at ``moment``, e.g. 'CEST' in summer, 'CET' in winter."""
    return in_zone(moment, zone).tzname() or zone


def short_day(moment: datetime, zone: str = DEFAULT_ZONE, year: bool = False) -> str:
    """E.g. 'ma 31 mei' or 'Mon 31 May': a day on a card; with ``year`` 'ma 31 mei 2027',
    for what is read out of context (a share image seen in a feed months later)."""
    day = format_day(in_zone(moment, zone).date(), "EEE d MMM y" if year else "EEE d MMM")
    return day.replace(".", "") if is_dutch() else day


def moment(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. 'ma 31 mei 2027, 14.30' or 'Mon 31 May 2027, 14:30': the organiser pages' one
    format for a moment (a log entry, a message sent, a sign-up)."""
    day = format_day(in_zone(value, zone).date(), "EEE d MMM y")
    day = day.replace(".", "") if is_dutch() else day
    return f"{day}, {local_time(value, zone)}"


def time_span(start: datetime, end: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. '15.00–16.30 uur' or '15:00–16:30 CEST' (the zone for readers abroad)."""
    span = f"{local_time(start, zone)}–{local_time(end, zone)}"
    return f"{span} uur" if is_dutch() else f"{span} {zone_label(start, zone)}"


def when(start: datetime, end: datetime, zone: str = DEFAULT_ZONE, year: bool = False) -> str:
    """E.g. 'ma 31 mei, 15.00–16.30 uur' or 'Mon 31 May, 15:00–16:30 CEST' (``year``: with
    the year, 'ma 31 mei 2027, 15.00–16.30 uur')."""
    return f"{short_day(start, zone, year)}, {time_span(start, end, zone)}"


def local_datetime(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """E.g. 'maandag 31 mei 2021, 15.00 uur' or 'Monday 31 May 2021, 15:00 CEST'."""
    time = local_time(moment, zone)
    suffix = "uur" if is_dutch() else zone_label(moment, zone)
    return f"{local_date(moment, zone)}, {time} {suffix}"


def machine_time(moment: datetime) -> str:
    """A ``<time datetime>`` value: ISO 8601 with the offset, whole seconds (W3C valid)."""
    return moment.replace(microsecond=0).isoformat()


def first_name(full_name: str | None) -> str:
    """The first name for a greeting: 'Marieke' of 'Marieke de Vries' (initials skipped)."""
    words = (full_name or "").split()
    for word in words:
        if not word.endswith("."):
            return word
    return full_name or ""
