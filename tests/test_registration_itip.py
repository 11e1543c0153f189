"""One iTIP object per mail (RFC 6047), over every mail the registration flows send."""

from urllib.parse import urlsplit

from icalendar import Calendar

from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.programme.models import ProgrammeSession
from eventsite.programme.signals import session_cancelled, session_changed
from tests.helpers import (
    confirm,
    csrf_token,
    manage_path,
    path_to,
    post_button,
    sign_up,
)


def calendar_parts(message) -> list:
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def ics_files(message) -> list:
    return [a for a in message.iter_attachments() if a.get_filename()]


def assert_at_most_one_itip(messages) -> None:
    for message in messages:
        parts = calendar_parts(message)
        assert len(parts) <= 1, message["Subject"]
        for part in parts:
            calendar = Calendar.from_ical(part.get_content())
            assert calendar["METHOD"] == part.get_param("method")
            assert len(calendar.walk("VEVENT")) == 1


def session(slug: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))


def confirmed(client, smtp, email, sessions):
    sign_up(client, email=email, sessions=sessions)
    confirm(client, path_to(smtp.to(email)[-1], "/confirm/"))
    return smtp.to(email)[1]


def test_welcome_for_two_sessions_has_one_publish_file(client, open_edition, smtp):
    welcome = confirmed(client, smtp, "anna@example.nl", ["2027-noord", "2027-oost"])
    assert calendar_parts(welcome) == []
    (file,) = ics_files(welcome)
    assert file.get_filename() == "jaarevent-2027.ics"
    calendar = Calendar.from_ical(file.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert {str(e["UID"]).split("@")[0] for e in events} == {
        session("2027-noord").uid,
        session("2027-oost").uid,
    }
    assert all("/join/" in str(e["DESCRIPTION"]) for e in events)
    assert "ATTENDEE" not in events[0] and b"METHOD:REQUEST" not in file.get_content()
    assert_at_most_one_itip(smtp.to("anna@example.nl"))


def test_welcome_for_one_session_and_its_invite(client, open_edition, smtp):
    welcome = confirmed(client, smtp, "anna@example.nl", ["2027-noord"])
    (file,) = ics_files(welcome)
    assert file.get_filename() == "jaarevent-2027-noord.ics"
    assert Calendar.from_ical(file.get_content())["METHOD"] == "PUBLISH"
    mails = smtp.to("anna@example.nl")
    assert len(mails) == 3
    (part,) = calendar_parts(mails[2])
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert part.get_param("method") == "REQUEST" and "/join/2027-noord" in str(event["URL"])
    # The mail's own text shows the personal join link too, the same as the calendar's.
    text = mails[2].get_body(("plain",)).get_content()
    assert any(line.split()[-1:] == [str(event["URL"])] for line in text.splitlines())
    assert "/join/2027-noord" in mails[2].get_body(("html",)).get_content()
    assert_at_most_one_itip(mails)


def test_the_invites_join_link_opens_in_the_attendees_language(client, open_edition, smtp):
    """Opened from a calendar app (its browser asks for Dutch), the link to an English
    speaker's session still answers in English."""
    sign_up(client, email="bob@example.com", sessions=["2027-noord"], lang="en")
    (request,) = smtp.to("bob@example.com")
    confirm(client, path_to(request, "/confirm/"))
    (part,) = calendar_parts(smtp.to("bob@example.com")[-1])
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["URL"]).endswith("/join/2027-noord?lang=en")
    fresh = client.application.test_client()  # the calendar app's browser: no session
    link = urlsplit(str(event["URL"]))
    page = fresh.get(f"{link.path}?{link.query}", headers={"Accept-Language": "nl"})
    assert "The session opens on" in page.get_data(as_text=True)


def test_drop_add_and_cancel_everything(client, open_edition, smtp):
    welcome = confirmed(client, smtp, "anna@example.nl", ["2027-noord", "2027-oost"])
    manage = manage_path(welcome)
    post_button(client, manage, f"{manage}/drop/2027-noord")
    dropped = smtp.to("anna@example.nl")[-1]
    (part,) = calendar_parts(dropped)
    assert part.get_param("method") == "CANCEL"
    post_button(client, manage, f"{manage}/add/2027-zuid")
    added = smtp.to("anna@example.nl")[-1]
    (part,) = calendar_parts(added)
    assert part.get_param("method") == "REQUEST"
    assert [a.get_filename() for a in ics_files(added)] == ["jaarevent-2027-zuid.ics"]

    before = len(smtp.to("anna@example.nl"))
    post_button(client, f"{manage}/cancel", f"{manage}/cancel")
    after = smtp.to("anna@example.nl")[before:]
    # The cancellation mail, then one CANCEL mail per place given up (oost and zuid).
    assert calendar_parts(after[0]) == []
    cancels = [Calendar.from_ical(p.get_content()) for m in after[1:] for p in calendar_parts(m)]
    assert [c["METHOD"] for c in cancels] == ["CANCEL", "CANCEL"]
    assert {str(c.walk("VEVENT")[0]["UID"]).split("@")[0] for c in cancels} == {
        session("2027-oost").uid,
        session("2027-zuid").uid,
    }
    assert_at_most_one_itip(smtp.to("anna@example.nl"))


def test_session_update_and_cancel_have_one_calendar_part_each(client, open_edition, smtp):
    confirmed(client, smtp, "anna@example.nl", ["2027-noord", "2027-oost"])
    noord = session("2027-noord")
    noord.apply_changes(title="Nieuwe titel")
    session_changed.send(noord)
    session_cancelled.send(session("2027-oost"))
    db.session.commit()
    send_queued()
    mails = smtp.to("anna@example.nl")
    methods = [calendar_parts(m)[0].get_param("method") for m in mails[-2:]]
    assert methods == ["REQUEST", "CANCEL"]
    assert_at_most_one_itip(mails)


def test_promoted_mail_has_one_invite(client, make_edition, smtp, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    for address in ("first@example.nl", "second@example.nl"):
        sign_up(client, email=address)
        confirm(client, path_to(smtp.to(address)[-1], "/confirm/"))
    manage = manage_path(smtp.to("first@example.nl")[1])
    client.post(f"{manage}/drop/2027-noord", data={"csrf_token": csrf_token(client, manage)})
    promoted = smtp.to("second@example.nl")[-1]
    (part,) = calendar_parts(promoted)
    assert part.get_param("method") == "REQUEST"
    assert [a.get_filename() for a in ics_files(promoted)] == ["jaarevent-2027-noord.ics"]
    assert_at_most_one_itip(smtp.to("second@example.nl") + smtp.to("first@example.nl"))
