"""Public programme pages: the current edition, one session, the archive.

The programme, session and edition pages are served through ``eventsite.caching``: rendered
once per version of the edition's data and language, answered with 304 when unchanged.

A logged-in organiser sees an unpublished edition's session and edition pages as visitors
will, under a "preview" banner; visitors get a 404. The login makes the page private in the
cache (``caching``), so a preview is never stored or served to anyone else.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, url_for
from flask_login import current_user

from ..caching import cached_response
from ..clock import utcnow
from ..core.seo import site_address
from . import queries, share
from .page_versions import (
    current_edition_version,
    published_edition_version,
    published_session_version,
)

bp = Blueprint("programme", __name__, cli_group="programme")


@bp.get("/")
def index():
    """The current edition's programme: five days, five hubs."""

    def render() -> str:
        edition = queries.current_edition()
        sessions = queries.edition_sessions(edition) if edition else []
        return render_template(
            "programme/index.html", edition=edition, sessions=sessions, now=utcnow()
        )

    return cached_response("programme.index", current_edition_version, render)


@bp.get("/sessions/<slug>")
def session_detail(slug: str):
    """One session in full."""

    def render() -> str:
        session = queries.published_session(slug)
        preview = session is None and _previewing()
        if preview:
            session = queries.session_by_slug(slug)
        if session is None:
            abort(404)
        return render_template(
            "programme/session.html",
            session=session,
            now=utcnow(),
            preview=preview,
            **share.page_facts(session),
        )

    return cached_response(
        "programme.session_detail", lambda: published_session_version(slug), render
    )


@bp.get("/editions/")
def archive():
    """Every published edition, newest first."""
    return render_template("programme/archive.html", editions=queries.published_editions())


@bp.get("/editions/<int:year>")
def edition_detail(year: int):
    """One edition's programme, with recordings once they are online."""

    def render() -> str:
        edition = queries.published_edition(year)
        preview = edition is None and _previewing()
        if preview:
            edition = queries.edition_by_year(year)
        if edition is None:
            abort(404)
        sessions = queries.edition_sessions(edition)
        return render_template(
            "programme/edition.html",
            edition=edition,
            sessions=sessions,
            now=utcnow(),
            preview=preview,
        )

    return cached_response(
        "programme.edition_detail", lambda: published_edition_version(year), render
    )


def _previewing() -> bool:
    """Organisers (the only people who log in) may see unpublished editions' pages."""
    return current_user.is_authenticated


@bp.get("/sessions/<slug>/share.png")
def share_image(slug: str):
    """The picture a shared link shows (Open Graph, Twitter card): title, date, hub."""

    def render() -> bytes:
        session = queries.published_session(slug)
        if session is None:
            abort(404)
        return share.share_image(session)

    return cached_response(
        "programme.share_image",
        lambda: published_session_version(slug),
        render,
        content_type="image/png",
        max_age=3600,
    )


@bp.get("/sitemap.xml")
def sitemap():
    """Every public page in both languages, for search engines."""
    editions = queries.published_editions()
    pages = [("/", None), ("/editions/", None)]
    for edition in editions:
        pages.append((url_for("programme.edition_detail", year=edition.year), edition.updated_at))
        for session in edition.sessions:
            page = url_for("programme.session_detail", slug=session.slug)
            pages.append((page, session.updated_at))
    body = render_template("programme/sitemap.xml", pages=pages, site_address=site_address)
    response = make_response(body)
    response.mimetype = "application/xml"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
