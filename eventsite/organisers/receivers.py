"""What organisers does when the features below it report something (blinker signals).

Receivers run inside the sender's transaction, before its commit: what they add commits or
rolls back with it.
"""

from __future__ import annotations

from ..messaging.signals import message_sent
from . import audit, notices


def audit_message(log, *, organiser, action: str, detail: str, **_extra) -> None:
    """A message to attendees goes into the audit log, with the send itself."""
    audit.record(organiser, action, log.session.slug, detail)


def connect() -> None:
    """Connect every receiver (a second app connects nothing new: blinker keeps one)."""
    message_sent.connect(audit_message)
    notices.connect()
