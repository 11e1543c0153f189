"""Organisers manage a session's speakers and videos: add, change, remove, reorder.

Each change locks the session row (one list edit at a time, so positions stay unique),
flushes into the request's unit of work and leaves an audit entry whose sentence names the
speaker or video and the session. The session's ``updated_at`` rises with every change
(``programme.page_versions``), so cached pages show it at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..core.media import ImageRefused, has_upload, store_upload
from ..extensions import db
from ..programme.models import ProgrammeSession, SessionVideo, Speaker
from ..programme.pictures import release_picture
from . import audit
from .models import Organiser

MAX_SPEAKERS = 30
MAX_VIDEOS = 20
SPEAKER_FIELDS = ("name", "company", "role", "bio", "bio_en")


@dataclass
class Outcome:
    saved: bool
    errors: dict[str, str] = field(default_factory=dict)


def locked(programme_session: ProgrammeSession) -> ProgrammeSession:
    """The session, its row locked until the commit (PostgreSQL), read fresh."""
    return db.session.scalar(
        select(ProgrammeSession)
        .filter_by(id=programme_session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def speaker_fingerprint(speaker: Speaker) -> str:
    """A hash of what the speaker form shows, to notice someone else's save in between."""
    values = [repr(getattr(speaker, name)) for name in (*SPEAKER_FIELDS, "photo_sha256")]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def _record(organiser, action, speaker_or_video, programme_session, detail="", **data) -> None:
    """The audit entry: its sentence names the speaker (or video) and the session."""
    name = getattr(speaker_or_video, "name", None) or speaker_or_video.title
    audit.record(
        organiser,
        action,
        programme_session.slug,
        detail,
        edition=programme_session.edition,
        region=programme_session.region,
        data={"name": name, "title": programme_session.title, **data},
    )


def _texts(data: dict) -> dict:
    values = {name: (data.get(name) or "").strip() or None for name in SPEAKER_FIELDS}
    values["name"] = values["name"] or ""
    return values


def _photo(upload: FileStorage | None, remove: bool, current: str | None):
    """The photo's new hash (or ``current``), or ImageRefused."""
    if has_upload(upload):
        return store_upload(upload).sha256
    return None if remove else current


def add_speaker(
    programme_session: ProgrammeSession, organiser: Organiser, data: dict, upload=None
) -> Outcome:
    """Add a speaker at the end of the list, with an optional photo."""
    programme_session = locked(programme_session)
    if len(programme_session.speakers) >= MAX_SPEAKERS:
        return Outcome(False, {"name": str(_l("At most %(n)d speakers.", n=MAX_SPEAKERS))})
    try:
        photo = _photo(upload, False, None)
    except ImageRefused as refused:
        return Outcome(False, {"photo": refused.message})
    position = max((s.position for s in programme_session.speakers), default=-1) + 1
    speaker = Speaker(position=position, photo_sha256=photo, **_texts(data))
    programme_session.speakers.append(speaker)
    db.session.flush()
    _record(organiser, "speaker.add", speaker, programme_session)
    return Outcome(True)


def update_speaker(
    speaker: Speaker, organiser: Organiser, data: dict, upload=None, fingerprint=None
) -> Outcome:
    """Change a speaker's texts and photo; refuse when someone else saved in between."""
    locked(speaker.session)
    db.session.refresh(speaker)
    if fingerprint and fingerprint != speaker_fingerprint(speaker):
        message = _l(
            "Someone else saved this speaker while you were editing. The form still holds "
            "your changes: check them and save again to overwrite, or reload the page."
        )
        return Outcome(False, {"_form": str(message)})
    try:
        photo = _photo(upload, bool(data.get("remove_photo")), speaker.photo_sha256)
    except ImageRefused as refused:
        return Outcome(False, {"photo": refused.message})
    changes = {**_texts(data), "photo_sha256": photo}
    changed = [k for k, v in changes.items() if getattr(speaker, k) != v]
    if not changed:
        return Outcome(True)
    old_photo = speaker.photo_sha256
    for name, value in changes.items():
        setattr(speaker, name, value)
    db.session.flush()
    if old_photo != photo:
        release_picture(old_photo)
    _record(organiser, "speaker.update", speaker, speaker.session, "changed: " + ", ".join(changed))
    return Outcome(True)


def remove_speaker(speaker: Speaker, organiser: Organiser) -> None:
    """Remove a speaker (and their photo, if nobody else shows it); close the gap."""
    programme_session = locked(speaker.session)
    photo = speaker.photo_sha256
    _record(organiser, "speaker.remove", speaker, programme_session)
    programme_session.speakers.remove(speaker)
    db.session.flush()
    _renumber(programme_session.speakers)
    release_picture(photo)


def move_speaker(speaker: Speaker, organiser: Organiser, up: bool) -> bool:
    """Swap a speaker with the one before (``up``) or after it; False at either end."""
    programme_session = locked(speaker.session)
    if not _swap(programme_session.speakers, speaker, up):
        return False
    _record(organiser, "speaker.reorder", speaker, programme_session, position=speaker.position + 1)
    return True


def add_video(programme_session: ProgrammeSession, organiser: Organiser, data: dict) -> Outcome:
    """Add a video link at the end of the session's list (the form checked the address)."""
    programme_session = locked(programme_session)
    if len(programme_session.videos) >= MAX_VIDEOS:
        return Outcome(False, {"url": str(_l("At most %(n)d videos.", n=MAX_VIDEOS))})
    position = max((v.position for v in programme_session.videos), default=-1) + 1
    video = SessionVideo(position=position, title=data["title"].strip(), url=data["url"])
    programme_session.videos.append(video)
    db.session.flush()
    _record(organiser, "video.add", video, programme_session)
    return Outcome(True)


def remove_video(video: SessionVideo, organiser: Organiser) -> None:
    programme_session = locked(video.session)
    _record(organiser, "video.remove", video, programme_session)
    programme_session.videos.remove(video)
    db.session.flush()
    _renumber(programme_session.videos)


def move_video(video: SessionVideo, organiser: Organiser, up: bool) -> bool:
    programme_session = locked(video.session)
    if not _swap(programme_session.videos, video, up):
        return False
    _record(organiser, "video.reorder", video, programme_session, position=video.position + 1)
    return True


def _swap(items: list, item, up: bool) -> bool:
    """Swap ``item`` with its neighbour; positions are unique, so through a free value."""
    index = items.index(item)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(items):
        return False
    other = items[other_index]
    mine, theirs = item.position, other.position
    item.position = -1 - mine  # free: positions are never negative
    db.session.flush()
    other.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    return True


def _renumber(items: list) -> None:
    """Positions 0, 1, 2, ... again after a removal, one row at a time (unique positions)."""
    for position, item in enumerate(sorted(items, key=lambda i: i.position)):
        if item.position != position:
            item.position = position
            db.session.flush()
