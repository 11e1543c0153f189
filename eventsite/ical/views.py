"""Calendar files: one session, an edition's programme feed, an attendee's personal feed.

Each answer carries an ETag and Last-Modified, so the calendar apps that poll feeds get
``304 Not Modified``. The public files are built once per version of the edition's data and
language (``eventsite.caching``); the personal feed is built for each request.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request

from ..caching import cached_response
from ..i18n import current_language
from ..programme import queries
from ..programme.page_versions import published_edition_version, published_session_version
from ..registration.links import join_url
from . import addresses, builders, lookups

bp = Blueprint("ical", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_response(
    body: bytes, filename: str, last_modified: datetime, *, private: bool = False
) -> Response:
    """The file with its headers; 304 when the client's copy is current."""
    response = Response(body, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = last_modified
    if private:
        # Personal: no shared cache may keep it, and the secret address must not leak on.
        response.cache_control.private = True
        response.cache_control.no_cache = True
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.cache_control.public = True
        response.cache_control.max_age = 300
        # The language follows ?lang=, the cookie or Accept-Language.
        response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def requested_language() -> str:
    """``?lang=`` when given (subscriptions keep it in their address), else the visitor's.

    Read directly, so a calendar app's request does not get a language cookie set.
    """
    asked = request.args.get("lang")
    return asked if asked in current_app.config["LANGUAGES"] else current_language()


def public_calendar(name: str, version, render) -> Response:
    """A public calendar file through the page cache (language from ?lang= or the visitor).

    ``version`` gives the edition's version (``programme.page_versions``), None when unpublished.
    """

    def render_with_headers():
        body, filename = render()
        return body, {"Content-Disposition": f'attachment; filename="{filename}"'}

    return cached_response(
        name,
        version,
        render_with_headers,
        content_type=CONTENT_TYPE,
        language=requested_language(),
        max_age=300,
    )


@bp.get("/sessions/<slug>.ics")
def session_ics(slug: str):
    """One session as an .ics file ("add to my calendar")."""
    language = requested_language()

    def render():
        session = queries.published_session(slug)
        if session is None:
            abort(404)
        body = builders.session_calendar(
            session, page_url_for=addresses.page_url, language=language
        )
        return body, f"{session.slug}.ics"

    return public_calendar("ical.session_ics", lambda: published_session_version(slug), render)


@bp.get("/editions/<int:year>/calendar.ics")
def edition_ics(year: int):
    """An edition's whole programme, to subscribe to (webcal) or download."""
    language = requested_language()

    def render():
        edition = queries.published_edition(year)
        if edition is None:
            abort(404)
        sessions = queries.edition_sessions(edition)
        body = builders.edition_calendar(
            edition, sessions, page_url_for=addresses.page_url, language=language
        )
        return body, f"{edition.slug}.ics"

    return public_calendar("ical.edition_ics", lambda: published_edition_version(year), render)


@bp.get("/my/<token>/calendar.ics")
def personal_ics(token: str):
    """The attendee's confirmed sessions with their personal join links; 404 for a bad token."""
    attendee = lookups.attendee_for_token(token)
    if attendee is None:
        abort(404)
    registrations = lookups.confirmed_registrations(attendee)
    sessions = [r.session for r in registrations]
    # The SEQUENCE of the attendee's own invites: a feed event older than a CANCEL they had
    # would not bring back a session they signed up for again.
    sequences = {r.session_id: r.calendar_sequence for r in registrations}
    body = builders.personal_calendar(
        attendee,
        sessions,
        lambda session: join_url(token, session, attendee.language),
        page_url_for=addresses.page_url,
        sequence_for=lambda session: sequences.get(session.id),
    )
    # A dropped place changes the file too: its moment counts.
    modified = lookups.newest(
        *(s.updated_at for s in sessions),
        *(r.cancelled_at for r in attendee.registrations),
        *(r.confirmed_at for r in registrations),
    )
    mine = "mijn-sessies" if attendee.language == "nl" else "my-sessions"
    filename = f"{attendee.edition.slug}-{mine}.ics"
    return calendar_response(body, filename, modified, private=True)


@bp.app_template_global()
def calendar_links(session) -> dict[str, str]:
    """Google Calendar and Outlook add-event addresses for a session, in the page's language."""
    return addresses.calendar_links(session, current_language())


@bp.app_template_global()
def edition_feed_links(edition) -> dict[str, str]:
    """The programme feed's download, webcal and Google addresses."""
    return addresses.feed_links(edition, current_language())


@bp.app_template_global()
def personal_feed_links(token: str) -> dict[str, str]:
    """The personal feed's addresses (for the registration feature's /my/<token> page)."""
    return addresses.personal_feed_links(token)
