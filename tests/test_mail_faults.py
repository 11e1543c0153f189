"""Fault injection: whatever the mail server does to one mail, the others are delivered once,
a temporary failure is delivered after the server recovers, a permanent one ends ``failed``
with the server's reply kept, and sending goes on (send_queued never raises)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.mail.models import FAILED, QUEUED, SENT, OutboxMessage
from eventsite.mail.sender import send_queued
from tests.helpers import queue_all, row_of
from tests.smtp_faults import DROP, HANG, FaultySMTP, self_signed_tls

VICTIM = "victim@example.nl"
GOOD = [f"good{i}@example.nl" for i in range(1, 5)]
# The order in which the mails are queued (and sent): the victim is the third.
ORDER = GOOD[:2] + [VICTIM] + GOOD[2:]
TEMPORARY_CODES = (421, 451, 452)
PERMANENT_CODES = (550, 552, 554)


@pytest.fixture
def server(mail_app):  # noqa: F811
    mail_app.config["MAIL_TIMEOUT"] = 1
    faulty = FaultySMTP(mail_app.config["MAIL_PORT"])
    faulty.start()
    yield faulty
    faulty.stop()


def later(clock, hours=2) -> None:
    clock.set(utcnow() + timedelta(hours=hours))


def assert_good_mails_delivered_once(server) -> None:
    delivered = server.delivered()
    assert {r: delivered[r] for r in GOOD} == {r: 1 for r in GOOD}
    for recipient in GOOD:
        row = row_of(recipient)
        assert row.state == SENT and row.attempts == 1, (recipient, row.last_error)


def fail_then_recover(server, clock, stage: str, action: str) -> OutboxMessage:
    """Queue the mails, send once with the fault in place, return the victim's row."""
    clock.set(utcnow())
    queue_all(ORDER)
    if stage in ("RCPT", "DATA"):
        server.fail(stage, action, recipient=VICTIM)
    elif stage == "MAIL":
        server.fail(stage, action, nth=ORDER.index(VICTIM) + 1)
    else:  # EHLO: the first connection, opened for the first mail
        server.fail(stage, action, nth=1)
    send_queued()  # never raises: the worker goes on
    return row_of(ORDER[0] if stage == "EHLO" else VICTIM)


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
@pytest.mark.parametrize("code", TEMPORARY_CODES)
def test_a_temporary_refusal_is_retried_and_delivered_after_recovery(server, clock, stage, code):
    victim = fail_then_recover(server, clock, stage, f"{code} 4.7.1 try later ({stage})")
    assert_good_mails_delivered_once(server)
    assert victim.state == QUEUED and victim.attempts == 1
    assert victim.last_error_code == code and f"try later ({stage})" in victim.last_error
    assert victim.next_attempt_at > utcnow()

    server.recover()
    later(clock)
    send_queued()
    assert server.delivered()[VICTIM] == 1
    assert row_of(VICTIM).state == SENT
    assert_good_mails_delivered_once(server)


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
@pytest.mark.parametrize("code", PERMANENT_CODES)
def test_a_permanent_refusal_fails_that_mail_only_with_the_reply_kept(server, clock, stage, code):
    victim = fail_then_recover(server, clock, stage, f"{code} 5.1.1 no such user ({stage})")
    assert_good_mails_delivered_once(server)
    assert victim.state == FAILED and victim.attempts == 1
    assert victim.last_error_code == code
    assert victim.last_error == f"{stage} {code} 5.1.1 no such user ({stage})"

    server.recover()
    later(clock)
    send_queued()
    assert server.delivered()[VICTIM] == 0  # given up for good: never tried again
    assert_good_mails_delivered_once(server)


@pytest.mark.parametrize("stage", ["EHLO", "MAIL", "RCPT", "DATA"])
def test_a_hang_costs_one_time_budget_and_holds_no_other_mail(server, clock, stage):
    started = time.monotonic()
    victim = fail_then_recover(server, clock, stage, HANG)
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"one hang held the batch {elapsed:.1f} s (MAIL_TIMEOUT is 1 s)"
    assert victim.state == QUEUED and victim.attempts == 1
    assert "Timeout" in victim.last_error or "timed out" in victim.last_error
    if stage == "EHLO":  # the connection failed before any mail: the rest were not charged
        assert server.delivered() == {}
        for recipient in ORDER[1:]:
            assert row_of(recipient).attempts == 0
    else:
        assert_good_mails_delivered_once(server)

    server.recover()
    later(clock)
    send_queued()
    assert server.delivered() == {r: 1 for r in ORDER}


def test_a_connection_dropped_in_data_is_retried_and_the_rest_go_on(server, clock):
    victim = fail_then_recover(server, clock, "DATA", DROP)
    assert_good_mails_delivered_once(server)
    assert victim.state == QUEUED and victim.attempts == 1
    assert "SMTPServerDisconnected" in victim.last_error or "Connection" in victim.last_error

    server.recover()
    later(clock)
    send_queued()
    assert server.delivered()[VICTIM] == 1


@pytest.mark.parametrize(
    "greeting", ["421 4.3.2 busy", "451 4.3.0 later", "452 4.3.1 full", "554 5.3.2 no service"]
)
def test_a_refused_greeting_charges_one_mail_and_the_rest_wait_uncharged(server, clock, greeting):
    clock.set(utcnow())
    queue_all(ORDER)
    server.greet_badly(greeting)
    report = send_queued()
    assert report.sent == 0 and report.retrying == 1 and report.failed == 0
    first = row_of(ORDER[0])
    assert first.state == QUEUED and first.attempts == 1
    assert first.last_error_code == int(greeting[:3]) and greeting[4:] in first.last_error
    for recipient in ORDER[1:]:
        row = row_of(recipient)
        assert row.state == QUEUED and row.attempts == 0 and row.last_error is None

    server.recover()
    later(clock)
    assert send_queued().sent == len(ORDER)
    assert server.delivered() == {r: 1 for r in ORDER}


def test_a_server_that_never_greets_costs_one_time_budget(server, clock):
    clock.set(utcnow())
    queue_all(ORDER)
    server.hang_on_connect()
    started = time.monotonic()
    assert send_queued().retrying == 1
    assert time.monotonic() - started < 5
    assert "timed out" in row_of(ORDER[0]).last_error

    server.recover()
    later(clock)
    assert send_queued().sent == len(ORDER)
    assert server.delivered() == {r: 1 for r in ORDER}


def test_a_bad_certificate_sends_nothing_in_plain_text(mail_app, server, clock, tmp_path):  # noqa: F811
    context, cert_file = self_signed_tls(tmp_path)
    mail_app.config["MAIL_USE_TLS"] = True
    server.start(tls_context=context)
    clock.set(utcnow())
    queue_all(ORDER)
    assert send_queued().retrying == 1
    assert server.delivered() == {}
    assert "CERTIFICATE_VERIFY_FAILED" in row_of(ORDER[0]).last_error

    mail_app.config["MAIL_TLS_CA_FILE"] = cert_file  # the certificate is trusted now
    later(clock)
    assert send_queued().sent == len(ORDER)
    assert server.delivered() == {r: 1 for r in ORDER}


def test_a_server_without_starttls_gets_no_mail_in_plain_text(mail_app, server, clock, tmp_path):  # noqa: F811
    mail_app.config["MAIL_USE_TLS"] = True
    clock.set(utcnow())
    queue_all(ORDER)
    assert send_queued().retrying == 1
    assert server.delivered() == {}
    assert "STARTTLS" in row_of(ORDER[0]).last_error

    context, cert_file = self_signed_tls(tmp_path)
    mail_app.config["MAIL_TLS_CA_FILE"] = cert_file
    server.recover(tls_context=context)
    later(clock)
    assert send_queued().sent == len(ORDER)
    assert server.delivered() == {r: 1 for r in ORDER}


def test_a_server_hanging_for_everyone_gives_up_the_batch_after_two_mails(server, clock):
    clock.set(utcnow())
    queue_all(GOOD)
    server.fail("DATA", HANG)
    started = time.monotonic()
    send_queued()
    assert time.monotonic() - started < 6
    attempts = sorted(row_of(r).attempts for r in GOOD)
    assert attempts == [0, 0, 1, 1]  # two charged, the rest put back uncharged
    server.recover()
    later(clock)
    send_queued()
    assert server.delivered() == {r: 1 for r in GOOD}


def test_permanent_refusals_never_drag_other_mails_to_failed(mail_app, server, clock):  # noqa: F811
    # The case: MAIL_MAX_ATTEMPTS=3 and a mail refused for good at DATA.
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    clock.set(utcnow())
    recipients = [f"p{i}@example.nl" for i in range(20)]
    queue_all(recipients)
    server.fail("DATA", "550 5.7.1 rejected", recipient="p3@example.nl")
    server.fail("DATA", "550 5.7.1 rejected", recipient="p11@example.nl")
    for _ in range(4):
        send_queued(batch_size=7)
        later(clock)
    delivered = server.delivered()
    assert {r for r in recipients if delivered[r] == 1} == set(recipients) - {
        "p3@example.nl",
        "p11@example.nl",
    }
    assert max(delivered.values()) == 1
    assert row_of("p3@example.nl").state == FAILED and row_of("p3@example.nl").attempts == 1
