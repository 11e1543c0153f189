"""Sending the outbox: claim due rows, send each over one SMTP connection, record the result.

At-least-once delivery: a row is claimed (state ``sending``, one attempt counted) before
sending and settled after. Each mail is on its own: whatever goes wrong while building or
sending it (a refusal, an address we cannot write, a bug) is recorded on that row and the
batch goes on with the next one (see ``smtp.py`` for how replies become outcomes). Mails of
the batch not yet tried when the server goes away are put back uncharged. A send that is
interrupted (the database failing, the process being stopped) puts its rows back at once
where it can; a worker that dies leaves them ``sending`` and ``reclaim_stuck`` puts them back
after ``MAIL_SENDING_TIMEOUT`` seconds. The stable Message-ID lets mail clients drop the rare
duplicate that this allows.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import case, select, update

from ..clock import utcnow
from ..extensions import db
from .batch import (  # noqa: F401 (SendReport, backoff, print_to_console: public here too)
    Batch,
    SendReport,
    backoff,
    print_to_console,
    record_unrecorded_sent,
)
from .models import FAILED, QUEUED, SENDING, OutboxMessage


def reclaim_stuck() -> int:
    """Put rows left ``sending`` by a crashed worker back in the queue (or give them up
    when that attempt, already counted at the claim, was their last)."""
    timeout = timedelta(seconds=current_app.config["MAIL_SENDING_TIMEOUT"])
    last = OutboxMessage.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.claimed_at < utcnow() - timeout)
        .values(
            state=case((last, FAILED), else_=QUEUED),
            next_attempt_at=utcnow(),
            last_error="interrupted while sending (the worker stopped or lost the database)",
            last_error_code=None,
        )
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
    """Send claimed rows over one connection (reconnecting after a lost one) and record each
    outcome. Returns False when the mail server could not be reached (or kept going away)."""
    if not ids:
        return True
    batch = Batch(ids, report)
    try:
        return batch.run()
    except BaseException:
        batch.put_back()
        raise


def send_queued(
    batch_size: int = 100, max_batches: int | None = None, should_stop=lambda: False
) -> SendReport:
    """Send every due mail now, batch by batch, until none is due (or ``max_batches``, or
    ``should_stop()`` says so between batches: a worker told to stop finishes its batch)."""
    report = SendReport()
    record_unrecorded_sent()
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
            record_unrecorded_sent()
            send_claimed(claim(len(ids), only_ids=ids), report)
        except Exception:  # never lose the row: it stays queued or sending, and is retried
            app.logger.exception("sending mails %s after commit failed; they stay queued", ids)
        finally:
            db.session.remove()


