"""Attendees of an edition and their registrations for sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..programme.models import Edition, ProgrammeSession

PENDING = "pending"  # signed up, not yet confirmed from the mail: counts for nothing
CONFIRMED = "confirmed"  # has a place
WAITING = "waiting"  # confirmed, but the session was full: on its waiting list
CANCELLED = "cancelled"  # dropped by the attendee (or the session was cancelled)
STATES = (PENDING, CONFIRMED, WAITING, CANCELLED)


class Attendee(db.Model):
    """A person signed up for an edition: one per edition and email address."""

    __tablename__ = "attendee"
    __table_args__ = (
        UniqueConstraint("edition_id", "email"),
        # Addresses are stored lowercased, so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("language IN ('nl', 'en')", name="known_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Job title, optional.
    role: Mapped[str] = mapped_column(String(120), default="")
    # Language of the sign-up; every mail to this person is in it.
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # Separate, optional consent to the Smart Industry newsletter.
    newsletter: Mapped[bool] = mapped_column(default=False)
    # Proof of consent (GDPR art. 7(1)): which privacy text, when and from where.
    consent_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signup_ip: Mapped[str | None] = mapped_column(String(45))
    # Set by the first confirmation from the mail; None while only pending.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_ip: Mapped[str | None] = mapped_column(String(45))
    # SHA-256 (hex) of the newest personal management token (all of them: ManageToken);
    # the token itself is never stored.
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The attendee asked for no further organiser messages for this edition.
    messages_opt_out: Mapped[bool] = mapped_column(default=False)
    # When and how the last stop was asked, where known (e.g. "one-click unsubscribe").
    messages_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_opt_out_via: Mapped[str | None] = mapped_column(String(40))
    # Where the sign-up came from: a campaign link's code (``?via=``) or the utm_* values
    # ("source / medium / campaign"); empty when unknown.
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")

    edition: Mapped[Edition] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="attendee", cascade="all, delete-orphan"
    )
    manage_tokens: Mapped[list[ManageToken]] = relationship(
        back_populates="attendee", cascade="all, delete-orphan", passive_deletes=True
    )
    signup_requests: Mapped[list[SignupRequest]] = relationship(
        back_populates="attendee",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SignupRequest.id",
    )

    def __repr__(self) -> str:
        return f"<Attendee {self.id}>"


class Registration(db.Model):
    """One attendee's place (or wish for one) in one session."""

    __tablename__ = "registration"
    __table_args__ = (
        # Double clicks and re-posts can never make a second row.
        UniqueConstraint("attendee_id", "session_id"),
        CheckConstraint(
            "state IN ('pending', 'confirmed', 'waiting', 'cancelled')", name="known_state"
        ),
        # The waiting list of a session in order.
        Index("ix_registration_waiting", "session_id", "state", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendee.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_session.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Order on the waiting list (the moment the place was asked for, once confirmed).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by this attendee's own changes that reach their calendar (a place given up, a
    # place taken again): their invites' SEQUENCE is the session's revision plus this, so
    # every REQUEST and CANCEL they get is newer than the one before (RFC 5546 2.1.4).
    invite_sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    attendee: Mapped[Attendee] = relationship(back_populates="registrations")
    session: Mapped[ProgrammeSession] = relationship()

    def __repr__(self) -> str:
        return f"<Registration {self.attendee_id}/{self.session_id} {self.state}>"

    @property
    def calendar_sequence(self) -> int:
        """The SEQUENCE of this attendee's calendar entry for the session."""
        return self.session.revision + (self.invite_sequence or 0)


class ManageToken(db.Model):
    """The SHA-256 of one personal management link sent to an attendee.

    Every mail that carries a link gets a token of its own, so the links in older mails
    (the welcome mail, a reminder) keep working; the tokens themselves are never stored.
    """

    __tablename__ = "manage_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendee.id", ondelete="CASCADE"), index=True
    )
    # hashlib.sha256(token.encode()).hexdigest()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendee: Mapped[Attendee] = relationship(back_populates="manage_tokens")


class Attendance(db.Model):
    """That a confirmed attendee used their personal join link around the session's time.

    One row per registration (the unique constraint makes concurrent clicks one row): the
    first use and the last, and how many uses; written by ``attendance.record_join``.
    """

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("registration_id", name="uq_attendance_registration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Uses of the join link within the window (a reconnect counts again).
    uses: Mapped[int] = mapped_column(default=1)

    registration: Mapped[Registration] = relationship(
        backref=backref(
            "attendance", uselist=False, cascade="all, delete-orphan", passive_deletes=True
        )
    )

    def __repr__(self) -> str:
        return f"<Attendance {self.registration_id}>"


class SignupRequest(db.Model):
    """One submission of the sign-up form, waiting for the address owner's confirmation.

    Its confirmation link confirms exactly this submission (the details and the sessions
    sent with it) and works once, so a stranger who submits the form again with someone
    else's address cannot change what the owner's own link confirms.
    """

    __tablename__ = "signup_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendee.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(120), default="")
    language: Mapped[str] = mapped_column(String(2), default="nl")
    newsletter: Mapped[bool] = mapped_column(default=False)
    consent_version: Mapped[str] = mapped_column(String(20))
    signup_ip: Mapped[str | None] = mapped_column(String(45))
    # The chosen sessions' ids, comma-separated (an edition has a handful of sessions).
    session_ids: Mapped[str] = mapped_column(String(200), default="")
    # The answers to the organisers' questions sent with it ({question id: value}) and the
    # source the visitor came from: applied to the person when this request is confirmed.
    answers: Mapped[dict | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when its link was used: a used link confirms nothing and opens nothing again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attendee: Mapped[Attendee] = relationship(back_populates="signup_requests")

    @property
    def session_id_list(self) -> list[int]:
        return [int(part) for part in self.session_ids.split(",") if part]

    def __repr__(self) -> str:
        return f"<SignupRequest {self.id} of {self.attendee_id}>"


class Feedback(db.Model):
    """An attendee's answer about one session they joined: one per registration.

    The unique registration makes "one answer per attendee per session" hold in the
    database; the attendee changes it (within FEEDBACK_CHANGE_DAYS) rather than adding one.
    Deleted with the registration, so erasing and purging a person removes it too.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("registration_id", name="uq_feedback_registration"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    # 1 (poor) to 5 (excellent).
    rating: Mapped[int]
    # "What will you do with it?": free text, may be empty.
    takeaway: Mapped[str] = mapped_column(Text, default="")
    # The hub's own question as it was asked (it may change later), and the answer.
    question: Mapped[str] = mapped_column(String(300), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(
        backref=backref(
            "feedback", uselist=False, cascade="all, delete-orphan", passive_deletes=True
        )
    )

    def __repr__(self) -> str:
        return f"<Feedback {self.registration_id} {self.rating}>"
