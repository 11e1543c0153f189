"""Public programme pages: the current edition, one session, the archive.

The programme, session and edition pages are served through ``eventsite.caching``: rendered
once per version of the edition's data and language, answered with 304 when unchanged.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..caching import cached_response, edition_version
from ..clock import utcnow
from . import queries
from .cli import register_commands

bp = Blueprint("programme", __name__, cli_group="programme")
register_commands(bp.cli)


@bp.get("/")
def index():
    """The current edition's programme: five days, five hubs."""
    edition = queries.current_edition()
    if edition is None:
        return render_template("programme/index.html", edition=None, sessions=[], now=utcnow())
    edition_id = edition.id

    def render() -> str:
        sessions = queries.edition_sessions(edition)
        return render_template(
            "programme/index.html", edition=edition, sessions=sessions, now=utcnow()
        )

    return cached_response("programme.index", edition_version(edition_id), render)


@bp.get("/sessions/<slug>")
def session_detail(slug: str):
    """One session in full."""
    edition_id = queries.published_session_edition_id(slug)
    if edition_id is None:
        abort(404)

    def render() -> str:
        session = queries.published_session(slug)
        if session is None:  # deleted between the two queries
            abort(404)
        return render_template("programme/session.html", session=session, now=utcnow())

    return cached_response("programme.session_detail", edition_version(edition_id), render)


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
    edition_id = edition.id

    def render() -> str:
        sessions = queries.edition_sessions(edition)
        return render_template(
            "programme/edition.html", edition=edition, sessions=sessions, now=utcnow()
        )

    return cached_response("programme.edition_detail", edition_version(edition_id), render)
