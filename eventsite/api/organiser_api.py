"""The organiser API: a token sees what its owner sees in the console, no more.

Registrations and attendees of one session, filtered by state and by the moment they last
changed, one page at a time, with the export's fields. A hub's token asking for another
hub's session gets 403; every answer with personal data is in the audit log (``api.export``).
"""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..mail.models import UndeliverableAddress
from ..organisers import audit, services
from ..programme.models import CANCELLED, ProgrammeSession
from ..registration.models import STATES, Attendance, Attendee, Registration
from ..registration.questions import answer_text, answers_by_attendee
from . import schemas, serialise
from .auth import current_organiser, token_required
from .blueprint import bp
from .paging import PAGE_PARAMETERS_DOC, Page, choice_arg, page_args, time_arg
from .spec import operation

FILTERS = [
    {
        "in": "query",
        "name": "state",
        "schema": {"type": "string", "enum": list(STATES)},
    },
    {
        "in": "query",
        "name": "since",
        "description": "only what was registered, confirmed or cancelled at or after this "
        "moment (RFC 3339 with offset)",
        "schema": {"type": "string", "format": "date-time"},
    },
    *PAGE_PARAMETERS_DOC,
]


@bp.get("/me")
@operation("The token in use and its owner", schemas.MeSchema, token=True, tag="organisers")
@token_required()
def me():
    """Which role and hub this token acts with, and whether it is read-only."""
    owner = current_organiser()
    return serialise.dump(
        schemas.MeSchema,
        {
            "name": g.api_token.name,
            "owner": owner.name,
            "role": owner.role,
            "hub": owner.region.slug if owner.region else None,
            "read_only": g.api_token.read_only,
        },
    )


def _visible_session(slug: str) -> ProgrammeSession:
    item = services.session_by_slug(slug)
    if item is None:
        abort(404)
    if not services.may_see(current_organiser(), item):
        abort(403, description="This session is another hub's.")
    return item


def _registrations(item: ProgrammeSession) -> Select:
    state, since = choice_arg("state", STATES), time_arg("since")
    query = (
        select(Registration)
        .join(Registration.attendee)
        .options(contains_eager(Registration.attendee))
        .where(Registration.session_id == item.id)
    )
    if state is not None:
        query = query.where(Registration.state == state)
    if since is not None:
        query = query.where(
            or_(
                Registration.created_at >= since,
                Registration.confirmed_at >= since,
                Registration.cancelled_at >= since,
            )
        )
    return query


def _page_of(query: Select, page: Page) -> tuple[list[Registration], int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Registration.created_at, Registration.id)
        .offset(page.offset)
        .limit(page.per_page)
    ).all()
    return list(rows), total


def _facts(rows: list[Registration]) -> tuple[set[str], dict[int, object]]:
    """Which addresses bounced, and when each registration first used its join link."""
    emails = {r.attendee.email for r in rows}
    bounced = set(
        db.session.scalars(
            select(UndeliverableAddress.address).where(UndeliverableAddress.address.in_(emails))
        )
    )
    joined = dict(
        db.session.execute(
            select(Attendance.registration_id, Attendance.first_joined_at).where(
                Attendance.registration_id.in_([r.id for r in rows])
            )
        ).all()
    )
    return bounced, joined


def _answers(rows: list[Registration], item: ProgrammeSession) -> dict[int, list[dict]]:
    """Per attendee, the answers to the questions the token's owner may see (as the exports:
    every such question in form order, retired ones too; Dutch, the site's first language)."""
    questions = services.export_questions(current_organiser(), item.edition)
    given = answers_by_attendee([r.attendee_id for r in rows], item.edition) if questions else {}
    return {
        r.attendee_id: [
            {
                "question_id": q.id,
                "question": q.label,
                "answer": answer_text(q, given.get(r.attendee_id, {}).get(q.id, ""), "nl"),
            }
            for q in questions
        ]
        for r in rows
    }


def _attendee(person: Attendee, bounced: set[str], answers: dict[int, list[dict]]) -> dict:
    return {
        "name": person.name,
        "email": person.email,
        "organisation": person.organisation,
        "role": person.role,
        "language": person.language,
        "newsletter": person.newsletter,
        "undeliverable": person.email in bounced,
        "source": person.source or "",
        "answers": answers.get(person.id, []),
    }


def _registration(r: Registration, item: ProgrammeSession, bounced, joined, answers) -> dict:
    return {
        "id": r.id,
        "session": item.slug,
        "session_title": item.title,
        "session_cancelled": item.status == CANCELLED,
        "state": r.state,
        "registered_at": serialise.moment(r.created_at),
        "confirmed_at": serialise.moment(r.confirmed_at),
        "cancelled_at": serialise.moment(r.cancelled_at),
        "joined_at": serialise.moment(joined.get(r.id)),
        "attendee": _attendee(r.attendee, bounced, answers),
    }


def _audit_export(item: ProgrammeSession, what: str, count: int) -> None:
    audit.record(
        current_organiser(),
        "api.export",
        item.slug,
        f"{count} {what} via token {g.api_token.name}",
        edition=item.edition,
        region=item.region,
        data={"title": item.title, "count": count, "token": g.api_token.name, "what": what},
    )


@bp.get("/organiser/sessions/<slug>/registrations")
@operation(
    "The registrations of a session",
    schemas.RegistrationListSchema,
    parameters=FILTERS,
    errors=(400, 404),
    token=True,
    tag="organisers",
)
@token_required()
def registrations(slug: str):
    """Each registration with its person, with the fields of the attendee export; oldest
    first. ``since`` gives what changed since a sync."""
    item = _visible_session(slug)
    page = page_args()
    rows, total = _page_of(_registrations(item), page)
    bounced, joined = _facts(rows)
    answers = _answers(rows, item)
    items = [_registration(r, item, bounced, joined, answers) for r in rows]
    _audit_export(item, "registrations", len(items))
    envelope = page.envelope(items, total, "api.registrations", slug=slug)
    return serialise.dump(schemas.RegistrationListSchema, envelope), 200, NO_STORE


@bp.get("/organiser/sessions/<slug>/attendees")
@operation(
    "The people registered for a session",
    schemas.AttendeeListSchema,
    parameters=FILTERS,
    errors=(400, 404),
    token=True,
    tag="organisers",
)
@token_required()
def attendees(slug: str):
    """The same selection as ``registrations``, as the people only."""
    item = _visible_session(slug)
    page = page_args()
    rows, total = _page_of(_registrations(item), page)
    bounced, _joined = _facts(rows)
    answers = _answers(rows, item)
    items = [_attendee(r.attendee, bounced, answers) for r in rows]
    _audit_export(item, "attendees", len(items))
    envelope = page.envelope(items, total, "api.attendees", slug=slug)
    return serialise.dump(schemas.AttendeeListSchema, envelope), 200, NO_STORE


NO_STORE = {"Cache-Control": "no-store"}
