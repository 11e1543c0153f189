"""Who came: each use of a personal join link around the session's time is recorded.

One ``Attendance`` row per registration holds the first and the last use. It is written with
an upsert (``INSERT ... ON CONFLICT (registration_id) DO UPDATE``), which SQLite and
PostgreSQL both run atomically, so two clicks at the same moment make one row, never an error.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import CONFIRMED, Attendance, Registration


def window(session: ProgrammeSession) -> tuple[datetime, datetime]:
    """From JOIN_WINDOW_MINUTES_BEFORE the start to JOIN_WINDOW_MINUTES_AFTER the end."""
    config = current_app.config
    before = config.get("JOIN_WINDOW_MINUTES_BEFORE")
    if before is None:
        before = config["JOIN_OPENS_MINUTES_BEFORE"]
    after = config["JOIN_WINDOW_MINUTES_AFTER"]
    return session.start_at - timedelta(minutes=before), session.end_at + timedelta(minutes=after)


def counts_as_attendance(registration: Registration, moment: datetime) -> bool:
    """A confirmed place in a session that takes place, used within its window."""
    session = registration.session
    if registration.state != CONFIRMED or session.is_cancelled:
        return False
    opens, closes = window(session)
    return opens <= moment <= closes


def record_join(registration: Registration) -> bool:
    """Record a use of the join link now, if it counts; the caller commits. True if recorded."""
    now = utcnow()
    if not counts_as_attendance(registration, now):
        return False
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Attendance).values(
        registration_id=registration.id, first_joined_at=now, last_joined_at=now, uses=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Attendance.registration_id],
        set_={
            "last_joined_at": statement.excluded.last_joined_at,
            "uses": Attendance.uses + 1,
        },
    )
    db.session.execute(statement)
    return True


def joined_counts(session_ids: list[int]) -> dict[int, int]:
    """Confirmed attendees who joined, per session: {session_id: n}."""
    rows = db.session.execute(
        select(Registration.session_id, func.count())
        .join(Attendance, Attendance.registration_id == Registration.id)
        .where(Registration.session_id.in_(session_ids), Registration.state == CONFIRMED)
        .group_by(Registration.session_id)
    )
    counts = dict.fromkeys(session_ids, 0)
    counts.update({session_id: n for session_id, n in rows})
    return counts


def attendance_of(registration_ids: list[int]) -> dict[int, Attendance]:
    """The attendance rows of these registrations: {registration_id: Attendance}."""
    if not registration_ids:
        return {}
    rows = db.session.scalars(
        select(Attendance).where(Attendance.registration_id.in_(registration_ids))
    )
    return {row.registration_id: row for row in rows}
