"""How delivery goes: per kind of mail the outbox's counts, and the latest errors.

Shared by the organisers' page ``/organiser/mail`` and ``flask mail status``. Recipients are
shown partly masked (``an***@example.nl``), in the error texts too: enough to recognise a
mailbox provider that refuses, not a list of addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from ..extensions import db
from .models import FAILED, QUEUED, SENDING, SENT, OutboxMessage

# The columns of the table, in order: "retrying" is queued after at least one attempt.
COLUMNS = ("queued", "retrying", "sending", "sent", "failed")
LAST_ERRORS = 20


@dataclass
class KindCounts:
    kind: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DeliveryError:
    kind: str
    recipient: str  # masked
    error: str  # with the recipient masked
    state: str
    attempts: int
    at: datetime | None  # when the failed attempt started (claimed_at)


@dataclass
class DeliveryStatus:
    kinds: list[KindCounts]
    totals: KindCounts
    oldest_waiting: datetime | None  # created_at of the oldest mail not yet sent
    errors: list[DeliveryError]


def mask_address(address: str) -> str:
    """``anna.devries@example.nl`` -> ``an***@example.nl``: the domain stays readable."""
    local, at, domain = address.rpartition("@")
    if not at:
        local, domain = address, ""
    shown = local[:2] if len(local) > 3 else local[:1]
    return f"{shown}***{'@' if at else ''}{domain}"


def mask_in(text: str, address: str) -> str:
    """``text`` with every occurrence of ``address`` (any case) masked."""
    if not address:
        return text
    return re.sub(re.escape(address), mask_address(address), text, flags=re.IGNORECASE)


def _column(state: str, retried: bool) -> str | None:
    if state == QUEUED:
        return "retrying" if retried else "queued"
    return {SENDING: "sending", SENT: "sent", FAILED: "failed"}.get(state)


def delivery_status(errors: int = LAST_ERRORS) -> DeliveryStatus:
    """Counts per kind (sorted by kind) and the ``errors`` latest mails with an error."""
    retried = case((OutboxMessage.attempts > 0, True), else_=False)
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.state, retried, func.count())
        .group_by(OutboxMessage.kind, OutboxMessage.state, retried)
        .order_by(OutboxMessage.kind)
    ).all()
    kinds: dict[str, KindCounts] = {}
    totals = KindCounts("")
    for kind, state, was_retried, count in rows:
        column = _column(state, bool(was_retried))
        if column is None:
            continue
        kinds.setdefault(kind, KindCounts(kind)).counts[column] += count
        totals.counts[column] += count
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.state.in_((QUEUED, SENDING))
        )
    )
    return DeliveryStatus(list(kinds.values()), totals, oldest, latest_errors(errors))


def latest_errors(limit: int = LAST_ERRORS) -> list[DeliveryError]:
    """Mails whose last attempt failed (still retrying or given up), newest attempt first."""
    last_attempt = func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at)
    rows = db.session.execute(
        select(
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.last_error,
            OutboxMessage.state,
            OutboxMessage.attempts,
            OutboxMessage.claimed_at,
        )
        .where(OutboxMessage.last_error.is_not(None), OutboxMessage.state != SENT)
        .order_by(last_attempt.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        DeliveryError(
            kind=kind,
            recipient=mask_address(recipient),
            error=mask_in(error, recipient),
            state=state,
            attempts=attempts,
            at=claimed_at,
        )
        for kind, recipient, error, state, attempts, claimed_at in rows
    ]
