"""Invites by mail: the iMIP parts, updates and cancellations to confirmed attendees only."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from eventsite.extensions import db
from eventsite.ical.builders import event_uid
from eventsite.ical.invites import invite_attachments
from eventsite.mail.sender import send_queued
from eventsite.programme.models import CANCELLED, ProgrammeSession
from eventsite.programme.signals import session_cancelled, session_changed
from tests import factories
from tests.helpers import mail_text, outbox


def session_by_slug(slug: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))


def invite_of(message):
    """The parsed calendar of a queued mail, checking both parts carry the same bytes."""
    part, file = message.attachments
    assert part.disposition == "alternative" and file.disposition == "attachment"
    assert part.content == file.content
    return Calendar.from_ical(part.content)


def audience(edition, session):
    """Three confirmed attendees (one English) and three who must hear nothing."""
    confirmed = [
        factories.attendee(session, f"bevestigd{i}@example.nl", language=language)
        for i, language in enumerate(("nl", "nl", "en"))
    ]
    for state in ("pending", "waiting", "dropped"):
        factories.registration(session, f"{state}@example.nl", state=state)
    factories.attendee(edition.sessions[-1], "elders@example.nl")
    return confirmed


def test_invite_parts_have_the_imip_content_types(app, make_edition):
    edition = make_edition()
    session = edition.sessions[0]
    attendee = factories.attendee(session, "ondernemer@example.nl")
    for method in ("REQUEST", "CANCEL"):
        part, file = invite_attachments(session, attendee, method)
        assert part.content_type == f"text/calendar; method={method}; charset=UTF-8"
        assert part.disposition == "alternative" and part.filename == "jaarevent-2021-noord.ics"
        assert file.content_type == "application/ics" and file.disposition == "attachment"
        assert file.content == part.content
        calendar = Calendar.from_ical(part.content)
        assert calendar["METHOD"] == method
        (event,) = calendar.walk("VEVENT")
        assert event["UID"] == event_uid(session)
        assert event["ORGANIZER"] == "mailto:jaarevent@smartindustry.nl"
        assert event["ATTENDEE"] == "mailto:ondernemer@example.nl"


def test_the_organizer_is_named_in_the_attendees_language(app, make_edition):
    edition = make_edition()
    names = {}
    for language in ("nl", "en"):
        attendee = factories.attendee(
            edition.sessions[0], f"{language}@example.nl", language=language
        )
        part, _ = invite_attachments(edition.sessions[0], attendee)
        (event,) = Calendar.from_ical(part.content).walk("VEVENT")
        assert event["ORGANIZER"] == "mailto:jaarevent@smartindustry.nl"
        names[language] = event["ORGANIZER"].params["CN"]
    assert names == {"nl": "Smart Industry Jaarevent", "en": "Smart Industry Annual Event"}


def test_the_organizer_can_be_configured_and_a_join_link_given(app, make_edition):
    app.config["MAIL_ORGANIZER"] = "Programmabureau <programma@smartindustry.example>"
    edition = make_edition()
    attendee = factories.attendee(edition.sessions[0], "ondernemer@example.nl")
    token = factories.manage_token(attendee)
    join = f"http://localhost/my/{token}/join/2021-noord"
    part, _ = invite_attachments(edition.sessions[0], attendee, join_url=join)
    (event,) = Calendar.from_ical(part.content).walk("VEVENT")
    assert event["ORGANIZER"] == "mailto:programma@smartindustry.example"
    assert event["ORGANIZER"].params["CN"] == "Programmabureau"
    assert event["URL"] == join and join in str(event["DESCRIPTION"])


def test_a_change_queues_one_updated_invite_per_confirmed_attendee(app, make_edition, clock):
    clock.at(2021, 5, 20, 9)
    edition = make_edition()
    session = session_by_slug("2021-noord")
    confirmed = audience(edition, session)
    uid = event_uid(session)

    session.apply_changes(
        start_at=session.start_at + timedelta(hours=1), end_at=session.end_at + timedelta(hours=1)
    )
    session_changed.send(session)
    session_changed.send(session)  # a second signal for the same change: no second mail
    db.session.commit()

    mails = outbox()
    assert sorted(m.recipient for m in mails) == sorted(a.email for a in confirmed)
    for mail in mails:
        assert mail.kind == "ical-update"
        calendar = invite_of(mail)
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event["UID"] == uid and event["SEQUENCE"] == 1
        assert event["STATUS"] == "CONFIRMED"
        assert event["DTSTART"].dt.astimezone(UTC) == datetime(2021, 5, 31, 14, tzinfo=UTC)
        assert event["DTSTAMP"].dt == datetime(2021, 5, 20, 9, tzinfo=UTC)
    dutch = next(m for m in mails if m.language == "nl")
    english = next(m for m in mails if m.language == "en")
    # The mail's own text names the session with its date and new time.
    assert dutch.subject == "Gewijzigd: Digitaliseren begint bij je mensen op 31 mei 2021"
    assert "maandag 31 mei 2021, 16.00–17.30 uur" in dutch.text_body
    assert "Digitalisation starts with your people" in english.text_body
    assert "Monday, 31 May 2021, 16:00–17:30 CEST" in english.text_body
    assert "16.00" in dutch.html_body

    # The next change raises the sequence again.
    session.apply_changes(title="Digitaliseren begint bij jouw mensen")
    session_changed.send(session)
    db.session.commit()
    latest = outbox()[-1]
    (event,) = invite_of(latest).walk("VEVENT")
    assert event["SEQUENCE"] == 2 and event["UID"] == uid


def test_the_update_is_part_of_the_transaction(app, make_edition):
    edition = make_edition()
    session = session_by_slug("2021-oost")
    audience(edition, session)
    session.apply_changes(title="Wordt niets")
    session_changed.send(session)
    db.session.rollback()
    assert outbox() == []


def test_a_cancellation_queues_one_cancel_per_confirmed_attendee(app, make_edition):
    edition = make_edition()
    session = session_by_slug("2021-zuid")
    confirmed = audience(edition, session)
    session.apply_changes(status=CANCELLED)
    # Organiser code may send both signals; attendees get one mail.
    session_cancelled.send(session)
    session_changed.send(session)
    db.session.commit()

    everything = outbox()
    mails = [m for m in everything if m.kind == "ical-cancel"]
    assert sorted(m.recipient for m in mails) == sorted(a.email for a in confirmed)
    # The one on the waiting list hears it once, without a calendar cancel.
    assert [(m.recipient, m.kind) for m in everything if m not in mails] == [
        ("waiting@example.nl", "waiting-cancelled")
    ]
    for mail in mails:
        assert mail.attachments[0].content_type == "text/calendar; method=CANCEL; charset=UTF-8"
        calendar = invite_of(mail)
        assert calendar["METHOD"] == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1  # raised by the cancellation
        assert event["UID"] == event_uid(session)
        assert "ATTENDEE" in event and "ORGANIZER" in event
    dutch = next(m for m in mails if m.language == "nl")
    assert dutch.subject.startswith("Geannuleerd: Robotisering in het mkb op 2 juni 2021")
    assert "woensdag 2 juni 2021, 15.00–16.30 uur" in dutch.text_body


def test_received_invites_are_text_calendar_method_request(app, make_edition, smtp):
    edition = make_edition()
    session = session_by_slug("2021-noord")
    (first, *_rest) = audience(edition, session)
    session.apply_changes(title="Nieuwe titel, met; tekens é ë")
    session_changed.send(session)
    db.session.commit()
    send_queued()

    (received,) = smtp.to(first.email)
    assert received.get_content_type() == "multipart/mixed"
    alternative = received.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar_part = alternative.get_payload()[2]
    assert calendar_part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(calendar_part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Nieuwe titel, met; tekens é ë"
    assert event["UID"] == event_uid(session)
    files = [p for p in received.iter_attachments()]
    assert [(p.get_content_type(), p.get_filename()) for p in files] == [
        ("application/ics", "jaarevent-2021-noord.ics")
    ]
    assert Calendar.from_ical(files[0].get_content())["METHOD"] == "REQUEST"
    assert "maandag 31 mei 2021, 15.00–16.30 uur" in mail_text(received)


def test_registration_parts_for_two_sessions_are_one_publish_file(app, make_edition):
    """One iTIP object per mail: two sessions' calendar parts for a registration mail are one
    METHOD:PUBLISH file with both (no text/calendar part); REQUESTs only one at a time."""
    import pytest

    from eventsite.ical.invites import registration_calendar_parts

    edition = make_edition()
    registrations = [
        factories.registration(s, "ondernemer@example.nl") for s in edition.sessions[:2]
    ]
    attendee = registrations[0].attendee
    db.session.flush()
    (file,) = registration_calendar_parts(attendee, registrations, "PUBLISH", {})
    assert file.content_type == "application/ics" and file.disposition == "attachment"
    calendar = Calendar.from_ical(file.content)
    assert calendar["METHOD"] == "PUBLISH"
    assert [e["UID"] for e in calendar.walk("VEVENT")] == [
        event_uid(s) for s in edition.sessions[:2]
    ]
    with pytest.raises(ValueError):
        registration_calendar_parts(attendee, registrations, "REQUEST", {})


def test_an_organisers_change_in_a_request_reaches_the_attendees_after_the_response(
    app, make_edition, smtp
):
    """As the organiser pages will do it: change, signal, commit; the mails go out at once."""
    edition = make_edition()
    session = session_by_slug("2021-oost")
    confirmed = audience(edition, session)

    def move_session():
        moved = session_by_slug("2021-oost")
        moved.apply_changes(
            start_at=moved.start_at + timedelta(minutes=30),
            end_at=moved.end_at + timedelta(minutes=30),
        )
        session_changed.send(moved)
        db.session.commit()
        return "moved"

    app.add_url_rule("/test/move", "test_move", move_session, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    assert app.test_client().post("/test/move").status_code == 200

    assert sorted(m["To"] for m in smtp.messages) == sorted(a.email for a in confirmed)
    for message in smtp.messages:
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST"
        (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
        assert event["SEQUENCE"] == 1
        assert event["DTSTART"].dt.astimezone(UTC) == datetime(2021, 6, 1, 13, 30, tzinfo=UTC)
