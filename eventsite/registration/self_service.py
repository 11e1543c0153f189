"""The personal page's actions: add, drop, cancel, erase, messages; inside the caller's
unit of work (``core.unit_of_work``), which commits after the view."""

from __future__ import annotations

import enum

from ..clock import utcnow
from ..extensions import db
from ..programme.models import ProgrammeSession
from . import capacity, housekeeping, notifications, questions
from .attendees import ACTIVE, lock_attendee
from .models import CONFIRMED, PENDING, WAITING, Attendee, Registration
from .question_models import Question
from .signals import place_dropped, registration_cancelled
from .signup import check_open
from .waiting_list import release_and_promote


class Added(enum.Enum):
    """What adding a session from the personal page did."""

    PLACE = "place"
    WAITING = "waiting"  # the session is full
    ATTENDEE_GONE = "gone"  # erased in another tab meanwhile


def still_changeable(registration: Registration, now) -> bool:
    """A place can be given up or confirmed only before its session starts and while it
    is not cancelled; afterwards the registration is history (attendance, recordings)."""
    session = registration.session
    return not session.is_cancelled and now < session.start_at


def questions_on_adding(attendee: Attendee, sessions: list[ProgrammeSession]) -> list[Question]:
    """The questions that adding ``sessions`` asks, in form order: asked because of their
    hubs, not asked for the person's own sessions (pending, confirmed or waiting), and not
    answered yet. Raises ``SessionNotOpen`` when a session cannot be chosen."""
    check_open(attendee.edition, sessions)
    asked = questions.asked(questions.edition_questions(attendee.edition), sessions)
    held = [r.session for r in attendee.registrations if r.state in ACTIVE]
    asked_before = set(questions.asked(asked, held))
    answered = {a.question_id for a in attendee.answers}
    return [q for q in asked if q not in asked_before and q.id not in answered]


def add_session(
    attendee: Attendee, session: ProgrammeSession, answers: dict | None = None
) -> Added:
    """A confirmed attendee adds a session from their page: a place or the waiting list;
    ``answers`` to the questions that asks (``questions_on_adding``) are stored with it,
    keeping any the person gave meanwhile. Raises ``SessionNotOpen`` (before changing
    anything) when it cannot be chosen."""
    if not lock_attendee(attendee):
        return Added.ATTENDEE_GONE
    check_open(attendee.edition, [session])
    questions.set_answers(attendee, answers or {}, only_missing=True)
    registration = next((r for r in attendee.registrations if r.session_id == session.id), None)
    if registration is not None and registration.state in (CONFIRMED, WAITING):
        return Added.PLACE if registration.state == CONFIRMED else Added.WAITING
    if registration is None:
        registration = Registration(session=session, state=PENDING, created_at=utcnow())
        attendee.registrations.append(registration)
    registration.state = PENDING
    registration.cancelled_at = None
    db.session.flush()
    if capacity.confirm_place(registration) == CONFIRMED:
        notifications.send_welcome(attendee, [registration], [])
        outcome = Added.PLACE
    else:
        notifications.send_waiting(attendee, registration, capacity.waiting_position(registration))
        outcome = Added.WAITING
    db.session.flush()
    return outcome


def drop_session(attendee: Attendee, session_id: int) -> Registration | None:
    """Drop one session; a freed place goes to the first on its waiting list. None if
    there was nothing to drop (dropped before, started, or the attendee is gone)."""
    if not lock_attendee(attendee):
        return None
    now = utcnow()
    registration = next(
        (
            r
            for r in attendee.registrations
            if r.session_id == session_id and r.state in ACTIVE and still_changeable(r, now)
        ),
        None,
    )
    if registration is None:
        return None
    held_place = [registration] if registration.state == CONFIRMED else []
    waited = [registration] if registration.state == WAITING else []
    release_and_promote(registration)
    place_dropped.send(attendee, registration=registration)
    notifications.send_cancelled(
        attendee, [registration], everything=False, dropped_places=held_place, left_waiting=waited
    )
    db.session.flush()
    return registration


def cancel_all(attendee: Attendee) -> list[Registration]:
    """Cancel every session of this attendee that has not started yet (their data stays
    until they erase it; places in past sessions stay as the record of who came)."""
    if not lock_attendee(attendee):
        return []
    now = utcnow()
    active = sorted(
        (r for r in attendee.registrations if r.state in ACTIVE and still_changeable(r, now)),
        key=lambda r: r.session_id,
    )
    held_places = [r for r in active if r.state == CONFIRMED]
    waited = [r for r in active if r.state == WAITING]
    for registration in active:
        release_and_promote(registration)
    if active:
        registration_cancelled.send(attendee, registrations=active)
        notifications.send_cancelled(
            attendee, active, everything=True, dropped_places=held_places, left_waiting=waited
        )
    db.session.flush()
    return active


def holds_registrations(attendee_id: int) -> bool:
    """Whether the person (if still there) has registrations that hold, wait for or await a
    place: after ``cancel_all``, the places kept as history. By id: the attendee object of a
    person erased meanwhile (another tab) can no longer be read."""
    found = db.session.scalar(
        db.select(Registration.id)
        .where(Registration.attendee_id == attendee_id, Registration.state.in_(ACTIVE))
        .limit(1)
    )
    return found is not None


def set_messages_opt_out(attendee: Attendee, stop: bool) -> None:
    """Stop or resume organiser messages (reminders and calendar updates still go)."""
    attendee.messages_opt_out = stop
    # For the data download: when, and that it was the personal page (not a mail's link).
    attendee.messages_opt_out_at = utcnow() if stop else None
    attendee.messages_opt_out_via = "personal page" if stop else None


def erase(attendee: Attendee) -> None:
    """Erase a person (GDPR art. 17): their places go to the waiting lists, their mails too."""
    if not lock_attendee(attendee):
        return
    for registration in sorted(attendee.registrations, key=lambda r: r.session_id):
        if registration.state in ACTIVE:
            release_and_promote(registration)
    # The outbox holds their name, address and links: erased with them.
    housekeeping.delete_person(attendee)
    db.session.flush()
