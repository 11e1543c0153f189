"""The embeddable programme: a small page a hub shows in an ``<iframe>`` on its own site.

``/embed/<lang>/<year>`` is the whole edition, ``/embed/<lang>/<year>/<hub>`` one hub's
day. The language is in the path (no cookie: a frame on another site gets none). The
page's CSP allows framing only by the origins in ``EMBED_ALLOWED_ORIGINS``; it has no
script, and its links open the session page and the sign-up on our site in a new tab.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import force_locale

from ..caching import cached_response
from ..clock import utcnow
from ..programme import queries
from ..programme.page_versions import published_edition_version
from ..security import CONTENT_SECURITY_POLICY

bp = Blueprint("api_embed", __name__, url_prefix="/embed")


def frame_ancestors() -> str:
    origins = [o.strip() for o in current_app.config["EMBED_ALLOWED_ORIGINS"] if o.strip()]
    return " ".join(["'self'", *origins])


def _policy() -> str:
    return CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {frame_ancestors()}"
    )


def _render(lang: str, year: int, hub: str | None):
    def render() -> str:
        edition = queries.published_edition(year)
        if edition is None:
            abort(404)
        sessions = queries.edition_sessions(edition)
        if hub is not None:
            sessions = [s for s in sessions if s.region.slug == hub]
            if not sessions:
                abort(404)
        with force_locale(lang):
            return render_template(
                "api/embed.html", edition=edition, sessions=sessions, now=utcnow(), lang=lang
            )

    response = cached_response(
        f"api_embed:{hub or ''}",
        lambda: published_edition_version(year),
        render,
        language=lang,
        per_language=True,
    )
    response.headers["Content-Security-Policy"] = _policy()
    return response


@bp.get("/<any(nl, en):lang>/<int:year>")
def edition(lang: str, year: int):
    """The whole edition's programme, for a frame on a partner's site."""
    return _render(lang, year, None)


@bp.get("/<any(nl, en):lang>/<int:year>/<hub>")
def hub_day(lang: str, year: int, hub: str):
    """One hub's day, for a frame on that hub's site."""
    return _render(lang, year, hub)
