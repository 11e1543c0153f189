"""Helpers for the account, profile and audit-log tests: organisers using the forms."""

from __future__ import annotations

from html import unescape

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog, Organiser
from tests.helpers import ORGANISER_PASSWORD as PASSWORD  # noqa: F401 (for the tests)
from tests.helpers import csrf_token as csrf_from
from tests.helpers import log_in  # noqa: F401 (for the tests)


def post_form(client, page: str, action: str | None = None, **fields):
    """Post the form shown on ``page`` (to ``action``, default the page) with its CSRF token."""
    token = csrf_from(client, page)
    return client.post(action or page, data={"csrf_token": token, **fields})


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def account(email: str) -> Organiser:
    db.session.expire_all()
    return db.session.scalar(db.select(Organiser).filter_by(email=email))


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)))
