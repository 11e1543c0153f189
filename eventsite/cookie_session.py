"""Flask's signed-cookie session, with its signing serializer built once per key.

Flask builds a new ``URLSafeTimedSerializer`` (which serializes a test value to find out
what it returns) twice per request, to open the session and again to save it: about a tenth
of the CPU of a cached page. The serializer holds nothing per request, so one per secret
key (and fallback keys) serves every request; a changed key builds a new one.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    """The default session interface; the serializer kept while the keys stay the same."""

    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
