"""What organisers may see, and the numbers and lists they see: no request objects here.

Object-level authorisation lives here (``may_see``, ``visible_sessions``), so every view,
list and export asks the same question. Counts are GROUP BY queries in the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, distinct, func, literal, or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..mail.models import UndeliverableAddress
from ..programme import queries
from ..programme.models import CANCELLED, Edition, ProgrammeSession
from ..registration.models import STATES, Attendance, Attendee, Registration
from ..registration.question_models import Answer, Question, QuestionChoice
from ..registration.questions import edition_questions
from .models import Organiser

SORTS = {
    "name": Attendee.name,
    "email": Attendee.email,
    "organisation": Attendee.organisation,
    "state": Registration.state,
    "registered": Registration.created_at,
}


def may_see(organiser: Organiser, session: ProgrammeSession) -> bool:
    """Admins see every session; a hub organiser only the sessions its region hosts."""
    return organiser.is_admin or session.region_id == organiser.region_id


def editions_for(organiser: Organiser) -> list[Edition]:
    """Editions an organiser can switch between: all for admins; for a hub organiser the
    current one and those after it, published or not, so a hub can prepare its session of
    the next edition before the programme office publishes it (earlier ones stay closed)."""
    if organiser.is_admin:
        return list(db.session.scalars(select(Edition).order_by(Edition.year.desc())))
    current = queries.current_edition()
    if current is None:
        return []
    later = select(Edition).where(Edition.year > current.year).order_by(Edition.year.desc())
    return [*db.session.scalars(later), current]


def chosen_edition(organiser: Organiser, year: int | None) -> Edition | None:
    """The edition asked for (any for admins, one of ``editions_for`` for hub organisers),
    else the current (or latest) one."""
    if year is not None and organiser.is_admin:
        return db.session.scalar(select(Edition).filter_by(year=year))
    current = queries.current_edition()
    if current is None and organiser.is_admin:
        return db.session.scalar(select(Edition).order_by(Edition.year.desc()).limit(1))
    if year is not None and current is not None and year > current.year:
        return db.session.scalar(select(Edition).filter_by(year=year)) or current
    return current


def visible_sessions(organiser: Organiser, edition: Edition) -> list[ProgrammeSession]:
    """The edition's sessions this organiser may see, in time order."""
    query = select(ProgrammeSession).filter_by(edition_id=edition.id)
    if not organiser.is_admin:
        query = query.filter_by(region_id=organiser.region_id)
    return list(db.session.scalars(query.order_by(ProgrammeSession.start_at)))


def session_by_slug(slug: str) -> ProgrammeSession | None:
    return db.session.scalar(select(ProgrammeSession).filter_by(slug=slug))


# --- Numbers ------------------------------------------------------------------------------


def state_counts(session_ids: list[int]) -> dict[int, Counter]:
    """Registrations per session and state: {session_id: Counter({state: n})}."""
    counts: dict[int, Counter] = {sid: Counter() for sid in session_ids}
    rows = db.session.execute(
        select(Registration.session_id, Registration.state, func.count())
        .where(Registration.session_id.in_(session_ids))
        .group_by(Registration.session_id, Registration.state)
    )
    for session_id, state, n in rows:
        counts[session_id][state] = n
    return counts


@dataclass(frozen=True)
class Totals:
    attendees: int  # people with a confirmed place in at least one of the sessions
    organisations: int  # distinct organisations of those people (ignoring case)


def totals(session_ids: list[int]) -> Totals:
    """Unique confirmed attendees and organisations over ``session_ids``."""
    confirmed = (
        select(Registration.attendee_id)
        .where(Registration.session_id.in_(session_ids), Registration.state == "confirmed")
        .distinct()
        .subquery()
    )
    organisation = func.lower(func.trim(Attendee.organisation))
    attendees, organisations = db.session.execute(
        select(
            func.count(distinct(Attendee.id)),
            func.count(distinct(func.nullif(organisation, ""))),
        ).join(confirmed, confirmed.c.attendee_id == Attendee.id)
    ).one()
    return Totals(attendees, organisations)


def undeliverable_people(session_ids: list[int]) -> int:
    """People registered (in any state) for ``session_ids`` whose address bounced for good:
    the site mails them nothing more, so organisers may want to call them."""
    registered = (
        select(Registration.attendee_id)
        .where(Registration.session_id.in_(session_ids))
        .distinct()
        .subquery()
    )
    return db.session.scalar(
        select(func.count(distinct(Attendee.id)))
        .join(registered, registered.c.attendee_id == Attendee.id)
        .join(UndeliverableAddress, UndeliverableAddress.address == Attendee.email)
    )


def _hour_bucket(column):
    """The UTC hour of a timestamp as text "YYYY-MM-DD HH", on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", column)
    return func.to_char(column, "YYYY-MM-DD HH24")


def signups_per_day(session_ids: list[int], zone: str) -> list[tuple[date, int]]:
    """Sign-ups (registrations made) per local day, every day from the first to the last.

    The database groups by UTC hour (at most 24 rows a day, whatever the number of sign-ups);
    folding hours into local days here keeps days right across daylight saving time.
    """
    bucket = _hour_bucket(Registration.created_at)
    rows = db.session.execute(
        select(bucket, func.count())
        .where(Registration.session_id.in_(session_ids))
        .group_by(bucket)
    )
    tz = ZoneInfo(zone)
    per_day: Counter = Counter()
    for hour, n in rows:
        moment = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
        per_day[moment.astimezone(tz).date()] += n
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    days = (last - first).days + 1
    return [(d, per_day[d]) for d in (date.fromordinal(first.toordinal() + i) for i in range(days))]


# --- Lists --------------------------------------------------------------------------------


def _like(text: str) -> str:
    """A LIKE pattern that matches ``text`` literally anywhere (\\ escapes % and _)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def attendee_query(
    session: ProgrammeSession,
    search: str = "",
    state: str = "",
    sort: str = "registered",
    descending: bool = False,
    choice: QuestionChoice | None = None,
) -> Select:
    """Registrations of a session with their attendees, searched, filtered and sorted;
    ``choice``: only people whose answer chose it."""
    query = (
        select(Registration)
        .join(Registration.attendee)
        .options(contains_eager(Registration.attendee))
        .where(Registration.session_id == session.id)
    )
    if search.strip():
        pattern = _like(search.strip())
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Attendee.name, Attendee.email, Attendee.organisation)
                )
            )
        )
    if state in STATES:
        query = query.where(Registration.state == state)
    if choice is not None:
        # The answer holds the chosen ids comma-separated: match ",<id>," in ",<value>,".
        query = query.where(
            Attendee.answers.any(
                (Answer.question_id == choice.question_id)
                & (literal(",") + Answer.value + ",").like(f"%,{choice.id},%")
            )
        )
    column = SORTS.get(sort, Registration.created_at)
    order = column.desc() if descending else column.asc()
    return query.order_by(order, Registration.id.desc() if descending else Registration.id)


def attendee_page(session: ProgrammeSession, page: int, per_page: int, **filters):
    """One page of ``attendee_query`` (Flask-SQLAlchemy pagination)."""
    return db.paginate(
        attendee_query(session, **filters), page=page, per_page=per_page, error_out=False
    )


# --- Export rows --------------------------------------------------------------------------

EXPORT_BATCH = 1000


def export_records(session_ids: list[int]) -> Iterator[tuple]:
    """One row per person and session, streamed from the database in batches; each record
    ends with the person's source and id (for the answers' columns).

    ``yield_per`` makes PostgreSQL use a server-side cursor (and SQLite reads lazily), so
    memory stays constant however many rows there are.
    """
    query = (
        select(
            Attendee.name,
            Attendee.email,
            Attendee.organisation,
            Attendee.role,
            ProgrammeSession.title,
            ProgrammeSession.status == CANCELLED,
            Registration.state,
            Registration.created_at,
            Registration.confirmed_at,
            Attendee.newsletter,
            Attendee.language,
            Attendance.first_joined_at,
            UndeliverableAddress.id.is_not(None),
            Attendee.source,
            Attendee.id,
        )
        .join(Attendee, Registration.attendee_id == Attendee.id)
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .outerjoin(UndeliverableAddress, UndeliverableAddress.address == Attendee.email)
        .join(ProgrammeSession, Registration.session_id == ProgrammeSession.id)
        .where(Registration.session_id.in_(session_ids))
        .order_by(ProgrammeSession.start_at, Attendee.name, Registration.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    yield from db.session.execute(query)


def export_questions(organiser: Organiser, edition: Edition) -> list[Question]:
    """The questions whose answers an organiser may export, in form order, retired ones too:
    admins all; a hub's organisers those asked of everyone or for their hub's sessions."""
    questions = edition_questions(edition, include_retired=True)
    if organiser.is_admin:
        return questions
    return [q for q in questions if q.asked_for({organiser.region_id})]


def filter_choices(organiser: Organiser, edition: Edition) -> list[tuple[Question, QuestionChoice]]:
    """The choices an attendee list can be filtered by (questions the organiser may see)."""
    return [
        (question, choice)
        for question in export_questions(organiser, edition)
        if question.choices
        for choice in question.choices
    ]
