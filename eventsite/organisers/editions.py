"""The programme office runs editions: create one from an earlier one (the rollover), edit its
texts and dates, publish and unpublish it, load a programme file. Flushed into the request's
unit of work, which commits once; every change is in the audit log.

Pages, feeds and invites follow as they do for session edits: the edition's ``updated_at``
(and the moved sessions' revisions) change the pages' version (``programme.page_versions``);
moved sessions send ``session_changed``, so attendees get updated invites in the same commit.
Moving the first day moves the sessions by as many days, and only when every one of them
stays on a day of the edition's new dates; otherwise nothing is saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import unit_of_work
from ..extensions import db
from ..formatting import format_day
from ..programme.loader import ProgrammeFileError, apply_programme, read_programme_bytes
from ..programme.models import Edition
from ..programme.rollover import MovedSession, copy_edition, shift_local, where_sessions_land
from ..programme.signals import session_changed
from . import audit
from .editing import from_local_input
from .models import Organiser

TEXT_FIELDS = (
    "name",
    "name_en",
    "intro",
    "intro_en",
    "day_chair",
    "example_note",
    "example_note_en",
)
EDITED_FIELDS = (
    *TEXT_FIELDS,
    "starts_on",
    "ends_on",
    "registration_opens_at",
    "registration_closes_at",
    "retention_days",
)
# A day in a sentence: "Saturday 5 June 2027", "zaterdag 5 juni 2027" (no comma, as in a list).
DAY = "EEEE d MMMM y"


@dataclass
class EditionResult:
    saved: bool
    conflict: bool = False
    moved_sessions: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def facts(edition: Edition) -> dict:
    """What an audit sentence about ``edition`` needs, kept as it was then."""
    return {"name": edition.name, "year": edition.year}


def edition_fingerprint(edition: Edition) -> str:
    """A hash of what the edit form shows, to notice someone else's save in between."""
    values = [repr(getattr(edition, name)) for name in EDITED_FIELDS]
    values += [f"{s.id}:{s.is_example}" for s in edition.sessions]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def create_edition(organiser: Organiser, source: Edition, year: int, starts_on: date) -> Edition:
    """A draft edition for ``year`` with ``source``'s structure moved to ``starts_on``; sign-up
    opens as many days after the source's opening as the edition moved."""
    edition = copy_edition(year, starts_on, source=source, publish=False)
    days = (starts_on - source.starts_on).days
    edition.registration_opens_at = shift_local(
        source.registration_opens_at, days, edition.timezone
    )
    audit.record(
        organiser,
        "edition.create",
        edition.slug,
        f"from {source.year}, starting {starts_on.isoformat()}",
        edition=edition,
        data={**facts(edition), "source": source.name},
    )
    db.session.flush()
    return edition


def _changes(edition: Edition, data: dict) -> dict:
    zone = edition.timezone
    changes = {name: (data[name] or "").strip() or None for name in TEXT_FIELDS}
    changes.update(
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        retention_days=data["retention_days"],
    )
    for name in ("registration_opens_at", "registration_closes_at"):
        changes[name] = from_local_input(data[name], zone) if data[name] else None
    return changes


def update_edition(
    edition: Edition, organiser: Organiser, data: dict, fingerprint: str | None = None
) -> EditionResult:
    """Apply a validated edit form; refuse when the edition changed since the form was shown."""
    edition = db.session.scalar(
        select(Edition)
        .filter_by(id=edition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if fingerprint is not None and fingerprint != edition_fingerprint(edition):
        message = _l(
            "Someone else saved this edition while you were editing. The form still holds "
            "your changes: check them and save again to overwrite, or reload the page to see "
            "the other version."
        )
        return EditionResult(saved=False, conflict=True, errors={"_form": str(message)})
    changes = _changes(edition, data)
    changed = [name for name, value in changes.items() if getattr(edition, name) != value]
    moved = []
    if "starts_on" in changed and data.get("move_sessions"):
        days = (changes["starts_on"] - edition.starts_on).days
        refusal = _outside_days(edition, days, changes["starts_on"], changes["ends_on"])
        if refusal:
            return EditionResult(saved=False, errors={"starts_on": refusal})
        moved = _move_sessions(edition, days)
    elif {"starts_on", "ends_on"} & set(changed):
        # The sessions stay where they are: each must still be on a day of the edition (the
        # public page says its dates; a session outside them could no longer be edited).
        refusal = _outside_days(edition, 0, changes["starts_on"], changes["ends_on"])
        if refusal:
            field = "ends_on" if "ends_on" in changed else "starts_on"
            return EditionResult(saved=False, errors={field: refusal})
    for name in changed:
        setattr(edition, name, changes[name])
    examples = set(data.get("example_sessions") or [])
    for session in edition.sessions:
        if session.is_example != (session.id in examples):
            session.is_example = session.id in examples
            changed.append("examples")
    if not changed and not moved:
        return EditionResult(saved=True)
    db.session.flush()
    for session in moved:
        session_changed.send(session, was_cancelled=session.is_cancelled)
    audit.record(
        organiser,
        "edition.update",
        edition.slug,
        "changed: " + ", ".join(dict.fromkeys(changed)),
        edition=edition,
        data=facts(edition),
    )
    db.session.flush()
    return EditionResult(saved=True, moved_sessions=len(moved))


def _landing(row: MovedSession) -> str:
    """'Title (hub) on Saturday 5 June 2027' in the reader's language."""
    day = format_day(row.new_start.date(), DAY)
    return str(_l("%(title)s (%(hub)s) on %(day)s", title=row.title, hub=row.region, day=day))


def _outside_days(edition: Edition, days: int, first: date, last: date) -> str | None:
    """Why the edition's days cannot become ``first`` to ``last`` with its sessions moved
    ``days`` days (0: left where they are): the ones that would lie outside them, and on
    which day; None if all fit."""
    rows = where_sessions_land(edition.sessions, days, first, last, edition.timezone)
    stray = [row for row in rows if row.outside]
    if not stray:
        return None
    values = {
        "first": format_day(first, DAY),
        "last": format_day(last, DAY),
        "sessions": "; ".join(_landing(row) for row in stray),
    }
    if days:
        message = _l(
            "Moved along with the first day, these sessions would fall outside the edition's "
            "days (%(first)s to %(last)s): %(sessions)s. Also change the last day, or untick "
            "“Move the sessions along”.",
            **values,
        )
    else:
        message = _l(
            "These sessions would lie outside the edition's days (%(first)s to %(last)s): "
            "%(sessions)s. Choose days that include them, tick “Move the sessions along”, or "
            "move those sessions first.",
            **values,
        )
    return str(message)


def copy_outside_days(source: Edition, rows: list[MovedSession]) -> str | None:
    """Why ``source`` cannot be copied to the days of the rollover ``preview`` ``rows``: its
    sessions that would land outside them (they already lie outside ``source``'s days)."""
    stray = [row for row in rows if row.outside]
    if not stray:
        return None
    message = _l(
        "These sessions lie outside the days of %(name)s, so their copies would fall outside "
        "the new edition's days: %(sessions)s. First move them to a day of %(name)s, or "
        "change its first and last day.",
        name=source.name,
        sessions="; ".join(_landing(row) for row in stray),
    )
    return str(message)


def _move_sessions(edition: Edition, days: int) -> list:
    """Move every session ``days`` days, keeping its local time; the ones that changed."""
    moved = []
    zone = edition.timezone
    for session in edition.sessions:
        if session.apply_changes(
            start_at=shift_local(session.start_at, days, zone),
            end_at=shift_local(session.end_at, days, zone),
            registration_closes_at=shift_local(session.registration_closes_at, days, zone),
        ):
            moved.append(session)
    return moved


def set_published(edition: Edition, organiser: Organiser, published: bool) -> bool:
    """Publish or unpublish; False if it already was. The pages' version changes with the
    edition's ``updated_at``, so cached pages and feeds follow at their next request."""
    if edition.published == published:
        return False
    edition.published = published
    action = "edition.publish" if published else "edition.unpublish"
    audit.record(organiser, action, edition.slug, edition=edition, data=facts(edition))
    db.session.flush()
    return True


def load_programme_upload(organiser: Organiser, content: bytes, filename: str) -> Edition:
    """Load an uploaded programme file into the edition of its year (created if new).

    Raises ProgrammeFileError, after rolling back anything the file did, when it is bad.
    """
    spec = read_programme_bytes(content, filename)
    try:
        edition = apply_programme(spec, filename)
        db.session.flush()
    except ProgrammeFileError:
        unit_of_work.rollback()
        raise
    audit.record(
        organiser,
        "edition.load",
        edition.slug,
        f"{filename}: {len(spec.sessions)} sessions",
        edition=edition,
        data={**facts(edition), "file": filename[:100]},
    )
    db.session.flush()
    return edition
