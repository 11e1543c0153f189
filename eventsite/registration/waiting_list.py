"""The waiting list: a freed place goes to the first person waiting, who is mailed."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..programme.models import ProgrammeSession
from . import capacity, notifications
from .models import CANCELLED, WAITING, Registration
from .signals import registration_promoted


def fill_free_places(session_id: int) -> list[Registration]:
    """Give free places (e.g. after organisers raised the capacity) to those waiting, in
    order, and mail them, in the caller's unit of work."""
    capacity.begin_write()
    capacity.lock_session(session_id)
    promoted = capacity.promote_waiting(session_id)
    for registration in promoted:
        notifications.send_promoted(registration.attendee, registration)
        registration_promoted.send(registration.attendee, registration=registration)
    return promoted


def release_and_promote(registration: Registration) -> Registration | None:
    """Give up a registration's place or spot; the first waiting (if any) moves up and is
    mailed. Returns the promoted registration."""
    promoted = capacity.release(registration)
    if promoted is not None:
        notifications.send_promoted(promoted.attendee, promoted)
        registration_promoted.send(promoted.attendee, registration=promoted)
    return promoted


def close_for_cancelled_session(session: ProgrammeSession, **_extra) -> list[Registration]:
    """Receiver of the programme's ``session_cancelled`` and ``session_changed``: when the
    organisers cancel a session, those on its waiting list are taken off it and told (those
    with a place get the calendar's cancellation). Once: a later edit finds no one waiting."""
    if not session.is_cancelled:
        return []
    waiting = db.session.scalars(
        db.select(Registration)
        .filter_by(session_id=session.id, state=WAITING)
        .options(selectinload(Registration.attendee))
        .order_by(Registration.id)
    ).all()
    now = utcnow()
    for registration in waiting:
        registration.state = CANCELLED
        registration.cancelled_at = now
        notifications.send_waiting_cancelled(registration.attendee, registration)
    return list(waiting)
