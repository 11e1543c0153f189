"""Addresses that bounced for good: recorded once, and no mail is queued to them again."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from ..extensions import db
from .models import FAILED, OutboxMessage, UndeliverableAddress


def normalise(address: str) -> str:
    return address.strip().lower()


def is_undeliverable(address: str) -> bool:
    found = select(UndeliverableAddress.id).where(
        UndeliverableAddress.address == normalise(address)
    )
    return db.session.scalar(found) is not None


def undeliverable_among(addresses: Iterable[str]) -> set[str]:
    """The (normalised) addresses of ``addresses`` that are marked undeliverable."""
    wanted = {normalise(a) for a in addresses}
    if not wanted:
        return set()
    found = select(UndeliverableAddress.address).where(UndeliverableAddress.address.in_(wanted))
    return set(db.session.scalars(found))


def mark_undeliverable(address: str, reason: str, row: OutboxMessage | None) -> bool:
    """Record a hard bounce of ``address``; the bounced row says so too. False if known already.

    The caller commits."""
    if row is not None:
        row.state = FAILED
        row.last_error = f"bounced: {reason}"[:2000]
    if is_undeliverable(address):
        return False
    db.session.add(
        UndeliverableAddress(
            address=normalise(address),
            reason=reason[:500],
            source_message_id=row.id if row is not None else None,
        )
    )
    db.session.flush()
    return True


def undeliverable_overview(limit: int = 10) -> tuple[int, list[UndeliverableAddress]]:
    """How many addresses are undeliverable, and the ``limit`` latest marked (newest first)."""
    count = db.session.scalar(select(func.count(UndeliverableAddress.id)))
    latest = select(UndeliverableAddress).order_by(
        UndeliverableAddress.marked_at.desc(), UndeliverableAddress.id.desc()
    )
    return count, list(db.session.scalars(latest.limit(limit)))
