"""`flask registrations purge`, `flask registrations register-stored` and
`flask mail send-reminders`."""

from __future__ import annotations

import click
from flask import current_app

from ..core.unit_of_work import unit_of_work
from . import housekeeping, intake, jobs


def register_commands(group: click.Group) -> None:
    group.add_command(purge_command)
    group.add_command(register_stored_command)


@click.command("register-stored")
def register_stored_command() -> None:
    """Register every sign-up stored during a rush now, also those waiting to be retried
    (after an outage, instead of waiting for the worker's backoff)."""
    done, left = intake.register_all_now()
    click.echo(f"Registered {done} stored sign-up(s); {left} could not be registered yet.")
    if left:
        raise SystemExit(1)


@click.command("purge")
def purge_command() -> None:
    """Remove unconfirmed sign-ups older than 7 days, and personal data past retention."""
    days = current_app.config["PENDING_RETENTION_DAYS"]
    with unit_of_work():
        report = housekeeping.purge(days)
    click.echo(
        f"Removed {report.pending_registrations} unconfirmed registration(s) older than "
        f"{days} days and {report.unconfirmed_attendees} never-confirmed attendee(s)."
    )
    if report.editions:
        click.echo(
            f"Removed the personal data of {report.expired_attendees} attendee(s) of "
            f"{', '.join(report.editions)} (retention period over)."
        )
    else:
        click.echo("No edition is past its retention period with attendees left.")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Queue one reminder per confirmed attendee per session, shortly before it starts."""
    hours = current_app.config["REMINDER_HOURS_BEFORE"]
    due = housekeeping.due_reminders(hours)
    sent = 0
    with click.progressbar(due, label="Reminders", show_pos=True) as bar:
        for registration_id in bar:
            sent += jobs.queue_reminder(registration_id)
    click.echo(f"Queued {sent} reminder(s) for sessions starting within {hours} hours.")
