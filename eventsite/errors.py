"""Error pages in the site's style; a 500 rolls back and never shows a traceback.

A database that is unavailable (down, too slow, full, read-only: see ``database.py``) gives a
503 with ``Retry-After`` instead of a 500, and its page tells a visitor who sent a form
whether it was saved: "not saved" only when that is certain.
"""

import math
import time

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import HTTPException

from .database import commit_outcome_unknown, rollback_quietly, unavailable_reason
from .extensions import db, limiter

# Codes with a page of their own; any other HTTP error uses the generic page.
OWN_PAGES = {404, 429, 500}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# When the page itself cannot be rendered: plain text in both languages.
PLAIN_503 = {
    "saved": "",
    "not-saved": "Wat je hebt verstuurd, is NIET opgeslagen. / What you sent has NOT been saved.\n",
    "unknown": (
        "We weten niet zeker of wat je hebt verstuurd, is opgeslagen. / "
        "We cannot tell whether what you sent was saved.\n"
    ),
}


JSON_ERRORS_KEY = "eventsite.json_error_paths"


def answer_errors_in_json(app: Flask, path_prefix: str) -> None:
    """Errors of URLs under ``path_prefix`` (an API) are JSON, not pages: also those that
    no route matched, which no blueprint's error handler sees."""
    app.extensions.setdefault(JSON_ERRORS_KEY, []).append(path_prefix)


def json_error(error: HTTPException):
    """``{"error": "not_found", "message": ...}`` with the error's status and headers."""
    name = (error.name or "error").lower().replace(" ", "_")
    response = jsonify(error=name, message=error.description or error.name)
    response.status_code = error.code or 500
    for header, value in error.get_headers():
        if header.lower() != "content-type":
            response.headers[header] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def minutes_until_allowed() -> int | None:
    """Whole minutes (at least 1) until the rate limit that refused this request lets an
    attempt through again (Flask-Limiter knows the limit that tripped and its reset time);
    None if no limit tripped or its storage cannot tell."""
    tripped = limiter.current_limit
    if tripped is None or not tripped.breached:
        return None
    try:
        seconds = tripped.window.reset_time - time.time()  # reset_at rounds up a second
    except Exception:  # the storage went away meanwhile: say less rather than fail
        current_app.logger.warning("rate-limit reset time unavailable", exc_info=True)
        return None
    return max(1, math.ceil(seconds / 60))


def try_again_sentence() -> str:
    """When a visitor refused by a rate limit can try again, roughly: the limits run per
    hour or per quarter, so "a few minutes" would often be untrue."""
    minutes = minutes_until_allowed()
    if minutes is None:
        return _("Please try again later.")
    if minutes <= 90:
        return ngettext(
            "You can try again in %(num)d minute.", "You can try again in %(num)d minutes.", minutes
        )
    hours = math.ceil(minutes / 60)
    return ngettext(
        "You can try again in %(num)d hour.", "You can try again in %(num)d hours.", hours
    )


def error_page(error: HTTPException):
    """An HTTP error as a page in the site's style (or JSON under an API's paths)."""
    if request.path.startswith(tuple(current_app.extensions.get(JSON_ERRORS_KEY, ()))):
        return json_error(error)
    template = f"errors/{error.code}.html" if error.code in OWN_PAGES else "errors/generic.html"
    extra = {"try_again": try_again_sentence()} if error.code == 429 else {}
    return render_template(template, error=error, **extra), error.code


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors and unexpected exceptions as pages."""

    @app.teardown_appcontext
    def close_session_quietly(error: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, run later). A
        # database that went away after the answer was made would otherwise make closing
        # the session raise, and the server would replace the finished answer with a 500.
        try:
            db.session.remove()
        except Exception as failure:
            if unavailable_reason(failure) is None:
                raise
            db.session.registry.clear()
            app.logger.warning("database unavailable while closing the session")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_page(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        reason = unavailable_reason(error)
        if reason is not None:
            return database_unavailable(app, error, reason)
        db.session.rollback()
        app.logger.exception("unhandled error")
        try:
            return render_template("errors/500.html"), 500
        except Exception:  # the page itself failed: still never show a traceback
            app.logger.exception("error page failed")
            return "500 Internal Server Error", 500, {"Content-Type": "text/plain; charset=utf-8"}


def database_unavailable(app: Flask, error: Exception, reason: str):
    """503 with Retry-After; a sent form is said to be not saved only when that is true."""
    if request.method in SAFE_METHODS:
        saved = "saved"  # nothing was sent: nothing to say about saving
    else:
        saved = "unknown" if commit_outcome_unknown() else "not-saved"
    rollback_quietly(db.session)
    app.logger.warning("database unavailable (%s): %s", reason, error.__class__.__name__)
    # The menu asks whether an organiser is logged in, which would ask the database again.
    if "_login_user" not in g:
        g._login_user = AnonymousUserMixin()
    retry_after = str(int(app.config["UNAVAILABLE_RETRY_AFTER"]))
    try:
        body = render_template("errors/503.html", saved=saved)
        content_type = "text/html; charset=utf-8"
    except Exception:
        app.logger.exception("error page failed")
        body = (
            "503 Tijdelijk niet beschikbaar / Temporarily unavailable\n\n"
            + PLAIN_503[saved]
            + f"Probeer het over {retry_after} seconden opnieuw. / "
            f"Please try again in {retry_after} seconds.\n"
        )
        content_type = "text/plain; charset=utf-8"
    response = make_response(body, 503)
    response.headers["Content-Type"] = content_type
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response
