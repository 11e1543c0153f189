"""The one way tests make data: editions, organisers, attendees and their registrations.

Every state is made by the services the site itself uses (sign-up, confirmation, the
personal page's drop, cancel and erase), each step one unit of work, so a test can only
start from a state a visitor could have brought about: a waiting list exists only in a full
session, a promoted person got the place someone gave up. Call them inside the ``app``
fixture's app context (the ``make_*`` fixtures in conftest.py wrap them).

Two things differ from a visitor's day, on purpose:
- a registration for a session that is not open now is made at a moment when it was
  (the clock goes there for the step and comes back), e.g. for the 2021 seed edition;
- the mails the set-up queued (confirmations, welcomes, invites, notices) are taken out of
  the outbox afterwards, as if sent long ago: a test sees only the mails its own acts queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from eventsite import clock as site_clock
from eventsite.clock import utcnow
from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.messaging.models import OrganiserMessage
from eventsite.programme.models import Edition, ProgrammeSession
from eventsite.registration import self_service, signup
from eventsite.registration.attendees import find_attendee
from eventsite.registration.links import issue_manage_token
from eventsite.registration.models import Attendee, Registration, SignupRequest
from tests.helpers import ORGANISER_PASSWORD

SEED_FILE = Path(__file__).resolve().parents[1] / "config" / "programme" / "jaarevent-2021.toml"

# What ``registration(state=...)`` can make, and the registration state each ends in.
STATES = {
    "pending": "pending",  # signed up, the link in the mail not used
    "confirmed": "confirmed",  # signed up and confirmed: a place
    "waiting": "waiting",  # confirmed in a full session (the session is made full first)
    "promoted": "confirmed",  # was waiting; got the place someone else dropped
    "dropped": "cancelled",  # confirmed, then dropped this session on the personal page
    "cancelled": "cancelled",  # confirmed, then cancelled everything on the personal page
}


# --- Programme and organisers -----------------------------------------------------------------


def edition(
    year: int = 2021,
    starts_on: date | None = None,
    opens_at: datetime | None = None,
    capacity: int | None = None,
) -> Edition:
    """The 2021 seed edition, or (``year``) its rollover, published and open from
    ``opens_at`` (default: 1 January of the year before)."""
    from eventsite.programme.loader import load_programme_file
    from eventsite.programme.rollover import rollover

    with unit_of_work():
        made = load_programme_file(SEED_FILE)
        if year != 2021:
            made = rollover(
                year,
                starts_on or date(year, 5, 31),
                source=made,
                publish=True,
                opens_at=opens_at or datetime(year - 1, 1, 1, tzinfo=UTC),
            )
        if capacity is not None:
            for session in made.sessions:
                session.capacity = capacity
    return made


def organiser(
    email: str = "admin@example.org",
    role: str = "admin",
    region: str | None = None,
    password: str | None = ORGANISER_PASSWORD,
    name: str | None = None,
):
    """An organiser account, as `flask organisers create` makes it."""
    from eventsite.organisers.accounts import create_organiser

    with unit_of_work():
        return create_organiser(email, role, region, name, password)


# --- Attendees and registrations ------------------------------------------------------------


def registration(
    session: ProgrammeSession,
    email: str,
    state: str = "confirmed",
    at: datetime | None = None,
    **details,
) -> Registration:
    """``email``'s registration for ``session`` in ``state`` (see STATES), made through
    the site's own steps; ``at``: when they happened (default: now, or a moment when the
    session was open); ``details``: what the sign-up form says (name, organisation, role,
    newsletter, language). A person signs up again for another session with the same
    address (a confirmed person's details then stay as they were)."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
    with _quietly(), _at(at or _open_moment(session)):
        stand_in = _stand_in(session, email) if state == "promoted" else None
        if state in ("waiting", "promoted"):
            _make_full(session)
        _sign_up(session, email, **details)
        if state != "pending":
            _confirm(session, email)
        if stand_in:
            _give_up(session, stand_in, everything=False)  # the first waiting moves up
        elif state in ("dropped", "cancelled"):
            _give_up(session, email, everything=state == "cancelled")
    found = _registration(session, email)
    assert found.state == STATES[state], f"{email} ended {found.state}, not {state}"
    return found


def attendee(
    session: ProgrammeSession, email: str, name: str = "Anna de Vries", language: str = "nl"
) -> Attendee:
    """A confirmed person with a place in ``session``."""
    return registration(session, email, name=name, language=language).attendee


def organiser_message(session: ProgrammeSession, **overrides) -> OrganiserMessage:
    """A message the session's hub sent to its confirmed attendees (added, not committed)."""
    values = {
        "session_id": session.id,
        "sender_name": session.region.name,
        "sender_email": f"{session.region.slug}@example.org",
        "recipient_group": "confirmed",
        "languages": "nl",
        "subject_nl": "Bericht",
        "body_nl": "Tekst",
        "idempotency_key": "k" * 24,
    }
    message = OrganiserMessage(**(values | overrides))
    db.session.add(message)
    return message


def erased(session: ProgrammeSession, email: str) -> None:
    """A person who signed up, confirmed, then erased their data on the personal page."""
    registration(session, email)
    with _quietly(), _at(_open_moment(session)), unit_of_work():
        self_service.erase(find_attendee(session.edition, email))


def stop_messages(attendee: Attendee) -> None:
    """The person stopped organiser messages on their personal page."""
    with unit_of_work():
        self_service.set_messages_opt_out(attendee, True)


def manage_token(attendee: Attendee) -> str:
    """A fresh personal-page token for ``attendee`` (as the welcome mail carries)."""
    with unit_of_work():
        return issue_manage_token(attendee)


def _sign_up(session: ProgrammeSession, email: str, **details) -> None:
    details.setdefault("name", "Anna de Vries")
    details.setdefault("organisation", "Metaalbewerking Jansen BV")
    data = signup.SignUp(email=email, **details)
    with unit_of_work():
        signup.sign_up(session.edition, data, [session])


def _confirm(session, email) -> None:
    """Use the link of the person's latest sign-up request (as the mail carries)."""
    attendee = find_attendee(session.edition, email)
    request = db.session.scalar(
        db.select(SignupRequest)
        .filter_by(attendee_id=attendee.id)
        .order_by(SignupRequest.id.desc())
    )
    with unit_of_work():
        signup.confirm_attendee(attendee, None, request)


def _make_full(session: ProgrammeSession) -> None:
    """Only a full session has a waiting list: no places left beyond those taken."""
    if not session.is_full:
        with unit_of_work():
            session.capacity = session.confirmed_count


def _stand_in(session: ProgrammeSession, email: str) -> str:
    """Someone with a place in ``session`` who will give it up to ``email``: a place made
    for them if the session is full (with nobody waiting, so ``email`` is the first)."""
    assert not _has_waiting(session), "promoted: make it before anyone waits in the session"
    if session.is_full:
        with unit_of_work():
            session.capacity += 1
    stand_in = f"plaats.{email}"
    _sign_up(session, stand_in, name="Piet Plaats")
    _confirm(session, stand_in)
    return stand_in


def _has_waiting(session: ProgrammeSession) -> bool:
    return bool(
        db.session.scalar(
            db.select(db.func.count(Registration.id)).filter_by(
                session_id=session.id, state="waiting"
            )
        )
    )


def _give_up(session: ProgrammeSession, email: str, everything: bool) -> None:
    attendee = find_attendee(session.edition, email)
    with unit_of_work():
        if everything:
            self_service.cancel_all(attendee)
        else:
            self_service.drop_session(attendee, session.id)


def _registration(session: ProgrammeSession, email: str) -> Registration:
    db.session.expire_all()
    attendee = find_attendee(session.edition, email)
    return next(r for r in attendee.registrations if r.session_id == session.id)


def _open_moment(session: ProgrammeSession) -> datetime | None:
    """Now if the session takes sign-ups now (None: leave the clock), else the last
    moment it did."""
    if session.open_for_registration(utcnow()):
        return None
    moment = session.closes_at() - timedelta(hours=1)
    assert session.open_for_registration(moment), f"{session.slug} never took sign-ups"
    return moment


@contextmanager
def _at(moment: datetime | None) -> Iterator[None]:
    """Run the block with the site's clock on ``moment`` (None: as it is), then restore it."""
    if moment is None:
        yield
        return
    before = site_clock._frozen  # noqa: SLF001 (the tests' own clock)
    site_clock.set_frozen(moment)
    try:
        yield
    finally:
        site_clock.set_frozen(before)


@contextmanager
def _quietly() -> Iterator[None]:
    """Take the mails the block queued out of the outbox again (see the module's text)."""
    last = db.session.scalar(db.select(db.func.max(OutboxMessage.id))) or 0
    yield
    with unit_of_work():
        db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.id > last))
