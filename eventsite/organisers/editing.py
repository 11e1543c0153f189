"""Organisers change and cancel sessions: validation, revision, signals, audit, flushed into
the request's unit of work (``core.unit_of_work``), which commits once.

Calendar-visible changes (title, times, status) raise the session's revision through
``apply_changes`` and send ``session_changed`` / ``session_cancelled`` inside the
transaction, so the calendar feature's listeners queue their mails in the same commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core import unit_of_work
from ..extensions import db
from ..programme.models import CANCELLED, ProgrammeSession, calendar_readers
from ..programme.signals import session_cancelled, session_changed
from ..registration.waiting_list import fill_free_places
from . import audit
from .models import Organiser

TEXT_FIELDS = ("title", "title_en", "theme", "theme_en", "description", "description_en")
EDITED_FIELDS = (*TEXT_FIELDS, "start_at", "end_at", "capacity", "stream_url", "recording_url")


@dataclass
class EditResult:
    saved: bool
    calendar_changed: bool = False
    conflict: bool = False
    # People who moved up from the waiting list into places the edit freed.
    promoted: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def local_input(moment: datetime, zone: str) -> datetime:
    """An aware UTC moment as the naive local time a datetime-local input shows."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def from_local_input(value: datetime, zone: str) -> datetime:
    """A naive local time from a form as an aware moment (the earlier one in the autumn hour)."""
    return value.replace(tzinfo=ZoneInfo(zone), fold=0)


def edit_fingerprint(programme_session: ProgrammeSession) -> str:
    """A hash of what the edit form shows, to notice someone else's edit in between.

    (Speakers and videos have pages of their own, see ``speakers``: not part of this form.)
    """
    values = [repr(getattr(programme_session, name)) for name in EDITED_FIELDS]
    values.append(programme_session.status)
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def edit_session(
    programme_session: ProgrammeSession,
    organiser: Organiser,
    data: dict,
    fingerprint: str | None = None,
) -> EditResult:
    """Apply a validated form's ``data``; refuse a capacity below the confirmed places.

    With ``fingerprint`` (from the form), refuse when the session changed since the form was
    shown, rather than silently overwriting another organiser's edit.
    """
    programme_session = db.session.scalar(
        select(ProgrammeSession)
        .filter_by(id=programme_session.id)
        .with_for_update()  # one edit of a session at a time (PostgreSQL)
        .execution_options(populate_existing=True)
    )
    if fingerprint is not None and fingerprint != edit_fingerprint(programme_session):
        message = _l(
            "Someone else saved this session while you were editing. The form still holds "
            "your changes: check them and save again to overwrite, or reload the page to see "
            "the other version."
        )
        return EditResult(saved=False, conflict=True, errors={"_form": str(message)})
    capacity = data["capacity"]
    if capacity is not None and capacity < programme_session.confirmed_count:
        message = _l(
            "Confirmed places: %(n)d; the capacity cannot be lower than that.",
            n=programme_session.confirmed_count,
        )
        return EditResult(saved=False, errors={"capacity": str(message)})
    day_errors = _day_errors(programme_session, data["start_at"], data["end_at"])
    if day_errors:
        return EditResult(saved=False, errors=day_errors)
    zone = programme_session.edition.timezone
    changes = {name: (data[name] or "").strip() for name in TEXT_FIELDS}
    for name in ("title_en", "theme_en", "description_en"):
        changes[name] = changes[name] or None
    changes.update(
        start_at=from_local_input(data["start_at"], zone),
        end_at=from_local_input(data["end_at"], zone),
        capacity=capacity,
        stream_url=data["stream_url"] or None,
        recording_url=data["recording_url"] or None,
    )
    changed_fields = [k for k, v in changes.items() if getattr(programme_session, k) != v]
    before = audit.session_facts(programme_session)
    try:
        calendar_changed = programme_session.apply_changes(**changes)
        if not changed_fields:
            return EditResult(saved=True)
        db.session.flush()  # the database checks the capacity against the places here
        if calendar_changed:
            # The edit form leaves the status alone: a cancelled session stays cancelled.
            session_changed.send(
                programme_session,
                was_cancelled=programme_session.is_cancelled,
                languages=calendar_readers(changed_fields),
            )
        promoted = []
        if "capacity" in changed_fields and not programme_session.is_cancelled:
            # After the signal: those who move up get their own mail with the new details.
            promoted = fill_free_places(programme_session.id)
        audit.record(
            organiser,
            "session.edit",
            programme_session.slug,
            "changed: " + ", ".join(changed_fields),
            edition=programme_session.edition,
            region=programme_session.region,
            data=edit_facts(programme_session, before, changed_fields),
        )
        db.session.flush()
    except IntegrityError:
        # A sign-up confirmed meanwhile: the database's capacity check refused the lower value.
        # The form shows the error and nothing of this unit of work may be saved.
        unit_of_work.rollback()
        message = _l("The capacity cannot be lower than the confirmed places.")
        return EditResult(saved=False, errors={"capacity": str(message)})
    return EditResult(saved=True, calendar_changed=calendar_changed, promoted=len(promoted))


def _day_errors(programme_session: ProgrammeSession, start: datetime, end: datetime) -> dict:
    """New times stay on one day of the edition, as the new-session form asks: a mistyped
    year must not send every attendee an invite for another year. Times as they are pass
    (an edition's dates may have moved without its sessions)."""
    edition = programme_session.edition
    zone = edition.timezone
    if (start, end) == (
        local_input(programme_session.start_at, zone),
        local_input(programme_session.end_at, zone),
    ):
        return {}
    if not edition.starts_on <= start.date() <= edition.ends_on:
        message = _l(
            "Choose a day of the edition: %(first)s to %(last)s.",
            first=edition.starts_on.isoformat(),
            last=edition.ends_on.isoformat(),
        )
        return {"start_at": str(message)}
    if end.date() != start.date():
        return {"end_at": str(_l("A session starts and ends on the same day."))}
    return {}


def edit_facts(programme_session: ProgrammeSession, before: dict, fields: list[str]) -> dict:
    """The audit entry's data: how the session reads now and before, what changed, and the
    variant of its sentence: "moved" (only its times) or "renamed" (only its title)."""
    variant = None
    if set(fields) <= {"start_at", "end_at"}:
        variant = "moved"
    elif fields == ["title"]:
        variant = "renamed"
    return audit.session_facts(
        programme_session,
        variant=variant,
        fields=fields,
        old_title=before.get("title"),
        old_start_at=before.get("start_at"),
    )


def cancel_session(programme_session: ProgrammeSession, organiser: Organiser) -> bool:
    """Cancel: status cancelled (revision raised), signal, audit. False if it was."""
    locked = db.session.scalar(
        select(ProgrammeSession)
        .filter_by(id=programme_session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked.is_cancelled:
        return False
    locked.apply_changes(status=CANCELLED)
    session_cancelled.send(locked)
    audit.record(
        organiser,
        "session.cancel",
        locked.slug,
        edition=locked.edition,
        region=locked.region,
        data=audit.session_facts(locked),
    )
    db.session.flush()
    return True
