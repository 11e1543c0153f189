"""The registration blueprint and what its pages share: rate limits, private headers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ...extensions import limiter
from ..attendees import normalise_email
from ..tokens import hash_token

bp = Blueprint("registration", __name__, cli_group="registrations")


def _config_limit(name: str):
    return lambda: current_app.config[name]


def email_key() -> str:
    """Rate-limit key: the submitted address (so one address cannot be flooded)."""
    address = normalise_email(request.form.get("email", ""))
    return f"email:{address}" if address else f"ip:{request.remote_addr}"


# Shared scopes: sign-up and resend both send mail, so they count together; so do all
# management actions.
per_ip = limiter.shared_limit(
    _config_limit("REGISTRATION_LIMIT_PER_IP"), scope="registration-ip", methods=["POST"]
)
per_email = limiter.shared_limit(
    _config_limit("REGISTRATION_LIMIT_PER_EMAIL"),
    scope="registration-email",
    key_func=email_key,
    methods=["POST"],
)


def link_key() -> str:
    """Rate-limit key: the personal link itself (hashed), whichever addresses use it."""
    token = (request.view_args or {}).get("token", "")
    return f"link:{hash_token(token)[:32]}"


_manage_per_ip = limiter.shared_limit(
    _config_limit("MANAGE_LIMIT_PER_IP"), scope="registration-manage", methods=["POST"]
)
_manage_per_link = limiter.shared_limit(
    _config_limit("MANAGE_LIMIT_PER_LINK"),
    scope="registration-manage-link",
    key_func=link_key,
    methods=["POST"],
)


def manage_limit(view):
    """Confirm and personal-page actions: limited per IP address and per personal link."""
    return _manage_per_ip(_manage_per_link(view))


def private(response: Response) -> Response:
    """Pages with a personal token in the URL: never cached, never in a Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
