"""Calendar invites in the registration mails, as received by a real SMTP server."""

from icalendar import Calendar

from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.programme.models import ProgrammeSession
from eventsite.programme.signals import session_changed
from tests.helpers import confirm, csrf_token, manage_path, path_to, post_button, sign_up


def calendar_parts(message) -> list:
    """Every text/calendar part of a received mail, parsed, with its method parameter."""
    return [
        (part.get_param("method"), Calendar.from_ical(part.get_content()))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def sign_up_and_confirm(client, smtp, sessions):
    sign_up(client, email="anna@example.nl", sessions=sessions)
    confirm(client, path_to(smtp.to("anna@example.nl")[0], "/confirm/"))
    return smtp.to("anna@example.nl")[1]


def test_confirmation_sends_one_invite_mail_per_session(client, open_edition, smtp):
    """One iTIP object per mail: the welcome mail has none, each session's REQUEST (with the
    personal join link) comes as a mail of its own, its file named after the session."""
    welcome = sign_up_and_confirm(client, smtp, ["2027-noord", "2027-oost"])
    assert calendar_parts(welcome) == []
    invites = smtp.to("anna@example.nl")[2:]
    assert len(invites) == 2

    sessions = {s.slug: s for s in db.session.scalars(db.select(ProgrammeSession))}
    uids = set()
    for invite, slug in zip(invites, ["2027-noord", "2027-oost"], strict=True):
        ((method, calendar),) = calendar_parts(invite)
        assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        uids.add(str(event["UID"]).split("@")[0])
        assert "anna@example.nl" in str(event["ATTENDEE"]).lower()
        assert str(event["ORGANIZER"]).lower().startswith("mailto:")
        # The personal join link, never the raw stream link.
        assert "/join/" in str(event["DESCRIPTION"])
        # The file comes along too, for clients that ignore the part; it says the session.
        assert [a.get_filename() for a in invite.iter_attachments()] == [f"jaarevent-{slug}.ics"]
    assert uids == {sessions["2027-noord"].uid, sessions["2027-oost"].uid}


def test_dropping_a_session_sends_a_cancel_for_that_session(client, open_edition, smtp):
    welcome = sign_up_and_confirm(client, smtp, ["2027-noord", "2027-oost"])
    personal = manage_path(welcome)
    response = client.post(
        f"{personal}/drop/2027-noord", data={"csrf_token": csrf_token(client, personal)}
    )
    assert response.status_code in (302, 303)
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))

    cancelled = smtp.to("anna@example.nl")[-1]
    parts = calendar_parts(cancelled)
    assert [method for method, _ in parts] == ["CANCEL"]
    event = parts[0][1].walk("VEVENT")[0]
    assert str(event["UID"]).split("@")[0] == noord.uid


def sequence_of(message, method: str) -> int:
    """The SEQUENCE of the one iTIP event in ``message``, which must be ``method``."""
    ((found, calendar),) = calendar_parts(message)
    assert found == method
    (event,) = calendar.walk("VEVENT")
    return int(event["SEQUENCE"])


def test_signing_up_again_after_dropping_sends_newer_invites(client, open_edition, smtp):
    """Calendars (Google, Outlook) ignore a REQUEST no newer than the CANCEL before it: after
    dropping a session and adding it again, each message's SEQUENCE is higher than the last,
    in the mails, in the personal feed and in the organisers' later updates."""
    sign_up_and_confirm(client, smtp, ["2027-noord", "2027-oost"])
    sign_up(client, email="bob@example.nl", sessions=["2027-noord"])
    confirm(client, path_to(smtp.to("bob@example.nl")[0], "/confirm/"))
    anna = smtp.to("anna@example.nl")
    personal = manage_path(anna[1])
    invited = sequence_of(anna[2], "REQUEST")

    post_button(client, personal, f"{personal}/drop/2027-noord")
    cancelled = sequence_of(smtp.to("anna@example.nl")[-1], "CANCEL")
    post_button(client, personal, f"{personal}/add/2027-noord")
    invited_again = sequence_of(smtp.to("anna@example.nl")[-1], "REQUEST")
    assert invited < cancelled < invited_again
    # The welcome mail's file to import is as new as the invite.
    (file,) = smtp.to("anna@example.nl")[-2].iter_attachments()
    (event,) = Calendar.from_ical(file.get_content()).walk("VEVENT")
    assert int(event["SEQUENCE"]) == invited_again

    feed = Calendar.from_ical(client.get(f"{personal}/calendar.ics").data)
    sequences = {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in feed.walk("VEVENT")}
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))
    assert sequences[noord.title] == invited_again

    noord.apply_changes(title="Nieuwe titel")
    session_changed.send(noord)
    db.session.commit()
    send_queued()
    assert sequence_of(smtp.to("anna@example.nl")[-1], "REQUEST") > invited_again
    # Someone who never dropped it follows the session's own revision.
    assert sequence_of(smtp.to("bob@example.nl")[-1], "REQUEST") == noord.revision


def test_a_place_given_again_from_the_waiting_list_is_newer_than_its_cancel(
    client, make_edition, smtp, clock
):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    for address in ("first@example.nl", "second@example.nl"):
        sign_up(client, email=address)
        confirm(client, path_to(smtp.to(address)[-1], "/confirm/"))
    first = manage_path(smtp.to("first@example.nl")[1])
    second = manage_path(smtp.to("second@example.nl")[1])

    post_button(client, first, f"{first}/drop/2027-noord")  # second gets the place
    cancelled = sequence_of(smtp.to("first@example.nl")[-1], "CANCEL")
    post_button(client, first, f"{first}/add/2027-noord")  # first waits now
    post_button(client, second, f"{second}/drop/2027-noord")  # and gets it back
    promoted = smtp.to("first@example.nl")[-1]
    assert sequence_of(promoted, "REQUEST") > cancelled
