"""`flask mail send-queued`: send due mails once, or keep doing so as a worker (`--loop`)."""

from __future__ import annotations

import signal
import time

import click

from .requested import process_requests
from .sender import send_queued


@click.command("send-queued")
@click.option("--loop", is_flag=True, help="Keep running as a worker until stopped.")
@click.option("--batch-size", default=100, show_default=True, help="Mails per SMTP connection.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls (--loop).")
def send_queued_command(loop: bool, batch_size: int, interval: float) -> None:
    """Send the mails in the outbox that are due, retrying failed ones with backoff."""
    stopping = []
    if loop:
        # Finish the mail in hand on SIGTERM/SIGINT, then stop: no half-sent batch is lost.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
    while True:
        # Mails asked for by address (resend, password reset) become outbox rows first.
        process_requests()
        report = send_queued(batch_size=batch_size, should_stop=lambda: bool(stopping))
        if report.sent or report.retrying or report.failed or not loop:
            click.echo(f"sent {report.sent}, to retry {report.retrying}, given up {report.failed}")
        for error in dict.fromkeys(report.errors):
            click.echo(f"  error: {error}", err=True)
        if not loop or stopping:
            break
        if not (report.sent or report.failed):
            time.sleep(interval)
        if stopping:
            break
