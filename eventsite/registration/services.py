"""Sign-up, confirmation and self-service management, without request objects.

Every function works inside the caller's transaction and commits when it is done, so a
mail queued here is as durable as the change that caused it (it is sent after the commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..core.privacy import PRIVACY_VERSION
from ..extensions import db
from ..programme.models import Edition, ProgrammeSession
from . import capacity, housekeeping, notifications
from .links import issue_manage_token
from .links import join_url as join_url  # part of this module's interface
from .models import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    WAITING,
    Attendee,
    ManageToken,
    Registration,
    SignupRequest,
)
from .signup_requests import apply_request, new_request, open_request, pending_request_sessions
from .tokens import TokenExpired, TokenInvalid, email_digest, hash_token, read_confirm_token

# Registrations that hold or wait for a place, or await confirmation.
ACTIVE = (PENDING, CONFIRMED, WAITING)


class SessionNotOpen(ValueError):
    """A chosen session is closed, cancelled or not of this edition."""

    def __init__(self, session: ProgrammeSession | None) -> None:
        super().__init__(session.slug if session else "unknown session")
        self.session = session


@dataclass
class SignUp:
    """What a visitor submitted on the sign-up form."""

    name: str
    email: str
    organisation: str
    role: str = ""
    newsletter: bool = False
    language: str = "nl"
    ip: str | None = None


@dataclass
class Confirmation:
    """The outcome of confirming: which registrations got a place and which wait."""

    attendee: Attendee | None
    confirmed: list[Registration] = field(default_factory=list)
    waiting: list[Registration] = field(default_factory=list)
    # A management token for the confirmer's browser; None when nothing was confirmed.
    manage_token: str | None = None
    error: str | None = None  # "expired", "invalid", "used" (the link was used before)
    # Pending sign-ups whose session closed or was cancelled before the confirmation.
    closed: list[Registration] = field(default_factory=list)


def normalise_email(address: str) -> str:
    return address.strip().lower()


def find_attendee(edition: Edition, email: str) -> Attendee | None:
    return db.session.scalar(
        db.select(Attendee).filter_by(edition_id=edition.id, email=normalise_email(email))
    )


def check_open(edition: Edition, sessions: list[ProgrammeSession]) -> None:
    """Raise SessionNotOpen for the first session that cannot be chosen now."""
    now = utcnow()
    for session in sessions:
        if session.edition_id != edition.id or not session.open_for_registration(now):
            raise SessionNotOpen(session)


def sign_up(edition: Edition, data: SignUp, sessions: list[ProgrammeSession]) -> None:
    """Store a pending sign-up (or add sessions to a known person) and queue the right mail.

    The caller shows the same page whatever happened here: new, pending or confirmed.
    """
    if not sessions:
        raise ValueError("choose at least one session")
    check_open(edition, sessions)
    session_ids = [s.id for s in sessions]
    try:
        _sign_up(edition, data, sessions)
    except IntegrityError:
        # A double click: the same new person was stored by a request running alongside.
        # The unique constraints kept them one person; now they are known, try once more.
        db.session.rollback()
        sessions = [db.session.get(ProgrammeSession, i) for i in session_ids]
        _sign_up(edition, data, sessions)


def _sign_up(edition: Edition, data: SignUp, sessions: list[ProgrammeSession]) -> None:
    now = utcnow()
    attendee = find_attendee(edition, data.email)
    known_and_confirmed = attendee is not None and attendee.confirmed_at is not None
    if attendee is None:
        attendee = Attendee(edition=edition, email=normalise_email(data.email), created_at=now)
        db.session.add(attendee)
    if not known_and_confirmed:
        # Nobody has proved this address yet: the latest form shows on the organisers' lists
        # as "pending"; a confirmation applies the details of its own request (see confirm).
        attendee.name = data.name.strip()
        attendee.organisation = data.organisation.strip()
        attendee.role = data.role.strip()
        attendee.newsletter = data.newsletter
        attendee.language = data.language
        # Proof of consent: the text agreed to, and when and from where (the latest sign-up).
        attendee.consent_version = PRIVACY_VERSION
        attendee.created_at = now
        attendee.signup_ip = data.ip
    new_sessions = _add_pending(attendee, sessions, now)
    if known_and_confirmed:
        # The link confirms only the new sessions; a confirmed person's details stay theirs.
        request = new_request(attendee, new_sessions, None, data.ip, now) if new_sessions else None
        notifications.send_already_registered(attendee, new_sessions, request)
    else:
        # Its own request: the link confirms what this form sent, not what a later one did.
        chosen = sorted(sessions, key=lambda s: s.start_at)
        request = new_request(attendee, chosen, data, data.ip, now)
        notifications.send_confirm_request(attendee, chosen, request)
    db.session.commit()


def _add_pending(attendee: Attendee, sessions: list[ProgrammeSession], now) -> list:
    """Mark the chosen sessions pending where the person has no place yet; the new ones."""
    existing = {r.session_id: r for r in attendee.registrations}
    added = []
    for session in sessions:
        registration = existing.get(session.id)
        if registration is None:
            attendee.registrations.append(
                Registration(session=session, state=PENDING, created_at=now)
            )
            added.append(session)
        elif registration.state in (PENDING, CANCELLED):
            registration.state = PENDING
            registration.created_at = now  # the purge counts from the latest sign-up
            registration.cancelled_at = None
            added.append(session)
    return added


def resend(edition: Edition, email: str) -> None:
    """Mail a new confirmation link (pending) or the personal link (confirmed); else nothing.

    A pending person gets a fresh link to the newest open request (its page shows what it
    confirms); anyone can ask for this, so it creates no request with new content."""
    attendee = find_attendee(edition, email)
    if attendee is None:
        return
    pending = [r.session for r in attendee.registrations if r.state == PENDING]
    if attendee.confirmed_at is not None:
        notifications.send_already_registered(attendee, pending)
    elif pending:
        request = open_request(attendee)
        sessions = pending_request_sessions(request) if request else pending
        notifications.send_confirm_request(attendee, sessions, request)
    else:
        return
    db.session.commit()


def lock_attendee(attendee: Attendee) -> bool:
    """Serialise changes to one attendee's registrations (a double click, two tabs).

    Takes the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the attendee's row), then
    forgets everything read before it, so the decision is made on what an earlier request
    committed, not on the state this request loaded. False if the attendee is gone (erased
    by that earlier request).
    """
    capacity.begin_write()
    found = db.session.execute(
        db.select(Attendee.id).filter_by(id=attendee.id).with_for_update()
    ).first()
    db.session.expire_all()
    return found is not None


def _still_changeable(registration: Registration, now) -> bool:
    """A place can be given up or confirmed only before its session starts and while it
    is not cancelled; afterwards the registration is history (attendance, recordings)."""
    session = registration.session
    return not session.is_cancelled and now < session.start_at


def request_from_confirm_token(token: str) -> tuple[SignupRequest | None, str | None]:
    """The sign-up request a confirmation token is for, or (None, "expired" | "invalid").
    A used request is returned too (``used_at`` set): the caller says so."""
    try:
        attendee_id, digest, request_id = read_confirm_token(token)
    except TokenExpired:
        return None, "expired"
    except TokenInvalid:
        return None, "invalid"
    request = db.session.get(SignupRequest, request_id)
    if request is None or request.attendee_id != attendee_id:
        return None, "invalid"
    if email_digest(request.attendee.email) != digest:
        return None, "invalid"
    return request, None


def confirm(token: str, ip: str | None) -> Confirmation:
    """Confirm the sign-up request a token stands for, once (a second time: "used")."""
    capacity.begin_write()
    request, error = request_from_confirm_token(token)
    if request is None:
        db.session.rollback()
        return Confirmation(None, error=error)
    return confirm_attendee(request.attendee, ip, request)


def confirm_attendee(
    attendee: Attendee, ip: str | None, request: SignupRequest | None = None
) -> Confirmation:
    """Give each pending registration a place or a waiting-list spot, then mail the person.

    With a ``request`` (a confirmation link): only its sessions, its details for a person
    not confirmed before, and only once. Without (the personal page's button): every
    pending session of the person."""
    if not lock_attendee(attendee):
        db.session.rollback()
        return Confirmation(None, error="invalid")
    result = Confirmation(attendee)
    now = utcnow()
    if request is not None:
        if request.used_at is not None:  # re-read after the lock: a double click, an old mail
            db.session.rollback()
            return Confirmation(attendee, error="used")
        request.used_at = now
    wanted = set(request.session_id_list) if request is not None else None
    pending = sorted(
        (
            r
            for r in attendee.registrations
            if r.state == PENDING and (wanted is None or r.session_id in wanted)
        ),
        key=lambda r: r.session_id,
    )
    for registration in pending:
        if not registration.session.open_for_registration(now):
            # Closed or cancelled since the sign-up: nothing to confirm any more.
            registration.state = CANCELLED
            registration.cancelled_at = now
            result.closed.append(registration)
            continue
        state = capacity.confirm_place(registration)
        (result.confirmed if state == CONFIRMED else result.waiting).append(registration)
    if not result.confirmed and not result.waiting:
        db.session.commit()
        return result
    if attendee.confirmed_at is None:
        if request is not None:
            apply_request(attendee, request)
        attendee.confirmed_at = now
        attendee.confirm_ip = ip
    result.manage_token = issue_manage_token(attendee)
    notifications.send_welcome(attendee, result.confirmed, result.waiting, result.manage_token)
    db.session.commit()
    return result


def attendee_for_token(token: str) -> Attendee | None:
    """The attendee a personal management token belongs to, or None.

    Any token ever mailed to them works (``ManageToken``); ``Attendee.manage_token_hash``,
    the newest, is accepted too for attendees made by other means (organisers, imports).
    """
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    load = selectinload(Attendee.registrations).selectinload(Registration.session)
    return db.session.scalar(
        db.select(Attendee).join(ManageToken).where(ManageToken.token_hash == digest).options(load)
    ) or db.session.scalar(
        db.select(Attendee).where(Attendee.manage_token_hash == digest).options(load)
    )


def add_session(attendee: Attendee, session: ProgrammeSession) -> Registration:
    """A confirmed attendee adds a session from their page: a place or the waiting list."""
    if not lock_attendee(attendee):
        db.session.rollback()
        return None
    check_open(attendee.edition, [session])
    registration = next((r for r in attendee.registrations if r.session_id == session.id), None)
    if registration is not None and registration.state in (CONFIRMED, WAITING):
        db.session.rollback()
        return registration
    if registration is None:
        registration = Registration(session=session, state=PENDING, created_at=utcnow())
        attendee.registrations.append(registration)
    registration.state = PENDING
    registration.cancelled_at = None
    db.session.flush()
    if capacity.confirm_place(registration) == CONFIRMED:
        notifications.send_welcome(attendee, [registration], [])
    else:
        notifications.send_waiting(attendee, registration, capacity.waiting_position(registration))
    db.session.commit()
    return registration


def drop_session(attendee: Attendee, session_id: int) -> Registration | None:
    """Drop one session; a freed place goes to the first on its waiting list."""
    if not lock_attendee(attendee):
        db.session.rollback()
        return None
    now = utcnow()
    registration = next(
        (
            r
            for r in attendee.registrations
            if r.session_id == session_id and r.state in ACTIVE and _still_changeable(r, now)
        ),
        None,
    )
    if registration is None:
        db.session.rollback()
        return None
    held_place = [registration] if registration.state == CONFIRMED else []
    _release_and_promote(registration)
    notifications.send_cancelled(
        attendee, [registration], everything=False, dropped_places=held_place
    )
    db.session.commit()
    return registration


def cancel_all(attendee: Attendee) -> list[Registration]:
    """Cancel every session of this attendee that has not started yet (their data stays
    until they erase it; places in past sessions stay as the record of who came)."""
    if not lock_attendee(attendee):
        db.session.rollback()
        return []
    now = utcnow()
    active = sorted(
        (r for r in attendee.registrations if r.state in ACTIVE and _still_changeable(r, now)),
        key=lambda r: r.session_id,
    )
    held_places = [r for r in active if r.state == CONFIRMED]
    for registration in active:
        _release_and_promote(registration)
    if active:
        notifications.send_cancelled(attendee, active, everything=True, dropped_places=held_places)
    db.session.commit()
    return active


def set_messages_opt_out(attendee: Attendee, stop: bool) -> None:
    """Stop or resume organiser messages (reminders and calendar updates still go)."""
    attendee.messages_opt_out = stop
    db.session.commit()


def fill_free_places(session_id: int) -> list[Registration]:
    """Give free places (e.g. after organisers raised the capacity) to those waiting, in
    order, and mail them. The caller commits."""
    capacity.begin_write()
    capacity.lock_session(session_id)
    promoted = capacity.promote_waiting(session_id)
    for registration in promoted:
        notifications.send_promoted(registration.attendee, registration)
    return promoted


def _release_and_promote(registration: Registration) -> None:
    promoted = capacity.release(registration)
    if promoted is not None:
        notifications.send_promoted(promoted.attendee, promoted)


def erase(attendee: Attendee) -> None:
    """Erase a person (GDPR art. 17): their places go to the waiting lists, their mails too."""
    if not lock_attendee(attendee):
        db.session.rollback()
        return
    for registration in sorted(attendee.registrations, key=lambda r: r.session_id):
        if registration.state in ACTIVE:
            _release_and_promote(registration)
    # The outbox holds their name, address and links: erased with them.
    housekeeping.delete_person(attendee)
    db.session.commit()
