"""What the calendar views and mails need from the app: addresses, the organiser, lookups.

No request objects here: addresses are built from ``SITE_URL``, so mails queued from the CLI
or a signal handler carry the same links as pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import quote

from flask import current_app
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import localized
from ..programme.models import ProgrammeSession
from ..registration.attendees import attendee_for_token as lookup_attendee
from ..registration.models import CONFIRMED, Attendee, Registration
from . import links
from .builders import description_text


def attendee_for_token(token: str) -> Attendee | None:
    """The attendee of a personal link: the registration feature's lookup."""
    return lookup_attendee(token)


def site_url_for(endpoint: str, **values) -> str:
    """The public address of a page, from SITE_URL (works without a request)."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values)
    return current_app.config["SITE_URL"].rstrip("/") + path


def page_url(session: ProgrammeSession) -> str:
    """The public page of a session."""
    return site_url_for("programme.session_detail", slug=session.slug)


def join_url(token: str, session: ProgrammeSession) -> str:
    """The attendee's personal join link (served by the registration feature)."""
    base = current_app.config["SITE_URL"].rstrip("/")
    return f"{base}/my/{quote(token, safe='')}/join/{quote(session.slug, safe='')}"


def organizer() -> tuple[str, str]:
    """(name, address) of the event as iTIP ORGANIZER: MAIL_ORGANIZER, else the sender's."""
    configured = current_app.config.get("MAIL_ORGANIZER") or ""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple | list):
        sender = f"{sender[0]} <{sender[1]}>"
    name, address = parseaddr(configured or sender)
    if not address:
        name, address = parseaddr(sender)
    return name or current_app.config["SITE_NAME"], address


def confirmed_registrations(attendee: Attendee) -> list[Registration]:
    """The attendee's confirmed places, in time order, with the sessions loaded."""
    return list(
        db.session.scalars(
            db.select(Registration)
            .join(Registration.session)
            .where(Registration.attendee_id == attendee.id, Registration.state == CONFIRMED)
            .options(
                selectinload(Registration.session).selectinload(ProgrammeSession.speakers),
                selectinload(Registration.session).selectinload(ProgrammeSession.region),
            )
            .order_by(ProgrammeSession.start_at)
        )
    )


def newest(*moments: datetime | None) -> datetime:
    """The latest of the given moments (for Last-Modified); ignores None."""
    present = [m for m in moments if m is not None]
    return max(present) if present else datetime(2000, 1, 1, tzinfo=UTC)


def calendar_links(session: ProgrammeSession, language: str) -> dict[str, str]:
    """The add-event addresses of Google Calendar and Outlook for one session."""
    title = localized(session, "title", language)
    details = description_text(session, language, page_url(session))
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
    feed = site_url_for("ical.edition_ics", year=edition.year, lang=language)
    return {
        "download": feed,
        "webcal": links.webcal_url(feed),
        "google": links.google_subscribe_url(feed),
    }


def personal_feed_links(token: str) -> dict[str, str]:
    """The personal feed's addresses, for the attendee's own registration page."""
    feed = site_url_for("ical.personal_ics", token=token)
    return {
        "download": feed,
        "webcal": links.webcal_url(feed),
        "google": links.google_subscribe_url(feed),
    }
