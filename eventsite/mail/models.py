"""Outbox rows: a mail, its state and its attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db

QUEUED = "queued"  # waiting for its (next) attempt
SENDING = "sending"  # claimed by a worker
SENT = "sent"
FAILED = "failed"  # given up (5xx or the last attempt); last_error(_code) says why


class OutboxMessage(db.Model):
    """One mail to one recipient, written in the same transaction as its cause."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="known_state"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable Message-ID header: a rare resend after a crash is recognisable as the same mail.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # What kind of mail, e.g. "confirm", "welcome", "reminder", "invite-update".
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The SMTP reply code of the last failed attempt (e.g. 451, 550); None for other errors.
    last_error_code: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organiser message this mail is one of (its progress page counts these rows).
    organiser_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser_message.id", ondelete="SET NULL"), index=True
    )

    # Bulk mail only (organiser messages): the List-Unsubscribe value; None for transactional.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(600))

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(db.Model):
    """A file or extra body part of an outbox mail (e.g. an iCalendar invite)."""

    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    # Full content type, e.g. "text/calendar; method=REQUEST; charset=UTF-8".
    content_type: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # "attachment", or "alternative" for a part beside the text and HTML bodies.
    disposition: Mapped[str] = mapped_column(String(20), default="attachment")

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


class UndeliverableAddress(db.Model):
    """An address that bounced for good (a 5.x.x delivery status): no more mail is queued to it."""

    __tablename__ = "undeliverable_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased, so a sign-up typed with other capitals is still recognised.
    address: Mapped[str] = mapped_column(String(254), unique=True)
    # E.g. "5.1.1 user unknown (RFC 3464 report)".
    reason: Mapped[str] = mapped_column(String(500))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The outbox mail that bounced, when the bounce could be matched to one.
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
