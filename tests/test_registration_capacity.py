"""Capacity and waiting lists: never overbooked, also with many confirmations at once."""

import pytest

from eventsite.core.unit_of_work import retry_on_conflict, unit_of_work
from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from eventsite.registration import capacity, self_service, signup
from eventsite.registration.models import Attendee, Registration
from eventsite.registration.tokens import make_confirm_token
from eventsite.registration.waiting_list import fill_free_places
from tests.helpers import outbox, post_button, run_at_once, signed_up_and_confirmed, states


def make_pending(edition, count: int, slug: str = "2027-noord") -> list[tuple[int, str]]:
    """``count`` pending sign-ups for one session; (attendee id, confirm token) each."""
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
    for i in range(count):
        data = signup.SignUp(name=f"P{i}", email=f"p{i:02d}@example.nl", organisation="X")
        with unit_of_work():
            signup.sign_up(edition, data, [session])
    rows = db.session.scalars(db.select(Attendee).order_by(Attendee.id)).all()
    return [(a.id, make_confirm_token(a.id, a.email, a.signup_requests[-1].id)) for a in rows]


def confirm(token: str, ip: str | None) -> signup.Confirmation:
    """Confirm as the confirmation page does: one unit of work."""
    with unit_of_work():
        return signup.confirm(token, ip)


def assert_mails_say_what_each_got() -> None:
    """Each person's welcome mail and invites match their registration: a place (the
    calendar file, a join link, one invite) or the waiting list (none of those). The mails
    are rendered before the place is taken and again if another took it meanwhile."""
    db.session.expire_all()
    for registration in db.session.scalars(db.select(Registration)):
        email = registration.attendee.email
        [welcome] = outbox("welcome", to=email)
        placed = registration.state == "confirmed"
        assert bool(welcome.attachments) is placed, email
        assert ("/join/" in welcome.text_body) is placed, email
        assert len(outbox("ical-invite", to=email)) == (1 if placed else 0), email


def waiting_list(slug: str = "2027-noord") -> list[Registration]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Registration)
            .join(ProgrammeSession)
            .where(ProgrammeSession.slug == slug, Registration.state == "waiting")
            .order_by(Registration.waiting_since, Registration.id)
        )
    )


def test_full_session_puts_confirmations_on_the_waiting_list(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl")
    clock.at(2027, 5, 1, 13)
    second = signed_up_and_confirmed(client, "second@example.nl")
    clock.at(2027, 5, 1, 14)
    signed_up_and_confirmed(client, "third@example.nl")
    assert states() == ["confirmed", "waiting", "waiting"]
    assert edition.sessions[0].confirmed_count == 1
    assert "wachtlijst" in outbox("welcome", to="second@example.nl")[0].text_body
    assert "Wachtlijst: nummer 1" in client.get(second).get_data(as_text=True)


def test_a_drop_promotes_the_first_waiting_and_mails_them(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=1)
    first = signed_up_and_confirmed(client, "first@example.nl")
    clock.at(2027, 5, 1, 13)
    signed_up_and_confirmed(client, "second@example.nl")
    clock.at(2027, 5, 1, 14)
    signed_up_and_confirmed(client, "third@example.nl")
    post_button(client, first, f"{first}/drop/2027-noord")
    assert states() == ["cancelled", "confirmed", "waiting"]
    [promoted] = outbox("promoted")
    assert promoted.recipient == "second@example.nl"
    assert "/join/2027-noord" in promoted.text_body
    db.session.expire_all()
    assert edition.sessions[0].confirmed_count == 1


def test_adding_a_full_session_from_the_personal_page_waits(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl", ["2027-noord"])
    second = signed_up_and_confirmed(client, "second@example.nl", ["2027-zuid"])
    post_button(client, second, f"{second}/add/2027-noord")
    assert outbox("waiting")[-1].recipient == "second@example.nl"
    assert len(waiting_list()) == 1


def test_sqlite_and_postgresql_a_few_threads_never_overbook(app, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=2)
    tokens = make_pending(edition, 6)
    results = run_at_once(app, [lambda t=t: confirm(t, "10.0.0.1").error for _, t in tokens])
    assert results == [None] * 6
    db.session.expire_all()
    assert edition.sessions[0].confirmed_count == 2
    assert sorted(states()) == ["confirmed"] * 2 + ["waiting"] * 4
    assert_mails_say_what_each_got()


def test_postgresql_50_confirmations_at_once_for_10_places(app, make_edition, clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the 50-thread run is for PostgreSQL; SQLite runs the test above")
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=10)
    clock.set(None)  # the real clock, so every confirmation has a moment of its own
    tokens = make_pending(edition, 50)
    run_at_once(app, [lambda t=t: confirm(t, "10.0.0.1") and None for _, t in tokens])
    db.session.expire_all()
    noord = edition.sessions[0]
    assert noord.confirmed_count == 10
    assert states().count("confirmed") == 10
    waiting = waiting_list()
    assert len(waiting) == 40
    positions = [capacity.waiting_position(r) for r in waiting]
    assert positions == list(range(1, 41))
    # In order: everyone with a place confirmed before the first who waits.
    places = db.session.scalars(
        db.select(Registration.confirmed_at).filter_by(session_id=noord.id, state="confirmed")
    ).all()
    assert max(places) <= waiting[0].waiting_since
    assert len({r.waiting_since for r in waiting}) == 40
    assert len(outbox("welcome")) == 50
    assert_mails_say_what_each_got()

    # A cancellation promotes the first on the list, and mails them.
    first_waiting = waiting[0].attendee.email
    confirmed = db.session.scalar(
        db.select(Registration).filter_by(session_id=noord.id, state="confirmed").limit(1)
    )
    with unit_of_work():
        self_service.drop_session(confirmed.attendee, noord.id)
    [promoted] = outbox("promoted")
    assert promoted.recipient == first_waiting
    assert len(waiting_list()) == 39
    db.session.expire_all()
    assert noord.confirmed_count == 10


def test_two_drops_at_once_promote_two_different_people(app, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=2)
    tokens = make_pending(edition, 5)
    for _, token in tokens:  # in order: two places, three waiting
        confirm(token, None)
    holders = [a for a, _ in tokens[:2]]

    def drop(attendee_id):
        attendee = db.session.get(Attendee, attendee_id)
        with unit_of_work():
            self_service.drop_session(attendee, attendee.registrations[0].session_id)

    run_at_once(app, [lambda a=a: drop(a) for a in holders])
    db.session.expire_all()
    assert edition.sessions[0].confirmed_count == 2
    assert sorted(m.recipient for m in outbox("promoted")) == ["p02@example.nl", "p03@example.nl"]
    assert [r.attendee.email for r in waiting_list()] == ["p04@example.nl"]


def test_postgresql_a_drop_is_not_held_up_by_a_sign_up_in_progress(app, make_edition, clock):
    """A transaction that wrote a row referring to the session (a sign-up, or a second change
    of a registration) holds the foreign key's KEY SHARE on the session row until it commits.
    A drop's session lock must not wait for it: two such waits made a deadlock in CI."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes one write lock")
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=1)
    tokens = make_pending(edition, 2)
    for _, token in tokens:
        confirm(token, None)
    holder_id, session_id = tokens[0][0], edition.sessions[0].id
    other = db.engine.connect()
    other.begin()
    other.execute(
        db.text("SELECT id FROM programme_session WHERE id = :id FOR KEY SHARE"), {"id": session_id}
    )
    try:
        attendee = db.session.get(Attendee, holder_id)
        with unit_of_work():
            db.session.execute(db.text("SET LOCAL lock_timeout = '3s'"))
            assert self_service.drop_session(attendee, session_id) is not None
    finally:
        other.rollback()
        other.close()
    assert [m.recipient for m in outbox("promoted")] == ["p01@example.nl"]


def test_double_clicked_sign_ups_at_once_make_one_person(app, open_edition):
    noord_id = open_edition.sessions[0].id
    edition_id = open_edition.id

    def sign_up_once():
        edition = db.session.get(type(open_edition), edition_id)
        session = db.session.get(ProgrammeSession, noord_id)
        data = signup.SignUp(name="Anna", email="anna@example.nl", organisation="X")
        with unit_of_work():  # as the sign-up page does
            retry_on_conflict(signup.sign_up, edition, data, [session])

    run_at_once(app, [sign_up_once] * 4)
    assert db.session.scalar(db.select(db.func.count(Attendee.id))) == 1
    assert states() == ["pending"]
    assert len(outbox("confirm")) == 4


def test_raising_the_capacity_fills_places_from_the_waiting_list(client, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=1)
    for address in ("a@example.nl", "b@example.nl", "c@example.nl"):
        signed_up_and_confirmed(client, address)
    noord = edition.sessions[0]
    noord.capacity = 2
    with unit_of_work():
        promoted = fill_free_places(noord.id)
    assert [r.attendee.email for r in promoted] == ["b@example.nl"]
    assert [m.recipient for m in outbox("promoted")] == ["b@example.nl"]
    assert states() == ["confirmed", "confirmed", "waiting"]


def test_the_message_after_confirming_says_which_sessions_wait(client, make_edition, clock):
    """Someone whose only session was full read "Je bent aangemeld. Sommige sessies waren
    vol" as if they had a place somewhere."""
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl", ["2027-noord"])
    only_full = client.get(signed_up_and_confirmed(client, "second@example.nl", ["2027-noord"]))
    body = only_full.get_data(as_text=True)
    assert "Sommige sessies" not in body
    assert "Je staat op de wachtlijst: er was geen plek meer" in body
    assert "We mailen je zodra er een plek vrijkomt" in body
    some_full = client.get(
        signed_up_and_confirmed(client, "third@example.nl", ["2027-noord", "2027-oost"])
    )
    assert "Sommige sessies waren vol" in some_full.get_data(as_text=True)


def test_a_welcome_mail_with_only_waiting_places_promises_no_join_links(
    client, make_edition, clock
):
    """The mail to someone on the waiting list only told them to keep it for "je
    deelnamelinks", which it has none of: they come with the mail that gives a place."""
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl", ["2027-noord"])
    signed_up_and_confirmed(client, "second@example.nl", ["2027-noord"])
    [with_place] = outbox("welcome", to="first@example.nl")
    [waiting_only] = outbox("welcome", to="second@example.nl")
    assert "/join/2027-noord" in with_place.text_body
    assert "deelnamelinks" in with_place.text_body and "deelnamelinks" in with_place.html_body
    assert "/join/" not in waiting_only.text_body and "wachtlijst" in waiting_only.text_body
    assert "deelnamelinks" not in waiting_only.text_body
    assert "deelnamelinks" not in waiting_only.html_body
    # The subject, all an inbox shows, says the same as the text.
    assert with_place.subject == "Je bent aangemeld voor Smart Industry Jaarevent 2027"
    assert waiting_only.subject == "Je staat op de wachtlijst voor Smart Industry Jaarevent 2027"


def test_the_welcome_mail_speaks_of_one_full_session_in_the_singular(client, make_edition, clock):
    """One full session read "Deze sessies zijn vol; je staat op de wachtlijst"."""
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "first@example.nl", ["2027-noord", "2027-oost"])
    signed_up_and_confirmed(client, "second@example.nl", ["2027-noord"])
    [one] = outbox("welcome", to="second@example.nl")
    assert "Deze sessie is vol; je staat op de wachtlijst" in one.text_body
    assert "Deze sessie is vol; je staat op de wachtlijst" in one.html_body
    assert "Deze sessies zijn vol" not in one.text_body
    signed_up_and_confirmed(client, "third@example.nl", ["2027-noord", "2027-oost"])
    [two] = outbox("welcome", to="third@example.nl")
    assert "Deze sessies zijn vol; je staat op de wachtlijst" in two.text_body
