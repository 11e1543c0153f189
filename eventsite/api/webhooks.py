"""Webhook events: written by receivers of the programme's and registration's signals.

The signals are sent inside the unit of work that made the change, so the event row and
one delivery row per interested endpoint commit (or roll back) with the change itself,
like the mail outbox. The worker sends them (``delivery.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..programme.models import ProgrammeSession
from ..programme.signals import session_cancelled, session_changed
from ..registration.models import Registration
from ..registration.signals import (
    place_dropped,
    registration_cancelled,
    registration_confirmed,
    registration_promoted,
)
from . import serialise
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

# The event types an endpoint can choose, with what the console calls them.
EVENT_TYPES = {
    "registration.confirmed": _l("A registration is confirmed (a place)"),
    "registration.waiting": _l("A registration is put on the waiting list"),
    "registration.promoted": _l("Someone on the waiting list gets a place"),
    "registration.cancelled": _l("A registration is cancelled"),
    "session.changed": _l("A session's title, times or status changed"),
    "session.cancelled": _l("A session is cancelled"),
}


def _wanting(event_type: str, region_id: int | None) -> list[WebhookEndpoint]:
    """The active endpoints that want this event (a read: it does not flush)."""
    with db.session.no_autoflush:
        return [
            endpoint
            for endpoint in db.session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.active.is_(True),
                    or_(
                        WebhookEndpoint.region_id.is_(None),
                        WebhookEndpoint.region_id == region_id,
                    ),
                )
            )
            if event_type in endpoint.event_list
        ]


def record_event(
    event_type: str, region_id: int | None, data: dict | Callable[[], dict]
) -> WebhookEvent | None:
    """An event and its deliveries, in the current transaction; None when no active
    endpoint wants it (nothing is stored then, and ``data``, when a function, not made)."""
    endpoints = _wanting(event_type, region_id)
    if not endpoints:
        return None
    if callable(data):
        data = data()
    event = WebhookEvent(
        msg_id=f"msg_{uuid.uuid4().hex}", type=event_type, region_id=region_id, data=data
    )
    db.session.add(event)
    for endpoint in endpoints:
        db.session.add(WebhookDelivery(event=event, endpoint=endpoint))
    return event


def _registration_data(registration: Registration) -> dict:
    person, item = registration.attendee, registration.session
    return {
        "registration_id": registration.id,
        "state": registration.state,
        "session": item.slug,
        "session_title": item.title,
        "hub": item.region.slug,
        "attendee": {
            "name": person.name,
            "email": person.email,
            "organisation": person.organisation,
            "role": person.role,
            "language": person.language,
        },
    }


def _registration_event(event_type: str, registration: Registration) -> None:
    def data() -> dict:
        db.session.flush()  # the registration's id
        return _registration_data(registration)

    # Most sites have no endpoint: then neither the flush nor the data.
    record_event(event_type, registration.session.region_id, data)


def webhook_confirmed(attendee, *, confirmed=(), waiting=(), **_extra) -> None:
    for registration in confirmed:
        _registration_event("registration.confirmed", registration)
    for registration in waiting:
        _registration_event("registration.waiting", registration)


def webhook_promoted(attendee, *, registration, **_extra) -> None:
    _registration_event("registration.promoted", registration)


def webhook_dropped(attendee, *, registration, **_extra) -> None:
    _registration_event("registration.cancelled", registration)


def webhook_cancelled(attendee, *, registrations=(), **_extra) -> None:
    for registration in registrations:
        _registration_event("registration.cancelled", registration)


def _session_event(event_type: str, item: ProgrammeSession) -> None:
    if item.id is None or not item.edition.published:
        return
    record_event(event_type, item.region_id, serialise.session(item))


def webhook_session_changed(item: ProgrammeSession, **_extra) -> None:
    _session_event("session.changed", item)


def webhook_session_cancelled(item: ProgrammeSession, **_extra) -> None:
    _session_event("session.cancelled", item)


def connect() -> None:
    """Connect the receivers (blinker keeps one per function however often this runs)."""
    registration_confirmed.connect(webhook_confirmed)
    registration_promoted.connect(webhook_promoted)
    place_dropped.connect(webhook_dropped)
    registration_cancelled.connect(webhook_cancelled)
    session_changed.connect(webhook_session_changed)
    session_cancelled.connect(webhook_session_cancelled)
