"""Personal access tokens on API requests: ``Authorization: Bearer evs_...``.

Each request with a token is rate-limited per token (Flask-Limiter, ``API_RATE_LIMIT``), or
per address when no token is sent, so guessing tokens is as slow as using one.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import Unauthorized

from ..clock import utcnow
from ..extensions import limiter
from ..organisers.models import Organiser
from . import tokens
from .models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(Unauthorized):
    description = "A valid personal access token is needed: Authorization: Bearer <token>."

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", "Bearer")]


def _presented() -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def rate_key() -> str:
    secret = _presented()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "api-ip:" + (get_remote_address() or "")


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def token_required(*, write: bool = False):
    """The view needs a valid token (401); ``write``: one that is not read-only (403)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            found = tokens.organiser_for(_presented())
            if found is None:
                raise TokenRefused()
            token, owner = found
            if write and token.read_only:
                abort(403, description="This token is read-only.")
            _note_use(token)
            g.api_token, g.api_organiser = token, owner
            return view(*args, **kwargs)

        return limiter.limit(_limit, key_func=rate_key)(wrapper)

    return decorate


def _note_use(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now


def current_organiser() -> Organiser:
    return g.api_organiser
