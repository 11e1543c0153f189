"""Personal join links: where ``/my/<token>/join/<slug>`` leads at this moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..clock import utcnow
from .models import CONFIRMED, Attendee, Registration


@dataclass
class JoinTarget:
    """Where a personal join link leads now."""

    registration: Registration | None
    opens_at: datetime | None = None
    stream_url: str | None = None
    reason: str = ""  # "", "not-registered", "too-early", "ended", "cancelled", "no-stream"


def join_target(attendee: Attendee, slug: str, join_opens_before: timedelta) -> JoinTarget:
    """The stream a confirmed attendee may join now, or why not (yet)."""
    now = utcnow()
    registration = next((r for r in attendee.registrations if r.session.slug == slug), None)
    if registration is None or registration.state != CONFIRMED:
        return JoinTarget(registration, reason="not-registered")
    session = registration.session
    opens_at = session.start_at - join_opens_before
    if session.is_cancelled:
        return JoinTarget(registration, reason="cancelled")
    if now >= session.end_at:
        return JoinTarget(registration, reason="ended")
    if now < opens_at:
        return JoinTarget(registration, opens_at=opens_at, reason="too-early")
    if not session.stream_url:
        return JoinTarget(registration, reason="no-stream")
    return JoinTarget(registration, stream_url=session.stream_url)
