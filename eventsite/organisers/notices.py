"""The rule "tell the hub when a session fills up": receivers of registration's signals.

When a session's last place is taken, or its waiting list starts, the organisers of the
hub that hosts it and the admins get one mail each, in their own language. A notice row
(unique per session and kind) makes it once per event: confirmations of one session are
serialised (the session row's lock, SQLite's write lock), so the second finds the row.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..core.urls import external_url
from ..extensions import db
from ..mail.outbox import queue_mail
from ..programme.models import ProgrammeSession
from ..registration.signals import session_full, waiting_list_started
from .models import ADMIN, REGION, Organiser, OrganiserNotice

FULL = "session-full"
WAITING_LIST = "waiting-list-started"


def on_session_full(programme_session: ProgrammeSession, **_extra) -> None:
    notify(programme_session, FULL)


def on_waiting_list_started(programme_session: ProgrammeSession, **_extra) -> None:
    notify(programme_session, WAITING_LIST)


def notify(programme_session: ProgrammeSession, kind: str) -> None:
    """Queue the notice ``kind`` for the session's hub and the admins, unless sent before."""
    if not _record_once(programme_session.id, kind):
        return
    link = external_url("organisers.attendees", slug=programme_session.slug)
    for organiser in recipients(programme_session):
        queue_mail(
            kind=f"organiser-{kind}",
            recipient=organiser.email,
            language=organiser.language,
            template="organiser_session_notice",
            context={
                "organiser": organiser,
                "session": programme_session,
                "full": kind == FULL,
                "link": link,
            },
        )


def recipients(programme_session: ProgrammeSession) -> list[Organiser]:
    """Active admins, and the active organisers of the region that hosts the session."""
    return list(
        db.session.scalars(
            select(Organiser)
            .where(
                Organiser.active.is_(True),
                or_(
                    Organiser.role == ADMIN,
                    (Organiser.role == REGION)
                    & (Organiser.region_id == programme_session.region_id),
                ),
            )
            .order_by(Organiser.id)
        )
    )


def _record_once(session_id: int, kind: str) -> bool:
    """Add the notice row; False when it exists (the sign-up goes on either way)."""
    exists = select(OrganiserNotice.id).filter_by(session_id=session_id, kind=kind)
    if db.session.scalar(exists) is not None:
        return False
    # Confirmations are serialised, so the check above decides; the savepoint is the backstop
    # (a clash undoes only this row, not the sign-up; that request's mails then wait for the
    # worker instead of going out right after the commit).
    try:
        with db.session.begin_nested():
            db.session.add(OrganiserNotice(session_id=session_id, kind=kind))
    except IntegrityError:
        return False
    return True


def connect() -> None:
    session_full.connect(on_session_full)
    waiting_list_started.connect(on_waiting_list_started)
