"""An edition's status as the programme office sees it, computed, never stored.

Stored would be wrong tomorrow: whether sign-up is open or the edition is over follows from
``published``, the sign-up dates, the sessions' times and the clock.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from .models import Edition


class EditionStatus(StrEnum):
    DRAFT = "draft"  # not published: only organisers see it (preview)
    PUBLISHED = "published"  # public, sign-up not open yet (or not planned)
    OPEN = "open"  # public, visitors can sign up for at least one session
    CLOSED = "closed"  # sign-up is over, sessions still to come
    ARCHIVED = "archived"  # every session is over


def last_moment(edition: Edition) -> datetime:
    """When the edition is over: its last session's end, else the end of its last day."""
    ends = [s.end_at for s in edition.sessions]
    if ends:
        return max(ends)
    return datetime.combine(edition.ends_on, time.max, ZoneInfo(edition.timezone))


def edition_status(edition: Edition, now: datetime) -> EditionStatus:
    """The status of ``edition`` at ``now``."""
    if not edition.published:
        return EditionStatus.DRAFT
    if now >= last_moment(edition):
        return EditionStatus.ARCHIVED
    if any(s.open_for_registration(now) for s in edition.sessions):
        return EditionStatus.OPEN
    opened = edition.registration_opens_at is not None and now >= edition.registration_opens_at
    return EditionStatus.CLOSED if opened else EditionStatus.PUBLISHED
