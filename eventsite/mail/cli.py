"""`flask mail send-queued`: send due mails once, or keep doing so (`--loop`; `flask worker`
does this and every other periodic job in one process); `flask mail status`: how delivery
goes, per kind of mail."""

from __future__ import annotations

import signal

import click

from ..core.jobs import Outage, sleep_unless_stopped
from .requested import process_requests
from .sender import send_queued
from .status import COLUMNS, delivery_status


@click.command("send-queued")
@click.option("--loop", is_flag=True, help="Keep running as a worker until stopped.")
@click.option("--batch-size", default=100, show_default=True, help="Mails per SMTP connection.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls (--loop).")
def send_queued_command(loop: bool, batch_size: int, interval: float) -> None:
    """Send the mails in the outbox that are due, retrying failed ones with backoff."""
    if not loop:
        _report(_answer_requests_and_send(batch_size, lambda: False))
        return
    stopping: list[bool] = []
    # Finish the mail in hand on SIGTERM/SIGINT, then stop: no half-sent batch is lost.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    def should_stop() -> bool:
        return bool(stopping)

    outage = Outage("outbox worker")
    while not stopping:
        try:
            report = _answer_requests_and_send(batch_size, should_stop)
        except Exception as error:  # the database went away, a disk is full, a bug...
            sleep_unless_stopped(outage.failed(error), should_stop)
            continue
        outage.over()
        _report(report, quiet_when_idle=True)
        if not (report.sent or report.failed):
            sleep_unless_stopped(interval, should_stop)


def _answer_requests_and_send(batch_size: int, should_stop):
    # Mails asked for by address (resend, password reset) become outbox rows first.
    process_requests()
    return send_queued(batch_size=batch_size, should_stop=should_stop)


def _report(report, quiet_when_idle: bool = False) -> None:
    if report.sent or report.retrying or report.failed or not quiet_when_idle:
        click.echo(f"sent {report.sent}, to retry {report.retrying}, given up {report.failed}")
    for error in dict.fromkeys(report.errors):
        click.echo(f"  error: {error}", err=True)


@click.command("status")
@click.option("--errors", default=10, show_default=True, help="How many of the latest errors.")
def status_command(errors: int) -> None:
    """Per kind of mail: queued, retrying, sending, sent, failed; then the latest errors."""
    status = delivery_status(errors)
    header = ("kind", *COLUMNS)
    lines = [(k.kind, *(str(k.counts[c]) for c in COLUMNS)) for k in status.kinds]
    lines.append(("total", *(str(status.totals.counts[c]) for c in COLUMNS)))
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        cells = [row[0].ljust(widths[0])] + [
            v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)
        ]
        click.echo("  ".join(cells))
    if status.oldest_waiting:
        click.echo(f"oldest mail waiting since {status.oldest_waiting:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"latest errors ({len(status.errors)}):" if status.errors else "no errors")
    for error in status.errors:
        when = f"{error.at:%Y-%m-%d %H:%M:%S} UTC" if error.at else "-"
        click.echo(
            f"  {when}  {error.kind}  {error.recipient}  {error.state}"
            f" (attempt {error.attempts})  {error.error}"
        )
