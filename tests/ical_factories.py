"""Attendees and registrations made directly in the database, for the calendar tests."""

from __future__ import annotations

import hashlib
import secrets

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.registration.models import CONFIRMED, Attendee, Registration


def make_attendee(edition, email="ondernemer@example.nl", name="Ada de Vries", language="nl"):
    """An attendee with a manage token; returns (attendee, token)."""
    token = secrets.token_urlsafe(24)
    attendee = Attendee(
        edition=edition,
        email=email,
        name=name,
        language=language,
        consent_version="2026-1",
        confirmed_at=utcnow(),
        manage_token_hash=hashlib.sha256(token.encode()).hexdigest(),
    )
    db.session.add(attendee)
    db.session.flush()
    return attendee, token


def register(attendee, session, state=CONFIRMED):
    registration = Registration(
        attendee=attendee,
        session=session,
        state=state,
        confirmed_at=utcnow() if state == CONFIRMED else None,
    )
    db.session.add(registration)
    db.session.flush()
    return registration
