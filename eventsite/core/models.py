"""The readiness check's heartbeat (proof that the database takes a write); job runs; uploaded
pictures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db
from .images import EXTENSIONS


class ReadinessProbe(db.Model):
    """One row per readiness check; each check adds a row and deletes the older ones."""

    __tablename__ = "readiness_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Larger than a database page, so the write needs fresh space (a full disk shows).
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class JobRun(db.Model):
    """When a periodic job (`flask worker`) last ran, so that it runs once per interval across
    all workers (core/worker.py locks and updates the row)."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredImage(db.Model):
    """An uploaded picture as we re-encoded it (core/images.py), in the database so that
    every app instance serves it; named by the SHA-256 of its bytes, so the same picture is
    stored once and its URL never changes meaning (served as immutable)."""

    __tablename__ = "stored_image"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp')", name="known_type"
        ),
    )

    # Lowercase hex SHA-256 of ``data``.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    # Deferred: pages that show the picture's URL and size never load the bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def filename(self) -> str:
        """``<sha256>.<ext>``: the last part of its URL."""
        return f"{self.sha256}.{EXTENSIONS[self.content_type]}"
