"""The mail feature's periodic jobs for `flask worker` (eventsite/core/worker.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.jobs import JobRegistry, Outcome
from .bounce_imap import process_bounce_imap
from .bounces import process_bounce_maildir
from .requested import process_requests
from .sender import send_queued

# Seconds between polls of the outbox when it had nothing to send.
OUTBOX_INTERVAL = 2.0
BATCH_SIZE = 100
# Bounces wait in MAIL_BOUNCE_MAILDIR and/or the MAIL_BOUNCE_IMAP_* mailbox (when set) until
# this job reads them.
BOUNCES_INTERVAL = 60.0


def register_jobs(registry: JobRegistry) -> None:
    # Requests first: the mails they queue go out in the same pass.
    registry.add("mail-requests", OUTBOX_INTERVAL, answer_mail_requests)
    registry.add("outbox", OUTBOX_INTERVAL, send_outbox)
    registry.add("bounces", BOUNCES_INTERVAL, read_bounces, once_per_interval=True)


def answer_mail_requests(should_stop: Callable[[], bool]) -> Outcome:
    """Resend and password-reset requests (mail/requested.py) become outbox rows."""
    queued = process_requests()
    return Outcome(f"queued {len(queued)} requested mail(s)" if queued else "")


def send_outbox(should_stop: Callable[[], bool]) -> Outcome:
    """One batch of due mails; at once another while the last one sent or gave up any."""
    report = send_queued(batch_size=BATCH_SIZE, should_stop=should_stop)
    if not (report.sent or report.retrying or report.failed):
        return Outcome()
    summary = f"sent {report.sent}, to retry {report.retrying}, given up {report.failed}"
    errors = list(dict.fromkeys(report.errors))
    if errors:
        summary += f" (errors: {'; '.join(errors[:3])})"
    return Outcome(summary, more=bool(report.sent or report.failed))


def read_bounces(should_stop: Callable[[], bool]) -> Outcome:
    """Hard bounces in MAIL_BOUNCE_MAILDIR or the IMAP bounce mailbox mark their address
    undeliverable (mail/bounces.py, mail/bounce_imap.py). An unreachable IMAP server raises:
    the worker logs the outage once and retries with backoff."""
    marked = process_bounce_maildir()
    marked += process_bounce_imap()[1]
    return Outcome(f"marked {len(marked)} address(es) undeliverable" if marked else "")
