"""A sign-up form accepted under a burst and not yet registered (see ``intake.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..dbtypes import UTCDateTime
from ..extensions import db


class SignupIntake(db.Model):
    """What a visitor sent on the sign-up form, committed before the answer; deleted in the
    unit of work that turns it into the pending registration and its confirmation mail.

    It holds personal data for seconds (the processing), longer only while that fails: then
    ``attempts``, ``last_error`` and ``next_attempt_at`` say so, and the worker retries."""

    __tablename__ = "signup_intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column()
    # The chosen sessions' ids, in the order of the form.
    session_ids: Mapped[list] = mapped_column(JSON)
    # registration.signup.SignUp as a dict: the details, answers, language, ip and source.
    details: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
