"""Scheduled work: reminders before each session, and purging personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ..clock import utcnow
from ..extensions import db
from ..mail.models import SENDING, OutboxMessage
from ..programme.models import SCHEDULED, Edition, ProgrammeSession
from . import interest, notifications
from .models import CONFIRMED, PENDING, Attendee, Registration, SignupRequest


def due_reminders(hours_before: int) -> list[int]:
    """Ids of confirmed registrations whose session starts within ``hours_before`` hours."""
    now = utcnow()
    return list(
        db.session.scalars(
            db.select(Registration.id)
            .join(ProgrammeSession)
            .where(
                Registration.state == CONFIRMED,
                Registration.reminder_sent_at.is_(None),
                ProgrammeSession.status == SCHEDULED,
                ProgrammeSession.start_at > now,
                ProgrammeSession.start_at <= now + timedelta(hours=hours_before),
            )
            .order_by(Registration.id)
        )
    )


def rearm_reminders(session: ProgrammeSession, **_) -> None:
    """A session changed (signal ``session_changed``): if it moved so far that a reminder
    already sent came too early for the new time, that reminder goes out again."""
    hours = current_app.config["REMINDER_HOURS_BEFORE"]
    db.session.execute(
        update(Registration)
        .where(
            Registration.session_id == session.id,
            Registration.reminder_sent_at < session.start_at - timedelta(hours=hours),
        )
        .values(reminder_sent_at=None)
        .execution_options(synchronize_session=False)
    )


def send_reminder(registration_id: int) -> bool:
    """Queue one reminder; False if it was sent already (e.g. by another run). Callers run
    each in a unit of work of its own (``jobs.queue_reminder``)."""
    claimed = db.session.execute(
        update(Registration)
        .where(
            Registration.id == registration_id,
            Registration.reminder_sent_at.is_(None),
            Registration.state == CONFIRMED,
        )
        .values(reminder_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    registration = db.session.get(Registration, registration_id)
    notifications.send_reminder(registration.attendee, registration)
    return True


@dataclass
class PurgeReport:
    pending_registrations: int = 0
    unconfirmed_attendees: int = 0
    expired_attendees: int = 0
    # "Keep me posted" addresses never confirmed within the pending retention.
    unconfirmed_interests: int = 0
    editions: tuple[str, ...] = ()


def purge(pending_days: int, now: datetime | None = None) -> PurgeReport:
    """Remove stale pending sign-ups, and attendees of editions past their retention."""
    now = now or utcnow()
    report = PurgeReport()
    stale = db.session.scalars(
        db.select(Registration).where(
            Registration.state == PENDING,
            Registration.created_at < now - timedelta(days=pending_days),
        )
    ).all()
    for registration in stale:
        db.session.delete(registration)
    report.pending_registrations = len(stale)
    # Sign-up requests (what each form sent, also a stranger's) go after the same time.
    db.session.execute(
        db.delete(SignupRequest)
        .where(SignupRequest.created_at < now - timedelta(days=pending_days))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    never_confirmed = db.session.scalars(
        db.select(Attendee).where(
            Attendee.confirmed_at.is_(None),
            Attendee.created_at < now - timedelta(days=pending_days),
            ~Attendee.registrations.any(),
        )
    ).all()
    for attendee in never_confirmed:
        delete_person(attendee)
    report.unconfirmed_attendees = len(never_confirmed)
    report.unconfirmed_interests = interest.purge_pending(now)
    expired = []
    for edition in db.session.scalars(db.select(Edition)).all():
        last_end = max((s.end_at for s in edition.sessions), default=None)
        if last_end is None or now < last_end + timedelta(days=edition.retention_days):
            continue
        attendees = db.session.scalars(db.select(Attendee).filter_by(edition_id=edition.id)).all()
        for attendee in attendees:
            delete_person(attendee)
        if attendees:
            expired.append(edition.name)
            report.expired_attendees += len(attendees)
    report.editions = tuple(expired)
    db.session.flush()
    return report


def delete_person(attendee: Attendee) -> None:
    """Remove an attendee with their registrations and the mails that name them.

    Confirmed counts of past sessions stay as the (anonymous) attendance figures.
    """
    db.session.execute(
        db.delete(OutboxMessage)
        # A mail a worker is sending right now stays: deleting it under the worker would
        # make it fail its whole batch (and send those mails again).
        .where(OutboxMessage.recipient == attendee.email, OutboxMessage.state != SENDING)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(attendee)
