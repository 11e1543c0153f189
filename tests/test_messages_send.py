"""Organiser messages: each group gets exactly its mail, in its language, once; access;
the preview; the personal link in the mail; attendees who stopped messages get none."""

import pytest

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.i18n import localized
from eventsite.messaging import services
from eventsite.messaging.compose import Draft
from eventsite.messaging.models import OrganiserMessage
from eventsite.organisers.models import Organiser
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.models import Attendee
from tests import messages_helpers
from tests.helpers import csrf_token, form_data, links_in, mail_text, outbox, run_at_once
from tests.messages_helpers import GROUPS, PEOPLE, message_form, received, send

noord = messages_helpers.noord  # the fixture: the noord session with its people


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_message_to_a_group_reaches_exactly_that_group_in_its_language(
    client, noord, smtp, group
):
    data = message_form(
        client,
        noord.slug,
        group=group,
        subject_nl="De stream begint later",
        body_nl="We beginnen tien minuten later.\n\nDe slides: https://example.nl/slides",
        subject_en="The stream starts later",
        body_en="We start ten minutes later.",
    )
    response = send(client, noord.slug, data)
    [message] = db.session.scalars(db.select(OrganiserMessage)).all()
    assert response.headers["Location"].endswith(f"/messages/{message.id}")
    assert message.recipient_count == len(GROUPS[group])
    assert message.languages == "nl,en" and message.sender_name == "Nora Noord"

    mails = received(smtp)
    assert set(mails) == GROUPS[group]
    for address, [mail] in mails.items():
        text = mail_text(mail)
        if PEOPLE[address][1] == "nl":
            assert mail["Subject"] == "De stream begint later"
            assert "tien minuten later" in text and "Hallo Anna," in text
        else:
            assert mail["Subject"] == "The stream starts later"
            assert "ten minutes later" in text and "Hello Anna," in text
        assert "Anna de Vries," not in text  # greeted by the first name, as every mail
        assert "Nora Noord" in text and localized(noord, "title", PEOPLE[address][1]) in text
        html = mail.get_body(preferencelist=("html",)).get_content()
        if PEOPLE[address][1] == "nl":
            assert '<a href="https://example.nl/slides">' in html


def test_one_language_only_goes_to_everyone_in_that_language(client, noord, smtp):
    data = message_form(client, noord.slug, subject_nl="Alleen Nederlands", body_nl="Tot zo!")
    send(client, noord.slug, data)
    mails = received(smtp)
    assert set(mails) == GROUPS["confirmed"]
    for [mail] in mails.values():
        assert mail["Subject"] == "Alleen Nederlands"
        assert "Tot zo!" in mail_text(mail) and "Hallo" in mail_text(mail)


def test_the_preview_shows_the_mail_and_the_count_before_send(client, noord):
    data = message_form(
        client, noord.slug, group="not_joined", subject_en="Missed you", body_en="<b>Hi</b>"
    )
    url = f"/organiser/sessions/{noord.slug}/messages"
    assert 'name="send"' not in client.get(url).get_data(as_text=True)
    page = client.post(url, data={**data, "preview": "1"}).get_data(as_text=True)
    assert "Dit bericht gaat naar 2 personen" in page
    assert "Missed you" in page and "&lt;b&gt;Hi&lt;/b&gt;" in page and "<b>Hi</b>" not in page
    assert 'name="send"' in page
    assert outbox("organiser-message") == []


@pytest.mark.parametrize(
    "fields, error",
    [
        ({}, "in het Nederlands, in het Engels, of allebei"),
        ({"subject_nl": "Onderwerp"}, "Schrijf het bericht, of maak het onderwerp leeg"),
        ({"body_en": "Text only"}, "Schrijf een onderwerp"),
        ({"subject_nl": "x", "body_nl": "y", "group": "everyone"}, "Ongeldige keuze"),
        ({"subject_nl": "x", "body_nl": "y", "key": "short"}, "verlopen"),
    ],
)
def test_bad_input_is_explained_and_sends_nothing(client, noord, fields, error):
    data = message_form(client, noord.slug, **fields)
    page = client.post(f"/organiser/sessions/{noord.slug}/messages", data={**data, "send": "1"})
    assert page.status_code == 200 and error in page.get_data(as_text=True)
    assert db.session.scalars(db.select(OrganiserMessage)).all() == []


def test_a_double_submit_sends_once(client, noord, smtp):
    data = message_form(client, noord.slug, subject_nl="Eén keer", body_nl="Echt maar één keer.")
    first = send(client, noord.slug, data)
    second = client.post(f"/organiser/sessions/{noord.slug}/messages", data={**data, "send": "1"})
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert len(db.session.scalars(db.select(OrganiserMessage)).all()) == 1
    assert len(outbox("organiser-message")) == len(GROUPS["confirmed"])
    assert sorted(len(m) for m in received(smtp).values()) == [1] * len(GROUPS["confirmed"])


def test_a_hub_cannot_message_another_regions_session(
    client, noord, make_organiser, make_registration, smtp
):
    zuid = next(s for s in noord.edition.sessions if s.region.slug == "zuid")
    make_registration(zuid, email="zuid@example.nl")
    url = f"/organiser/sessions/{zuid.slug}/messages"
    assert client.get(url).status_code == 403
    token = csrf_token(client, f"/organiser/sessions/{noord.slug}/messages")
    data = {"csrf_token": token, "key": "k" * 30, "group": "confirmed", "subject_nl": "Hoi"}
    assert client.post(url, data={**data, "body_nl": "x", "send": "1"}).status_code == 403
    assert client.post(f"/organiser/sessions/{zuid.slug}/recording", data=data).status_code == 403
    assert outbox("organiser-message") == [] and received(smtp) == {}


def test_stopped_messages_are_respected_but_a_time_change_invite_still_comes(client, noord, smtp):
    data = message_form(client, noord.slug, subject_nl="Eerste bericht", body_nl="Hallo allemaal")
    send(client, noord.slug, data)
    [mail] = received(smtp)["niet-nl@example.nl"]
    manage = next(link for link in links_in(mail) if "/my/" in link).removeprefix(
        "http://localhost"
    )
    page = client.get(manage).get_data(as_text=True)
    assert "Stop berichten van de organisatie" in page
    stop = f"{manage}/messages/stop"
    client.post(stop, data={"csrf_token": csrf_token(client, manage)})
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="niet-nl@example.nl"))
    assert attendee.messages_opt_out is True
    assert "Weer berichten van de organisatie ontvangen" in client.get(manage).get_data(
        as_text=True
    )
    smtp.messages.clear()

    data = message_form(client, noord.slug, subject_nl="Tweede bericht", body_nl="Nog eens")
    send(client, noord.slug, data)
    assert set(received(smtp)) == GROUPS["confirmed"] - {"niet-nl@example.nl"}
    smtp.messages.clear()

    edit = f"/organiser/sessions/{noord.slug}/edit"
    form = form_data(client, edit)
    form.update(start_at="2027-05-31T16:00", end_at="2027-05-31T18:00")
    assert client.post(edit, data=form).status_code == 302
    invites = received(smtp)
    assert "niet-nl@example.nl" in invites and set(invites) == GROUPS["confirmed"]


def test_the_message_log_shows_who_sent_what_to_whom(client, noord):
    data = message_form(client, noord.slug, group="waiting", subject_en="Waiting", body_en="Soon")
    send(client, noord.slug, data)
    page = client.get(f"/organiser/sessions/{noord.slug}/messages").get_data(as_text=True)
    assert "Nora Noord" in page and "Waiting" in page and "De wachtlijst" in page
    entry = db.session.scalars(db.select(OrganiserMessage)).one()
    assert (entry.recipient_group, entry.recipient_count, entry.subject_nl) == ("waiting", 1, None)


def test_two_posts_of_one_form_at_the_same_moment_send_once(app, noord):
    """Two workers get the same form at once (a double click behind a load balancer)."""
    session_id = noord.id
    organiser_id = db.session.scalar(db.select(Organiser.id))

    def press():
        try:
            with unit_of_work():
                services.send_message(
                    db.session.get(ProgrammeSession, session_id),
                    db.session.get(Organiser, organiser_id),
                    "confirmed",
                    Draft("Tegelijk", "Twee keer geklikt", None, None),
                    "same-key-" + "x" * 20,
                )
        except services.AlreadySent as already:
            return already.message.id
        return "sent"

    results = run_at_once(app, [press, press])
    [message] = db.session.scalars(db.select(OrganiserMessage)).all()
    assert sorted(results, key=str) == sorted([message.id, "sent"], key=str)
    assert len(outbox("organiser-message")) == len(GROUPS["confirmed"])
