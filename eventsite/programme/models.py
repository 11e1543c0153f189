"""Editions of the jaarevent, the regional hubs and their daily sessions, speakers, videos."""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..core.models import StoredImage
from ..dbtypes import UTCDateTime
from ..extensions import db
from .videos import video_platform

SCHEDULED = "scheduled"
CANCELLED = "cancelled"

# Fields that a calendar shows; changing one raises the revision (iCalendar SEQUENCE).
CALENDAR_FIELDS = ("title", "title_en", "start_at", "end_at", "status")
# Of those, the ones only attendees reading in English see (Dutch is every text's default).
ENGLISH_CALENDAR_FIELDS = frozenset({"title_en"})


def calendar_readers(changed_fields) -> frozenset[str] | None:
    """The languages whose attendees see these changes in their calendar; None: everyone.
    An English title corrected is news to English readers only, not to a Dutch inbox."""
    changed = set(changed_fields) & set(CALENDAR_FIELDS)
    return frozenset({"en"}) if changed and changed <= ENGLISH_CALENDAR_FIELDS else None


class Region(db.Model):
    """A regional Smart Industry hub (five today; admins add one at /organiser/hubs/new);
    each hosts a day."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Used in URLs, the CLI and programme files, e.g. "noord".
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    # Shown with the hub's sessions; edited by the hub's organisers (/organiser/hubs).
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    logo_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_image.sha256"))
    # Part of the programme pages' version: a hub edit shows on its sessions' pages.
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    logo: Mapped[StoredImage | None] = relationship()

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


class Edition(db.Model):
    """One year's jaarevent: five regional days during Dutch Technology Week."""

    __tablename__ = "edition"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    # IANA zone in which the programme's times are shown.
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Amsterdam")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Sign-up is possible from this moment (None: not yet planned) ...
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ... until this moment for every session (None: until each session starts).
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unpublished editions are invisible to the public.
    published: Mapped[bool] = mapped_column(default=False)
    day_chair: Mapped[str | None] = mapped_column(String(120))
    intro: Mapped[str | None] = mapped_column(Text)
    intro_en: Mapped[str | None] = mapped_column(Text)
    # Shown on the pages where the programme contains invented example values.
    example_note: Mapped[str | None] = mapped_column(Text)
    example_note_en: Mapped[str | None] = mapped_column(Text)
    # Days after the last session after which attendees' personal data is removed.
    retention_days: Mapped[int] = mapped_column(default=365)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="edition",
        order_by="[ProgrammeSession.position, ProgrammeSession.start_at]",
    )

    def registration_open_at(self, moment: datetime) -> bool:
        """Whether the edition takes sign-ups at ``moment`` (each session may close earlier)."""
        if not self.published or self.registration_opens_at is None:
            return False
        if moment < self.registration_opens_at:
            return False
        return self.registration_closes_at is None or moment < self.registration_closes_at

    def __repr__(self) -> str:
        return f"<Edition {self.year}>"


class ProgrammeSession(db.Model):
    """A regional daily session of an edition, hosted by one hub."""

    __tablename__ = "programme_session"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        # The database itself guards against overbooking.
        CheckConstraint(
            "capacity IS NULL OR confirmed_count <= capacity", name="confirmed_within_capacity"
        ),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # In URLs: /sessions/<slug>; unique across editions, e.g. "2021-noord".
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Calendar UID: made once, never changed by edits; a rolled-over session gets a new one.
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: str(uuid.uuid4()))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200), default="")
    theme_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day_chair: Mapped[str | None] = mapped_column(String(120))
    # None: no limit.
    capacity: Mapped[int | None]
    # Confirmed places taken; raised and lowered atomically with the registrations.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # When that count last changed. Kept apart from ``updated_at`` (when what the session
    # shows changed: its mails, calendar entries and the sitemap follow that one), so
    # someone else's place changes none of them; the pages' version reads both.
    places_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Private: only reached through attendees' personal join links.
    stream_url: Mapped[str | None] = mapped_column(String(500))
    # Public, after the event.
    recording_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=SCHEDULED)
    # Raised on every change a calendar shows (iCalendar SEQUENCE).
    revision: Mapped[int] = mapped_column(default=0)
    # Sign-up closes here if earlier than the start (None: at the start).
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The place on the programme page (admins reorder); equal positions fall back to the time.
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    # True where the programme file invented values (hub, theme, speakers, times).
    is_example: Mapped[bool] = mapped_column(default=False)
    # The hub's own optional question on the feedback form (Dutch, English).
    feedback_question: Mapped[str | None] = mapped_column(String(300))
    feedback_question_en: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship(back_populates="sessions")
    region: Mapped[Region] = relationship()
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="session", order_by="Speaker.position", cascade="all, delete-orphan"
    )
    videos: Mapped[list[SessionVideo]] = relationship(
        back_populates="session", order_by="SessionVideo.position", cascade="all, delete-orphan"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed_count >= self.capacity

    def closes_at(self) -> datetime:
        """The moment sign-up for this session ends."""
        candidates = [
            self.start_at,
            self.registration_closes_at,
            self.edition.registration_closes_at,
        ]
        return min(c for c in candidates if c is not None)

    def open_for_registration(self, moment: datetime) -> bool:
        """Whether a visitor may choose this session at ``moment`` (full sessions: waiting list)."""
        return (
            not self.is_cancelled
            and self.edition.registration_open_at(moment)
            and moment < self.closes_at()
        )

    def state(self, moment: datetime) -> str:
        """What the programme shows: cancelled, soon, open, full, or closed."""
        if self.is_cancelled:
            return "cancelled"
        if moment >= self.closes_at():
            return "closed"
        if not self.edition.registration_open_at(moment):
            return "soon"
        return "full" if self.is_full else "open"

    def apply_changes(self, **changes) -> bool:
        """Set fields; raise the revision when a calendar-visible one changes. True if it did."""
        calendar_changed = False
        for field, value in changes.items():
            if getattr(self, field) != value:
                calendar_changed |= field in CALENDAR_FIELDS
                setattr(self, field, value)
        if calendar_changed and self.id is not None:
            self.revision += 1
        return calendar_changed

    def __repr__(self) -> str:
        return f"<ProgrammeSession {self.slug}>"


def what_sessions_show(edition: Edition, sessions) -> tuple:
    """Everything of the edition and sessions a mail shows (titles, times, hubs): equal
    keys, equal text, for mails whose rendering is reused (``mail.outbox``'s ``same_for``).
    Places taken and given up leave ``updated_at`` alone, so the key holds through them."""
    return (
        edition.id,
        edition.updated_at,
        tuple((s.id, s.updated_at, s.region_id, s.region.updated_at) for s in sessions),
    )


class Speaker(db.Model):
    """An entrepreneur or expert who speaks in a session, in programme order."""

    __tablename__ = "speaker"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    company: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(120))
    # A short introduction, Dutch and English.
    bio: Mapped[str | None] = mapped_column(Text)
    bio_en: Mapped[str | None] = mapped_column(Text)
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_image.sha256"))

    session: Mapped[ProgrammeSession] = relationship(back_populates="speakers")
    photo: Mapped[StoredImage | None] = relationship()


class SessionVideo(db.Model):
    """A video about a session (the entrepreneurs' stories), as a link: YouTube, Vimeo or a
    file on an https address; shown in order on the session's page."""

    __tablename__ = "session_video"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    # Checked by programme/videos.py: https only.
    url: Mapped[str] = mapped_column(String(500))

    session: Mapped[ProgrammeSession] = relationship(back_populates="videos")

    @property
    def platform(self) -> str:
        """``youtube``, ``vimeo`` or ``file``: what the page says the link leads to."""
        return video_platform(self.url)


# What a confirmation or a drop writes on a session's row (``registration.capacity``): the
# count and when it changed. Neither changes the text of anyone's mail.
_PLACE_COLUMNS = frozenset({"confirmed_count", "places_changed_at"})


@functools.cache
def _content_columns() -> tuple[str, ...]:
    return tuple(
        column.key
        for column in inspect(ProgrammeSession).column_attrs
        if column.key not in _PLACE_COLUMNS
    )


def session_contents(edition: Edition, sessions) -> tuple:
    """The edition's version and every other value of the sessions' rows, with their hubs':
    equal for a mail rendered before and after other people took places (see
    ``registration.signup``), and unlike ``what_sessions_show`` not relying on a change
    having moved the clock on."""
    columns = _content_columns()
    return (
        edition.id,
        edition.updated_at,
        tuple(
            (tuple(getattr(s, key) for key in columns), s.region.updated_at) for s in sessions
        ),
    )
