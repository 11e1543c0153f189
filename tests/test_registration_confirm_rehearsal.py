"""On SQLite the confirmation renders its mails before it takes the write lock
(``signup._rehearse``), on what it will most likely do; under the lock it decides again.
What another request did in between (the last place taken, the session renamed) must be in
the mails all the same, and what did not change them (someone else's place) must not make
it render them twice. (PostgreSQL renders under its row locks: see
``test_registration_capacity`` for both, under threads.)"""

import pytest
from flask import template_rendered
from icalendar import Calendar

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from eventsite.registration import signup
from tests.helpers import confirm, link_to, outbox, sign_up, states

WELCOME = "mail/registration_welcome.txt"


@pytest.fixture(autouse=True)
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite renders before its lock (one write lock for the database)")


@pytest.fixture
def meanwhile(app, monkeypatch):
    """``meanwhile(action)``: run ``action`` as another request (its own app context, its own
    database session, committed) after the next confirmation has rendered its mails and
    before it takes its locks."""

    def set_action(action):
        rehearse = signup._rehearse

        def rehearse_then_act(token):
            rehearsed = rehearse(token)
            monkeypatch.setattr(signup, "_rehearse", rehearse)  # once: the action confirms too
            with app.app_context():
                with unit_of_work():
                    action()
                db.session.remove()
            return rehearsed

        monkeypatch.setattr(signup, "_rehearse", rehearse_then_act)

    return set_action


@pytest.fixture
def welcome_renders(app):
    """The addresses each welcome mail was rendered for, in order."""
    rendered = []

    def note(_app, template, context, **_extra):
        if template.name == WELCOME:
            rendered.append(context["attendee"].email)

    template_rendered.connect(note, app)
    yield rendered
    template_rendered.disconnect(note, app)


def confirm_path(email: str) -> str:
    return link_to(outbox("confirm", to=email)[-1], "/confirm/")


def anna_and_bert_signed_up(client, make_edition, clock, capacity: int) -> str:
    """Both pending for the north session; Anna's confirmation token."""
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=capacity)
    sign_up(client, email="anna@example.nl")
    sign_up(client, email="bert@example.nl")
    return confirm_path("anna@example.nl").split("?", 1)[0].rsplit("/", 1)[-1]


def test_the_last_place_taken_meanwhile_gives_the_waiting_list_mail(
    client, make_edition, clock, meanwhile, welcome_renders
):
    anna = anna_and_bert_signed_up(client, make_edition, clock, capacity=1)
    meanwhile(lambda: signup.confirm(anna, None))

    response = confirm(client, confirm_path("bert@example.nl"))

    assert response.status_code == 302
    assert states("2027-noord") == ["confirmed", "waiting"]
    [welcome] = outbox("welcome", to="bert@example.nl")
    assert "wachtlijst" in welcome.text_body
    assert "/join/" not in welcome.text_body
    assert welcome.attachments == []
    assert outbox("ical-invite", to="bert@example.nl") == []
    # Rendered for a place first, then again for the waiting list it got.
    assert welcome_renders.count("bert@example.nl") == 2


def test_a_session_renamed_meanwhile_is_named_anew_in_the_mails(
    client, make_edition, clock, meanwhile
):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=10)
    sign_up(client, email="bert@example.nl")

    def rename():
        session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))
        session.apply_changes(title="Nieuwe titel van de sessie")

    meanwhile(rename)
    assert confirm(client, confirm_path("bert@example.nl")).status_code == 302

    [welcome] = outbox("welcome", to="bert@example.nl")
    assert "Nieuwe titel van de sessie" in welcome.text_body
    [invite] = outbox("ical-invite", to="bert@example.nl")
    [event] = Calendar.from_ical(invite.attachments[0].content).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Nieuwe titel van de sessie")
    assert int(event["SEQUENCE"]) == 1  # the new revision


def test_someone_elses_place_taken_meanwhile_does_not_render_the_mails_again(
    client, make_edition, clock, meanwhile, welcome_renders
):
    """Someone else's place is not a change of the session; the mails did not change with it."""
    anna = anna_and_bert_signed_up(client, make_edition, clock, capacity=10)

    def anna_confirms_a_minute_later():
        clock.at(2027, 5, 1, 12, 1)
        signup.confirm(anna, None)

    meanwhile(anna_confirms_a_minute_later)
    assert confirm(client, confirm_path("bert@example.nl")).status_code == 302

    assert states("2027-noord") == ["confirmed", "confirmed"]
    assert welcome_renders.count("bert@example.nl") == 1
    [welcome] = outbox("welcome", to="bert@example.nl")
    manage = link_to(welcome, "/my/")
    assert client.get(manage).status_code == 200  # the token rendered before was stored
    assert len(outbox("ical-invite", to="bert@example.nl")) == 1
