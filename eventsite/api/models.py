"""Personal access tokens, webhook endpoints, the events they get and their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..organisers.models import Organiser
from ..programme.models import Region

# Delivery states: due (waiting for its next attempt), delivered, failed (given up).
DUE = "due"
DELIVERED = "delivered"
FAILED = "failed"


class ApiToken(db.Model):
    """A personal access token of an organiser: it acts with its owner's role and hub.

    Only the SHA-256 of the token is stored; the owner sees the token once, when it is made.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), index=True
    )
    # The owner's own label, e.g. "CRM koppeling".
    name: Mapped[str] = mapped_column(String(80))
    # hashlib.sha256(token.encode()).hexdigest()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so the owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # A read-only token may only read (GET); it cannot manage webhooks.
    read_only: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when revoked: the token is refused (401) from then on.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[Organiser] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"


class WebhookEndpoint(db.Model):
    """An https address that gets the events it chose, signed with its own secret.

    A hub organiser's endpoint gets its hub's events only; an admin's gets every hub's.
    """

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True
    )
    # None: every hub (an admin's endpoint).
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    # Event types, space-separated, e.g. "registration.confirmed session.changed".
    events: Mapped[str] = mapped_column(String(400))
    # Standard Webhooks secret: "whsec_" + base64 of 32 random bytes.
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organiser: Mapped[Organiser | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @property
    def event_list(self) -> list[str]:
        return self.events.split()

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id}>"


class WebhookEvent(db.Model):
    """Something that happened, written in the same transaction as the change itself."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Standard Webhooks ``webhook-id``: the same on every attempt, so receivers can
    # drop a repeat.
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"))
    # The body's "data" object.
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one endpoint: attempts, the next try and the last response."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # One delivery per event and endpoint: an event is never sent twice to one address.
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_delivery_event_endpoint"),
        CheckConstraint("state IN ('due', 'delivered', 'failed')", name="known_state"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_event.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default=DUE)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker's claim: while in the future, no other worker takes this delivery.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last response: HTTP status (None: no answer) and the start of its body or the error.
    last_status: Mapped[int | None]
    last_response: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[WebhookEvent] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()
