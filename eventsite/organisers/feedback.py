"""What organisers see of attendees' feedback: counts, the rating's distribution, the answers.

Queries only (no request objects); which sessions an organiser may see is decided by the
caller with ``services.may_see`` / ``visible_sessions``, as for every list and export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..programme.models import ProgrammeSession
from ..registration.models import Attendee, Feedback, Registration
from .exports import local_time

RATINGS = (1, 2, 3, 4, 5)
# Export columns, in order (labels translated by the view; see README).
COLUMNS = (
    "name",
    "email",
    "organisation",
    "session",
    "rating",
    "takeaway",
    "question",
    "answer",
    "given_at",
    "changed_at",
)


@dataclass(frozen=True)
class Summary:
    """One session's (or several sessions') feedback in numbers."""

    count: int
    distribution: dict[int, int]  # rating -> answers, every rating present

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return sum(r * n for r, n in self.distribution.items()) / self.count


def summaries(session_ids: Sequence[int]) -> dict[int, Summary]:
    """Per session: the number of answers and how many gave each rating."""
    per_session: dict[int, Counter] = {sid: Counter() for sid in session_ids}
    rows = db.session.execute(
        select(Registration.session_id, Feedback.rating, func.count())
        .join(Feedback, Feedback.registration_id == Registration.id)
        .where(Registration.session_id.in_(session_ids))
        .group_by(Registration.session_id, Feedback.rating)
    )
    for session_id, rating, n in rows:
        per_session[session_id][rating] = n
    return {sid: _summary(counter) for sid, counter in per_session.items()}


def combined(parts: Sequence[Summary]) -> Summary:
    """Several sessions' summaries as one (e.g. a hub's)."""
    total: Counter = Counter()
    for part in parts:
        total.update(part.distribution)
    return _summary(total)


def _summary(counter: Counter) -> Summary:
    return Summary(
        count=sum(counter.values()), distribution={r: counter.get(r, 0) for r in RATINGS}
    )


def answers(session: ProgrammeSession) -> list[Feedback]:
    """The session's answers, the newest change first, with the attendee loaded."""
    return list(
        db.session.scalars(
            select(Feedback)
            .join(Registration, Feedback.registration_id == Registration.id)
            .where(Registration.session_id == session.id)
            .order_by(Feedback.updated_at.desc(), Feedback.id.desc())
        )
    )


def export_rows(session_ids: Sequence[int]) -> Iterator[list]:
    """One row per answer, for the CSV and xlsx builders in ``exports`` (cells neutralised
    there); moments as Amsterdam wall-clock time, as in the attendee exports."""
    query = (
        select(
            Attendee.name,
            Attendee.email,
            Attendee.organisation,
            ProgrammeSession.title,
            Feedback.rating,
            Feedback.takeaway,
            Feedback.question,
            Feedback.answer,
            Feedback.created_at,
            Feedback.updated_at,
        )
        .select_from(Feedback)
        .join(Registration, Feedback.registration_id == Registration.id)
        .join(Attendee, Registration.attendee_id == Attendee.id)
        .join(ProgrammeSession, Registration.session_id == ProgrammeSession.id)
        .where(Registration.session_id.in_(session_ids))
        .order_by(ProgrammeSession.start_at, Attendee.name, Feedback.id)
        .execution_options(yield_per=1000)
    )
    for *text, rating, takeaway, question, answer, given, changed in db.session.execute(query):
        yield [
            *text,
            str(rating),
            takeaway,
            question,
            answer,
            local_time(given),
            local_time(changed),
        ]
