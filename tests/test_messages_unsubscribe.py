"""Bulk-mail headers (RFC 2369, 2919, 8058) on organiser messages and the recording mail, none
on transactional mail; the one-click unsubscribe without cookie or CSRF token; its audit."""

import re

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.messaging import services
from eventsite.organisers.models import Organiser
from eventsite.registration.models import Attendee
from eventsite.registration.unsubscribe import _serializer
from tests import factories, messages_helpers
from tests.helpers import csrf_token
from tests.mail_corpus import build_corpus
from tests.messages_helpers import GROUPS, as_sent, message_form, received, send

noord = messages_helpers.noord  # the fixture: the noord session with its people

ONE_CLICK_URL = re.compile(
    r"<(http://localhost/unsubscribe/[^>]+)>, <mailto:[^>]+\?subject=unsubscribe>"
)


def one_click_url(mail) -> str:
    found = ONE_CLICK_URL.fullmatch(as_sent(mail, "List-Unsubscribe"))
    assert found, as_sent(mail, "List-Unsubscribe")
    return found.group(1).removeprefix("http://localhost")


def assert_bulk(mail):
    one_click_url(mail)
    assert mail["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert mail["List-Id"].strip() == "<localhost>"  # SITE_URL's host
    assert mail["Precedence"].strip() == "bulk"
    assert mail["Auto-Submitted"] is None  # a person wrote it


def test_organiser_messages_are_bulk_mail_with_a_personal_one_click_link(client, noord, smtp):
    data = message_form(client, noord.slug, subject_nl="Bericht", body_nl="Hallo allemaal")
    send(client, noord.slug, data)
    mails = received(smtp)
    assert set(mails) == GROUPS["confirmed"]
    urls = set()
    for [mail] in mails.values():
        assert_bulk(mail)
        urls.add(one_click_url(mail))
    assert len(urls) == len(mails)  # one per recipient


def test_the_recording_mail_is_bulk_mail(app, noord, smtp):
    noord.recording_url = "https://video.example/jaarevent-2027-noord"
    db.session.commit()
    organiser = db.session.scalar(db.select(Organiser).filter_by(email="noord@example.org"))
    with unit_of_work():
        services.send_recording(noord, organiser, "recording-key")
    send_queued()
    assert len(smtp.messages) == len(GROUPS["confirmed"])
    for mail in smtp.messages:
        assert_bulk(mail)


def test_transactional_mails_keep_auto_submitted_and_have_no_unsubscribe(
    client, open_edition, smtp, make_organiser
):
    corpus = build_corpus(client, smtp, make_organiser)
    # The corpus's one bulk mail: the "keep me posted" announcement.
    [announcement] = [m for m in corpus if m["Subject"].startswith("Sign-up for")]
    assert as_sent(announcement, "List-Unsubscribe").startswith(
        "<http://localhost/keep-me-posted/unsubscribe/"
    )
    assert announcement["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert announcement["Precedence"].strip() == "bulk"
    for mail in corpus:
        if mail is announcement:
            continue
        assert mail["Auto-Submitted"] == "auto-generated", mail["Subject"]
        for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence"):
            assert mail[header] is None, (mail["Subject"], header)


def test_a_one_click_post_without_cookie_stops_messages_and_is_in_the_data_download(
    app,
    client,
    noord,
    smtp,
    clock,
):
    data = message_form(client, noord.slug, subject_nl="Eerste", body_nl="Hallo allemaal")
    send(client, noord.slug, data)
    [mail] = received(smtp)["niet-nl@example.nl"]
    url = one_click_url(mail)
    smtp.messages.clear()

    # A mail scanner opening the link changes nothing: it is a page with a button.
    stranger = app.test_client()
    page = stranger.get(url, headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    assert "Stop berichten van de organisatie" in page.get_data(as_text=True)
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="niet-nl@example.nl"))
    assert attendee.messages_opt_out is False

    # The mail provider's POST (RFC 8058): its own origin, no cookie, no CSRF token.
    provider = app.test_client(use_cookies=False)
    response = provider.post(
        url,
        data={"List-Unsubscribe": "One-Click"},
        headers={"Origin": "https://mail.google.com", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert attendee.messages_opt_out is True

    data = message_form(client, noord.slug, subject_nl="Tweede", body_nl="Nog eens")
    send(client, noord.slug, data)
    assert set(received(smtp)) == GROUPS["confirmed"] - {"niet-nl@example.nl"}

    token = factories.manage_token(attendee)
    download = client.get(f"/my/{token}/data.json").get_json()
    assert download["organiser_messages_stopped"] is True
    assert download["organiser_messages_stopped_by"] == "one-click unsubscribe"
    stopped_at = download["organiser_messages_stopped_at"]
    assert stopped_at == attendee.messages_opt_out_at.isoformat()
    assert stopped_at.startswith(noord.end_at.date().isoformat())


def test_the_page_speaks_the_visitors_language(app, client, noord, smtp):
    send(client, noord.slug, message_form(client, noord.slug, subject_en="Hi", body_en="Hello"))
    [mail] = received(smtp)["niet-en@example.nl"]
    page = app.test_client().get(one_click_url(mail), headers={"Accept-Language": "en"})
    assert "Stop messages from the organisers" in page.get_data(as_text=True)


def test_a_forged_token_changes_nothing(app, client, noord, smtp):
    send(client, noord.slug, message_form(client, noord.slug, subject_nl="B", body_nl="Hallo"))
    [mail] = received(smtp)["niet-nl@example.nl"]
    url = one_click_url(mail)
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    provider = app.test_client(use_cookies=False)
    for bad in (forged, "/unsubscribe/1", "/unsubscribe/MQ.not-a-signature"):
        response = provider.post(bad, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True) or (
            "Deze link werkt niet" in response.get_data(as_text=True)
        )
        assert provider.get(bad).status_code == 404
    db.session.expire_all()
    stopped = db.session.scalars(db.select(Attendee).filter_by(messages_opt_out=True)).all()
    assert stopped == []


def test_the_personal_pages_stop_is_in_the_data_download_too(client, noord, smtp):
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="niet-nl@example.nl"))
    token = factories.manage_token(attendee)
    manage = f"/my/{token}"
    client.post(f"{manage}/messages/stop", data={"csrf_token": csrf_token(client, manage)})
    download = client.get(f"{manage}/data.json").get_json()
    assert download["organiser_messages_stopped_by"] == "personal page"
    assert download["organiser_messages_stopped_at"] is not None


def test_an_erased_persons_link_does_not_stop_messages_to_whoever_gets_their_id(
    app, client, noord, smtp
):
    """SQLite hands the id of the newest row, once erased, to the next sign-up: the link in
    the erased person's old message stopped the messages of someone else."""
    send(client, noord.slug, message_form(client, noord.slug, subject_nl="B", body_nl="Hallo"))
    [mail] = received(smtp)["niet-nl@example.nl"]
    url = one_click_url(mail)
    attendee = db.session.scalar(db.select(Attendee).filter_by(email="niet-nl@example.nl"))
    attendee.email = "someone.else@example.nl"  # as if erased and the id reused
    db.session.commit()
    provider = app.test_client(use_cookies=False)
    assert provider.get(url).status_code == 404
    assert provider.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    db.session.expire_all()
    assert attendee.messages_opt_out is False
    # A link made before the address was in it (the id alone) still works for its owner.
    with app.test_request_context():
        old = "/unsubscribe/" + _serializer().dumps(attendee.id)
    attendee.email = "niet-nl@example.nl"
    db.session.commit()
    assert provider.post(old, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert attendee.messages_opt_out is True
