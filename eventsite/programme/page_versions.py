"""What the programme's cached pages depend on (see ``caching``), and keeping it honest.

``edition_version`` is the version of an edition's pages: the edition's and its sessions'
``updated_at`` (raised too when its speakers or videos change), the confirmed counts (a
session turns "full" without an edit; when they last changed is ``places_changed_at``), the
hubs' ``updated_at`` (name, logo, texts), and how many of the moments at which a session's
state changes by the clock alone (sign-up opens, closes, the session starts or ends) have
passed.

``current_edition_version``, ``published_edition_version`` and ``published_session_version``
are the version of the edition a public page or answer shows, by what its address names
(None: nothing published there, so nothing to cache).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession

from ..caching import Version
from ..clock import utcnow
from ..extensions import db
from . import queries
from .models import Edition, ProgrammeSession, Region, SessionVideo, Speaker


def edition_version(edition_id: int, now: datetime | None = None) -> Version | None:
    """The version of everything an edition's pages show at ``now`` (None: no such edition)."""
    now = now or utcnow()
    e, s, r = Edition, ProgrammeSession, Region
    rows = db.session.execute(
        select(
            e.updated_at,
            e.registration_opens_at,
            e.registration_closes_at,
            s.id,
            s.updated_at,
            s.confirmed_count,
            s.start_at,
            s.end_at,
            s.registration_closes_at,
            r.name,
            r.name_en,
            r.updated_at,
            s.places_changed_at,
        )
        .select_from(e)
        .outerjoin(s, s.edition_id == e.id)
        .outerjoin(r, r.id == s.region_id)
        .where(e.id == edition_id)
        .order_by(s.id)
    ).all()
    if not rows:
        return None
    changes = {rows[0][0]}
    moments = {rows[0][1], rows[0][2]}
    # The edition's own change time is part of the token: its texts, dates and publishing
    # show on every page, so an edit of the edition alone must give a new version too.
    parts = [str(edition_id), rows[0][0].isoformat() if rows[0][0] else "-"]
    for row in rows:
        if row[3] is None:  # an edition without sessions
            continue
        changes.update((row[4], row[11], row[12]))
        moments.update(row[6:9])
        parts.append(f"{row[3]}:{row[4].isoformat()}:{row[5]}:{row[9]}:{row[10]}:{row[11]}")
    passed = sorted(m for m in moments if m is not None and m <= now)
    parts.append(f"phase={len(passed)}")
    last = max([c for c in changes if c is not None] + passed[-1:])
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()
    return Version(digest, min(last, now))


def current_edition_version() -> Version | None:
    """The version of the current edition (None: no published edition)."""
    return _version_or_none(queries.current_edition_id())


def published_edition_version(year: int) -> Version | None:
    """The version of the edition of ``year`` (None: no such published edition)."""
    return _version_or_none(queries.published_edition_id(year))


def published_session_version(slug: str) -> Version | None:
    """The version of a published session's edition (None: no such published session)."""
    return _version_or_none(queries.published_session_edition_id(slug))


def _version_or_none(edition_id: int | None) -> Version | None:
    return edition_version(edition_id) if edition_id is not None else None


def init_app(app: Flask) -> None:
    """Listen for speaker and video edits (once per process: on the Session class)."""
    if not event.contains(OrmSession, "before_flush", touch_sessions_on_speaker_change):
        event.listen(OrmSession, "before_flush", touch_sessions_on_speaker_change)


def touch_sessions_on_speaker_change(orm_session, flush_context, instances) -> None:
    """Raise a session's ``updated_at`` when only its speakers or videos change.

    Speakers and videos have no timestamp of their own; without this an edited speaker would
    leave the session's version, and so its cached page, unchanged.
    """
    touched: set[ProgrammeSession] = set()
    for obj in (*orm_session.new, *orm_session.dirty, *orm_session.deleted):
        if isinstance(obj, Speaker | SessionVideo):
            parent = obj.session
            if parent is None and obj.session_id is not None:
                parent = orm_session.get(ProgrammeSession, obj.session_id)
            if parent is not None:
                touched.add(parent)
        elif isinstance(obj, ProgrammeSession) and obj in orm_session.dirty:
            # A changed speaker list alone leaves no column dirty, so no onupdate would run.
            if orm_session.is_modified(obj, include_collections=True):
                touched.add(obj)
    now = utcnow()
    for parent in touched:
        if parent.id is not None and parent.updated_at != now:
            parent.updated_at = now
