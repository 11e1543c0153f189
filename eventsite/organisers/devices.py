"""Device cookies: failed-login limits that slow attackers down without locking the owner out.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful login gives the
browser a signed cookie naming the account (an HMAC of its address) and a random nonce.

- A login attempt from a browser without a valid device cookie for the account it names is
  *untrusted*: it counts against the account's limit (ORGANISER_LOGIN_LIMIT_ACCOUNT) and the
  IP address's (ORGANISER_LOGIN_LIMIT_IP), which an attacker can exhaust.
- A browser with a valid device cookie for that account is *trusted*: it is limited on its
  own counter only (ORGANISER_LOGIN_LIMIT_DEVICE, keyed by its nonce), so the owner still
  gets in from a browser used before while the account is limited for everybody else.

The cookie holds one account (the last one that logged in on the browser) and lives
ORGANISER_DEVICE_COOKIE_DAYS; each successful login replaces it with a fresh nonce.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .tokens import ClockSigner

SALT = "organiser-device-cookie"


def cookie_name() -> str:
    # __Host-: only over HTTPS, for this host, path / (as the production session cookie).
    return (
        "__Host-organiser_device"
        if current_app.config["SESSION_COOKIE_SECURE"]
        else ("organiser_device")
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def account_digest(email: str) -> str:
    """The account in the cookie: a keyed hash of the address (the cookie does not show it)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    address = email.strip().lower().encode()
    return hmac.new(key, b"device:" + address, hashlib.sha256).hexdigest()[:32]


def issue(response: Response, email: str) -> None:
    """Give this browser a new device cookie for the account ``email`` (after a login)."""
    value = _serializer().dumps({"a": account_digest(email), "n": secrets.token_hex(16)})
    response.set_cookie(
        cookie_name(),
        value,
        max_age=int(current_app.config["ORGANISER_DEVICE_COOKIE_DAYS"]) * 86400,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def trusted_nonce() -> str | None:
    """The nonce of this browser's valid device cookie for the account the form names."""
    if "organiser_device_nonce" in g:
        return g.organiser_device_nonce
    nonce = None
    value = request.cookies.get(cookie_name(), "")
    email = request.form.get("email", "")
    if value and email:
        max_age = int(current_app.config["ORGANISER_DEVICE_COOKIE_DAYS"]) * 86400
        try:
            data = _serializer().loads(value, max_age=max_age)
        except BadSignature:  # also an expired cookie
            data = None
        if (
            isinstance(data, dict)
            and isinstance(data.get("n"), str)
            and hmac.compare_digest(str(data.get("a", "")), account_digest(email))
        ):
            nonce = data["n"]
    g.organiser_device_nonce = nonce
    return nonce


def is_trusted() -> bool:
    """exempt_when of the account and IP limits: a known device is not held by them."""
    return trusted_nonce() is not None


def is_untrusted() -> bool:
    """exempt_when of the device limit: it only counts known devices."""
    return trusted_nonce() is None


def device_key() -> str:
    return "organiser-device:" + (trusted_nonce() or "none")
