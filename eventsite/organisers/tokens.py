"""Signed, expiring, single-use links for setting an organiser's password.

Two purposes with their own salt: "reset" (asked for on the site, short-lived) and "welcome"
(sent when an account is created, valid longer). A token names the account and a fingerprint
of its current password hash and session counter: once the password is set, the fingerprint
changes and every earlier link stops working, so each link works once.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..clock import utcnow
from ..extensions import db
from .models import Organiser

SALTS = {"reset": "organiser-reset-password", "welcome": "organiser-welcome-set-password"}


class ClockSigner(TimestampSigner):
    """Timestamps from the site's clock, so tests can let a link expire."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=SALTS[purpose], signer=ClockSigner
    )


def max_age(purpose: str) -> int:
    """Seconds a link of ``purpose`` stays valid."""
    if purpose == "reset":
        return int(current_app.config["ORGANISER_RESET_LINK_MINUTES"]) * 60
    return int(current_app.config["ORGANISER_WELCOME_LINK_HOURS"]) * 3600


def _fingerprint(organiser: Organiser) -> str:
    state = f"{organiser.password_hash or ''}:{organiser.auth_counter}".encode()
    return hashlib.sha256(state).hexdigest()[:32]


def make_token(organiser: Organiser, purpose: str) -> str:
    return _serializer(purpose).dumps({"id": organiser.id, "fp": _fingerprint(organiser)})


def organiser_for_token(token: str, purpose: str) -> Organiser | None:
    """The active account a valid, unexpired, unused token is for; None otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except BadSignature:  # also expired tokens (SignatureExpired is a subclass)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    organiser = db.session.get(Organiser, data["id"])
    if organiser is None or not organiser.active:
        return None
    if not hmac.compare_digest(str(data.get("fp", "")), _fingerprint(organiser)):
        return None
    return organiser
