"""Language choice: ``?lang=`` sticks in the session, then ``Accept-Language``, then Dutch;
outside a request (the command line, the worker's log) English."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


def select_locale() -> Locale:
    """The visitor's language for this request (a shared Locale: Flask-Babel would parse
    the code anew for every request)."""
    if not has_request_context():
        # Mails choose their reader's language themselves (force_locale); what is left is
        # text for the command line and logs, such as a programme file's error.
        return _locale("en")
    languages = tuple(current_app.config["LANGUAGES"])
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return _locale(asked)
    chosen = session.get("lang")
    if chosen in languages:
        return _locale(chosen)
    return _locale(_best_match(request.headers.get("Accept-Language", ""), languages))


@lru_cache(maxsize=256)
def _best_match(accept_language: str, languages: tuple[str, ...]) -> str:
    """The first of ``languages`` the header prefers, else the first (once per header)."""
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(languages) or languages[0]


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


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
