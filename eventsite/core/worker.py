"""`flask worker`: every registered job (core/jobs.py) on its schedule, in one process.

Several workers may run at once. Jobs that are safe in parallel (the outbox) run in each;
a job registered ``once_per_interval`` runs once per interval across all of them, decided
by its row in ``job_run`` (the last run's time):

- PostgreSQL: a transaction on a connection of its own takes the advisory lock
  ``pg_try_advisory_xact_lock`` for the job (a worker that does not get it skips the job),
  reads the last run, runs the job if it is due, and records the run when it succeeded, so a
  second worker neither runs it at the same time nor again before its interval; a run that
  fails records nothing and is tried again.
- SQLite (one machine): the row is read and updated in a ``BEGIN IMMEDIATE`` transaction,
  the database's write lock, before the job runs; a run that fails puts the old time back.

The schedule reads the site's clock (``eventsite.clock.utcnow``), so tests can move it.
"""

from __future__ import annotations

import signal
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from ..clock import utcnow
from ..extensions import db
from .jobs import Job, JobRegistry, Outage, Outcome, registry_of, sleep_unless_stopped
from .models import JobRun

# The first key of the two-key advisory lock: "ev", so the site's locks are its own.
ADVISORY_LOCK_SPACE = 0x6576
# A worker wakes at least this often, also when the next job is due later.
MAX_IDLE_SECONDS = 5.0
# A job another worker is running right now is looked at again after at most this.
BUSY_RETRY_SECONDS = 60.0

JOB_RUN = JobRun.__table__


class Worker:
    """Runs the jobs of a registry; ``run_due()`` is one pass, ``run()`` loops until stopped."""

    def __init__(
        self,
        registry: JobRegistry,
        should_stop: Callable[[], bool] = lambda: False,
        echo: Callable[[str], None] = click.echo,
    ) -> None:
        self.registry, self.should_stop, self.echo = registry, should_stop, echo
        self.next_due: dict[str, datetime] = {}
        self.outages = {job.name: Outage(f"worker: {job.name}") for job in registry.jobs}

    def run(self) -> None:
        while not self.should_stop():
            sleep_unless_stopped(self.run_due(), self.should_stop)

    def run_due(self) -> float:
        """Run every job that is due, once; the seconds until the next one is due."""
        for job in self.registry.jobs:
            if self.should_stop():
                return 0.0
            now = utcnow()
            if now < self.next_due.get(job.name, now):
                continue
            try:
                self.next_due[job.name] = self._run(job, now)
                self.outages[job.name].over()
            except Exception as error:  # the database went away, the disk is full, a bug...
                wait = self.outages[job.name].failed(error)
                self.next_due[job.name] = now + timedelta(seconds=wait)
            finally:
                db.session.remove()
        now = utcnow()
        wait = min((due - now).total_seconds() for due in self.next_due.values())
        return min(max(wait, 0.0), MAX_IDLE_SECONDS)

    def _run(self, job: Job, now: datetime) -> datetime:
        """Run the job if it is this worker's turn; when to look at it again."""
        interval = timedelta(seconds=job.interval)
        if not job.once_per_interval:
            outcome = self._call(job)
            return now if outcome.more else now + interval
        if db.engine.dialect.name == "postgresql":
            return self._run_locked_postgresql(job, now, interval)
        return self._run_locked_sqlite(job, now, interval)

    def _call(self, job: Job) -> Outcome:
        outcome = job.function(self.should_stop) or Outcome()
        if outcome.summary:
            self.echo(f"{job.name}: {outcome.summary}")
        return outcome

    def _run_locked_postgresql(self, job: Job, now: datetime, interval: timedelta) -> datetime:
        with db.engine.connect() as lock:
            locked = lock.execute(
                text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
                {"space": ADVISORY_LOCK_SPACE, "key": lock_key(job.name)},
            ).scalar()
            if not locked:  # another worker runs it right now
                return now + min(interval, timedelta(seconds=BUSY_RETRY_SECONDS))
            last = last_run(lock, job.name)
            if last is not None and now < last + interval:
                return last + interval
            self._call(job)  # on db.session; the lock is held until `lock` commits
            record_run(lock, job.name, now)
            lock.commit()
        return now + interval

    def _run_locked_sqlite(self, job: Job, now: datetime, interval: timedelta) -> datetime:
        with db.engine.connect() as lock:
            lock.exec_driver_sql("BEGIN IMMEDIATE")
            last = last_run(lock, job.name)
            if last is not None and now < last + interval:
                lock.rollback()
                return last + interval
            record_run(lock, job.name, now)
            lock.commit()
        try:
            self._call(job)
        except Exception:
            forget_run(job.name, last)
            raise
        return now + interval


def lock_key(name: str) -> int:
    """A stable 32-bit signed key per job name (the advisory lock's second key)."""
    return zlib.crc32(name.encode()) - 2**31


def last_run(connection: Connection, name: str) -> datetime | None:
    return connection.execute(select(JOB_RUN.c.last_run_at).where(JOB_RUN.c.name == name)).scalar()


def record_run(connection: Connection, name: str, at: datetime) -> None:
    # Update, else insert: the caller holds the job's lock, so nobody inserts in between.
    updated = connection.execute(
        update(JOB_RUN).where(JOB_RUN.c.name == name).values(last_run_at=at)
    )
    if updated.rowcount == 0:
        connection.execute(JOB_RUN.insert().values(name=name, last_run_at=at))


def forget_run(name: str, previous: datetime | None) -> None:
    """SQLite: a run that failed gives its turn back (best effort: the database may be gone)."""
    try:
        with db.engine.begin() as connection:
            if previous is None:
                connection.execute(JOB_RUN.delete().where(JOB_RUN.c.name == name))
            else:
                record_run(connection, name, previous)
    except Exception:
        current_app.logger.exception("worker: could not give back the turn of %s", name)


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run every periodic job on its schedule (outbox, mail requests, reminders, purge)."""
    stopping: list[bool] = []
    # Finish the job in hand on SIGTERM/SIGINT (the outbox: the mail in hand), then stop.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    registry = registry_of(current_app)
    schedule = ", ".join(f"{job.name} every {job.interval:g} s" for job in registry.jobs)
    click.echo(f"worker: started ({schedule})")
    Worker(registry, should_stop=lambda: bool(stopping)).run()
    click.echo("worker: stopped")
