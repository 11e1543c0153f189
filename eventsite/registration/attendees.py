"""Finding an attendee (by address or personal link) and locking one for a change."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..programme.models import Edition
from . import capacity
from .models import CONFIRMED, PENDING, WAITING, Attendee, ManageToken, Registration
from .tokens import hash_token

# Registrations that hold or wait for a place, or await confirmation.
ACTIVE = (PENDING, CONFIRMED, WAITING)


def normalise_email(address: str) -> str:
    return address.strip().lower()


def find_attendee(edition: Edition, email: str) -> Attendee | None:
    return db.session.scalar(
        db.select(Attendee).filter_by(edition_id=edition.id, email=normalise_email(email))
    )


def attendee_for_token(token: str) -> Attendee | None:
    """The attendee a personal management token belongs to, or None.

    Any token ever mailed to them works (``ManageToken``); ``Attendee.manage_token_hash``,
    the newest, is accepted too for attendees made by other means (organisers, imports).
    """
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    load = selectinload(Attendee.registrations).selectinload(Registration.session)
    return db.session.scalar(
        db.select(Attendee).join(ManageToken).where(ManageToken.token_hash == digest).options(load)
    ) or db.session.scalar(
        db.select(Attendee).where(Attendee.manage_token_hash == digest).options(load)
    )


def lock_attendee(attendee: Attendee) -> bool:
    """Serialise changes to one attendee's registrations (a double click, two tabs).

    Takes the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the attendee's row), held
    until the unit of work commits, then forgets everything read before it, so the decision
    is made on what an earlier request committed, not on the state this request loaded.
    False if the attendee is gone (erased by that earlier request).
    """
    capacity.begin_write()
    found = db.session.execute(
        db.select(Attendee.id).filter_by(id=attendee.id).with_for_update()
    ).first()
    db.session.expire_all()
    return found is not None
