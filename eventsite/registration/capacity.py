"""Places and waiting lists, safe under concurrent confirmations and drops.

A place is taken by one atomic UPDATE that raises ``confirmed_count`` only while it is
below the capacity, so two confirmations can never both take the last place (the CHECK
constraint on ``programme_session`` backs this up). Freeing a place and giving it to the
first person on the waiting list happen in one transaction while the session row is
locked, so a newcomer cannot slip in between and two drops cannot promote the same person.
"""

from __future__ import annotations

from sqlalchemy import or_, update

from ..clock import utcnow
from ..database import begin_write as begin_write  # its callers use capacity.begin_write
from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import CANCELLED, CONFIRMED, WAITING, Registration
from .signals import session_full, waiting_list_started


def take_place(session_id: int) -> bool:
    """Raise the session's confirmed count by one if there is room. True if a place was taken."""
    return _take_place(session_id) is not None


def _take_place(session_id: int) -> bool | None:
    """``take_place`` in one statement that also says whether it took the last place:
    None if there was no room, else whether the session is full now."""
    s = ProgrammeSession
    taken = db.session.execute(
        update(s)
        .where(s.id == session_id, or_(s.capacity.is_(None), s.confirmed_count < s.capacity))
        .values(**_places_changed(+1))
        .returning(s.capacity, s.confirmed_count)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        return None
    capacity, confirmed = taken
    return capacity is not None and confirmed >= capacity


def _places_changed(delta: int) -> dict:
    """What a place taken (+1) or given up (-1) sets on the session's row: the count and when
    it changed, and ``updated_at`` named as it is, so that its onupdate leaves it alone:
    someone's place changes no one's mail or calendar entry (see ``places_changed_at``)."""
    s = ProgrammeSession
    return {
        "confirmed_count": s.confirmed_count + delta,
        "places_changed_at": utcnow(),
        "updated_at": s.updated_at,
    }


def is_full(session_id: int) -> bool:
    """Whether every place of a session with a capacity is taken."""
    s = ProgrammeSession
    return bool(
        db.session.scalar(
            db.select(s.capacity.is_not(None) & (s.confirmed_count >= s.capacity)).where(
                s.id == session_id
            )
        )
    )


def has_waiting_list(session_id: int) -> bool:
    """Whether anyone waits for this session (then newcomers queue behind them)."""
    return (
        db.session.scalar(
            db.select(Registration.id).filter_by(session_id=session_id, state=WAITING).limit(1)
        )
        is not None
    )


def lock_session(session_id: int) -> None:
    """Lock the session row until the commit (PostgreSQL), serialising drops and promotions.

    FOR NO KEY UPDATE, not FOR UPDATE: a transaction that already wrote a row referring to
    the session holds the foreign key's KEY SHARE on it, and two of those asking FOR UPDATE
    would wait for each other (a deadlock); NO KEY UPDATE still serialises the lockers."""
    db.session.execute(
        db.select(ProgrammeSession.id).filter_by(id=session_id).with_for_update(key_share=True)
    ).first()


def confirm_place(registration: Registration) -> str:
    """Give a confirmed sign-up a place, or put it on the waiting list. Returns the new state."""
    session_id = registration.session_id
    lock_session(session_id)
    now = utcnow()  # read after the lock: the waiting list's order is the order of the locks
    waiting_before = has_waiting_list(session_id)
    full_now = None if waiting_before else _take_place(session_id)
    placed = full_now is not None
    _settle(registration, placed, now)
    if full_now:
        session_full.send(registration.session)
    elif not placed and not waiting_before:
        waiting_list_started.send(registration.session)
    return registration.state


def foresee_place(registration: Registration) -> None:
    """Set on the registration, in memory only (inside ``unit_of_work.rehearsal``), what
    ``confirm_place`` would most likely give now. A read without a lock: another
    confirmation may take the last place before ``confirm_place`` decides."""
    session_id = registration.session_id
    placed = not has_waiting_list(session_id) and not is_full(session_id)
    _settle(registration, placed, utcnow())


def _settle(registration: Registration, placed: bool, now) -> None:
    if placed:
        _give_place(registration, now)
        registration.waiting_since = None
    else:
        registration.state = WAITING
        registration.waiting_since = now


def _give_place(registration: Registration, now) -> None:
    """Confirm the place; one given up before (its CANCEL sent) gets a newer invite SEQUENCE,
    or calendars would take the new REQUEST for the old one and keep the event removed."""
    if registration.confirmed_at is not None:
        registration.invite_sequence = (registration.invite_sequence or 0) + 1
    registration.state = CONFIRMED
    registration.confirmed_at = now


def release(registration: Registration) -> Registration | None:
    """Cancel a registration; if it held a place, give it to the first waiting person.

    Returns the promoted registration (the caller mails them), or None.
    """
    held_place = registration.state == CONFIRMED
    now = utcnow()
    registration.state = CANCELLED
    registration.cancelled_at = now
    if held_place:
        # The CANCEL that takes the event out of their calendar must be newer than the invite.
        registration.invite_sequence = (registration.invite_sequence or 0) + 1
    db.session.flush()
    if not held_place:
        return None
    lock_session(registration.session_id)
    db.session.execute(
        update(ProgrammeSession)
        .where(ProgrammeSession.id == registration.session_id)
        .values(**_places_changed(-1))
        .execution_options(synchronize_session=False)
    )
    session = registration.session
    if session.is_cancelled or now >= session.start_at:
        return None  # no one is promoted into a cancelled or started session
    promoted = promote_waiting(registration.session_id)
    return promoted[0] if promoted else None


def promote_waiting(session_id: int) -> list[Registration]:
    """Fill free places from the waiting list in order; returns the promoted registrations.

    Also for organisers who raise a capacity. The session row must be locked by the caller
    (``lock_session``) on PostgreSQL.
    """
    promoted = []
    while True:
        first = db.session.scalar(
            db.select(Registration)
            .filter_by(session_id=session_id, state=WAITING)
            .order_by(Registration.waiting_since, Registration.id)
            .limit(1)
            .with_for_update(key_share=True)
        )
        if first is None or not take_place(session_id):
            break
        _give_place(first, utcnow())
        db.session.flush()
        promoted.append(first)
    return promoted


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list, and so on; None when not waiting."""
    if registration.state != WAITING:
        return None
    ahead = db.session.scalar(
        db.select(db.func.count(Registration.id)).where(
            Registration.session_id == registration.session_id,
            Registration.state == WAITING,
            or_(
                Registration.waiting_since < registration.waiting_since,
                (Registration.waiting_since == registration.waiting_since)
                & (Registration.id < registration.id),
            ),
        )
    )
    return (ahead or 0) + 1
