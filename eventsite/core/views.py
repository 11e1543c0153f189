"""Liveness and readiness checks for load balancers, and the privacy statement."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .privacy import PRIVACY_VERSION
from .readiness import NotReady, check_readiness

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: 200 when the process runs and the database answers, 503 when it does not.

    A full or read-only database still answers here; ``/readyz`` tells those apart.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable", exc_info=True)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database takes a write and its schema is the newest; 503 and why not."""
    try:
        checked = check_readiness()
    except NotReady as not_ready:
        response = jsonify(status="not ready", reason=str(not_ready))
        response.status_code = 503
        response.headers["Retry-After"] = str(int(current_app.config["UNAVAILABLE_RETRY_AFTER"]))
    else:
        response = jsonify(status="ready", **checked)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/privacy")
def privacy():
    """What we do with attendees' data, and their rights."""
    return render_template("core/privacy.html", version=PRIVACY_VERSION)
