"""Sign-up and confirmation (double opt-in), without request objects.

Every function changes objects and flushes inside the caller's unit of work
(``core.unit_of_work``), which commits: a mail queued here is as durable as the change that
caused it, and is sent after the commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..clock import utcnow
from ..core import unit_of_work
from ..core.privacy import PRIVACY_VERSION
from ..database import one_writer_at_a_time
from ..extensions import db
from ..mail.outbox import RenderedMail, queue_collected, rendered_only
from ..programme.models import Edition, ProgrammeSession, session_contents
from . import capacity, notifications, questions
from .attendees import find_attendee, lock_attendee, normalise_email
from .links import issue_manage_token
from .models import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    WAITING,
    Attendee,
    Registration,
    SignupRequest,
)
from .signals import registration_confirmed
from .signup_requests import apply_request, new_request, open_request, pending_request_sessions
from .tokens import (
    TokenExpired,
    TokenInvalid,
    email_digest,
    new_manage_token,
    read_confirm_token,
)


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
    # Answers to the organisers' questions ({question id: value}) and where the visitor came from.
    answers: dict = field(default_factory=dict)
    source: str = ""


# A double click on the confirm button sends two POSTs, and the browser shows only the answer
# to the second. For this long after its use, a link whose use placed the person answers a
# repeat as it answered then: the personal page, by a new personal link. The link is the very
# secret that opened that page moments before, so a repeat opens nothing it did not; the
# window stays short so that an old mail, a forwarded one or a shared browser's history
# opens nothing later ("already used", as before).
REPEAT_WINDOW = timedelta(minutes=2)


class LinkProblem(enum.StrEnum):
    """Why a confirmation link confirms nothing (the values name the page's variant)."""

    EXPIRED = "expired"
    INVALID = "invalid"
    USED = "used"  # the link was used before


@dataclass
class Confirmation:
    """The outcome of confirming: which registrations got a place and which wait."""

    attendee: Attendee | None
    confirmed: list[Registration] = field(default_factory=list)
    waiting: list[Registration] = field(default_factory=list)
    # A management token for the confirmer's browser; None when nothing was confirmed.
    manage_token: str | None = None
    error: LinkProblem | None = None
    # Pending sign-ups whose session closed or was cancelled before the confirmation.
    closed: list[Registration] = field(default_factory=list)


def check_open(
    edition: Edition, sessions: list[ProgrammeSession], moment: datetime | None = None
) -> None:
    """Raise SessionNotOpen for the first session that could not be chosen at ``moment``
    (default: now)."""
    moment = moment or utcnow()
    for session in sessions:
        if session.edition_id != edition.id or not session.open_for_registration(moment):
            raise SessionNotOpen(session)


def sign_up(
    edition: Edition,
    data: SignUp,
    sessions: list[ProgrammeSession],
    sent_at: datetime | None = None,
) -> None:
    """Store a pending sign-up (or add sessions to a known person) and queue the right mail.

    ``sent_at``: when the form was sent, for a sign-up stored under a burst and registered
    later (``intake``): the sessions must have been open then, as they would have been
    checked had it been registered in its request; a deadline passed meanwhile is the
    confirmation's to say, as for anyone who signed up just before it.

    The caller shows the same page whatever happened here: new, pending or confirmed.
    A double click can make two requests store the same new person at once: the unique
    constraints keep them one person and the flush here raises ``IntegrityError``; run the
    unit of work once more (``unit_of_work.retry_on_conflict``) and the person is known.
    """
    if not sessions:
        raise ValueError("choose at least one session")
    check_open(edition, sessions, sent_at)
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
        attendee.source = data.source or attendee.source or ""
        questions.set_answers(attendee, data.answers)
    new_sessions = _add_pending(attendee, sessions, now)
    if known_and_confirmed:
        # The link confirms only the new sessions; a confirmed person's details stay theirs.
        request = new_request(attendee, new_sessions, None, data.ip, now) if new_sessions else None
        if request is not None:  # answers to questions new to the person, once confirmed
            request.answers = {str(k): v for k, v in data.answers.items()} or None
        notifications.send_already_registered(attendee, new_sessions, request)
    else:
        # Its own request: the link confirms what this form sent, not what a later one did.
        chosen = sorted(sessions, key=lambda s: s.start_at)
        request = new_request(attendee, chosen, data, data.ip, now)
        notifications.send_confirm_request(attendee, chosen, request)
    db.session.flush()


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
        notifications.send_already_registered(attendee, pending, asked_for_link=True)
    elif pending:
        request = open_request(attendee)
        sessions = pending_request_sessions(request) if request else pending
        notifications.send_confirm_request(attendee, sessions, request)


def request_from_confirm_token(token: str) -> tuple[SignupRequest | None, LinkProblem | None]:
    """The sign-up request a confirmation token is for, or (None, the problem).
    A used request is returned too (``used_at`` set): the caller says so."""
    try:
        attendee_id, digest, request_id = read_confirm_token(token)
    except TokenExpired:
        return None, LinkProblem.EXPIRED
    except TokenInvalid:
        return None, LinkProblem.INVALID
    request = db.session.get(SignupRequest, request_id)
    if request is None or request.attendee_id != attendee_id:
        return None, LinkProblem.INVALID
    if email_digest(request.attendee.email) != digest:
        return None, LinkProblem.INVALID
    return request, None


@dataclass(frozen=True)
class _Rehearsed:
    """The mails a confirmation would queue, rendered before its locks, and what they show."""

    shows: tuple
    manage_token: str
    mails: list[RenderedMail]


def confirm(token: str, ip: str | None) -> Confirmation:
    """Confirm the sign-up request a token stands for, once (a second time: USED; a double
    click, within ``REPEAT_WINDOW``: the first time's answer again).

    On SQLite, whose one write lock a confirmation holds from its first read to its commit
    (every other write of every process waits meanwhile), its mails are rendered first,
    before the lock, on what it will most likely do; under the lock it is decided again,
    and the mails rendered anew only if they would show something else (the last place
    was taken meanwhile). PostgreSQL locks only the person's and the sessions' rows, and
    there the second reading cost more than it saved (README, Performance)."""
    rehearsed = _rehearse(token) if one_writer_at_a_time() else None
    capacity.begin_write()  # SQLite: the write lock before reading what to confirm
    request, problem = request_from_confirm_token(token)
    if request is None:
        return Confirmation(None, error=problem)
    return confirm_attendee(request.attendee, ip, request, rehearsed)


def _rehearse(token: str) -> _Rehearsed | None:
    """The welcome mail and invites of confirming this token now, rendered, not queued;
    None when it would confirm nothing. Changes nothing (``unit_of_work.rehearsal``)."""
    with unit_of_work.rehearsal():
        request, _problem = request_from_confirm_token(token)
        if request is None or request.used_at is not None:
            return None
        attendee, now = request.attendee, utcnow()
        placeable = [
            r for r in _pending(attendee, request) if r.session.open_for_registration(now)
        ]
        if not placeable:
            return None
        if attendee.confirmed_at is None:
            apply_request(attendee, request)  # the name the mails greet
        contents = session_contents(attendee.edition, [r.session for r in placeable])
        for registration in placeable:
            capacity.foresee_place(registration)
        manage_token, _hash = new_manage_token()
        with rendered_only() as mails:
            notifications.send_welcome(
                attendee,
                [r for r in placeable if r.state == CONFIRMED],
                [r for r in placeable if r.state != CONFIRMED],
                manage_token,
            )
        return _Rehearsed(_what_mails_show(attendee, placeable, contents), manage_token, mails)


def _what_mails_show(attendee: Attendee, placed: list[Registration], contents: tuple) -> tuple:
    """Everything the welcome mail and the invites show (``contents``: the sessions',
    ``session_contents``): equal keys, equal mails."""
    return (
        (attendee.id, attendee.email, attendee.name, attendee.language),
        tuple((r.id, r.state, r.calendar_sequence) for r in placed),
        contents,
    )


def _pending(attendee: Attendee, request: SignupRequest | None) -> list[Registration]:
    """The attendee's pending registrations (of the request's sessions), in session order."""
    wanted = set(request.session_id_list) if request is not None else None
    return sorted(
        (
            r
            for r in attendee.registrations
            if r.state == PENDING and (wanted is None or r.session_id in wanted)
        ),
        key=lambda r: r.session_id,
    )


def confirm_attendee(
    attendee: Attendee,
    ip: str | None,
    request: SignupRequest | None = None,
    rehearsed: _Rehearsed | None = None,
) -> Confirmation:
    """Give each pending registration a place or a waiting-list spot, then mail the person.

    With a ``request`` (a confirmation link): only its sessions, its details for a person
    not confirmed before, and only once. Without (the personal page's button): every
    pending session of the person. ``rehearsed``: its mails, rendered before the lock, are
    queued if they show what was decided."""
    if not lock_attendee(attendee):
        return Confirmation(None, error=LinkProblem.INVALID)
    result = Confirmation(attendee)
    now = utcnow()
    if request is not None:
        if request.used_at is not None:  # re-read after the lock: a double click, an old mail
            return _used_again(attendee, request, now)
        request.used_at = now
    placeable = []
    for registration in _pending(attendee, request):
        if registration.session.open_for_registration(now):
            placeable.append(registration)
        else:
            # Closed or cancelled since the sign-up: nothing to confirm any more.
            registration.state = CANCELLED
            registration.cancelled_at = now
            result.closed.append(registration)
    if placeable:
        _take_details(attendee, request, placeable, ip, now)
        contents = early = token = None
        if rehearsed is not None:
            contents = session_contents(attendee.edition, [r.session for r in placeable])
            early = queue_collected(rehearsed.mails)
            token = rehearsed.manage_token
        result.manage_token = issue_manage_token(attendee, token)
        # Written before the places are taken: from the first place to the commit the
        # sessions' rows stay locked (PostgreSQL), so as little as possible happens then.
        db.session.flush()
        for registration in placeable:
            state = capacity.confirm_place(registration)
            (result.confirmed if state == CONFIRMED else result.waiting).append(registration)
        registration_confirmed.send(attendee, confirmed=result.confirmed, waiting=result.waiting)
        if rehearsed is None or rehearsed.shows != _what_mails_show(
            attendee, placeable, contents
        ):
            for message in early or ():  # rendered for what did not happen
                db.session.delete(message)
            notifications.send_welcome(
                attendee, result.confirmed, result.waiting, result.manage_token
            )
    db.session.flush()
    return result


def _used_again(attendee: Attendee, request: SignupRequest, now: datetime) -> Confirmation:
    """A used link once more: within ``REPEAT_WINDOW`` of a use that placed the person,
    what that use answered (the places it gave, a new personal link; nothing mailed or
    changed again); else USED."""
    placed = _placed_by(attendee, request) if now - request.used_at <= REPEAT_WINDOW else []
    if not placed:
        return Confirmation(attendee, error=LinkProblem.USED)
    return Confirmation(
        attendee,
        confirmed=[r for r in placed if r.state == CONFIRMED],
        waiting=[r for r in placed if r.state == WAITING],
        manage_token=issue_manage_token(attendee),
    )


def _placed_by(attendee: Attendee, request: SignupRequest) -> list[Registration]:
    """The request's registrations that got a place or a waiting-list spot when (or since)
    its link was used and still hold it; none when that use placed nothing (the sessions
    had closed, or the person had confirmed them on the personal page before)."""
    wanted, placed = set(request.session_id_list), []
    for registration in sorted(attendee.registrations, key=lambda r: r.session_id):
        placed_at = _placed_at(registration)
        if registration.session_id in wanted and placed_at and placed_at >= request.used_at:
            placed.append(registration)
    return placed


def _placed_at(registration: Registration) -> datetime | None:
    """When the registration got the place or the waiting-list spot it holds (None: neither)."""
    if registration.state == CONFIRMED:
        return registration.confirmed_at
    return registration.waiting_since if registration.state == WAITING else None


def _take_details(
    attendee: Attendee, request: SignupRequest | None, placeable: list, ip: str | None, now
) -> None:
    """A person confirmed for the first time takes the request's details; a confirmed
    person's answers stay theirs, and questions new to them are added: from the link's
    request, or (the personal page's button) from the requests that chose these sessions,
    the newest first."""
    if attendee.confirmed_at is None:
        if request is not None:
            apply_request(attendee, request)
        attendee.confirmed_at = now
        attendee.confirm_ip = ip
        return
    sessions = {r.session_id for r in placeable}
    for answered in [request] if request is not None else _requests_for(attendee, sessions):
        if answered.answers:
            questions.set_answers(attendee, answered.answers, only_missing=True)


def _requests_for(attendee: Attendee, session_ids: set[int]) -> list[SignupRequest]:
    """The person's unused sign-up requests that chose any of these sessions, newest first."""
    return [
        r
        for r in reversed(attendee.signup_requests)
        if r.used_at is None and session_ids & set(r.session_id_list)
    ]
