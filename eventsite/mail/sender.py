"""Sending the outbox: claim due rows, send each over one SMTP connection, record the result.

At-least-once delivery: a row is claimed (state ``sending``) before sending and marked
``sent`` after, one commit per mail; a worker that dies mid-send leaves its row ``sending``
and ``reclaim_stuck`` puts it back after ``MAIL_SENDING_TIMEOUT`` seconds. The stable
Message-ID lets mail clients drop the rare duplicate that this allows.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

import flask_mail
from flask import Flask, current_app
from sqlalchemy import select, update

from ..clock import utcnow
from ..extensions import db
from .mime import OutboxMail, build_mime
from .models import FAILED, QUEUED, SENDING, SENT, OutboxMessage

# Sent mails recorded per commit.
COMMIT_EVERY = 25

# Waits before the 2nd, 3rd, ... attempt (pretix's schedule, then hourly).
BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600)


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout, so a hanging server can't block us."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def reclaim_stuck() -> int:
    """Put rows left ``sending`` by a crashed worker back in the queue."""
    timeout = timedelta(seconds=current_app.config["MAIL_SENDING_TIMEOUT"])
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.claimed_at < utcnow() - timeout)
        .values(state=QUEUED, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def claim(limit: int, only_ids: list[int] | None = None) -> list[int]:
    """Mark up to ``limit`` due rows as ``sending`` and return their ids.

    ``FOR UPDATE SKIP LOCKED`` lets several workers claim at once on PostgreSQL without
    taking the same row; SQLite runs one writer at a time, so the plain UPDATE is safe there.
    """
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.state == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only_ids is not None:
        due = due.where(OutboxMessage.id.in_(only_ids))
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(state=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def send_claimed(ids: list[int], report: SendReport) -> bool:
    """Send claimed rows over one connection and record each outcome.

    Outcomes are committed every ``COMMIT_EVERY`` mails (one disk flush per mail would cap
    the rate): a crash in between leaves those rows "sending", to be sent again after the
    timeout; the stable Message-ID makes that rare duplicate recognisable.

    Returns False when the mail server could not be reached (or went away).
    """
    if not ids:
        return True
    db.session.info["outbox_batch_ids"] = ids
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ).all()
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if current_app.config["MAIL_TO_CONSOLE"]:
        for row in rows:
            print_to_console(row, sender)
            _mark_sent(row, report)
        db.session.commit()
        return True
    try:
        with SMTPConnection(current_app.extensions["mail"]) as connection:
            for row in rows:
                try:
                    connection.send(OutboxMail(row, sender))
                except smtplib.SMTPRecipientsRefused as error:
                    _mark_failed_attempt(row, error, report, permanent=True)
                except (smtplib.SMTPException, OSError) as error:
                    _mark_failed_attempt(row, error, report)
                    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
                        raise
                else:
                    _mark_sent(row, report)
        db.session.commit()
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        # The server is down or went away: every row not yet settled waits for its retry.
        for row in rows:
            if row.state == SENDING:
                _mark_failed_attempt(row, error, report)
        return False
    return True


def _mark_sent(row: OutboxMessage, report: SendReport) -> None:
    row.state, row.sent_at, row.last_error = SENT, utcnow(), None
    report.sent += 1
    if report.sent % COMMIT_EVERY == 0:
        _checkpoint()


def _checkpoint() -> None:
    """Commit the outcomes so far, and tell other workers this batch is still in hand: a
    slow server must not make ``reclaim_stuck`` hand our rows to a second worker."""
    db.session.flush()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.id.in_(_batch_ids()))
        .values(claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _batch_ids() -> list[int]:
    return db.session.info.get("outbox_batch_ids", [])


def _mark_failed_attempt(row, error: Exception, report: SendReport, permanent=False) -> None:
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if permanent or row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.state = FAILED
        report.failed += 1
        current_app.logger.error("mail %s to %s given up: %s", row.id, row.recipient, error)
    else:
        row.state = QUEUED
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying += 1
        current_app.logger.warning(
            "mail %s to %s will be retried: %s", row.id, row.recipient, error
        )
    report.errors.append(row.last_error)
    db.session.commit()


def send_queued(
    batch_size: int = 100, max_batches: int | None = None, should_stop=lambda: False
) -> SendReport:
    """Send every due mail now, batch by batch, until none is due (or ``max_batches``, or
    ``should_stop()`` says so between batches: a worker told to stop finishes its batch)."""
    report = SendReport()
    reclaim_stuck()
    batches = 0
    while (max_batches is None or batches < max_batches) and not should_stop():
        ids = claim(batch_size)
        if not ids:
            break
        batches += 1
        if not send_claimed(ids, report):
            break  # the server is down: leave the rest for the retry schedule
    return report


def send_now(app: Flask, ids: list[int]) -> None:
    """Try to send just-committed mails at once (after the response); failures wait for retry."""
    with app.app_context():
        try:
            report = SendReport()
            send_claimed(claim(len(ids), only_ids=ids), report)
        except Exception:  # never lose the row: it stays queued or sending, and is retried
            app.logger.exception("sending mails %s after commit failed; they stay queued", ids)
        finally:
            db.session.remove()


def print_to_console(row: OutboxMessage, sender: str) -> None:
    """Development: show the mail, with its links, in the terminal of `make run`."""
    mime = build_mime(row, sender)
    attachments = ", ".join(a.filename for a in row.attachments) or "none"
    print(
        "\n".join(
            [
                "=" * 72,
                f"MAIL (not sent: development) #{row.id}  {row.kind}",
                f"To: {mime['To']}",
                f"Subject: {mime['Subject']}",
                f"Attachments: {attachments}",
                "-" * 72,
                row.text_body.rstrip(),
                "=" * 72,
            ]
        ),
        flush=True,
    )
