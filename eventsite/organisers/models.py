"""Organiser accounts and the audit log of what they did."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..programme.models import Region

ADMIN = "admin"  # the central programme office: every session of every edition
REGION = "region"  # a regional hub: only the sessions its region hosts
ROLES = (ADMIN, REGION)


class Organiser(UserMixin, db.Model):
    """A person who may log in to the organiser pages."""

    __tablename__ = "organiser"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("role IN ('admin', 'region')", name="known_role"),
        # A hub organiser belongs to exactly one region; an admin to none.
        CheckConstraint(
            "(role = 'admin' AND region_id IS NULL) OR (role = 'region' AND region_id IS NOT NULL)",
            name="region_matches_role",
        ),
        CheckConstraint("auth_counter >= 0", name="auth_counter_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lowercased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # werkzeug scrypt hash; None until the person sets a password from the welcome mail.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    # Disabled accounts cannot log in; their sessions end at once.
    active: Mapped[bool] = mapped_column(default=True)
    # The language of the mails the site sends this person on its own (e.g. "session full").
    language: Mapped[str] = mapped_column(String(2), default="nl", server_default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the login cookie's user id: raising it ends every session of this person
    # (logout, password change, disabling), which a signed cookie alone cannot do.
    auth_counter: Mapped[int] = mapped_column(default=0)

    region: Mapped[Region | None] = relationship()

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id in the session cookie: "<id>:<auth counter>"."""
        return f"{self.id}:{self.auth_counter}"

    def end_sessions(self) -> None:
        """Make every existing login cookie of this person invalid."""
        self.auth_counter += 1

    def __repr__(self) -> str:
        return f"<Organiser {self.id} {self.role}>"


class AuditLog(db.Model):
    """Who did what and when: exports of personal data, edits, account changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True
    )
    # Kept as text too, so the entry stays readable if the account is ever deleted.
    actor: Mapped[str] = mapped_column(String(254))
    # E.g. "export.csv", "export.xlsx", "session.edit", "session.cancel", "password.set".
    action: Mapped[str] = mapped_column(String(40))
    # What it was done to, e.g. a session slug or "all sessions of jaarevent-2021".
    target: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Details such as the number of rows exported or the fields changed.
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    # What the entry concerns, for the filters (by edition, by hub) and for showing it in words.
    edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("edition.id", ondelete="SET NULL"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="SET NULL"), index=True
    )
    # The facts a sentence needs (e.g. {"title": ..., "start_at": ...}), as JSON: the entry must
    # read the same after the session is renamed or removed.
    data: Mapped[dict | None] = mapped_column(JSON)

    organiser: Mapped[Organiser | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditLog {self.id} {self.action}>"


class OrganiserNotice(db.Model):
    """A notice the organisers got about a session ("full", "waiting list started"): one row
    per session and kind, so each is mailed once per event, however many confirm at once."""

    __tablename__ = "organiser_notice"
    __table_args__ = (UniqueConstraint("session_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
