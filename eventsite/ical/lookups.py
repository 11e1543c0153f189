"""What the calendar views and invites look up: the attendee of a link, their places, the
organizer of the events, the newest change."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from flask import current_app
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..programme.models import ProgrammeSession
from ..registration.attendees import attendee_for_token as lookup_attendee
from ..registration.models import CONFIRMED, Attendee, Registration


def attendee_for_token(token: str) -> Attendee | None:
    """The attendee of a personal link: the registration feature's lookup."""
    return lookup_attendee(token)


def organizer(language: str = "nl") -> tuple[str, str]:
    """(name, address) of the event as iTIP ORGANIZER: MAIL_ORGANIZER, else the sender's.
    In an invite in English, a name that is the Dutch SITE_NAME is SITE_NAME_EN (as the
    From of the mail that carries it)."""
    config = current_app.config
    configured = config.get("MAIL_ORGANIZER") or ""
    sender = config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple | list):
        sender = f"{sender[0]} <{sender[1]}>"
    name, address = parseaddr(configured or sender)
    if not address:
        name, address = parseaddr(sender)
    name = name or config["SITE_NAME"]
    if language != "nl" and config.get("SITE_NAME_EN") and name == config["SITE_NAME"]:
        name = config["SITE_NAME_EN"]
    return name, address


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
