"""The readiness check's heartbeat (proof that the database takes a write); job runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db


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
