"""The readiness check's heartbeat: proof that the database takes a write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
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
