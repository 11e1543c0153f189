"""The waiting list: a freed place goes to the first person waiting, who is mailed."""

from __future__ import annotations

from . import capacity, notifications
from .models import Registration
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
