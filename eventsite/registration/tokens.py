"""Tokens in registration links.

Confirmation links carry a signed, expiring itsdangerous token with a salt of its own; it
reads the site's clock, so tests can let it expire. Management links carry a random token
of 256 bits; the database keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ..clock import utcnow

CONFIRM_SALT = "eventsite.registration.confirm"


class ClockSigner(TimestampSigner):
    """A timestamp signer that reads eventsite's clock instead of time.time()."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


class TokenExpired(Exception):
    """The token was genuine but is too old."""


class TokenInvalid(Exception):
    """The token was forged, damaged or made for something else."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=CONFIRM_SALT, signer=ClockSigner
    )


def email_digest(email: str) -> str:
    """A short digest that binds a token to an address without putting it in the link."""
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def make_confirm_token(attendee_id: int, email: str) -> str:
    """A signed token that confirms this attendee's pending registrations."""
    return _serializer().dumps({"a": attendee_id, "e": email_digest(email)})


def read_confirm_token(token: str) -> tuple[int, str]:
    """(attendee id, email digest) from a token; raises TokenExpired or TokenInvalid."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise TokenInvalid
    return data["a"], str(data.get("e", ""))


def new_manage_token() -> tuple[str, str]:
    """A fresh management token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
