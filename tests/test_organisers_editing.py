"""Organisers edit and cancel their sessions: revision, signals, capacity, validation."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.organisers.models import AuditLog
from eventsite.programme.models import ProgrammeSession
from eventsite.programme.signals import session_cancelled, session_changed
from tests.helpers import (
    csrf_token,
    form_data,
    form_data_from,
    log_in,
    manage_path,
    path_of,
    post_button,
)


@contextmanager
def received(signal):
    """The senders of ``signal`` while the block runs, with the revision they had then."""
    calls = []

    def receiver(sender, **extra):
        calls.append((sender.slug, sender.revision, sender.status))

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def noord_edit_page(
    client, make_edition, make_organiser, who=("noord@example.org", "region", "noord")
):
    """The 2027 noord session and its edit page, with ``who`` logged in."""
    edition = make_edition(2027)
    session = next(s for s in edition.sessions if s.region.slug == "noord")
    make_organiser(*who)
    log_in(client, who[0])
    return session, f"/organiser/sessions/{session.slug}/edit"


def test_form_shows_local_times_and_saving_unchanged_changes_nothing(
    client, make_edition, make_organiser
):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    html = client.get(url).get_data(as_text=True)
    local = session.start_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in html
    with received(session_changed) as calls:
        response = client.post(url, data=form_data(client, url))
    assert response.status_code == 302 and calls == []
    assert db.session.get(ProgrammeSession, session.id).revision == 0
    assert not db.session.scalars(db.select(AuditLog).filter_by(action="session.edit")).all()


def test_moving_the_time_raises_revision_and_sends_the_signal_once(
    client, make_edition, make_organiser
):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    data = form_data(client, url)
    data.update(start_at="2027-06-01T14:00", end_at="2027-06-01T16:30")
    with received(session_changed) as calls:
        response = client.post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"] == url
    session = db.session.get(ProgrammeSession, session.id)
    assert session.start_at == datetime(2027, 6, 1, 12, tzinfo=UTC)  # 14:00 CEST
    assert session.end_at == datetime(2027, 6, 1, 14, 30, tzinfo=UTC)
    assert session.revision == 1
    assert calls == [(session.slug, 1, "scheduled")]  # sent with the new revision
    assert "bijgewerkte agenda-uitnodiging" in client.get(url).get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="session.edit"))
    assert entry.actor == "noord@example.org" and "start_at" in entry.detail


def test_texts_and_links_change_without_a_calendar_update(
    client, make_edition, make_organiser
):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    data = form_data(client, url)
    data.update(
        theme="Robotisering",
        theme_en="Robotics",
        description="Nieuw <b>verhaal</b>",
        capacity="120",
        stream_url="https://stream.example/abc",
        recording_url="http://video.example/rec",
    )
    with received(session_changed) as calls:
        assert client.post(url, data=data).status_code == 302
    assert calls == []
    session = db.session.get(ProgrammeSession, session.id)
    assert (session.theme, session.theme_en, session.capacity) == ("Robotisering", "Robotics", 120)
    assert session.revision == 0 and session.stream_url == "https://stream.example/abc"
    html = client.get(url).get_data(as_text=True)
    assert "Nieuw &lt;b&gt;verhaal&lt;/b&gt;" in html


def test_bad_input_is_refused_with_messages_and_changes_nothing(
    client, make_edition, make_organiser
):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    before = (session.title, session.start_at, session.stream_url)
    cases = [
        ({"stream_url": "javascript:alert(1)"}, "Vul een webadres in"),
        ({"recording_url": "ftp://x.example/file"}, "Vul een webadres in"),
        (
            {"end_at": "2027-05-01T10:00", "start_at": "2027-05-01T11:00"},
            "moet eindigen na het begin",
        ),
        ({"title": ""}, "field-error"),
        ({"capacity": "-1"}, "field-error"),
        ({"start_at": "morgen"}, "field-error"),
    ]
    for change, message in cases:
        data = form_data(client, url)
        data.update(change)
        response = client.post(url, data=data)
        assert response.status_code == 200, change
        assert message in response.get_data(as_text=True), change
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert (session.title, session.start_at, session.stream_url) == before


def test_capacity_below_confirmed_places_is_refused(
    client, make_edition, make_organiser, make_registration
):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    for _ in range(3):
        make_registration(session)
    data = form_data(client, url)
    data["capacity"] = "2"
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert "Bevestigde plaatsen: 3; het aantal plaatsen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).capacity is None
    data = form_data(client, url)
    data["capacity"] = "3"
    assert client.post(url, data=data).status_code == 302


def test_cancel_after_confirmation(client, make_edition, make_organiser):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    cancel = f"/organiser/sessions/{session.slug}/cancel"
    page = client.get(cancel)
    assert page.status_code == 200 and "Ja, annuleer deze sessie" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).status == "scheduled"  # GET changes nothing
    token = csrf_token(client, cancel)
    with received(session_cancelled) as cancelled, received(session_changed) as changed:
        assert client.post(cancel, data={"csrf_token": token}).status_code == 302
        assert client.post(cancel, data={"csrf_token": token}).status_code == 302  # double click
    assert cancelled == [(session.slug, 1, "cancelled")] and changed == []
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert session.status == "cancelled" and session.revision == 1
    assert (
        db.session.scalar(db.select(AuditLog).filter_by(action="session.cancel")).target
        == session.slug
    )


def test_admin_edits_any_region_but_a_hub_only_its_own(client, make_edition, make_organiser):
    edition = make_edition(2027)
    zuid = next(s for s in edition.sessions if s.region.slug == "zuid")
    make_organiser("noord@example.org", "region", "noord")
    make_organiser("admin@example.org")
    log_in(client, "noord@example.org")
    url = f"/organiser/sessions/{zuid.slug}/edit"
    token = csrf_token(client, "/organiser/")
    with received(session_changed) as calls:
        response = client.post(url, data={"csrf_token": token, "title": "Overgenomen"})
    assert response.status_code == 403 and calls == []
    client.post("/organiser/logout", data={"csrf_token": token})
    log_in(client, "admin@example.org")
    data = form_data(client, url)
    data["title"] = "Nieuwe titel"
    with received(session_changed) as calls:
        assert client.post(url, data=data).status_code == 302
    assert calls == [(zuid.slug, 1, "scheduled")]


def test_moving_a_session_mails_one_updated_invite_per_confirmed_attendee(
    client, make_edition, make_organiser, make_registration, smtp
):
    """End to end with the calendar feature: the edit page, the signal, the outbox, SMTP."""
    from eventsite.mail.models import OutboxMessage

    session, url = noord_edit_page(client, make_edition, make_organiser)
    confirmed = [make_registration(session, email=f"ok{i}@example.nl") for i in range(3)]
    for state in ("pending", "waiting", "cancelled"):
        make_registration(session, email=f"{state}@example.nl", state=state)
    data = form_data(client, url)
    data.update(start_at="2027-06-01T14:00", end_at="2027-06-01T16:00")
    assert client.post(url, data=data).status_code == 302

    updates = db.session.scalars(db.select(OutboxMessage).filter_by(kind="ical-update")).all()
    expected = sorted(r.attendee.email for r in confirmed)
    assert sorted(m.recipient for m in updates) == expected
    assert sorted(m["To"] for m in smtp.messages) == expected
    for message in smtp.messages:
        calendar = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert calendar and "SEQUENCE:1" in calendar[0].get_content()
        # The update replaces the calendar event: the personal join link stays in it, and in
        # the mail's text, and it works.
        (event,) = Calendar.from_ical(calendar[0].get_content()).walk("VEVENT")
        join = path_of(str(event["URL"]))
        assert join.startswith("/my/") and join.endswith("/join/2027-noord")
        assert str(event["URL"]) in message.get_body(("plain",)).get_content()
        assert client.get(join).status_code != 404


def test_an_english_title_corrected_updates_the_english_readers_calendars_only(
    client, make_edition, make_organiser, make_registration, smtp
):
    """The English title is what English readers' invites show: corrected, they get the
    update (new SUMMARY, higher SEQUENCE); Dutch readers' invites did not change."""
    session, url = noord_edit_page(client, make_edition, make_organiser)
    make_registration(session, email="nl@example.nl", language="nl")
    make_registration(session, email="en@example.com", language="en")
    data = form_data(client, url)
    data["title_en"] = "Smart maintenance in practice"
    with received(session_changed) as calls:
        assert client.post(url, data=data).status_code == 302
    assert calls == [(session.slug, 1, "scheduled")]
    send_queued()
    [update] = smtp.messages
    assert update["To"] == "en@example.com"
    [calendar] = [p for p in update.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Smart maintenance in practice"
    assert int(event["SEQUENCE"]) == 1


def test_cancelling_mails_every_confirmed_attendee_once(
    client, make_edition, make_organiser, make_registration
):
    from eventsite.mail.models import OutboxMessage

    session, _ = noord_edit_page(client, make_edition, make_organiser)
    make_registration(session, email="ok@example.nl")
    make_registration(session, email="wacht@example.nl", state="waiting")
    cancel = f"/organiser/sessions/{session.slug}/cancel"
    token = csrf_token(client, cancel)
    client.post(cancel, data={"csrf_token": token})
    client.post(cancel, data={"csrf_token": token})
    mails = db.session.scalars(db.select(OutboxMessage).filter_by(kind="ical-cancel")).all()
    assert [m.recipient for m in mails] == ["ok@example.nl"]


def test_cancelling_takes_the_waiting_list_off_and_tells_them_once(
    client, make_edition, make_organiser, make_registration, smtp
):
    """Those waiting for a cancelled session hear it too (in their language), once, and no
    longer wait; a later edit of the cancelled session mails them nothing more, nor those
    who had a place (they had the calendar's cancellation)."""
    session, url = noord_edit_page(client, make_edition, make_organiser)
    make_registration(session, email="ok@example.nl")
    waiting = make_registration(session, email="wacht@example.nl", state="waiting")
    make_registration(session, email="waiting@example.com", state="waiting", language="en")
    make_registration(session, email="open@example.nl", state="pending")
    cancel = f"/organiser/sessions/{session.slug}/cancel"
    assert post_button(client, cancel, cancel).status_code == 302
    data = form_data(client, url)
    data["title"] = "Andere titel"
    client.post(url, data=data)

    (dutch,) = smtp.to("wacht@example.nl")
    assert dutch["Subject"].startswith("Geannuleerd: ")
    text = dutch.get_body(("plain",)).get_content()
    assert "waarvoor je op de wachtlijst stond" in text and manage_path(dutch)
    (english,) = smtp.to("waiting@example.com")
    assert "whose waiting list you were on" in english.get_body(("plain",)).get_content()
    # Opened in a mail app's own browser, the personal page speaks the mail's language.
    assert re.search(r"/my/\S+\?lang=en\b", english.get_body(("plain",)).get_content())
    assert smtp.to("open@example.nl") == []
    (cancel,) = smtp.to("ok@example.nl")
    assert cancel["Subject"].startswith("Geannuleerd: ")
    db.session.refresh(waiting)
    assert waiting.state == "cancelled"
    page = client.get(manage_path(dutch)).get_data(as_text=True)
    assert "Wachtlijst: nummer" not in page


def test_an_edit_in_between_is_not_silently_overwritten(client, make_edition, make_organiser):
    session, url = noord_edit_page(client, make_edition, make_organiser)
    mine = form_data(client, url)  # the form as shown to me
    session.apply_changes(title="Titel van een collega")  # someone else saves meanwhile
    db.session.commit()
    mine["theme"] = "Mijn thema"
    response = client.post(url, data=mine)
    assert response.status_code == 200
    assert "Iemand anders heeft deze sessie opgeslagen" in response.get_data(as_text=True)
    db.session.expire_all()
    current = db.session.get(ProgrammeSession, session.id)
    assert current.title == "Titel van een collega" and current.theme != "Mijn thema"
    # Saving the form as shown now is a deliberate choice and goes through.
    again = form_data_from(response.get_data(as_text=True), mine["csrf_token"])
    assert client.post(url, data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).theme == "Mijn thema"


def test_raising_the_capacity_gives_places_to_the_waiting_list_in_order(
    client, make_edition, make_organiser, make_registration
):
    from eventsite.mail.models import OutboxMessage
    from eventsite.registration.models import Registration

    session, url = noord_edit_page(client, make_edition, make_organiser)
    session.capacity = 2
    db.session.commit()
    for i in range(2):
        make_registration(session, email=f"plaats{i}@example.nl")
    for i in range(3):
        registration = make_registration(session, email=f"wacht{i}@example.nl", state="waiting")
        registration.waiting_since = datetime(2027, 4, 1, 9, i, tzinfo=UTC)
    db.session.commit()
    data = form_data(client, url)
    data["capacity"] = "4"
    response = client.post(url, data=data, follow_redirects=True)
    assert "Plaatsen gegeven aan mensen op de wachtlijst: 2" in response.get_data(as_text=True)
    db.session.expire_all()
    states = dict(
        db.session.execute(
            db.select(Registration.id, Registration.state).filter_by(session_id=session.id)
        ).all()
    )
    assert sorted(states.values()).count("confirmed") == 4
    session = db.session.get(ProgrammeSession, session.id)
    assert session.confirmed_count == 4
    waiting = db.session.scalars(
        db.select(Registration).filter_by(session_id=session.id, state="waiting")
    ).all()
    assert [r.attendee.email for r in waiting] == ["wacht2@example.nl"]  # the last in line
    promoted_mails = db.session.scalars(
        db.select(OutboxMessage.recipient).where(OutboxMessage.recipient.like("wacht%"))
    ).all()
    assert sorted(promoted_mails) == ["wacht0@example.nl", "wacht1@example.nl"]


def test_a_typo_in_the_date_cannot_move_a_session_out_of_the_edition(
    client, make_edition, make_organiser
):
    """As on the new-session form: a day of the edition, start and end on the same day; a
    mistyped year would otherwise send every attendee an invite for 2072."""
    session, url = noord_edit_page(client, make_edition, make_organiser)
    before = (session.start_at, session.end_at, session.revision)
    cases = [
        (
            {"start_at": "2072-05-31T15:00", "end_at": "2072-05-31T16:30"},
            "Kies een dag van de editie: 2027-05-31 tot en met 2027-06-04.",
        ),
        (
            {"start_at": "2027-06-04T15:00", "end_at": "2027-06-05T16:30"},
            "Een sessie begint en eindigt op dezelfde dag.",
        ),
    ]
    for change, message in cases:
        data = form_data(client, url)
        data.update(change)
        with received(session_changed) as calls:
            response = client.post(url, data=data)
        assert response.status_code == 200, change
        assert message in response.get_data(as_text=True), change
        assert calls == []
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert (session.start_at, session.end_at, session.revision) == before
