"""What organisers does when the features below it report something (blinker signals).

Receivers run inside the sender's transaction, before its commit: what they add commits or
rolls back with it.
"""

from __future__ import annotations

from ..messaging.signals import message_sent
from . import audit, notices


def audit_message(log, *, organiser, action: str, detail: str, **extra) -> None:
    """A message to attendees goes into the audit log, with the send itself (`extra`: the
    recording's joined and missed counts)."""
    session = log.session
    facts = {"group": log.recipient_group, "recipients": log.recipient_count}
    if "joined" in extra:
        facts = {"joined": extra["joined"], "missed": extra.get("missed", 0)}
    audit.record(
        organiser,
        action,
        session.slug,
        detail,
        edition=session.edition,
        region=session.region,
        data=audit.session_facts(session, **facts),
    )


def connect() -> None:
    """Connect every receiver (a second app connects nothing new: blinker keeps one)."""
    message_sent.connect(audit_message)
    notices.connect()
