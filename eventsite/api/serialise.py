"""Model objects as the API's dicts (checked against ``schemas`` by ``dump``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..clock import utcnow
from ..core.urls import external_url
from ..programme.models import Edition, ProgrammeSession, Region
from . import schemas


def moment(value: datetime | None, zone: str = "UTC") -> str | None:
    """RFC 3339 with the offset of ``zone`` (the programme's local time), or None."""
    return value.astimezone(ZoneInfo(zone)).isoformat() if value is not None else None


def _media_url(picture) -> str | None:
    return external_url("media.media", name=picture.filename) if picture is not None else None


def hub(region: Region) -> dict:
    return {
        "slug": region.slug,
        "name": region.name,
        "name_en": region.name_en,
        "description": region.description,
        "description_en": region.description_en,
        "website": region.website,
        "logo_url": _media_url(region.logo),
    }


def edition(item: Edition) -> dict:
    zone = item.timezone
    return {
        "year": item.year,
        "slug": item.slug,
        "name": item.name,
        "name_en": item.name_en,
        "timezone": zone,
        "starts_on": item.starts_on.isoformat(),
        "ends_on": item.ends_on.isoformat(),
        "registration_opens_at": moment(item.registration_opens_at, zone),
        "registration_closes_at": moment(item.registration_closes_at, zone),
        "day_chair": item.day_chair,
        "page_url": external_url("programme.edition_detail", year=item.year),
        "sessions_url": external_url("api.edition_sessions", year=item.year),
    }


def session(item: ProgrammeSession, now: datetime | None = None) -> dict:
    zone = item.edition.timezone
    places_left = None
    if item.capacity is not None:
        places_left = max(item.capacity - item.confirmed_count, 0)
    return {
        "slug": item.slug,
        "uid": item.uid,
        "edition": item.edition.year,
        "hub": {"slug": item.region.slug, "name": item.region.name, "name_en": item.region.name_en},
        "title": item.title,
        "title_en": item.title_en,
        "theme": item.theme,
        "theme_en": item.theme_en,
        "description": item.description,
        "description_en": item.description_en,
        "start_at": moment(item.start_at, zone),
        "end_at": moment(item.end_at, zone),
        "timezone": zone,
        "status": item.status,
        "state": item.state(now or utcnow()),
        "capacity": item.capacity,
        "places_left": places_left,
        "speakers": [
            {
                "name": s.name,
                "company": s.company,
                "role": s.role,
                "bio": s.bio,
                "bio_en": s.bio_en,
                "photo_url": _media_url(s.photo),
            }
            for s in item.speakers
        ],
        "videos": [{"title": v.title, "url": v.url} for v in item.videos],
        "recording_url": item.recording_url,
        "page_url": external_url("programme.session_detail", slug=item.slug),
        "signup_url": external_url("registration.register", session=item.slug),
        "is_example": item.is_example,
    }


def dump(schema_class, data: dict) -> dict:
    """``data`` through its schema: a field the schema does not know is a bug, found here."""
    return schema_class().dump(data)


__all__ = ["dump", "edition", "hub", "moment", "schemas", "session"]
