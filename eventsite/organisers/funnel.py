"""The funnel: from sign-up to feedback, per session, per hub, comparable with last edition.

Steps, each counted over registrations (one person in one session):

- signed up: every registration still stored (pending ones are purged after a week);
- confirmed: a place now (state confirmed);
- reminded: confirmed, and the reminder before the session went out;
- joined: confirmed, and the personal join link was used around the session (attendance);
- sent the recording: confirmed, and the "recording is online" mail is queued or sent (not
  failed) to them;
- gave feedback: an answer on the feedback form.

One GROUP BY query per call; ``dimension`` is the column the figures are split by (a
session, a hub, the source a person came from), so a new split is one argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..mail.models import FAILED, OutboxMessage
from ..messaging.models import RECORDING, OrganiserMessage
from ..programme.models import Edition, ProgrammeSession
from ..registration.models import CONFIRMED, Attendance, Attendee, Feedback, Registration

STEPS = ("signed_up", "confirmed", "reminded", "joined", "recording", "feedback")
BY_SESSION = Registration.session_id
BY_HUB = ProgrammeSession.region_id
# A campaign link's code or "source / medium / campaign" from utm_*; empty when unknown.
BY_SOURCE = Attendee.source


@dataclass(frozen=True)
class Funnel:
    """The count at each step, and the share of the step before that reached it."""

    counts: dict[str, int]

    def rate(self, step: str) -> float | None:
        """Share of the previous step (None for the first step, or when it had nobody)."""
        index = STEPS.index(step)
        if index == 0:
            return None
        before = self.counts[STEPS[index - 1]]
        return self.counts[step] / before if before else None

    @property
    def steps(self) -> list[tuple[str, int, float | None]]:
        return [(step, self.counts[step], self.rate(step)) for step in STEPS]


EMPTY = Funnel(dict.fromkeys(STEPS, 0))


def _step_expressions():
    confirmed = Registration.state == CONFIRMED
    joined = select(Attendance.id).where(Attendance.registration_id == Registration.id).exists()
    recording = (
        select(OutboxMessage.id)
        .join(OrganiserMessage, OutboxMessage.organiser_message_id == OrganiserMessage.id)
        .where(
            OrganiserMessage.session_id == Registration.session_id,
            OrganiserMessage.recipient_group == RECORDING,
            OutboxMessage.recipient == Attendee.email,
            OutboxMessage.state != FAILED,
        )
        .exists()
    )
    feedback = select(Feedback.id).where(Feedback.registration_id == Registration.id).exists()
    conditions = {
        "confirmed": confirmed,
        "reminded": and_(confirmed, Registration.reminder_sent_at.is_not(None)),
        "joined": and_(confirmed, joined),
        "recording": and_(confirmed, recording),
        "feedback": feedback,
    }
    return [func.count()] + [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
        for condition in conditions.values()
    ]


def funnels(session_ids: Sequence[int], dimension=BY_SESSION) -> dict:
    """{value of ``dimension``: Funnel} over the registrations of these sessions."""
    if not session_ids:
        return {}
    query = (
        select(dimension, *_step_expressions())
        .select_from(Registration)
        .join(Attendee, Registration.attendee_id == Attendee.id)
        .join(ProgrammeSession, Registration.session_id == ProgrammeSession.id)
        .where(Registration.session_id.in_(session_ids))
        .group_by(dimension)
    )
    return {
        key: Funnel(dict(zip(STEPS, (int(n) for n in numbers), strict=True)))
        for key, *numbers in db.session.execute(query)
    }


def previous_edition(edition: Edition) -> Edition | None:
    """The edition before this one (by year), to compare with."""
    return db.session.scalar(
        select(Edition).where(Edition.year < edition.year).order_by(Edition.year.desc()).limit(1)
    )


@dataclass(frozen=True)
class HubRow:
    region: object
    now: Funnel
    before: Funnel | None  # None: the hub had no session in the previous edition


def hub_rows(sessions: Sequence[ProgrammeSession], previous: Sequence[ProgrammeSession]):
    """Per hub of ``sessions``: this edition's funnel and the previous edition's."""
    now = funnels([s.id for s in sessions], BY_HUB)
    before = funnels([s.id for s in previous], BY_HUB)
    hubs_before = {s.region_id for s in previous}
    regions = {s.region_id: s.region for s in sessions}
    return [
        HubRow(
            region=region,
            now=now.get(region_id, EMPTY),
            before=before.get(region_id, EMPTY) if region_id in hubs_before else None,
        )
        for region_id, region in sorted(regions.items(), key=lambda item: item[1].name)
    ]


@dataclass(frozen=True)
class SourceRow:
    source: str  # the stored code ("" when unknown)
    name: str  # the campaign link's name, else the source itself ("" when unknown)
    now: Funnel


def source_rows(session_ids: Sequence[int], names: dict[str, str]) -> list[SourceRow]:
    """Per source of these sessions' sign-ups, named by ``names`` (code -> campaign link's
    name): its funnel; known sources by name, the unknown ones last."""
    rows = [
        SourceRow(source or "", names.get(source or "", source or ""), figures)
        for source, figures in funnels(session_ids, BY_SOURCE).items()
    ]
    return sorted(rows, key=lambda row: (row.source == "", row.name.lower()))
