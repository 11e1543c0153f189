"""The programme office adds, removes and reorders an edition's sessions (admins).

A session with registrations is never removed: its attendees would lose their place without a
word. Cancelling (``editing.cancel_session``) tells them; removing is for sessions nobody
signed up for yet. Flushed into the request's unit of work, with an audit entry each.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import unit_of_work
from ..extensions import db
from ..programme.models import Edition, ProgrammeSession, Region
from ..registration.models import Registration
from . import audit
from .editing import from_local_input
from .models import Organiser


@dataclass
class Outcome:
    done: bool
    message: str = ""


def ordered_sessions(edition: Edition) -> list[ProgrammeSession]:
    """The edition's sessions in programme order (as the public page shows them)."""
    return list(
        db.session.scalars(
            select(ProgrammeSession)
            .filter_by(edition_id=edition.id)
            .order_by(ProgrammeSession.position, ProgrammeSession.start_at, ProgrammeSession.id)
        )
    )


def order_token(edition: Edition) -> str:
    """The current order as the reorder buttons' hidden field: a stale page is refused."""
    return ",".join(str(s.id) for s in ordered_sessions(edition))


def session_facts(session: ProgrammeSession) -> dict:
    return {"title": session.title, "edition": session.edition.name}


def _free_slug(edition: Edition, region: Region) -> str:
    base = f"{edition.year}-{region.slug}"
    slug, n = base, 2
    while db.session.scalar(select(ProgrammeSession.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def add_session(edition: Edition, organiser: Organiser, data: dict) -> ProgrammeSession:
    """A new session at the end of the programme, from a validated form's ``data``."""
    region = db.session.get(Region, data["region"])
    last = db.session.scalar(
        select(func.max(ProgrammeSession.position)).filter_by(edition_id=edition.id)
    )
    zone = edition.timezone
    session = ProgrammeSession(
        edition=edition,
        region=region,
        slug=_free_slug(edition, region),
        position=(last + 1) if last is not None else 0,
        title=data["title"].strip(),
        title_en=(data["title_en"] or "").strip() or None,
        theme=(data["theme"] or "").strip(),
        theme_en=(data["theme_en"] or "").strip() or None,
        description=(data["description"] or "").strip(),
        description_en=(data["description_en"] or "").strip() or None,
        start_at=from_local_input(data["start_at"], zone),
        end_at=from_local_input(data["end_at"], zone),
        capacity=data["capacity"],
        stream_url=data["stream_url"] or None,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        organiser,
        "session.add",
        session.slug,
        edition=edition,
        region=region,
        data=session_facts(session),
    )
    return session


def remove_session(session: ProgrammeSession, organiser: Organiser) -> Outcome:
    """Delete a session nobody registered for; refuse with a message otherwise."""
    registrations = db.session.scalar(
        select(func.count()).select_from(Registration).filter_by(session_id=session.id)
    )
    if registrations:
        return Outcome(False, _has_registrations(registrations))
    edition, region, facts = session.edition, session.region, session_facts(session)
    audit.record(
        organiser, "session.remove", session.slug, edition=edition, region=region, data=facts
    )
    db.session.delete(session)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone signed up between the count and the delete: the foreign key refuses it.
        unit_of_work.rollback()
        return Outcome(False, _has_registrations(1))
    return Outcome(True)


def _has_registrations(n: int) -> str:
    message = _l(
        "This session has %(n)d registration(s), so it cannot be removed: cancel it "
        "instead, and everyone with a place gets a mail.",
        n=n,
    )
    return str(message)


def move_session(
    session: ProgrammeSession, organiser: Organiser, step: int, seen_order: str | None
) -> Outcome:
    """Move a session one place up (``step`` -1) or down (+1) on the programme page.

    ``seen_order`` is the order the page showed; if it differs from the current one (someone
    else reordered or added a session) nothing moves and the message says so.
    """
    edition = session.edition
    sessions = ordered_sessions(edition)
    if seen_order is not None and seen_order != ",".join(str(s.id) for s in sessions):
        message = _l("The order changed meanwhile. Here is the current order: try again.")
        return Outcome(False, str(message))
    index = sessions.index(session)
    target = index + step
    if not 0 <= target < len(sessions):
        return Outcome(False, str(_l("This session cannot move further.")))
    sessions[index], sessions[target] = sessions[target], sessions[index]
    for position, each in enumerate(sessions):
        if each.position != position:
            each.position = position
    audit.record(
        organiser,
        "session.reorder",
        session.slug,
        edition=edition,
        region=session.region,
        data={**session_facts(session), "place": target + 1},
    )
    db.session.flush()
    return Outcome(True)
