"""The rule "tell the hub when a session fills up" (organisers/notices.py): real sign-ups
confirmed through the site fill a session; its hub's organisers and the admins get one mail
each, in their own language, once per event."""

from eventsite.extensions import db
from eventsite.organisers.models import Organiser
from tests.helpers import (
    confirm,
    link_to,
    outbox,
    path_of,
    post_button,
    run_at_once,
    sign_up,
    signed_up_and_confirmed,
    states,
)

FULL = "organiser-session-full"
WAITING = "organiser-waiting-list-started"


def hub_and_admins(make_organiser):
    """An English-speaking admin, a Dutch-speaking hub organiser of the session's region,
    an organiser of another region and a disabled admin (neither of those two is told)."""
    make_organiser("admin@example.org", "admin")
    make_organiser("noord@example.org", "region", "noord")
    make_organiser("zuid@example.org", "region", "zuid")
    make_organiser("gone@example.org", "admin")
    admin = db.session.scalar(db.select(Organiser).filter_by(email="admin@example.org"))
    admin.language = "en"
    gone = db.session.scalar(db.select(Organiser).filter_by(email="gone@example.org"))
    gone.active = False
    db.session.commit()


def test_filling_a_session_mails_its_hub_and_the_admins_once(
    client, make_edition, make_organiser, clock
):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=2)
    hub_and_admins(make_organiser)
    signed_up_and_confirmed(client, "first@example.nl")
    assert outbox(FULL) == []
    signed_up_and_confirmed(client, "second@example.nl")

    full = outbox(FULL)
    assert sorted(m.recipient for m in full) == ["admin@example.org", "noord@example.org"]
    by_recipient = {m.recipient: m for m in full}
    english, dutch = by_recipient["admin@example.org"], by_recipient["noord@example.org"]
    assert english.language == "en" and english.subject.startswith("Full: ")
    assert "Every place of the session" in english.text_body and "2 of 2" in english.text_body
    assert dutch.language == "nl" and dutch.subject.startswith("Vol: ")
    assert path_of(link_to(dutch, "/organiser/")) == "/organiser/sessions/2027-noord/attendees"
    assert outbox(WAITING) == []

    clock.at(2027, 5, 1, 13)
    signed_up_and_confirmed(client, "third@example.nl")
    signed_up_and_confirmed(client, "fourth@example.nl")
    assert states() == ["confirmed", "confirmed", "waiting", "waiting"]
    waiting = outbox(WAITING)
    assert sorted(m.recipient for m in waiting) == ["admin@example.org", "noord@example.org"]
    assert {m.recipient: m.language for m in waiting} == {
        "admin@example.org": "en",
        "noord@example.org": "nl",
    }
    assert len(outbox(FULL)) == 2  # still one each


def test_full_again_after_a_drop_sends_nothing_new(client, make_edition, make_organiser, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    make_organiser("noord@example.org", "region", "noord")
    first = signed_up_and_confirmed(client, "first@example.nl")
    assert len(outbox(FULL, to="noord@example.org")) == 1
    post_button(client, first, f"{first}/drop/2027-noord")
    signed_up_and_confirmed(client, "second@example.nl")
    assert states() == ["cancelled", "confirmed"]
    assert len(outbox(FULL, to="noord@example.org")) == 1


def test_confirmations_at_once_send_one_mail_each(app, make_edition, make_organiser, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    make_organiser("noord@example.org", "region", "noord")
    confirm_paths = []
    for i in range(4):
        client = app.test_client()
        sign_up(client, email=f"p{i}@example.nl")
        confirm_paths.append(link_to(outbox("confirm", to=f"p{i}@example.nl")[-1], "/confirm/"))

    def confirming(path):
        return lambda: confirm(app.test_client(), path).status_code

    assert run_at_once(app, [confirming(p) for p in confirm_paths]) == [302] * 4
    assert sorted(states()) == ["confirmed"] + ["waiting"] * 3
    assert len(outbox(FULL, to="noord@example.org")) == 1
    assert len(outbox(WAITING, to="noord@example.org")) == 1
