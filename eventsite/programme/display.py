"""What a session card says about a session at a moment: one plain state, one call to action.

``ProgrammeSession.state`` answers what sign-up may do; a visitor wants more: is it on right
now, are places running out, is the recording online. The card shows exactly one of these,
so the labels never contradict each other (a "closed" label next to a "watch live" link).
"""

from __future__ import annotations

from datetime import datetime

from .models import ProgrammeSession

# Places left at or below which a session counts as "almost full": a tenth, at least 5.
ALMOST_FULL_SHARE = 10
ALMOST_FULL_MINIMUM = 5


def places_left(session: ProgrammeSession) -> int | None:
    """Confirmed places still free (None: no limit)."""
    if session.capacity is None:
        return None
    return max(session.capacity - session.confirmed_count, 0)


def is_almost_full(session: ProgrammeSession) -> bool:
    """Few places left, but not none."""
    left = places_left(session)
    if left is None or left == 0:
        return False
    return left <= max(ALMOST_FULL_MINIMUM, session.capacity // ALMOST_FULL_SHARE)


def is_live(session: ProgrammeSession, moment: datetime) -> bool:
    """From the start to the end of a session that takes place."""
    return not session.is_cancelled and session.start_at <= moment < session.end_at


def card_state(session: ProgrammeSession, moment: datetime) -> str:
    """One of: cancelled, live, recording, ended, soon, open, almost_full, waiting, closed."""
    if session.is_cancelled:
        return "cancelled"
    if is_live(session, moment):
        return "live"
    if moment >= session.end_at:
        return "recording" if session.recording_url else "ended"
    sign_up = session.state(moment)
    if sign_up == "open" and is_almost_full(session):
        return "almost_full"
    return {"full": "waiting"}.get(sign_up, sign_up)


def can_sign_up(session: ProgrammeSession, moment: datetime) -> bool:
    """Whether the card offers sign-up (a full session: the waiting list)."""
    return session.open_for_registration(moment)
