"""The one place the site reads the time, so tests can set the clock."""

from __future__ import annotations

from datetime import UTC, datetime

# Set by tests (see tests/conftest.py `clock`); None means the real time.
_frozen: datetime | None = None


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return _frozen or datetime.now(UTC)


def set_frozen(moment: datetime | None) -> None:
    """Make ``utcnow()`` return ``moment`` (aware) until set back to None. For tests."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze the clock with an aware datetime")
    _frozen = moment
