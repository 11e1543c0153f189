"""Internationalised addresses end to end, and mails that cannot be built (poison mails):
refused at the form with a clear message, or delivered to exactly that address; never
stopping other mail."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.mail.addresses import AddressError, wire_address
from eventsite.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from eventsite.mail.outbox import Attachment, queue_mail, queue_many
from eventsite.mail.sender import reclaim_stuck, send_queued
from tests.helpers import attendees, queue_all, row_of, sign_up
from tests.smtp_faults import FaultySMTP

GOOD = ["eerste@example.nl", "tweede@example.nl"]


@pytest.fixture
def server(mail_app):  # noqa: F811
    mail_app.config["MAIL_TIMEOUT"] = 1
    faulty = FaultySMTP(mail_app.config["MAIL_PORT"])
    faulty.start()
    yield faulty
    faulty.stop()


# --- At the form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, message",
    [
        ("nl", "We kunnen geen mail bezorgen op een adres met speciale tekens"),
        ("en", "We cannot deliver mail to an address with special characters"),
    ],
)
@pytest.mark.parametrize("address", ["jän@example.nl", "ｊａｎ@example.nl"])
def test_a_non_ascii_local_part_is_refused_at_the_form(
    client, open_edition, lang, message, address
):
    response = sign_up(client, lang=lang, email=address)
    assert response.status_code == 200  # the form again, with the message at the field
    assert message in response.get_data(as_text=True)
    assert attendees() == []
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_with_smtputf8_configured_a_non_ascii_local_part_is_accepted(app, client, open_edition):
    app.config["MAIL_SMTPUTF8"] = True
    response = sign_up(client, email="jän@example.nl")
    assert response.status_code == 302
    assert [a.email for a in attendees()] == ["jän@example.nl"]


def test_an_idn_domain_is_accepted_at_the_form(client, open_edition):
    assert sign_up(client, email="jan@straße.de").status_code == 302
    assert [a.email for a in attendees()] == ["jan@straße.de"]


def test_wire_address_uses_idna2008_never_idna2003():
    assert wire_address("jan@straße.de", smtputf8=False) == "jan@xn--strae-oqa.de"
    assert wire_address("jän@example.nl", smtputf8=True) == "jän@example.nl"
    with pytest.raises(AddressError):
        wire_address("jän@example.nl", smtputf8=False)
    with pytest.raises(AddressError):
        wire_address("jan@example.nl\r\nBcc: x@example.org", smtputf8=False)


# --- In the sender ----------------------------------------------------------------------


def test_an_idn_domain_is_mailed_to_exactly_that_domain(server):
    queue_all([GOOD[0], "jan@straße.de", GOOD[1]])
    assert send_queued().sent == 3
    assert server.delivered() == {GOOD[0]: 1, "jan@xn--strae-oqa.de": 1, GOOD[1]: 1}
    (mail,) = [m for m in server.messages if "xn--" in m["To"]]
    assert mail["To"] == "jan@xn--strae-oqa.de"  # a well-formed header, not an encoded word


def test_a_non_ascii_local_part_without_smtputf8_fails_alone(server):
    queue_all([GOOD[0], "jän@example.nl", GOOD[1]])
    report = send_queued()
    assert report.sent == 2 and report.failed == 1
    assert server.delivered() == {GOOD[0]: 1, GOOD[1]: 1}
    row = row_of("jän@example.nl")
    assert row.state == FAILED and "SMTPUTF8" in row.last_error


def test_a_non_ascii_local_part_is_delivered_through_a_server_with_smtputf8(server):
    server.start(smtputf8=True)
    queue_all([GOOD[0], "jän@example.nl", "jan@straße.de", GOOD[1]])
    assert send_queued().sent == 4
    delivered = server.delivered()
    assert delivered["jän@example.nl"] == 1 and delivered["jan@xn--strae-oqa.de"] == 1
    (envelope,) = [e for e in server.handler.envelopes if e.rcpt_tos == ["jän@example.nl"]]
    assert "SMTPUTF8" in envelope.mail_options
    (mail,) = [m for m in server.messages if m["Message-ID"] == row_of("jän@example.nl").message_id]
    assert mail["To"] == "jän@example.nl"


def test_plain_addresses_go_without_smtputf8_where_the_server_offers_it(server):
    """A relay that offers SMTPUTF8 must pass a mail marked SMTPUTF8, with raw UTF-8 in its
    headers, only to a next hop that offers it too, and bounces it otherwise (many company
    mail servers do not): so only a mail whose address needs it is sent that way, and an
    accented subject goes encoded (RFC 2047), readable everywhere."""
    server.start(smtputf8=True)
    for recipient in ("zoë@example.nl", GOOD[0]):
        queue_mail(
            kind="test",
            recipient=recipient,
            language="nl",
            template="test_hello",
            context={"name": "Zoë"},
        )
    db.session.commit()
    assert send_queued().sent == 2
    (plain,) = [e for e in server.handler.envelopes if e.rcpt_tos == [GOOD[0]]]
    assert "SMTPUTF8" not in plain.mail_options
    head = plain.content.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head
    (accented,) = [e for e in server.handler.envelopes if e.rcpt_tos == ["zoë@example.nl"]]
    assert "SMTPUTF8" in accented.mail_options
    assert all(m["Subject"].endswith(" Zoë") for m in server.messages)


def test_a_line_break_in_a_subject_is_flattened_not_injected(server):
    queue_many(
        [
            {
                "kind": "invite-update",
                "recipient": GOOD[0],
                "language": "nl",
                "subject": "Nieuwe titel\r\nBcc: stiekem@example.org",
                "text_body": "Hallo",
            }
        ]
    )
    db.session.commit()
    assert send_queued().sent == 1
    (mail,) = server.messages
    assert mail["Subject"] == "Nieuwe titel Bcc: stiekem@example.org"
    assert mail["Bcc"] is None and server.delivered() == {GOOD[0]: 1}


def test_a_mail_that_cannot_be_built_is_recorded_and_stops_nothing(mail_app, server, clock):  # noqa: F811
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 2
    clock.set(utcnow())
    queue_all([GOOD[0]])
    # An invite part in a charset that does not exist: building this mail raises LookupError.
    poison = Attachment("invite.ics", "text/calendar; charset=no-such-charset", b"X", "alternative")
    queue_mail(
        kind="test",
        recipient="kapot@example.nl",
        language="nl",
        template="test_hello",
        context={"name": "kapot"},
        attachments=[poison],
    )
    db.session.commit()
    queue_all([GOOD[1]])
    report = send_queued()
    assert report.sent == 2 and report.retrying == 1
    row = row_of("kapot@example.nl")
    assert row.state == QUEUED and row.attempts == 1 and "LookupError" in row.last_error
    clock.set(utcnow() + timedelta(hours=1))
    send_queued()
    row = row_of("kapot@example.nl")
    assert row.state == FAILED and row.attempts == 2  # given up after MAIL_MAX_ATTEMPTS
    assert server.delivered() == {GOOD[0]: 1, GOOD[1]: 1}


# --- Interrupted and crashed sends ----------------------------------------------------


def test_an_interrupted_send_puts_its_rows_back_at_once(server):
    """SIGINT in the middle of a batch (as a stopping process): what went out is recorded as
    sent, the mail in flight and the untried ones are queued again, none is left 'sending'."""
    queue_all(["a@example.nl", "b@example.nl", "c@example.nl", "d@example.nl"])
    main = threading.get_ident()
    original = server.handler.handle_RCPT

    async def interrupt_at_c(srv, session, envelope, address, options):
        if address == "c@example.nl":
            signal.pthread_kill(main, signal.SIGINT)
        return await original(srv, session, envelope, address, options)

    server.handler.handle_RCPT = interrupt_at_c
    with pytest.raises(KeyboardInterrupt):
        send_queued()
    db.session.expire_all()
    rows = db.session.scalars(db.select(OutboxMessage))
    states = {r.recipient: (r.state, r.attempts) for r in rows}
    assert states["a@example.nl"] == (SENT, 1) and states["b@example.nl"] == (SENT, 1)
    assert states["c@example.nl"] == (QUEUED, 1)
    assert states["d@example.nl"] == (QUEUED, 0)
    server.handler.handle_RCPT = original
    assert send_queued().sent == 2
    assert server.delivered() == {r: 1 for r in states}


def test_a_reclaimed_row_counts_its_attempt_and_is_given_up_at_the_limit(mail_app, clock):  # noqa: F811
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    clock.set(utcnow())
    rows = queue_all(["last@example.nl", "again@example.nl"])
    for row, attempts in zip(rows.values(), (3, 1), strict=True):
        row.state, row.claimed_at, row.attempts = SENDING, utcnow(), attempts
    db.session.commit()
    clock.set(utcnow() + timedelta(seconds=mail_app.config["MAIL_SENDING_TIMEOUT"] + 1))
    assert reclaim_stuck() == 2
    assert row_of("last@example.nl").state == FAILED
    again = row_of("again@example.nl")
    assert again.state == QUEUED and "interrupted" in again.last_error


def test_the_reclaim_timeout_is_a_minute_not_five(app):
    assert app.config["MAIL_SENDING_TIMEOUT"] == 60
    assert app.config["MAIL_SENDING_TIMEOUT"] >= 2 * app.config["MAIL_TIMEOUT"]
