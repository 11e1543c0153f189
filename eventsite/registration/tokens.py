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


def make_confirm_token(attendee_id: int, email: str, request_id: int) -> str:
    """A signed token that confirms one sign-up request (``SignupRequest``) of this attendee."""
    return _serializer().dumps({"a": attendee_id, "e": email_digest(email), "r": request_id})


def read_confirm_token(token: str) -> tuple[int, str, int]:
    """(attendee id, email digest, request id) from a token; raises TokenExpired or
    TokenInvalid. Tokens made before requests existed (no "r") count as expired: they
    confirmed whatever was pending, which a stranger could change."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise TokenInvalid
    if not isinstance(data.get("r"), int):
        raise TokenExpired
    return data["a"], str(data.get("e", "")), data["r"]


def new_manage_token() -> tuple[str, str]:
    """A fresh management token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
