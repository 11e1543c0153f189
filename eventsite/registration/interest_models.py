"""The "keep me posted" list: addresses that asked to hear when the next edition opens.

Not tied to an edition or an attendee: a visitor of the archive gives only an address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db


class Interest(db.Model):
    """One address on the "keep me posted" list, pending until its owner confirms by POST."""

    __tablename__ = "interest"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("language IN ('nl', 'en')", name="known_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # The announcement goes out in this language.
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # Proof of consent (GDPR art. 7(1)): which privacy text, when and from where, both steps.
    consent_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signup_ip: Mapped[str | None] = mapped_column(String(45))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_ip: Mapped[str | None] = mapped_column(String(45))
    # SHA-256 of the newest confirmation link's random token (None once confirmed).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    announcements: Mapped[list[InterestAnnouncement]] = relationship(
        back_populates="interest", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Interest {self.id}>"


class InterestAnnouncement(db.Model):
    """That the announcement of an edition was queued for an address: once, by constraint."""

    __tablename__ = "interest_announcement"
    __table_args__ = (UniqueConstraint("interest_id", "edition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("interest.id", ondelete="CASCADE"), index=True
    )
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interest: Mapped[Interest] = relationship(back_populates="announcements")
