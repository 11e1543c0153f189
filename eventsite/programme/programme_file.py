"""An edition written as a programme file (TOML), the format ``loader`` reads.

For backups and for moving an edition between sites: loading the file gives the same edition
back, and downloading it again gives the same file (``tests/test_programme_file.py``). Times
are written in the edition's time zone (sessions as date and HH:MM, as people write them; the
sign-up moments with their UTC offset, so the autumn's double hour is not ambiguous).
Speakers carry their short bios and sessions their videos; pictures (speaker photos) are not
in the file (see ``file_items``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .file_items import SPEAKER_FIELDS
from .models import Edition, ProgrammeSession, Region

EDITION_FIELDS = (
    "year",
    "slug",
    "name",
    "name_en",
    "timezone",
    "starts_on",
    "ends_on",
    "registration_opens_at",
    "registration_closes_at",
    "published",
    "day_chair",
    "retention_days",
    "intro",
    "intro_en",
    "example_note",
    "example_note_en",
)
SESSION_TEXTS = (
    "title",
    "title_en",
    "theme",
    "theme_en",
    "description",
    "description_en",
    "day_chair",
)


def toml_value(value, zone: ZoneInfo) -> str:
    """One value in TOML syntax; aware moments in ``zone`` with their offset."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007F")


def _lines(values: dict, zone: ZoneInfo) -> list[str]:
    return [f"{k} = {toml_value(v, zone)}" for k, v in values.items() if v is not None]


def dump_edition(edition: Edition) -> str:
    """The programme file of ``edition``: the edition, the hubs its sessions use, the sessions
    in programme order (the file's order is the programme's)."""
    zone = ZoneInfo(edition.timezone)
    sessions = sorted(edition.sessions, key=lambda s: (s.position, s.start_at, s.id))
    regions = {s.region.slug: s.region for s in sessions}
    out = [
        f"# {edition.name}: programme file, load with `flask programme load FILE`.",
        "# Session times are local times in the edition's time zone.",
        "",
        "[edition]",
        *_lines({name: getattr(edition, name) for name in EDITION_FIELDS}, zone),
    ]
    for slug in sorted(regions):
        out += ["", "[[regions]]", *_lines(_region_values(regions[slug]), zone)]
    for session in sessions:
        out += ["", "[[sessions]]", *_session_lines(session, zone)]
    return "\n".join(out) + "\n"


def _region_values(region: Region) -> dict:
    return {"slug": region.slug, "name": region.name, "name_en": region.name_en}


def _session_lines(session: ProgrammeSession, zone: ZoneInfo) -> list[str]:
    start, end = session.start_at.astimezone(zone), session.end_at.astimezone(zone)
    values = {
        "slug": session.slug,
        "uid": session.uid,
        "region": session.region.slug,
        "date": start.date(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "status": session.status,
        "example": session.is_example,
        **{name: getattr(session, name) or None for name in SESSION_TEXTS},
        "capacity": session.capacity,
        "registration_closes_at": session.registration_closes_at,
        "stream_url": session.stream_url,
        "recording_url": session.recording_url,
    }
    lines = _lines(values, zone)
    speakers = [{f: getattr(s, f) for f in SPEAKER_FIELDS} for s in session.speakers]
    videos = [{"title": v.title, "url": v.url} for v in session.videos]
    lines += _inline_tables("speakers", speakers, zone)
    lines += _inline_tables("videos", videos, zone)
    return lines


def _inline_tables(name: str, items: list[dict], zone: ZoneInfo) -> list[str]:
    """``name = [ { ... }, ... ]``, one item per line (nothing when the list is empty)."""
    if not items:
        return []
    return [f"{name} = [", *(f"  {{ {', '.join(_lines(i, zone))} }}," for i in items), "]"]
