"""Double clicks and second tabs on the personal page: the second request decides on what
the first committed, not on what it had read before (each request: its own session)."""

from datetime import UTC, datetime

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.programme.models import CANCELLED as SESSION_CANCELLED
from eventsite.programme.models import ProgrammeSession
from eventsite.registration import self_service, signup
from eventsite.registration.models import Attendee
from tests.helpers import confirm, link_to, outbox, sign_up, signed_up_and_confirmed, states


def noord() -> ProgrammeSession:
    db.session.expire_all()
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))


def full_session_with_a_waiting_list(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl")
    signed_up_and_confirmed(client, "second@example.nl")
    assert states("2027-noord") == ["confirmed", "waiting"]


def stale_attendee(app, email: str) -> Attendee:
    """The attendee as a request loaded it, in a database session of its own."""
    context = app.app_context()
    context.push()
    attendee = db.session.scalar(db.select(Attendee).filter_by(email=email))
    _ = [r.state for r in attendee.registrations]  # loaded, as the view does
    return attendee, context


def test_a_double_drop_frees_one_place_and_promotes_one_person(app, client, make_edition, clock):
    full_session_with_a_waiting_list(client, make_edition, clock)
    session_id = noord().id
    first, first_ctx = stale_attendee(app, "first@example.nl")
    second, second_ctx = stale_attendee(app, "first@example.nl")

    with unit_of_work():
        assert self_service.drop_session(second, session_id) is not None
    second_ctx.pop()
    with unit_of_work():
        assert self_service.drop_session(first, session_id) is None  # dropped: nothing
    first_ctx.pop()

    assert states("2027-noord") == ["cancelled", "confirmed"]
    assert noord().confirmed_count == 1
    assert len(outbox("promoted")) == 1


def test_a_double_confirm_of_added_sessions_takes_one_place(app, client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=5)
    signed_up_and_confirmed(client, "anna@example.nl")
    sign_up(client, email="anna@example.nl", sessions=["2027-oost"])
    first, first_ctx = stale_attendee(app, "anna@example.nl")
    second, second_ctx = stale_attendee(app, "anna@example.nl")

    with unit_of_work():
        signup.confirm_attendee(second, None)
    second_ctx.pop()
    with unit_of_work():
        signup.confirm_attendee(first, None)
    first_ctx.pop()

    db.session.expire_all()
    oost = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-oost"))
    assert oost.confirmed_count == 1
    assert states("2027-oost") == ["confirmed"]
    assert len(outbox("welcome", to="anna@example.nl")) == 2  # the first sign-up's, and one


def test_no_one_is_promoted_into_a_cancelled_session(client, make_edition, clock):
    full_session_with_a_waiting_list(client, make_edition, clock)
    session = noord()
    session.apply_changes(status=SESSION_CANCELLED)
    db.session.commit()
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="first@example.nl"))

    with unit_of_work():
        self_service.cancel_all(attendee)

    assert outbox("promoted") == []
    # The cancelled session's list stays as it was: nobody is told "you are in".
    assert states("2027-noord") == ["confirmed", "waiting"]


def test_cancelling_after_a_session_has_taken_place_keeps_that_place(client, make_edition, clock):
    full_session_with_a_waiting_list(client, make_edition, clock)
    clock.set(datetime(2027, 5, 31, 15, tzinfo=UTC))  # day 1 is over
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="first@example.nl"))

    with unit_of_work():
        assert self_service.cancel_all(attendee) == []

    assert states("2027-noord") == ["confirmed", "waiting"]
    assert outbox("promoted") == []


def test_confirming_after_the_session_was_cancelled_says_so(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027)
    sign_up(client, email="late@example.nl")
    session = noord()
    session.apply_changes(status=SESSION_CANCELLED)
    db.session.commit()

    response = confirm(client, link_to(outbox("confirm", to="late@example.nl")[-1], "/confirm/"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aanmelding gesloten" in page or "gesloten" in page
    assert "Digitaliseren begint bij je mensen" in page
    assert "al bevestigd" not in page


def test_cancelling_everything_after_another_tab_erased_the_person(app, client, open_edition):
    """Erased in one tab, "Ja, alles annuleren" in another: nothing to cancel, no error."""
    signed_up_and_confirmed(client, "anna@example.nl")
    first, first_ctx = stale_attendee(app, "anna@example.nl")
    attendee_id = first.id
    second, second_ctx = stale_attendee(app, "anna@example.nl")
    with unit_of_work():
        self_service.erase(second)
    second_ctx.pop()
    with unit_of_work():
        assert self_service.cancel_all(first) == []
        assert self_service.holds_registrations(attendee_id) is False
    first_ctx.pop()
    assert db.session.scalar(db.select(Attendee).filter_by(email="anna@example.nl")) is None
