"""Health check for load balancers, and the privacy statement."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("core", __name__)

# The version of the privacy text; stored with each consent (GDPR art. 7(1)).
PRIVACY_VERSION = "2026-11"


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable", exc_info=True)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/privacy")
def privacy():
    """What we do with attendees' data, and their rights."""
    return render_template("core/privacy.html", version=PRIVACY_VERSION)
