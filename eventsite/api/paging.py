"""Query parameters of the API, read strictly: a bad value is a 400, never a guess."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, request, url_for

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MAX_PAGE = 100000

# The page parameters as the OpenAPI description states them.
PAGE_PARAMETERS_DOC = [
    {
        "in": "query",
        "name": "page",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "in": "query",
        "name": "per_page",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
]


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in choices:
        abort(400, description=f"{name} must be one of {', '.join(choices)}")
    return raw


def time_arg(name: str) -> datetime | None:
    """An RFC 3339 moment with offset (``2027-05-01T12:00:00+02:00``), as UTC."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or not 1900 < value.year < 9999:
        abort(400, description=f"{name} must be a date and time with offset (RFC 3339)")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def envelope(self, items: list, total: int, endpoint: str, **values) -> dict:
        """The list with its page numbers and the URL of the next page (None: last)."""
        following = None
        if self.offset + len(items) < total:
            args = {**request.args.to_dict(), **values, "page": self.number + 1}
            following = url_for(endpoint, _external=True, **args)
        return {
            "items": items,
            "page": self.number,
            "per_page": self.per_page,
            "total": total,
            "next": following,
        }


def page_args() -> Page:
    return Page(
        int_arg("page", 1, 1, MAX_PAGE), int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    )
