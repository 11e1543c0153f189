"""Error pages in the site's style; a 500 rolls back and never shows a traceback."""

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from .extensions import db

# Codes with a page of their own; any other HTTP error uses the generic page.
OWN_PAGES = {404, 429, 500}


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors and unexpected exceptions as pages."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        template = f"errors/{error.code}.html" if error.code in OWN_PAGES else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unhandled error")
        try:
            return render_template("errors/500.html"), 500
        except Exception:  # the page itself failed: still never show a traceback
            app.logger.exception("error page failed")
            return "500 Internal Server Error", 500, {"Content-Type": "text/plain; charset=utf-8"}
