"""The log of organiser messages: who mailed which group of a session, when, and how many."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..programme.models import ProgrammeSession

CONFIRMED = "confirmed"  # everyone with a place
WAITING = "waiting"  # the waiting list
JOINED = "joined"  # confirmed, and used their join link (see registration.attendance)
NOT_JOINED = "not_joined"  # confirmed, and did not
RECORDING = "recording"  # "the recording is online": joined and missed get their own text
GROUPS = (CONFIRMED, WAITING, JOINED, NOT_JOINED)


class OrganiserMessage(db.Model):
    """One message an organiser sent to a group of a session's attendees.

    Its outbox rows point back here (``OutboxMessage.organiser_message_id``), which gives the
    progress of a large send. ``idempotency_key`` comes from a hidden field of the form, so
    a double click or a re-post sends once.
    """

    __tablename__ = "organiser_message"
    __table_args__ = (
        CheckConstraint(
            "recipient_group IN ('confirmed', 'waiting', 'joined', 'not_joined', 'recording')",
            name="known_group",
        ),
        CheckConstraint("subject_nl IS NOT NULL OR subject_en IS NOT NULL", name="has_a_language"),
        CheckConstraint("recipient_count >= 0", name="recipient_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True
    )
    # The sender's name and address as text, readable if the account is ever deleted.
    sender_name: Mapped[str] = mapped_column(String(120))
    sender_email: Mapped[str] = mapped_column(String(254))
    recipient_group: Mapped[str] = mapped_column(String(12))
    # The languages written, e.g. "nl", "en" or "nl,en".
    languages: Mapped[str] = mapped_column(String(5))
    subject_nl: Mapped[str | None] = mapped_column(String(200))
    body_nl: Mapped[str | None] = mapped_column(Text)
    subject_en: Mapped[str | None] = mapped_column(String(200))
    body_en: Mapped[str | None] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(default=0)
    # From the form; unique, so the same form posted twice makes (and sends) one message.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    session: Mapped[ProgrammeSession] = relationship()
    # By name: organisers sits above messaging (README "What is where").
    organiser: Mapped[Organiser | None] = relationship("Organiser")  # noqa: F821

    def subject(self, language: str) -> str:
        """The subject in ``language``, or in the other language when only that was written."""
        own = self.subject_nl if language == "nl" else self.subject_en
        return own or self.subject_nl or self.subject_en or ""

    def __repr__(self) -> str:
        return f"<OrganiserMessage {self.id} {self.recipient_group}>"
