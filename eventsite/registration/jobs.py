"""The registration feature's periodic jobs for `flask worker` (eventsite/core/worker.py):
reminders before each session, and the purge of stale sign-ups and expired personal data.
Each runs once per interval across all workers (``once_per_interval``)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from ..clock import utcnow
from ..core.jobs import JobRegistry, Outcome
from ..core.unit_of_work import unit_of_work
from . import housekeeping, intake, interest

REMINDERS_INTERVAL = 5 * 60
PURGE_INTERVAL = 24 * 60 * 60
ANNOUNCEMENTS_INTERVAL = 5 * 60


# Seconds between looks for stored sign-ups no process registered (registration/intake.py).
INTAKE_INTERVAL = 2.0


def register_jobs(registry: JobRegistry) -> None:
    registry.add("signup-intake", INTAKE_INTERVAL, register_stored_signups)
    registry.add("reminders", REMINDERS_INTERVAL, queue_reminders, once_per_interval=True)
    registry.add("purge", PURGE_INTERVAL, purge, once_per_interval=True)
    registry.add("announcements", ANNOUNCEMENTS_INTERVAL, announce_openings, once_per_interval=True)


def register_stored_signups(should_stop: Callable[[], bool]) -> Outcome:
    """Sign-ups stored under a burst that no process's intake thread registered: its queue
    was full, the process stopped, or registering failed and is due again."""
    done = intake.register_due()
    return Outcome(f"registered {done} stored sign-up(s)" if done else "", more=bool(done))


def queue_reminders(should_stop: Callable[[], bool]) -> Outcome:
    """`flask mail send-reminders`: one reminder per confirmed place, shortly before."""
    hours = current_app.config["REMINDER_HOURS_BEFORE"]
    queued = 0
    for registration_id in housekeeping.due_reminders(hours):
        if should_stop():  # the rest are still due on the next run
            break
        queued += queue_reminder(registration_id)
    return Outcome(f"queued {queued} reminder(s)" if queued else "")


def queue_reminder(registration_id: int) -> bool:
    """Queue one reminder as a unit of work of its own, so one that fails later does not
    undo those queued before it (the worker's job and `flask mail send-reminders`)."""
    with unit_of_work():
        return housekeeping.send_reminder(registration_id)


def purge(should_stop: Callable[[], bool]) -> Outcome:
    """`flask registrations purge`: stale unconfirmed sign-ups, expired personal data."""
    with unit_of_work():
        report = housekeeping.purge(current_app.config["PENDING_RETENTION_DAYS"])
    removed = (
        report.pending_registrations,
        report.unconfirmed_attendees,
        report.expired_attendees,
        report.unconfirmed_interests,
    )
    if not any(removed):
        return Outcome()
    return Outcome(
        "removed {} unconfirmed registration(s), {} never-confirmed attendee(s), "
        "{} attendee(s) past retention, {} unconfirmed keep-me-posted address(es)".format(*removed)
    )


def announce_openings(should_stop: Callable[[], bool]) -> Outcome:
    """ "Keep me posted": one announcement per confirmed address for each edition that has
    opened for sign-up, to those who asked before it opened; never twice (see interest.py)."""
    queued = 0
    for edition in interest.editions_opened(utcnow()):
        if should_stop():
            break
        with unit_of_work():
            queued += interest.announce(edition, confirmed_before=edition.registration_opens_at)
    return Outcome(f"queued {queued} announcement(s)" if queued else "")
