"""The mail outbox: queued in the transaction, sent after it, retried, never sent twice."""

import threading
from collections import Counter
from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from eventsite.mail.outbox import Attachment, queue_collected, queue_mail, rendered_only
from eventsite.mail.sender import send_queued
from tests.helpers import mail_text


def queue(n=1, recipient="ondernemer@example.nl", language="nl", **kwargs):
    rows = [
        queue_mail(
            kind="test",
            recipient=recipient,
            language=language,
            template="test_hello",
            context={"name": f"Jan {i}"},
            **kwargs,
        )
        for i in range(n)
    ]
    db.session.commit()
    return rows


def states() -> Counter:
    return Counter(db.session.scalars(db.select(OutboxMessage.state)))


def test_a_mail_is_rendered_in_the_recipients_language(mail_app):
    (dutch,) = queue(language="nl")
    (english,) = queue(language="en")
    assert dutch.subject == "Aanmelden Jan 0" and english.subject == "Sign up Jan 0"
    assert dutch.text_body.startswith("Hello Jan 0")
    assert dutch.message_id != english.message_id


def test_a_mail_rendered_only_is_queued_later_as_it_was_rendered(mail_app, smtp):
    """For a change that renders its mails before taking its locks (the confirmation)."""
    calendar = Attachment("jaarevent.ics", "application/ics", b"BEGIN:VCALENDAR\r\n")
    with rendered_only() as mails:
        assert queue(recipient="later@example.nl", attachments=[calendar]) == [None]
        queue(recipient="later@example.nl", language="en")
    assert states() == Counter()  # nothing was added
    assert [m.subject for m in mails] == ["Aanmelden Jan 0", "Sign up Jan 0"]

    queue_collected(mails)
    db.session.commit()
    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.subject, r.language) for r in rows] == [
        ("Aanmelden Jan 0", "nl"),
        ("Sign up Jan 0", "en"),
    ]
    assert rows[0].text_body.startswith("Hello Jan 0")
    assert [a.content for a in rows[0].attachments] == [b"BEGIN:VCALENDAR\r\n"]
    assert len({r.message_id for r in rows}) == 2
    assert send_queued().sent == 2
    assert len(smtp.to("later@example.nl")) == 2


def test_mail_queued_in_a_request_is_sent_after_the_response(mail_app, smtp):
    def view():
        queue(recipient="direct@example.nl")
        return "ok"

    mail_app.add_url_rule("/queue", "queue", view, methods=["POST"])
    mail_app.config["WTF_CSRF_ENABLED"] = False
    response = mail_app.test_client().post("/queue")
    assert response.status_code == 200
    received = smtp.to("direct@example.nl")
    assert len(received) == 1
    assert "Hello Jan 0" in mail_text(received[0])
    assert states() == {SENT: 1}


def test_a_rolled_back_mail_is_never_sent(mail_app, smtp):
    def view():
        queue_mail(
            kind="test",
            recipient="never@example.nl",
            language="nl",
            template="test_hello",
            context={"name": "X"},
        )
        db.session.flush()
        db.session.rollback()
        return "rolled back"

    mail_app.add_url_rule("/rollback", "rollback", view)
    mail_app.test_client().get("/rollback")
    assert smtp.messages == [] and states() == Counter()


def test_dead_mail_server_keeps_the_mail_and_send_queued_delivers_it_later(mail_app, smtp, clock):
    clock.set(utcnow())
    smtp.stop()
    (row,) = queue()
    report = send_queued()
    assert report.sent == 0 and report.retrying == 1
    db.session.refresh(row)
    assert row.state == QUEUED and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow()

    smtp.start()
    assert send_queued().sent == 0  # not due yet: backoff
    clock.set(utcnow() + timedelta(seconds=11))
    assert send_queued().sent == 1
    assert send_queued().sent == 0
    assert len(smtp.messages) == 1
    assert states() == {SENT: 1}


def test_gives_up_after_the_attempt_limit_and_keeps_the_reason(mail_app, clock):
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    clock.set(utcnow())
    (row,) = queue()
    for _ in range(4):
        send_queued()
        clock.set(utcnow() + timedelta(hours=2))
    db.session.refresh(row)
    assert row.state == FAILED and row.attempts == 3
    assert row.last_error


def test_a_mail_left_sending_by_a_crashed_worker_is_sent_again(mail_app, smtp, clock):
    clock.set(utcnow())
    (row,) = queue()
    row.state, row.claimed_at = SENDING, utcnow()
    db.session.commit()
    assert send_queued().sent == 0  # another worker may still be busy with it
    clock.set(utcnow() + timedelta(seconds=mail_app.config["MAIL_SENDING_TIMEOUT"] + 1))
    assert send_queued().sent == 1
    assert len(smtp.messages) == 1


def test_one_connection_serves_a_batch(mail_app, smtp):
    queue(25)
    report = send_queued(batch_size=100)
    assert report.sent == 25
    assert len({id(e) for e in smtp.catcher.envelopes}) == 25
    assert len(smtp.messages) == 25


def test_message_has_stable_id_text_html_and_invite_parts(mail_app, smtp):
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    (row,) = queue(
        attachments=[
            Attachment(
                "invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ics, "alternative"
            ),
            Attachment("invite.ics", "application/ics", ics),
        ]
    )
    send_queued()
    (message,) = smtp.messages
    assert message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in alternative.iter_parts()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(alternative.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == ics


def test_send_queued_command_reports_what_it_did(mail_app, smtp):
    queue(3)
    result = mail_app.test_cli_runner().invoke(args=["mail", "send-queued"])
    assert result.exit_code == 0
    assert "sent 3" in result.output


def test_console_mode_prints_the_mail_with_its_links(mail_app, capsys):
    mail_app.config["MAIL_TO_CONSOLE"] = True
    queue()
    send_queued()
    printed = capsys.readouterr().out
    assert "Hello Jan 0" in printed and "http://localhost/x" in printed
    assert states() == {SENT: 1}


def test_dev_outbox_page_only_in_development(mail_app, client):
    queue()
    assert client.get("/dev/outbox").status_code == 404
    mail_app.config["DEV_OUTBOX_PAGE"] = True
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "Aanmelden Jan 0" in page
    detail = client.get("/dev/outbox/1").get_data(as_text=True)
    assert '<a href="http://localhost/x"' in detail


def test_two_workers_over_500_mails_deliver_each_exactly_once(mail_app, smtp, database_uri):
    if not database_uri.startswith("postgresql"):
        pytest.skip("the concurrent-workers case is about PostgreSQL's SKIP LOCKED")
    rows = queue(500)
    expected = {r.message_id for r in rows}
    errors = []

    def worker():
        try:
            with mail_app.app_context():
                send_queued(batch_size=20)
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    delivered = Counter(m["Message-ID"] for m in smtp.messages)
    assert set(delivered) == expected
    assert max(delivered.values()) == 1
    db.session.expire_all()
    assert states() == {SENT: 500}


def test_long_lines_and_dutch_characters_arrive_intact(mail_app, smtp):
    mail_app.jinja_env.loader.loaders[0].mapping["mail/test_hello.txt"] = (
        "Subject: Één sessie: {{ name }}\n\n{{ name }} " + "lange regel é ë " * 200
    )
    queue()
    send_queued()
    (message,) = smtp.messages
    assert message["Subject"] == "Één sessie: Jan 0"
    assert mail_text(message).count("lange regel é ë") == 200


def test_a_worker_told_to_stop_finishes_its_batch_and_leaves_the_rest(mail_app, smtp):
    queue(30)
    batches = []

    def stop_after_first_batch():
        batches.append(1)
        return len(batches) > 1

    report = send_queued(batch_size=10, should_stop=stop_after_first_batch)
    assert report.sent == 10
    assert states() == {SENT: 10, QUEUED: 20}


def test_a_long_batch_keeps_its_claim_fresh(mail_app, smtp, clock):
    clock.set(utcnow())
    queue(60)
    original_send = smtp.catcher.handle_DATA

    async def slow_clock_server(server, session, envelope):
        # Each mail "takes" a minute: by the end the batch is far older than the timeout.
        clock.set(utcnow() + timedelta(minutes=1))
        return await original_send(server, session, envelope)

    smtp.catcher.handle_DATA = slow_clock_server
    send_queued(batch_size=60)
    claimed_at = [r.claimed_at for r in db.session.scalars(db.select(OutboxMessage))]
    # Rows after the first checkpoint were re-claimed later than the batch started.
    assert max(claimed_at) > min(claimed_at)
    assert states() == {SENT: 60}
