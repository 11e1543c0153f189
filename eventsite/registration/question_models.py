"""Organisers' own sign-up questions per edition, their choices, the answers, mail texts.

The answers belong to a person's registration (an attendee of the edition): they are
erased and purged with the person (``ondelete=CASCADE`` and the ORM cascade).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..programme.models import Edition
from .models import Attendee

SHORT, LONG, SINGLE, MULTIPLE, YESNO, NUMBER = (
    "short",
    "long",
    "single",
    "multiple",
    "yesno",
    "number",
)
KINDS = (SHORT, LONG, SINGLE, MULTIPLE, YESNO, NUMBER)
CHOICE_KINDS = (SINGLE, MULTIPLE)


class Question(db.Model):
    """One question of an edition's sign-up form, in Dutch (``label``) and English."""

    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('short', 'long', 'single', 'multiple', 'yesno', 'number')",
            name="known_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    # Order on the form (lowest first).
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str | None] = mapped_column(String(200))
    help: Mapped[str] = mapped_column(String(300), default="")
    help_en: Mapped[str | None] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(default=False)
    # Asked only when a chosen session is hosted by one of these regions (ids,
    # comma-separated); empty: asked of everyone.
    region_ids: Mapped[str] = mapped_column(String(200), default="")
    # A question with answers is retired instead of deleted: off the form, kept in exports.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[Edition] = relationship()
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="QuestionChoice.position",
    )

    @property
    def region_id_list(self) -> list[int]:
        return [int(part) for part in self.region_ids.split(",") if part]

    def asked_for(self, region_ids: set[int]) -> bool:
        """Whether the question is asked when sessions of ``region_ids`` are chosen."""
        wanted = self.region_id_list
        return not wanted or bool(region_ids & set(wanted))

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"


class QuestionChoice(db.Model):
    """One answer to choose; answers refer to it by id, so editing its text keeps them."""

    __tablename__ = "question_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str | None] = mapped_column(String(200))

    question: Mapped[Question] = relationship(back_populates="choices")


class Answer(db.Model):
    """A person's answer to one question: text, a number as text, "yes"/"no", or the
    chosen choices' ids (comma-separated)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attendee_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendee.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    value: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship()
    attendee: Mapped[Attendee] = relationship(
        backref=backref(
            "answers", cascade="all, delete-orphan", passive_deletes=True, order_by="Answer.id"
        )
    )

    @property
    def choice_id_list(self) -> list[int]:
        return [int(part) for part in self.value.split(",") if part.isdigit()]


class MailText(db.Model):
    """An organiser's own subject and body for one kind of mail, per edition and language.

    Plain text with ``{placeholder}``s (``mail.placeholders``), never a template."""

    __tablename__ = "mail_text"
    __table_args__ = (
        UniqueConstraint("edition_id", "kind", "language"),
        CheckConstraint("language IN ('nl', 'en')", name="known_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
