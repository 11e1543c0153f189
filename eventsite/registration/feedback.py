"""Feedback on a session: who may give it, when, and saving one answer per attendee.

Only attendees who were there are asked: a confirmed place in a session that took place,
and a recorded use of their personal join link (``attendance.py``). The form opens at the
session's end; the first answer may be given, and then changed, for FEEDBACK_CHANGE_DAYS
days (counted from the end, so late answers do not keep the form open forever).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from ..clock import utcnow
from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import CONFIRMED, Attendee, Feedback, Registration


class Access(enum.Enum):
    """Whether an attendee may give feedback on a session now, and if not, why."""

    OPEN = "open"
    NOT_THERE = "not-there"  # no place, the session was cancelled, or never joined
    TOO_EARLY = "too-early"  # the session has not ended yet
    CLOSED = "closed"  # the days to answer or change have passed


@dataclass(frozen=True)
class FeedbackAnswer:
    rating: int
    takeaway: str
    answer: str


def closes_at(session: ProgrammeSession) -> datetime:
    return session.end_at + timedelta(days=current_app.config["FEEDBACK_CHANGE_DAYS"])


def registration_for(attendee: Attendee, slug: str) -> Registration | None:
    return next((r for r in attendee.registrations if r.session.slug == slug), None)


def access(registration: Registration | None, now: datetime | None = None) -> Access:
    """May the person of ``registration`` answer (or change their answer) now?"""
    if (
        registration is None
        or registration.state != CONFIRMED
        or registration.session.is_cancelled
        or registration.attendance is None
    ):
        return Access.NOT_THERE
    now = now or utcnow()
    if now < registration.session.end_at:
        return Access.TOO_EARLY
    if now >= closes_at(registration.session):
        return Access.CLOSED
    return Access.OPEN


def hub_question(session: ProgrammeSession, language: str) -> str:
    """The hub's own question in ``language`` (the other language when only that is set)."""
    own = session.feedback_question_en if language == "en" else session.feedback_question
    return (own or session.feedback_question or session.feedback_question_en or "").strip()


def save(registration: Registration, given: FeedbackAnswer, language: str) -> Feedback:
    """Add or change the attendee's one answer (the caller checked ``access``; flushes)."""
    now = utcnow()
    feedback = registration.feedback
    if feedback is None:
        feedback = Feedback(registration=registration, created_at=now)
        db.session.add(feedback)
    feedback.rating = given.rating
    feedback.takeaway = given.takeaway.strip()
    feedback.question = hub_question(registration.session, language)[:300]
    feedback.answer = given.answer.strip() if feedback.question else ""
    feedback.updated_at = now
    db.session.flush()
    return feedback


def may_answer(registrations: list[Registration], now: datetime) -> set[int]:
    """Ids of the registrations whose feedback form is open (for the personal page)."""
    return {r.id for r in registrations if access(r, now) is Access.OPEN}
