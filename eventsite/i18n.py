"""Language choice: ``?lang=`` sticks in the session, then ``Accept-Language``, then Dutch."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale


def select_locale() -> str:
    """The visitor's language for this request."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def current_language() -> str:
    """The language of the current request as a two-letter code."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_en`` in English where filled in, otherwise the Dutch ``obj.<field>``."""
    language = language or current_language()
    if language != "nl":
        value = getattr(obj, f"{field}_{language}", None)
        if value:
            return value
    return getattr(obj, field) or ""
