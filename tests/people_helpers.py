"""Helpers for the account, profile and audit-log tests: organisers using the forms."""

from __future__ import annotations

from html import unescape

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog, Organiser
from tests.registration_helpers import csrf_from

PASSWORD = "correct horse battery staple"  # the make_organiser fixture's password


def log_in(client, email: str, password: str = PASSWORD):
    """Log in through the real form (with its CSRF token); returns the response."""
    token = csrf_from(client, "/organiser/login")
    return client.post(
        "/organiser/login", data={"csrf_token": token, "email": email, "password": password}
    )


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
