"""End to end through a real SMTP server: sign up, mail, confirm, personal link, reminders."""

from datetime import timedelta
from email.utils import parseaddr

from eventsite.extensions import db
from tests.helpers import (
    attendees,
    confirm,
    csrf_token,
    mail_text,
    manage_path,
    outbox,
    path_to,
    sign_up,
    states,
)


def test_sign_up_mail_confirm_and_personal_link(client, open_edition, smtp):
    sign_up(client, email="anna@example.nl")
    [first] = smtp.to("anna@example.nl")
    assert first["Subject"] == "Bevestig je aanmelding"
    assert first.get_body(preferencelist=("html",)) is not None
    confirm_path = path_to(first, "/confirm/")

    # A mail scanner opens the link: nothing happens.
    assert client.get(confirm_path).status_code == 200
    assert states() == ["pending"] and len(smtp.messages) == 1

    response = confirm(client, confirm_path)
    assert response.status_code == 302 and states() == ["confirmed"]
    second = smtp.to("anna@example.nl")[1]
    assert second["Subject"] == "Je bent aangemeld voor Smart Industry Jaarevent 2027"
    body = mail_text(second)
    assert "maandag 31 mei 2027, 15.00–16.30 uur" in body
    page = client.get(manage_path(second))
    assert page.status_code == 200 and "Digitaliseren begint bij je mensen" in page.text
    assert all(m["Message-ID"] for m in smtp.messages)


def test_duplicate_sign_up_sends_the_right_mail(client, open_edition, smtp):
    sign_up(client, email="anna@example.nl")
    confirm(client, path_to(smtp.to("anna@example.nl")[0], "/confirm/"))
    again = sign_up(client, email="Anna@Example.nl", sessions=["2027-oost"])
    assert again.headers["Location"] == "/register/sent"
    already = smtp.to("anna@example.nl")[-1]
    assert already["Subject"] == "Je bent al aangemeld"
    assert client.get(manage_path(already)).status_code == 200
    confirm(client, path_to(already, "/confirm/"))
    assert len(attendees()) == 1 and states() == ["confirmed", "confirmed"]


def test_english_mails(client, open_edition, smtp):
    sign_up(client, email="john@example.com", lang="en")
    [mail] = smtp.to("john@example.com")
    assert mail["Subject"] == "Please confirm your registration"
    assert "Monday, 31 May 2027, 15:00–16:30 CEST" in mail_text(mail)  # British order


def test_the_sender_name_is_in_the_mails_language_and_the_address_stays(
    app, client, open_edition, smtp
):
    sign_up(client, email="john@example.com", lang="en")
    confirm(client, path_to(smtp.wait_for("john@example.com", 1)[0], "/confirm/"))
    english = smtp.wait_for("john@example.com", 2)
    sign_up(client, email="anna@example.nl")
    [dutch] = smtp.wait_for("anna@example.nl", 1)
    address = parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]
    for mail in english:  # the confirmation request and the welcome
        assert mail["From"] == f"Smart Industry Annual Event <{address}>", mail["Subject"]
    assert dutch["From"] == f"Smart Industry Jaarevent <{address}>"
    # The envelope sender (bounces, SPF) is the same for both.
    envelopes = {e.mail_from for e in smtp.catcher.envelopes}
    assert envelopes == {address}


def test_smtp_down_during_sign_up_loses_nothing(client, runner, open_edition, smtp, clock):
    smtp.stop()
    response = sign_up(client, email="anna@example.nl")
    assert response.status_code == 302 and states() == ["pending"]
    [row] = outbox()
    db.session.refresh(row)
    assert row.state == "queued" and row.attempts == 1 and row.last_error
    smtp.start()
    clock.set(clock.at(2027, 5, 1, 12) + timedelta(minutes=1))  # past the first backoff
    assert "sent 1" in runner.invoke(args=["mail", "send-queued"]).output
    assert "sent 0" in runner.invoke(args=["mail", "send-queued"]).output
    assert len(smtp.to("anna@example.nl")) == 1


def test_promotion_from_the_waiting_list_is_mailed(client, make_edition, smtp, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(year=2027, capacity=1)
    for address in ("first@example.nl", "second@example.nl"):
        sign_up(client, email=address)
        confirm(client, path_to(smtp.to(address)[-1], "/confirm/"))
    assert "wachtlijst" in mail_text(smtp.to("second@example.nl")[-1])
    manage = manage_path(smtp.to("first@example.nl")[1])  # the welcome; its invite follows
    client.post(f"{manage}/drop/2027-noord", data={"csrf_token": csrf_token(client, manage)})
    promoted = smtp.to("second@example.nl")[-1]
    assert promoted["Subject"] == "Er is een plek vrijgekomen: je bent erbij"
    assert client.get(manage_path(promoted)).status_code == 200
    assert "/join/2027-noord" in mail_text(promoted)


def test_reminders_once_with_a_working_join_link(client, runner, open_edition, smtp, clock):
    noord = open_edition.sessions[0]
    noord.stream_url = "https://stream.example/room"
    db.session.commit()
    sign_up(client, email="anna@example.nl")
    confirm(client, path_to(smtp.to("anna@example.nl")[0], "/confirm/"))
    clock.set(noord.start_at - timedelta(hours=25))
    assert "Queued 0 reminder" in runner.invoke(args=["mail", "send-reminders"]).output
    clock.set(noord.start_at - timedelta(hours=23))
    result = runner.invoke(args=["mail", "send-reminders"])
    assert "Queued 1 reminder" in result.output
    assert "Queued 0 reminder" in runner.invoke(args=["mail", "send-reminders"]).output
    runner.invoke(args=["mail", "send-queued"])
    [reminder] = [m for m in smtp.to("anna@example.nl") if "Herinnering" in m["Subject"]]
    join = path_to(reminder, "/my/")
    assert join.endswith("/join/2027-noord")
    assert "stream.example" not in mail_text(reminder)
    clock.set(noord.start_at - timedelta(minutes=10))
    assert client.get(join).headers["Location"] == "https://stream.example/room"
