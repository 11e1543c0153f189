"""One batch of claimed outbox rows on its way out: each mail settled on its own.

``Batch.run()`` sends the rows over one connection (a new one after a lost connection) and
records each outcome on its row: sent; retried later with backoff; or given up (a 5xx reply,
an address we cannot write, or the last attempt). The mails not yet tried when the server
goes away are put back uncharged. ``put_back()`` is for an interrupted batch.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from .addresses import AddressError, needs_smtputf8, wire_address
from .mime import build_mime
from .models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from .signing import dkim_sign
from .smtp import DELIVERED, PERMANENT, TEMPORARY, ConnectionFailed, MailServer, Outcome
from .verp import return_path

# Sent mails recorded per commit.
COMMIT_EVERY = 25

# Waits before the 2nd, 3rd, ... attempt (pretix's schedule, then hourly), plus up to 10 %
# jitter so mails greylisted together do not all come back in the same second.
BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600)

# After this many lost connections in a row the server is in trouble, not one recipient:
# the rest of the batch is put back (uncharged) instead of costing a timeout each.
MAX_LOST_CONNECTIONS = 2

# Mails this process sent but could not record as sent (the database went away mid-batch):
# recorded as soon as the database answers again, before anything is reclaimed, so a
# database restart does not make them go out twice.
_unrecorded_sent: set[int] = set()
_unrecorded_lock = threading.Lock()


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    base = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=base + random.uniform(0, base * 0.1))


class Batch:
    """The claimed rows of one ``send_claimed`` and what has become of them so far."""

    def __init__(self, ids: list[int], report: SendReport) -> None:
        self.ids, self.report = ids, report
        self.config = current_app.config
        self.untried: list[OutboxMessage] = []
        self.in_flight: OutboxMessage | None = None
        self.sent_ids: list[int] = []
        self.last_refresh = time.monotonic()
        # Refresh the claim well within the reclaim timeout (one mail takes <= MAIL_TIMEOUT).
        self.refresh_every = max(self.config["MAIL_SENDING_TIMEOUT"] / 4, 0.5)

    def run(self) -> bool:
        # The claimed rows are this batch's alone: read once, with their attachments, and not
        # read again after each commit of an outcome (two SELECTs per mail, a third of the
        # sender's time before).
        session = db.session()
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            return self._run()
        finally:
            session.expire_on_commit = expire_on_commit

    def _run(self) -> bool:
        rows = select(OutboxMessage).where(OutboxMessage.id.in_(self.ids))
        rows = rows.options(selectinload(OutboxMessage.attachments)).order_by(OutboxMessage.id)
        self.untried = list(db.session.scalars(rows))
        sender = self.config["MAIL_DEFAULT_SENDER"]
        if self.config["MAIL_TO_CONSOLE"]:
            while self.untried:
                row = self.in_flight = self.untried.pop(0)
                try:
                    print_to_console(row, sender)
                except Exception as error:  # a poison mail stops nothing else
                    self.record(row, _crashed(error, row))
                else:
                    self.record(row, Outcome(DELIVERED, 250, "printed"))
            db.session.commit()
            return True
        server = MailServer(self.config)
        try:
            return self._send_all(server, sender)
        finally:
            server.close()

    def _send_all(self, server: MailServer, sender: str) -> bool:
        envelope_from = wire_address(parseaddr(sender)[1], smtputf8=False)
        lost_in_a_row = 0
        while self.untried:
            if time.monotonic() - self.last_refresh > self.refresh_every:
                self.refresh_claims()
            deadline = server.budget()
            row = self.in_flight = self.untried.pop(0)
            if not server.connected:
                try:
                    server.open(deadline)
                except ConnectionFailed as failure:
                    # The connection was tried for this mail: it is charged, the rest not.
                    self.record(row, Outcome(TEMPORARY, failure.code, failure.text, True))
                    self.release(row.next_attempt_at)
                    return False
            outcome = self._send_one(server, envelope_from, sender, row, deadline)
            self.record(row, outcome)
            lost_in_a_row = lost_in_a_row + 1 if outcome.connection_lost else 0
            if lost_in_a_row >= MAX_LOST_CONNECTIONS:
                self.release(utcnow())
                return False
        db.session.commit()
        return True

    def _send_one(self, server, envelope_from, sender, row, deadline) -> Outcome:
        # Only where the address needs it: a relay passes a mail sent with SMTPUTF8 (its
        # headers then raw UTF-8) only to a next hop that offers it too, and bounces it else.
        smtputf8 = needs_smtputf8(row.recipient) and server.offers_smtputf8
        try:
            recipient = wire_address(row.recipient, smtputf8)
            data = dkim_sign(
                build_mime(row, sender, smtputf8).as_bytes(
                    policy=policy.SMTPUTF8 if smtputf8 else policy.SMTP
                )
            )
            # VERP: a bounce comes back to an address that names this row.
            envelope_from = return_path(row.id) or envelope_from
        except AddressError as error:
            return Outcome(PERMANENT, None, f"address: {error}")
        except SQLAlchemyError:  # the database failing is not this mail's fault
            raise
        except Exception as error:  # a mail that cannot be built must not stop the others
            return _crashed(error, row)
        try:
            return server.send(envelope_from, recipient, data, smtputf8, deadline)
        except Exception as error:  # unknown state of the session: start a new one
            server.close(polite=False)
            return _crashed(error, row)

    def record(self, row: OutboxMessage, outcome: Outcome) -> None:
        """Settle ``row`` by ``outcome``: sent, retried later, or given up."""
        if outcome.kind == DELIVERED:
            row.state, row.sent_at = SENT, utcnow()
            row.last_error = row.last_error_code = None
            self.sent_ids.append(row.id)
            self.in_flight = None
            self.report.sent += 1
            if self.report.sent % COMMIT_EVERY == 0:
                self.refresh_claims()
            return
        row.last_error, row.last_error_code = outcome.describe()[:2000], outcome.code
        if outcome.kind == PERMANENT or row.attempts >= self.config["MAIL_MAX_ATTEMPTS"]:
            row.state = FAILED
            self.report.failed += 1
            current_app.logger.error(
                "mail %s to %s given up: %s", row.id, row.recipient, row.last_error
            )
        else:
            row.state, row.next_attempt_at = QUEUED, utcnow() + backoff(row.attempts)
            self.report.retrying += 1
            current_app.logger.warning(
                "mail %s to %s will be retried: %s", row.id, row.recipient, row.last_error
            )
        self.report.errors.append(row.last_error)
        db.session.commit()
        self.in_flight = None

    def release(self, when) -> None:
        """Put the mails not yet tried back in the queue, uncharged, due at ``when``."""
        for row in self.untried:
            row.state, row.attempts, row.next_attempt_at = QUEUED, row.attempts - 1, when
        self.untried = []
        db.session.commit()

    def refresh_claims(self) -> None:
        """Commit the outcomes so far, and tell other workers this batch is still in hand: a
        slow server must not make ``reclaim_stuck`` hand our rows to a second worker."""
        db.session.flush()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == SENDING, OutboxMessage.id.in_(self.ids))
            .values(claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.last_refresh = time.monotonic()

    def put_back(self) -> None:
        """The send was interrupted: record what went out, and queue the rest again at once
        (the mail in flight with its attempt counted, the untried ones uncharged)."""
        with _unrecorded_lock:  # kept until written down, however this ends
            _unrecorded_sent.update(self.sent_ids)
        # Ids from the identity map: the session may be unusable, no query allowed here.
        untried = [inspect(row).identity[0] for row in self.untried]
        in_flight = [inspect(self.in_flight).identity[0]] if self.in_flight is not None else []
        try:
            db.session.rollback()
            _set_state(self.sent_ids, state=SENT, sent_at=utcnow())
            _set_state(in_flight, state=QUEUED, next_attempt_at=utcnow())
            _set_state(
                untried, state=QUEUED, next_attempt_at=utcnow(), attempts=OutboxMessage.attempts - 1
            )
            db.session.commit()
        except Exception:
            try:
                db.session.rollback()
            except Exception:
                pass
            current_app.logger.warning(
                "mails %s stay 'sending' until MAIL_SENDING_TIMEOUT: could not put them back",
                untried + in_flight,
            )
        else:
            with _unrecorded_lock:
                _unrecorded_sent.difference_update(self.sent_ids)


def record_unrecorded_sent() -> None:
    """Record the mails an interrupted batch sent but could not write down (see above)."""
    with _unrecorded_lock:
        ids = sorted(_unrecorded_sent)
        if not ids:
            return
        _set_state(ids, state=SENT, sent_at=utcnow())
        db.session.commit()
        _unrecorded_sent.difference_update(ids)


def _set_state(ids: list[int], **values) -> None:
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.state == SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _crashed(error: Exception, row: OutboxMessage) -> Outcome:
    current_app.logger.exception("mail %s could not be built or sent", row.id)
    return Outcome(TEMPORARY, None, f"{type(error).__name__}: {error}")


def print_to_console(row: OutboxMessage, sender: str) -> None:
    """Development: show the mail, with its links, in the terminal of `make run`."""
    mime = build_mime(row, sender, smtputf8=True)
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
