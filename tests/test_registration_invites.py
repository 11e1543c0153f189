"""Calendar invites in the registration mails, as received by a real SMTP server."""

from icalendar import Calendar

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.helpers import confirm, csrf_token, manage_path, path_to, sign_up


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
