"""After the event: "the recording is online" (joined and missed get their own text), the
public pages show the recording, and large sends show their progress from the outbox."""

from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.models import FAILED, OutboxMessage
from eventsite.mail.sender import send_queued
from eventsite.messaging import services
from eventsite.messaging.forms import new_key
from eventsite.messaging.models import OrganiserMessage
from eventsite.organisers.models import Organiser
from tests import factories, messages_helpers
from tests.helpers import csrf_token, form_data, log_in, mail_text, outbox
from tests.messages_helpers import GROUPS, join, key_from, message_form, received, send

RECORDING = "https://video.example/jaarevent-2027-noord"


def noord_with_people(make_edition, make_registration, client, clock):
    session = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    came_nl = make_registration(session, email="kwam@example.nl", language="nl")
    came_en = make_registration(session, email="came@example.nl", language="en")
    make_registration(session, email="gemist@example.nl", language="nl")
    make_registration(session, email="missed@example.nl", language="en")
    stopped = make_registration(session, email="stop@example.nl")
    factories.stop_messages(stopped.attendee)
    make_registration(session, email="wacht@example.nl", state="waiting")
    for registration in (came_nl, came_en):
        join(client, clock, registration)
    return session


def test_recording_mail_joined_and_missed_texts_go_to_the_right_people(
    client, make_edition, make_registration, make_organiser, clock, smtp
):
    session = noord_with_people(make_edition, make_registration, client, clock)
    clock.set(session.end_at + timedelta(days=1))
    make_organiser("noord@example.org", "region", "noord", name="Nora Noord")
    log_in(client, "noord@example.org")
    page_url = f"/organiser/sessions/{session.slug}/messages"
    assert "/recording" not in client.get(page_url).get_data(as_text=True)  # no link yet

    edit = f"/organiser/sessions/{session.slug}/edit"
    data = form_data(client, edit)
    data["recording_url"] = RECORDING
    assert client.post(edit, data=data).status_code == 302
    assert "de opname online staat" in client.get(edit).get_data(as_text=True)

    page = client.get(page_url).get_data(as_text=True)
    assert "Deelgenomen: 2; niet deelgenomen: 2." in page
    form = {"csrf_token": csrf_token(client, page_url), "key": key_from(page)}
    response = client.post(f"/organiser/sessions/{session.slug}/recording", data=form)
    again = client.post(f"/organiser/sessions/{session.slug}/recording", data=form)
    assert response.status_code == again.status_code == 302
    assert response.headers["Location"] == again.headers["Location"]  # a double click: once

    send_queued()
    mails = {m["To"]: m for m in smtp.messages}
    assert len(smtp.messages) == 4
    assert set(mails) == {
        "kwam@example.nl",
        "came@example.nl",
        "gemist@example.nl",
        "missed@example.nl",
    }
    assert mails["kwam@example.nl"]["Subject"].startswith("De opname van")
    assert "Bedankt dat je erbij was" in mail_text(mails["kwam@example.nl"])
    assert "Thank you for joining" in mail_text(mails["came@example.nl"])
    assert mails["gemist@example.nl"]["Subject"].endswith("gemist? De opname staat online")
    assert "kon er niet bij zijn" in mail_text(mails["gemist@example.nl"])
    assert "could not be there" in mail_text(mails["missed@example.nl"])
    assert all(RECORDING in mail_text(m) and "Nora Noord" in mail_text(m) for m in mails.values())
    [entry] = db.session.scalars(db.select(OrganiserMessage)).all()
    assert (entry.recipient_group, entry.recipient_count) == ("recording", 4)


def test_recording_without_a_link_is_refused(client, make_edition, make_organiser, clock):
    session = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    url = f"/organiser/sessions/{session.slug}/messages"
    form = {"csrf_token": csrf_token(client, url), "key": "a" * 32}
    response = client.post(f"/organiser/sessions/{session.slug}/recording", data=form)
    assert response.status_code == 302
    assert "Vul eerst de link naar de opname in" in client.get(url).get_data(as_text=True)
    assert db.session.scalars(db.select(OrganiserMessage)).all() == []


def test_the_public_session_page_and_the_archive_show_the_recording(client, make_edition, clock):
    edition = make_edition(2021)
    session = edition.sessions[0]
    session.recording_url = RECORDING
    db.session.commit()
    clock.at(2026, 11, 1)
    assert RECORDING in client.get(f"/sessions/{session.slug}").get_data(as_text=True)
    assert RECORDING in client.get("/editions/2021").get_data(as_text=True)


def test_a_large_send_returns_at_once_and_shows_its_progress(
    app, client, make_edition, make_registration, make_organiser, clock, smtp
):
    app.config["MESSAGES_SEND_AT_ONCE_MAX"] = 3
    session = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    for i in range(8):
        make_registration(session, email=f"p{i}@example.nl", language="en" if i % 2 else "nl")
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    data = message_form(client, session.slug, subject_nl="Veel", body_nl="Voor iedereen")
    response = send(client, session.slug, data)
    assert smtp.messages == []  # left to the workers, not sent after the response
    detail = response.headers["Location"]
    page = client.get(detail).get_data(as_text=True)
    assert 'data-done="false"' in page and 'data-progress="queued">8<' in page
    assert "js/message-progress.js" in page  # optional: the page has a reload link too
    rows = outbox("organiser-message")
    assert len({row.text_body for row in rows}) == 8  # a personal link in each
    assert len({row.subject for row in rows}) == 1

    rows[0].state = FAILED  # e.g. an address the server refused for good
    db.session.commit()
    send_queued()
    page = client.get(detail).get_data(as_text=True)
    assert 'data-progress="queued">0<' in page and 'data-progress="sent">7<' in page
    assert 'data-progress="failed">1<' in page and 'data-done="true"' in page
    assert "js/message-progress.js" not in page
    listing = client.get(f"/organiser/sessions/{session.slug}/messages").get_data(as_text=True)
    assert 'data-progress="sent">7<' in listing
    assert len(smtp.messages) == 7


def test_a_small_send_goes_right_after_the_response(
    client, make_edition, make_registration, make_organiser, clock, smtp
):
    session = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    make_registration(session, email="een@example.nl")
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    send(client, session.slug, message_form(client, session.slug, subject_nl="Kort", body_nl="Hoi"))
    assert [m["To"] for m in smtp.messages] == ["een@example.nl"]
    assert db.session.scalar(db.select(OutboxMessage.state)) == "sent"


# --- Not before the session is over; a second time only when asked ---------------------------

noord = messages_helpers.noord  # the fixture: the noord session with its people, after its end


def recording_form(client, slug: str, **fields) -> dict:
    """The recording button's form as the messages page shows it now, and ``fields``."""
    url = f"/organiser/sessions/{slug}/messages"
    page = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_token(client, url), "key": key_from(page), **fields}


def post_recording(client, slug: str, data: dict, lang: str = "nl"):
    """Post the recording form; the messages page it leads to, with its flash message."""
    response = client.post(f"/organiser/sessions/{slug}/recording?lang={lang}", data=data)
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_before_the_session_is_over_the_recording_mail_is_not_offered_nor_sent(
    client, make_edition, make_registration, make_organiser, clock, smtp
):
    clock.at(2026, 12, 3, 12)  # months before the session of 31 May 2027
    noord = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    for i in range(3):
        make_registration(noord, email=f"p{i}@example.nl")
    noord.recording_url = RECORDING
    db.session.commit()
    make_organiser("noord@example.org", "region", "noord")
    page_url = f"/organiser/sessions/{noord.slug}/messages"
    recording_url = f"/organiser/sessions/{noord.slug}/recording"
    opens = "ma 31 mei 2027, 17.00"  # the end (16.30) and the 30 minutes a join still counts
    for moment in (utcnow(), noord.end_at + timedelta(minutes=10)):
        clock.set(moment)
        log_in(client, "noord@example.org")
        page = client.get(page_url).get_data(as_text=True)
        assert recording_url not in page  # no button
        assert f"Je kunt hem versturen vanaf {opens}, als de sessie voorbij is" in page
        assert "Deelgenomen:" not in page  # who joined is not known yet

        forged = {"csrf_token": csrf_token(client, page_url), "key": new_key()}
        page = post_recording(client, noord.slug, forged)
        assert f"De opnamemail kan worden verstuurd vanaf {opens}" in page
        assert "er is niets verstuurd" in page
        english = post_recording(client, noord.slug, {**forged, "key": new_key()}, lang="en")
        assert "The recording mail can be sent from Mon 31 May 2027, 17:00" in english
        client.get(f"{page_url}?lang=nl")
    assert db.session.scalars(db.select(OrganiserMessage)).all() == []
    assert outbox("recording") == []
    send_queued()
    assert smtp.messages == []

    clock.set(noord.end_at + timedelta(minutes=30))  # the join window has closed
    page = client.get(page_url).get_data(as_text=True)
    assert recording_url in page and "Je kunt hem versturen vanaf" not in page
    assert "Deelgenomen: 0; niet deelgenomen: 3." in page


def test_the_recording_mail_goes_once_and_again_only_when_ticked(client, noord, clock, smtp):
    noord.recording_url = RECORDING
    db.session.commit()
    page_url = f"/organiser/sessions/{noord.slug}/messages"
    first = recording_form(client, noord.slug)
    assert 'name="again"' not in client.get(page_url).get_data(as_text=True)  # first time
    page = post_recording(client, noord.slug, first)
    assert "Het bericht is onderweg naar 4 personen." in page
    assert len(received(smtp)) == 4
    sent_at = db.session.scalar(db.select(OrganiserMessage.created_at))

    # Later, the page (reloaded) says when, by whom and to how many it went.
    clock.set(noord.end_at + timedelta(days=2))
    log_in(client, "noord@example.org")
    page = client.get(page_url).get_data(as_text=True)
    assert "Verstuurd op ma 31 mei 2027, 17.30 door Nora Noord aan 4 personen." in page
    assert 'name="again"' in page and "Opnieuw versturen:" in page

    # The button pressed without ticking "Send again": refused, nothing queued.
    page = post_recording(client, noord.slug, recording_form(client, noord.slug))
    assert (
        "De opnamemail is al verstuurd op ma 31 mei 2027, 17.30, aan 4 personen;"
        " er is nu niets verstuurd." in page
    )
    assert len(db.session.scalars(db.select(OrganiserMessage)).all()) == 1
    assert len(outbox("recording")) == 4

    # Ticked: it goes again, once, however often the form is posted.
    again = recording_form(client, noord.slug, again="y")
    page = post_recording(client, noord.slug, again)
    assert "Het bericht is onderweg naar 4 personen." in page
    page = post_recording(client, noord.slug, again)  # a double click
    assert "Dit bericht was al verstuurd; het is niet nog een keer verstuurd." in page
    mails = received(smtp)
    assert set(mails) == GROUPS["confirmed"]
    assert all(len(got) == 2 for got in mails.values())
    sends = db.session.scalars(db.select(OrganiserMessage).order_by(OrganiserMessage.id)).all()
    assert [s.created_at for s in sends] == [sent_at, noord.end_at + timedelta(days=2)]
    page = client.get(page_url).get_data(as_text=True)
    assert page.count("door Nora Noord aan 4 personen.") == 2
    assert "Verstuurd op wo 2 jun 2027, 16.30 door Nora Noord" in page


def test_the_service_itself_refuses_too_early_and_a_second_send_not_asked_for(noord, clock):
    noord.recording_url = RECORDING
    db.session.commit()
    organiser = db.session.scalar(db.select(Organiser))
    clock.set(noord.end_at)  # over, but a join still counts for 30 minutes
    with pytest.raises(services.RecordingTooEarly) as early:
        services.send_recording(noord, organiser, new_key())
    assert early.value.opens_at == noord.end_at + timedelta(minutes=30)

    clock.set(noord.end_at + timedelta(hours=1))
    with unit_of_work():
        first = services.send_recording(noord, organiser, new_key())
    with pytest.raises(services.RecordingSentBefore) as sent_before, unit_of_work():
        services.send_recording(noord, organiser, new_key())
    assert sent_before.value.earlier.id == first.id
    with unit_of_work():
        services.send_recording(noord, organiser, new_key(), again=True)
    assert len(outbox("recording")) == 2 * len(GROUPS["confirmed"])
