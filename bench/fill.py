"""Fill a benchmark database: attendees with confirmed registrations, by bulk insert.

Used by bench/run.py after ``flask db upgrade`` and ``flask programme demo``. The rows are
what the sign-up would have written (lowercase addresses, consent proof, confirmed state) and
the sessions' ``confirmed_count`` is set to match, so every page shows honest numbers.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from eventsite import create_app
from eventsite.clock import utcnow
from eventsite.core.privacy import PRIVACY_VERSION
from eventsite.extensions import db
from eventsite.programme.models import Edition, ProgrammeSession
from eventsite.registration.models import CONFIRMED, Attendee, Registration

BATCH = 5_000


def bench_app(database_uri: str):
    """The site's app on ``database_uri`` for filling and inspecting (no server)."""
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_uri})


def demo_edition() -> Edition:
    """The edition the benchmark signs up for: the newest published one."""
    return db.session.scalar(
        select(Edition).filter_by(published=True).order_by(Edition.year.desc()).limit(1)
    )


def programme_facts(database_uri: str) -> dict:
    """The demo edition's year and its first session's slug (for the measured URLs)."""
    app = bench_app(database_uri)
    with app.app_context():
        edition = demo_edition()
        facts = {"year": edition.year, "session_slug": edition.sessions[0].slug}
        db.engine.dispose()
    return facts


def add_attendees(database_uri: str, count: int, start: int = 0) -> int:
    """Insert ``count`` attendees (numbered from ``start``), each confirmed for one session.

    Returns the number of attendees of the edition afterwards.
    """
    app = bench_app(database_uri)
    with app.app_context():
        edition = demo_edition()
        session_ids = [s.id for s in edition.sessions]
        now = utcnow()
        for first in range(start, start + count, BATCH):
            numbers = range(first, min(first + BATCH, start + count))
            ids = db.session.scalars(
                insert(Attendee).returning(Attendee.id, sort_by_parameter_order=True),
                [attendee_row(edition.id, n, now) for n in numbers],
            ).all()
            db.session.execute(
                insert(Registration),
                [
                    {
                        "attendee_id": attendee_id,
                        "session_id": session_ids[n % len(session_ids)],
                        "state": CONFIRMED,
                        "created_at": now,
                        "confirmed_at": now,
                    }
                    for n, attendee_id in zip(numbers, ids, strict=True)
                ],
            )
        recount_confirmed(edition.id)
        db.session.commit()
        total = db.session.scalar(select(func.count(Attendee.id)).filter_by(edition_id=edition.id))
        db.session.commit()
        settle(db.engine)
        db.engine.dispose()
    return total


def settle(engine) -> None:
    """After a bulk load, what the database would otherwise do in the middle of the next
    measurement: PostgreSQL's autovacuum and statistics of the new rows (VACUUM ANALYZE,
    CHECKPOINT), SQLite's checkpoint of the grown WAL file."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            try:
                conn.exec_driver_sql("CHECKPOINT")
            except DBAPIError:  # only a superuser (or pg_checkpoint) may; then it waits
                pass
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")


def attendee_row(edition_id: int, n: int, now) -> dict:
    return {
        "edition_id": edition_id,
        "email": f"deelnemer-{n}@maakbedrijf-{n % 997}.example.nl",
        "name": f"Deelnemer {n}",
        "organisation": f"Maakbedrijf {n % 997} B.V.",
        "role": ("Eigenaar", "Productieleider", "Engineer", "")[n % 4],
        "language": "en" if n % 5 == 0 else "nl",
        "consent_version": PRIVACY_VERSION,
        "created_at": now,
        "signup_ip": "127.0.0.1",
        "confirmed_at": now,
        "confirm_ip": "127.0.0.1",
    }


def recount_confirmed(edition_id: int) -> None:
    """Set every session's ``confirmed_count`` to its confirmed registrations."""
    confirmed = (
        select(func.count(Registration.id))
        .where(Registration.session_id == ProgrammeSession.id, Registration.state == CONFIRMED)
        .scalar_subquery()
    )
    db.session.execute(
        update(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition_id)
        .values(confirmed_count=confirmed)
        .execution_options(synchronize_session=False)
    )


def count_rows(database_uri: str, model) -> int:
    app = bench_app(database_uri)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(model))
        db.engine.dispose()
    return total
