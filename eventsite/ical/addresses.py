"""The public addresses the calendar files, feeds and invites link to (all absolute, from
``core.urls.external_url``, so the same from a request, the CLI or a signal receiver)."""

from __future__ import annotations

from ..core.urls import external_url
from ..i18n import localized
from ..programme.models import ProgrammeSession
from . import links
from .builders import description_text


def page_url(session: ProgrammeSession) -> str:
    """The public page of a session."""
    return external_url("programme.session_detail", slug=session.slug)


def calendar_links(session: ProgrammeSession, language: str) -> dict[str, str]:
    """The add-event addresses of Google Calendar and Outlook for one session."""
    title = localized(session, "title", language)
    details = description_text(
        session, language, page_url(session), max_length=links.MAX_DETAILS
    )
    common = {"title": title, "start": session.start_at, "end": session.end_at}
    return {
        "google": links.google_calendar_url(
            **common, details=details, location="Online", zone=session.edition.timezone
        ),
        "outlook": links.outlook_url(**common, body=details, location="Online"),
        "office365": links.outlook_url(
            **common, body=details, location="Online", work_account=True
        ),
    }


def feed_links(edition, language: str) -> dict[str, str]:
    """The edition feed's addresses: https (download), webcal (subscribe), Google."""
    feed = external_url("ical.edition_ics", year=edition.year, lang=language)
    return {
        "download": feed,
        "webcal": links.webcal_url(feed),
        "google": links.google_subscribe_url(feed),
    }


def personal_feed_links(token: str) -> dict[str, str]:
    """The personal feed's addresses, for the attendee's own registration page."""
    feed = external_url("ical.personal_ics", token=token)
    return {
        "download": feed,
        "webcal": links.webcal_url(feed),
        "google": links.google_subscribe_url(feed),
    }
