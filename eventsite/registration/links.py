"""Absolute links for mails, built from SITE_URL (never from the request's host)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import Attendee, ManageToken
from .tokens import make_confirm_token, new_manage_token


def absolute(endpoint: str, **values) -> str:
    """SITE_URL plus the endpoint's path; the same inside a request, in the CLI and in a worker."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def issue_manage_token(attendee: Attendee) -> str:
    """A new personal management token for a mail; only its hash is stored."""
    token, token_hash = new_manage_token()
    attendee.manage_token_hash = token_hash
    db.session.add(ManageToken(attendee=attendee, token_hash=token_hash))
    return token


def manage_url(token: str) -> str:
    return absolute("registration.manage", token=token)


def confirm_url(attendee: Attendee) -> str:
    db.session.flush()  # the attendee needs an id
    return absolute("registration.confirm", token=make_confirm_token(attendee.id, attendee.email))


def resend_url() -> str:
    return absolute("registration.resend")


def join_url(token: str, session: ProgrammeSession) -> str:
    """The personal link that leads to the session's stream (never the stream link itself)."""
    return absolute("registration.join", token=token, slug=session.slug)
