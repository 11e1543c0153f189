"""The background sender: a request's mails leave from a thread of their own, never the
request's, so a hanging mail server slows no answer; its queue is bounded and whatever it
does not send waits in the outbox for the worker."""

import time
from collections import Counter
from datetime import timedelta

import pytest

from bench.hanging_smtp import HangingSMTPServer
from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.mail.background import BackgroundSender, sender_for, wait_idle
from eventsite.mail.models import SENT, OutboxMessage
from eventsite.mail.sender import send_queued
from tests.helpers import sign_up
from tests.smtp_server import SMTPServer

# Far above what a request may take here, far below what the old code took (MAIL_TIMEOUT).
QUICK = 5.0


def add_mails(n: int, prefix: str = "person") -> list[int]:
    rows = [
        OutboxMessage(
            message_id=f"<{prefix}{i}-{time.monotonic_ns()}@test>",
            kind="test",
            recipient=f"{prefix}{i}@example.nl",
            subject=f"Mail {i}",
            text_body=f"Hello {i}",
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def states() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(db.select(OutboxMessage.state)))


@pytest.fixture
def hanging(app):
    """A mail server on the app's mail port that accepts connections and never answers."""
    app.config["MAIL_TIMEOUT"] = 10
    server = HangingSMTPServer(app.config["MAIL_PORT"], hang_at="connect").start()
    yield server
    server.stop()


def deliver_later(app, clock):
    """The mail server is back; the worker runs once the retries are due."""
    clock.set(utcnow() + timedelta(hours=2))
    send_queued()


def test_signup_answers_at_once_while_the_mail_server_hangs(app, client, open_edition, hanging):
    client.wait_for_mail = False  # the point: the answer does not wait for the mail
    started = time.monotonic()
    response = sign_up(client, email="geduld@example.nl")
    assert response.status_code == 302
    assert hanging.wait_connections(1), "the confirmation mail was never tried"
    healthz = client.get("/healthz")
    assert healthz.status_code == 200
    # Before, the answer waited for the server's MAIL_TIMEOUT (10 s here).
    assert time.monotonic() - started < QUICK
    assert not wait_idle(app, timeout=0.5), "the sender should still hang on the server"
    (row,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert row.recipient == "geduld@example.nl" and row.state != SENT


def test_mail_held_by_a_hanging_server_is_delivered_once_the_server_is_back(
    app, client, open_edition, hanging, clock
):
    client.wait_for_mail = False
    sign_up(client, email="later@example.nl")
    assert hanging.wait_connections(1)
    hanging.stop()  # the server goes away, connections drop
    assert wait_idle(app, timeout=15)
    assert states()[SENT] == 0
    smtp = SMTPServer(app.config["MAIL_PORT"])
    smtp.start()
    try:
        deliver_later(app, clock)
        assert len(smtp.to("later@example.nl")) == 1
        assert states() == {SENT: 1}
    finally:
        smtp.stop()


def test_a_full_queue_leaves_the_rest_to_the_worker_and_every_mail_goes_once(app, hanging, clock):
    sender = BackgroundSender(app, max_pending=2)
    first, *rest = add_mails(5)
    assert sender.submit([first]) == 1
    assert hanging.wait_connections(1)  # the thread is stuck on the first mail
    started = time.monotonic()
    assert sender.submit(rest) == 2  # room for two; the other two stay for the worker
    assert time.monotonic() - started < 1.0  # handing over never waits for the server
    assert sender.left_for_worker == 2
    hanging.stop()
    smtp = SMTPServer(app.config["MAIL_PORT"])
    smtp.start()
    try:
        assert sender.wait_idle(timeout=20)
        deliver_later(app, clock)
        delivered = Counter(m["To"] for m in smtp.messages)
        assert delivered == {f"person{i}@example.nl": 1 for i in range(5)}
        assert states() == {SENT: 5}
    finally:
        sender.stop()
        smtp.stop()


def test_a_stopped_sender_takes_nothing_and_the_mails_wait_for_the_worker(app, smtp):
    sender = BackgroundSender(app, max_pending=10)
    sender.submit(add_mails(1, "first"))
    assert sender.wait_idle(timeout=10) and sender.running
    assert sender.stop(timeout=5) and not sender.running
    assert sender.submit(add_mails(2, "after")) == 0
    assert len(smtp.messages) == 1
    send_queued()  # the worker
    assert sorted(m["To"] for m in smtp.messages) == [
        "after0@example.nl",
        "after1@example.nl",
        "first0@example.nl",
    ]


def test_many_requests_share_one_thread_and_connection_batches(app, smtp):
    """Ids handed over while a batch is being sent go out together with the next one."""
    sender = BackgroundSender(app, max_pending=100)
    try:
        for ids in (add_mails(3, "a"), add_mails(3, "b"), add_mails(3, "c")):
            sender.submit(ids)
        assert sender.wait_idle(timeout=15)
        assert len(smtp.messages) == 9 and states() == {SENT: 9}
    finally:
        sender.stop()


def test_without_send_after_commit_a_signup_leaves_its_mail_to_the_worker(
    app, client, open_edition, smtp
):
    app.config["MAIL_SEND_AFTER_COMMIT"] = False
    assert sign_up(client, email="wachten@example.nl").status_code == 302
    assert not sender_for(app).running and smtp.messages == []
    send_queued()
    assert len(smtp.to("wachten@example.nl")) == 1


def test_console_mode_prints_a_requests_mail_from_the_background(app, client, open_edition, capfd):
    app.config["MAIL_TO_CONSOLE"] = True
    assert sign_up(client, email="console@example.nl").status_code == 302
    printed = capfd.readouterr().out
    assert "To: console@example.nl" in printed and "/confirm/" in printed
    assert states() == {SENT: 1}
