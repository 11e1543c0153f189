"""Sign-up requests: what one submission of the form asked for, bound to its own link.

Until an address is confirmed anyone can submit the form with it; each submission is kept
apart (``SignupRequest``) so the owner's link confirms what the owner sent, never what a
later submission changed.
"""

from __future__ import annotations

from datetime import datetime

from ..core.privacy import PRIVACY_VERSION
from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import PENDING, Attendee, SignupRequest
from .questions import set_answers


def new_request(
    attendee: Attendee, sessions: list[ProgrammeSession], data, ip: str | None, now: datetime
) -> SignupRequest:
    """Store one request for ``sessions`` with the submitted ``data`` (a ``SignUp``), or,
    without data (sessions added by a known person, a resend), the attendee's own details."""
    source = data if data is not None else attendee
    request = SignupRequest(
        attendee=attendee,
        name=source.name.strip(),
        organisation=source.organisation.strip(),
        role=(source.role or "").strip(),
        language=source.language,
        newsletter=bool(source.newsletter),
        consent_version=PRIVACY_VERSION,
        signup_ip=ip,
        session_ids=",".join(str(s.id) for s in sessions),
        created_at=now,
        answers=_answers_of(data),
        source=(data.source if data is not None else "") or "",
    )
    db.session.add(request)
    return request


def open_request(attendee: Attendee) -> SignupRequest | None:
    """The newest unused request of which a session is still pending, if any."""
    pending = {r.session_id for r in attendee.registrations if r.state == PENDING}
    for request in reversed(attendee.signup_requests):
        if request.used_at is None and pending & set(request.session_id_list):
            return request
    return None


def request_sessions(request: SignupRequest) -> list[ProgrammeSession]:
    """The request's sessions, in the order they take place."""
    ids = request.session_id_list
    if not ids:
        return []
    sessions = db.session.scalars(db.select(ProgrammeSession).where(ProgrammeSession.id.in_(ids)))
    return sorted(sessions, key=lambda s: s.start_at)


def pending_request_sessions(request: SignupRequest) -> list[ProgrammeSession]:
    """The request's sessions that still wait for this confirmation."""
    pending = {r.session_id for r in request.attendee.registrations if r.state == PENDING}
    return [s for s in request_sessions(request) if s.id in pending]


def apply_request(attendee: Attendee, request: SignupRequest) -> None:
    """On the first confirmation: the person is who this request said, with its consent."""
    attendee.name = request.name
    attendee.organisation = request.organisation
    attendee.role = request.role
    attendee.language = request.language
    attendee.newsletter = request.newsletter
    attendee.consent_version = request.consent_version
    attendee.signup_ip = request.signup_ip
    attendee.created_at = request.created_at
    attendee.source = request.source or attendee.source or ""
    # The answers of this request, replacing those a later (unconfirmed) form wrote.
    cleared = {str(a.question_id): "" for a in attendee.answers}
    set_answers(attendee, cleared | (request.answers or {}))


def _answers_of(data) -> dict | None:
    """A ``SignUp``'s answers as JSON (keys are strings there), or None."""
    answers = getattr(data, "answers", None) or {}
    return {str(key): value for key, value in answers.items()} or None
