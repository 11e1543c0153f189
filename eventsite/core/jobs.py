"""Periodic jobs: features register them, `flask worker` (core/worker.py) runs them.

The registry knows nothing about features: each feature adds its jobs from its own setup
code (``register_jobs(registry)`` in ``mail/jobs.py`` and ``registration/jobs.py``). A job
is a function ``job(should_stop) -> Outcome | None``; ``should_stop()`` turns true on
SIGTERM, so a long job can stop after the item in hand.

Two kinds of job:
- ``once_per_interval=False`` (the outbox): safe to run in every worker at once (the outbox
  claims rows with ``SKIP LOCKED``), run every ``interval`` seconds, at once again when the
  last run said there is more;
- ``once_per_interval=True`` (reminders, purge): runs once per interval across all workers,
  recorded in the ``job_run`` table (see core/worker.py for the lock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from ..extensions import db

# Waits between tries while the database (or anything else) keeps failing, then the last.
OUTAGE_BACKOFF_SECONDS = (1, 2, 5, 10, 30)
EXTENSION_KEY = "eventsite.jobs"


@dataclass(frozen=True)
class Outcome:
    """What a job run did: ``summary`` (empty: nothing, so no log line), ``more`` to do."""

    summary: str = ""
    more: bool = False


JobFunction = Callable[[Callable[[], bool]], "Outcome | None"]


@dataclass(frozen=True)
class Job:
    name: str
    interval: float  # seconds
    function: JobFunction
    once_per_interval: bool = False


@dataclass
class JobRegistry:
    jobs: list[Job] = field(default_factory=list)

    def add(
        self, name: str, interval: float, function: JobFunction, once_per_interval: bool = False
    ) -> Job:
        """Register a job; jobs run in the order they were added (within one pass)."""
        if any(job.name == name for job in self.jobs):
            raise ValueError(f"a job named {name!r} is registered already")
        if interval <= 0:
            raise ValueError("a job's interval must be positive")
        job = Job(name, float(interval), function, once_per_interval)
        self.jobs.append(job)
        return job

    def names(self) -> list[str]:
        return [job.name for job in self.jobs]


def init_jobs(app: Flask) -> JobRegistry:
    """The app's job registry (empty), and the `flask worker` command that runs it."""
    from .worker import worker_command

    registry = JobRegistry()
    app.extensions[EXTENSION_KEY] = registry
    app.cli.add_command(worker_command)
    return registry


def registry_of(app: Flask) -> JobRegistry:
    return app.extensions[EXTENSION_KEY]


class Outage:
    """Logs an outage once when it starts and once when it ends, and paces the retries."""

    def __init__(self, who: str = "worker") -> None:
        self.who = who
        self.failures = 0

    def failed(self, error: Exception) -> float:
        """Seconds to wait before the next try."""
        forget_connections()
        if self.failures == 0:
            current_app.logger.error(
                "%s: %s: %s; retrying until it works", self.who, type(error).__name__, error
            )
        self.failures += 1
        return OUTAGE_BACKOFF_SECONDS[min(self.failures, len(OUTAGE_BACKOFF_SECONDS)) - 1]

    def over(self) -> None:
        if self.failures:
            current_app.logger.warning(
                "%s: working again after %s failed tries", self.who, self.failures
            )
        self.failures = 0


def forget_connections() -> None:
    """Drop the session and pooled connections, which may point at a restarted server."""
    try:
        db.session.rollback()
    except Exception:
        pass
    db.session.remove()
    db.engine.dispose()


def sleep_unless_stopped(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Sleep, but wake up soon after SIGTERM."""
    end = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < end:
        time.sleep(min(0.2, max(end - time.monotonic(), 0)))
