"""Public programme pages: the current edition, one session, the archive."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..clock import utcnow
from . import queries
from .cli import register_commands

bp = Blueprint("programme", __name__, cli_group="programme")
register_commands(bp.cli)


@bp.get("/")
def index():
    """The current edition's programme: five days, five hubs."""
    edition = queries.current_edition()
    sessions = queries.edition_sessions(edition) if edition else []
    return render_template("programme/index.html", edition=edition, sessions=sessions, now=utcnow())


@bp.get("/sessions/<slug>")
def session_detail(slug: str):
    """One session in full."""
    session = queries.published_session(slug)
    if session is None:
        abort(404)
    return render_template("programme/session.html", session=session, now=utcnow())


@bp.get("/editions/")
def archive():
    """Every published edition, newest first."""
    return render_template("programme/archive.html", editions=queries.published_editions())


@bp.get("/editions/<int:year>")
def edition_detail(year: int):
    """One edition's programme, with recordings once they are online."""
    edition = queries.published_edition(year)
    if edition is None:
        abort(404)
    sessions = queries.edition_sessions(edition)
    return render_template(
        "programme/edition.html", edition=edition, sessions=sessions, now=utcnow()
    )
