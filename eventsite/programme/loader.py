"""Programme files (TOML, one per edition) read, checked, and written to the database.

Reading is pure and checks every field before anything is written, so a bad file changes
nothing; writing upserts by slug, so loading the same file twice changes nothing either.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .file_items import apply_speakers, apply_videos, read_speaker, read_video
from .models import CANCELLED, SCHEDULED, Edition, ProgrammeSession, Region
from .signals import session_changed

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ProgrammeFileError(ValueError):
    """A programme file that cannot be loaded; the message names file, place and field.

    Its parts are put into words when shown, in the reader's language: the console's
    organiser reads Dutch or English, the command line English (``i18n.select_locale``)."""

    def __init__(self, *parts) -> None:
        super().__init__(*parts)
        self.parts = parts

    def __str__(self) -> str:
        return ": ".join(str(part) for part in self.parts)


@dataclass
class SessionSpec:
    slug: str
    region: str
    start_at: datetime
    end_at: datetime
    fields: dict[str, Any]
    speakers: list[dict[str, str]] = field(default_factory=list)
    # The calendar UID, kept when a downloaded file is loaded on another site.
    uid: str | None = None
    # None: the file says nothing about videos (they stay as they are).
    videos: list[dict[str, str]] | None = None


@dataclass
class ProgrammeSpec:
    edition: dict[str, Any]
    regions: list[dict[str, str]]
    sessions: list[SessionSpec]


class _Checker:
    """Reads typed values out of a TOML table, failing with the file, place and field."""

    def __init__(self, filename: str, place, table: Any):
        """``place``: where in the file (a part, or a tuple of parts: session, speaker)."""
        self.place = place if isinstance(place, tuple) else (place,)
        if not isinstance(table, dict):
            raise ProgrammeFileError(filename, *self.place, _l("expected a table"))
        self.filename, self.table = filename, table

    def fail(self, name: str, problem) -> ProgrammeFileError:
        field_name = _l("field '%(name)s'", name=name)
        return ProgrammeFileError(self.filename, *self.place, field_name, problem)

    def get(self, name: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.fail(name, _l("is missing"))
            return None
        # bool is an int in Python; a programme never means True as a number.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            kind_name = _kind_name(kind)
            problem = _l("expected %(kind)s, got %(value)s", kind=kind_name, value=repr(value))
            raise self.fail(name, problem)
        return value

    def text(self, name: str, required: bool = True, max_length: int = 200) -> str | None:
        value = self.get(name, str, required)
        if value is not None:
            value = value.strip()
            if required and not value:
                raise self.fail(name, _l("is empty"))
            if len(value) > max_length:
                raise self.fail(name, _l("is longer than %(n)d characters", n=max_length))
        return value

    def slug(self, name: str = "slug") -> str:
        value = self.text(name, max_length=80)
        if not SLUG.match(value):
            problem = _l(
                "expected lowercase letters, digits and hyphens, got %(value)s", value=repr(value)
            )
            raise self.fail(name, problem)
        return value

    def clock_time(self, name: str) -> time:
        value = self.text(name, max_length=5)
        match = HH_MM.match(value)
        if not match:
            raise self.fail(name, _l("expected a time as HH:MM, got %(value)s", value=repr(value)))
        return time(int(match[1]), int(match[2]))


def _as_tuple(kind):
    return kind if isinstance(kind, tuple) else (kind,)


KIND_NAMES = {
    str: _l("text"),
    int: _l("a whole number"),
    bool: _l("true or false"),
    date: _l("a date"),
    datetime: _l("a date and time"),
    list: _l("a list"),
    dict: _l("a table"),
}


def _kind_name(kind) -> LazyString:
    """"a date or a date and time", in the language it is shown in."""
    return LazyString(
        lambda: _(" or ").join(str(KIND_NAMES.get(k, k.__name__)) for k in _as_tuple(kind))
    )


def read_programme(path: str | Path) -> ProgrammeSpec:
    """Parse and check a programme file; raise ProgrammeFileError naming what is wrong."""
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise ProgrammeFileError(str(path), _l("no such file")) from None
    return read_programme_bytes(content, str(path))


def read_programme_bytes(content: bytes, filename: str) -> ProgrammeSpec:
    """Parse and check a programme file's content (e.g. an upload), named ``filename``."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProgrammeFileError(filename, _l("not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as error:
        raise ProgrammeFileError(filename, _l("not valid TOML"), str(error)) from None
    edition = _read_edition(filename, data.get("edition"))
    regions = [_read_region(filename, i, r) for i, r in enumerate(data.get("regions") or [], 1)]
    zone = ZoneInfo(edition["timezone"])
    sessions = [
        _read_session(filename, s, zone, position)
        for position, s in enumerate(data.get("sessions") or [])
    ]
    _check_unique(filename, _l("sessions"), [s.slug for s in sessions])
    _check_unique(filename, _l("regions"), [r["slug"] for r in regions])
    return ProgrammeSpec(edition, regions, sessions)


def _read_edition(filename: str, table: Any) -> dict[str, Any]:
    check = _Checker(filename, "[edition]", table)
    year = check.get("year", int)
    if not 2000 <= year <= 2200:
        raise check.fail("year", _l("expected a year, got %(value)s", value=year))
    zone_name = check.text("timezone", required=False) or "Europe/Amsterdam"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        problem = _l("unknown time zone %(value)s", value=repr(zone_name))
        raise check.fail("timezone", problem) from None
    values = {
        "year": year,
        "slug": check.slug(),
        "name": check.text("name"),
        "name_en": check.text("name_en", required=False),
        "timezone": zone_name,
        "starts_on": check.get("starts_on", date),
        "ends_on": check.get("ends_on", date),
        "registration_opens_at": _local_moment(check, "registration_opens_at", zone),
        "registration_closes_at": _local_moment(check, "registration_closes_at", zone),
        "published": bool(check.get("published", bool, required=False)),
        "day_chair": check.text("day_chair", required=False, max_length=120),
        "intro": check.text("intro", required=False, max_length=5000),
        "intro_en": check.text("intro_en", required=False, max_length=5000),
        "example_note": check.text("example_note", required=False, max_length=1000),
        "example_note_en": check.text("example_note_en", required=False, max_length=1000),
        "retention_days": check.get("retention_days", int, required=False) or 365,
    }
    if values["ends_on"] < values["starts_on"]:
        raise check.fail("ends_on", _l("is before starts_on"))
    return values


def _local_moment(check: _Checker, name: str, zone: ZoneInfo) -> datetime | None:
    value = check.get(name, datetime, required=False)
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _read_region(filename: str, index: int, table: Any) -> dict[str, str]:
    check = _Checker(filename, _l("region %(n)d", n=index), table)
    return {
        "slug": check.slug(),
        "name": check.text("name", max_length=120),
        "name_en": check.text("name_en", required=False, max_length=120),
    }


def _read_session(filename: str, table: Any, zone: ZoneInfo, position: int) -> SessionSpec:
    slug = table.get("slug") if isinstance(table, dict) else None
    place = _l("session %(slug)s", slug=repr(slug)) if slug else _l("a session")
    check = _Checker(filename, place, table)
    slug = check.slug()
    day = check.get("date", date)
    start_at = datetime.combine(day, check.clock_time("start"), zone)
    end_at = datetime.combine(day, check.clock_time("end"), zone)
    if end_at <= start_at:
        raise check.fail("end", _l("is not after start"))
    capacity = check.get("capacity", int, required=False)
    if capacity is not None and capacity < 0:
        raise check.fail("capacity", _l("is negative"))
    fields = {
        "title": check.text("title"),
        "title_en": check.text("title_en", required=False),
        "theme": check.text("theme", required=False) or "",
        "theme_en": check.text("theme_en", required=False),
        "description": check.text("description", required=False, max_length=5000) or "",
        "description_en": check.text("description_en", required=False, max_length=5000),
        "day_chair": check.text("day_chair", required=False, max_length=120),
        "capacity": capacity,
        "stream_url": check.text("stream_url", required=False, max_length=500),
        "recording_url": check.text("recording_url", required=False, max_length=500),
        "is_example": bool(check.get("example", bool, required=False)),
        # The order of the file is the order of the programme page.
        "position": position,
    }
    # Written by the download (backups, moving sites); older files leave them as they are.
    if "registration_closes_at" in check.table:
        fields["registration_closes_at"] = _local_moment(check, "registration_closes_at", zone)
    status = check.text("status", required=False, max_length=20)
    if status is not None:
        if status not in (SCHEDULED, CANCELLED):
            problem = _l("expected 'scheduled' or 'cancelled', got %(value)s", value=repr(status))
            raise check.fail("status", problem)
        fields["status"] = status
    uid = check.text("uid", required=False, max_length=80)
    speakers = [
        read_speaker(_Checker, check, i, s)
        for i, s in enumerate(check.get("speakers", list, False) or [])
    ]
    videos = check.get("videos", list, False)
    if videos is not None:
        videos = [read_video(_Checker, check, i, v) for i, v in enumerate(videos)]
    return SessionSpec(
        slug, check.text("region", max_length=40), start_at, end_at, fields, speakers, uid, videos
    )


def _check_unique(filename: str, what, slugs: list[str]) -> None:
    seen = set()
    for slug in slugs:
        if slug in seen:
            problem = _l("slug %(slug)s appears twice", slug=repr(slug))
            raise ProgrammeFileError(filename, what, problem)
        seen.add(slug)


def apply_programme(spec: ProgrammeSpec, filename: str = "programme") -> Edition:
    """Upsert the edition, its regions, sessions and speakers (caller commits)."""
    edition = db.session.scalar(db.select(Edition).filter_by(year=spec.edition["year"]))
    if edition is None:
        edition = Edition()
        db.session.add(edition)
    for name, value in spec.edition.items():
        setattr(edition, name, value)
    for values in spec.regions:
        region = db.session.scalar(db.select(Region).filter_by(slug=values["slug"])) or Region()
        for name, value in values.items():
            setattr(region, name, value)
        db.session.add(region)
    db.session.flush()
    for session_spec in spec.sessions:
        _apply_session(edition, session_spec, filename)
    return edition


def _apply_session(edition: Edition, spec: SessionSpec, filename: str) -> None:
    region = db.session.scalar(db.select(Region).filter_by(slug=spec.region))
    if region is None:
        raise ProgrammeFileError(
            filename,
            _l("session %(slug)s", slug=repr(spec.slug)),
            _l("field '%(name)s'", name="region"),
            _l("unknown region %(value)s", value=repr(spec.region)),
        )
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug=spec.slug))
    if session is None:
        taken = db.select(ProgrammeSession.id).filter_by(uid=spec.uid)
        keep_uid = spec.uid and db.session.scalar(taken) is None
        session = ProgrammeSession(slug=spec.slug, edition=edition)
        if keep_uid:
            session.uid = spec.uid
        db.session.add(session)
    elif session.edition_id != edition.id:
        raise ProgrammeFileError(
            filename,
            _l("session %(slug)s", slug=repr(spec.slug)),
            _l("field '%(name)s'", name="slug"),
            _l("already used by edition %(year)d", year=session.edition.year),
        )
    existed = session.id is not None
    was_cancelled = existed and session.is_cancelled
    changed = session.apply_changes(
        region=region, start_at=spec.start_at, end_at=spec.end_at, **spec.fields
    )
    if existed and changed:
        # Attendees' calendars follow a changed file too (updated invites, same transaction).
        session_changed.send(session, was_cancelled=was_cancelled)
    apply_speakers(session, spec.speakers)
    apply_videos(session, spec.videos)


def load_programme_file(path: str | Path) -> Edition:
    """Read, check and store a programme file; the caller's unit of work commits it, or
    rolls it back on error, so nothing changes when the file is wrong."""
    spec = read_programme(path)
    edition = apply_programme(spec, str(path))
    db.session.flush()
    return edition
