"""Copy an edition's five-day structure to a new year, with the dates moved."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..clock import utcnow
from ..extensions import db
from .models import SCHEDULED, Edition, ProgrammeSession, Speaker
from .signals import edition_copied


class RolloverError(ValueError):
    """The rollover cannot be done; the message says why."""


def shift_local(moment: datetime | None, days: int, zone: ZoneInfo | str) -> datetime | None:
    """Move by whole days keeping the local wall-clock time (15:00 stays 15:00 across DST)."""
    if moment is None:
        return None
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = moment.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=days), local.time(), zone)


def _new_slug(old: str, old_year: int, new_year: int) -> str:
    replaced = re.sub(rf"\b{old_year}\b", str(new_year), old)
    return replaced if replaced != old else f"{new_year}-{old}"


@dataclass(frozen=True)
class MovedSession:
    """Where a session lands when it moves with its edition: its old and new start, and
    whether the new start falls outside the edition's (new) days."""

    title: str
    region: str
    old_start: datetime
    new_start: datetime
    outside: bool = False


def where_sessions_land(
    sessions, days: int, first: date, last: date, zone: ZoneInfo | str
) -> list[MovedSession]:
    """Each of ``sessions`` moved ``days`` days (``shift_local``), flagged when it would
    start on a day before ``first`` or after ``last``."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    rows = []
    for s in sessions:
        new_start = shift_local(s.start_at, days, zone)
        outside = not first <= new_start.astimezone(zone).date() <= last
        rows.append(MovedSession(s.title, s.region.name, s.start_at, new_start, outside))
    return rows


def source_for(year: int, source: Edition | None) -> Edition:
    """``source``, or the latest edition before ``year``; refuses an existing ``year``."""
    if db.session.scalar(db.select(Edition.id).filter_by(year=year)):
        raise RolloverError(f"edition {year} exists already")
    if source is None:
        source = db.session.scalar(
            db.select(Edition).where(Edition.year < year).order_by(Edition.year.desc())
        )
    if source is None:
        raise RolloverError(f"no earlier edition to copy to {year}")
    return source


def preview(source: Edition, starts_on: date) -> list[MovedSession]:
    """Where each session of ``source`` lands when the copy starts on ``starts_on``. The
    copy's days are the source's moved as a whole, so a session lands outside them only when
    it already lies outside the source's days (its dates moved without its sessions)."""
    days = (starts_on - source.starts_on).days
    ends_on = source.ends_on + timedelta(days=days)
    return where_sessions_land(source.sessions, days, starts_on, ends_on, source.timezone)


def rollover(
    year: int,
    starts_on: date,
    source: Edition | None = None,
    opens_at: datetime | None = None,
    publish: bool = False,
) -> Edition:
    """``copy_edition`` for the command line and the demo (their unit of work commits)."""
    return copy_edition(year, starts_on, source, opens_at, publish)


def copy_edition(
    year: int,
    starts_on: date,
    source: Edition | None = None,
    opens_at: datetime | None = None,
    publish: bool = False,
) -> Edition:
    """A new edition for ``year`` copied from ``source`` (default: the latest earlier one).

    Sessions keep their hub, title, theme, speakers, order and local times, as many days
    after the new first day as after the old one (so on the same weekdays only when
    ``starts_on`` is on the weekday of the source's first day); they get new slugs and new
    calendar UIDs, no stream or recording links and no registrations. Sign-up opens at
    ``opens_at`` (default: now). Refused when a session would land outside the new
    edition's days (see ``preview``). Flushed, not committed: the caller's unit of work
    commits.
    """
    source = source_for(year, source)
    stray = [row for row in preview(source, starts_on) if row.outside]
    if stray:
        landings = ", ".join(f"{r.title} ({r.region}) on {r.new_start.date()}" for r in stray)
        raise RolloverError(
            f"sessions of edition {source.year} lie outside its days, so their copies would "
            f"lie outside the new edition's: {landings}"
        )
    days = (starts_on - source.starts_on).days
    zone = ZoneInfo(source.timezone)
    edition = Edition(
        year=year,
        slug=_new_slug(source.slug, source.year, year),
        name=_new_slug(source.name, source.year, year)
        if str(source.year) in source.name
        else f"{source.name} {year}",
        name_en=source.name_en and source.name_en.replace(str(source.year), str(year)),
        timezone=source.timezone,
        starts_on=starts_on,
        ends_on=source.ends_on + timedelta(days=days),
        registration_opens_at=opens_at or utcnow(),
        registration_closes_at=shift_local(source.registration_closes_at, days, zone),
        published=publish,
        day_chair=source.day_chair,
        intro=source.intro,
        intro_en=source.intro_en,
        example_note=source.example_note,
        example_note_en=source.example_note_en,
        retention_days=source.retention_days,
    )
    db.session.add(edition)
    for old in source.sessions:
        edition.sessions.append(_copy_session(old, source.year, year, days, zone))
    db.session.flush()  # the caller's unit of work commits
    edition_copied.send(source, edition=edition)  # e.g. the sign-up questions come along
    return edition


def _copy_session(
    old: ProgrammeSession, old_year: int, year: int, days: int, zone
) -> ProgrammeSession:
    copied = {
        name: getattr(old, name)
        for name in (
            "title",
            "title_en",
            "theme",
            "theme_en",
            "description",
            "description_en",
            "day_chair",
            "capacity",
            "region",
            "is_example",
            "position",
        )
    }
    return ProgrammeSession(
        slug=_new_slug(old.slug, old_year, year),
        uid=str(uuid.uuid4()),
        start_at=shift_local(old.start_at, days, zone),
        end_at=shift_local(old.end_at, days, zone),
        registration_closes_at=shift_local(old.registration_closes_at, days, zone),
        status=SCHEDULED,
        speakers=[
            Speaker(
                position=s.position,
                name=s.name,
                company=s.company,
                role=s.role,
                bio=s.bio,
                bio_en=s.bio_en,
                photo_sha256=s.photo_sha256,
            )
            for s in old.speakers
        ],
        **copied,
    )
