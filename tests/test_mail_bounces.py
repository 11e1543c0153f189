"""Bounces: VERP return paths, `flask mail bounces` over real bounce messages, and no more
mail to an address that bounced for good."""

import csv
import io
import mailbox
import re

import pytest
from openpyxl import load_workbook

from eventsite.extensions import db
from eventsite.mail.bounces import process_bounce_maildir
from eventsite.mail.models import FAILED, SENT, UndeliverableAddress
from tests.helpers import bounce, log_in, outbox, sign_up, signed_up_and_confirmed
from tests.messages_helpers import message_form, send

EMAIL = "anna@example.nl"


@pytest.fixture
def bounce_app(app):
    app.config["MAIL_BOUNCE_ADDRESS"] = "bounces@jaarevent.example.nl"
    return app


def confirm_mail_sent(client, smtp, email=EMAIL):
    """Sign up; the confirmation row and the envelope sender it went out with."""
    sign_up(client, email=email)
    smtp.wait_for(email, 1)
    return outbox("confirm", to=email)[-1], smtp.catcher.envelopes[-1].mail_from


def undeliverable() -> list[str]:
    return list(db.session.scalars(db.select(UndeliverableAddress.address)))


def test_each_mail_goes_out_with_its_own_signed_return_path(bounce_app, client, open_edition, smtp):
    row, return_path = confirm_mail_sent(client, smtp)
    assert re.fullmatch(rf"bounces\+{row.id}-[0-9a-f]{{12}}@jaarevent\.example\.nl", return_path)
    _, other = confirm_mail_sent(client, smtp, "piet@example.nl")
    assert other != return_path


def test_without_a_bounce_address_the_sender_is_the_return_path(client, open_edition, smtp):
    _, return_path = confirm_mail_sent(client, smtp)
    assert return_path == "jaarevent@smartindustry.nl"


def test_a_postfix_dsn_in_a_maildir_marks_the_address(
    bounce_app, client, runner, open_edition, smtp, tmp_path
):
    row, return_path = confirm_mail_sent(client, smtp)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(bounce("postfix_dsn.eml", row, return_path))
    box.add(b"From: someone@example.org\nSubject: out of office\n\nBack on Monday.\n")

    result = runner.invoke(args=["mail", "bounces", str(tmp_path / "Maildir")])
    assert result.exit_code == 0, result.output
    assert "read 2 messages, marked 1 addresses undeliverable" in result.output
    assert undeliverable() == [EMAIL]
    marked = db.session.scalar(db.select(UndeliverableAddress))
    assert marked.reason.startswith("5.1.1") and marked.source_message_id == row.id
    db.session.refresh(row)
    assert row.state == FAILED and row.last_error.startswith("bounced: 5.1.1")

    # A later sign-up to that address queues nothing (and the visitor sees the usual page).
    response = sign_up(client, email=EMAIL)
    assert response.status_code == 302
    assert len(outbox("confirm", to=EMAIL)) == 1
    assert len(smtp.to(EMAIL)) == 1


def test_a_qmail_bounce_in_an_mbox_marks_the_address(
    bounce_app, client, runner, open_edition, smtp, tmp_path
):
    row, return_path = confirm_mail_sent(client, smtp)
    box = mailbox.mbox(tmp_path / "bounces.mbox", create=True)
    box.add(mailbox.mboxMessage(bounce("qmail.eml", row, return_path)))
    box.close()

    result = runner.invoke(args=["mail", "bounces", str(tmp_path / "bounces.mbox")])
    assert result.exit_code == 0, result.output
    assert undeliverable() == [EMAIL]
    sign_up(client, email=EMAIL)
    assert len(outbox("confirm", to=EMAIL)) == 1


def test_a_soft_bounce_marks_nothing(bounce_app, client, runner, open_edition, smtp, tmp_path):
    row, return_path = confirm_mail_sent(client, smtp)
    (tmp_path / "delayed.eml").write_bytes(bounce("postfix_delayed.eml", row, return_path))

    result = runner.invoke(args=["mail", "bounces", str(tmp_path / "delayed.eml")])
    assert "marked 0 addresses" in result.output
    assert undeliverable() == []
    db.session.refresh(row)
    assert row.state == SENT


def test_a_bounce_with_a_forged_tag_marks_nothing(
    bounce_app, client, runner, open_edition, smtp, tmp_path
):
    row, return_path = confirm_mail_sent(client, smtp)
    forged = re.sub(r"-[0-9a-f]{12}@", "-000000000000@", return_path)
    data = bounce("qmail.eml", row, forged).replace(row.message_id.encode(), b"<x@y>")
    (tmp_path / "forged.eml").write_bytes(data)

    runner.invoke(args=["mail", "bounces", str(tmp_path / "forged.eml")])
    assert undeliverable() == []


def test_the_worker_job_reads_and_empties_the_bounce_maildir(
    bounce_app, client, open_edition, smtp, tmp_path
):
    row, return_path = confirm_mail_sent(client, smtp)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(bounce("postfix_dsn.eml", row, return_path))
    bounce_app.config["MAIL_BOUNCE_MAILDIR"] = str(tmp_path / "Maildir")

    assert process_bounce_maildir() == [EMAIL]
    assert len(box) == 0
    assert process_bounce_maildir() == []


def test_organisers_see_the_undeliverable_addresses(
    bounce_app, client, runner, open_edition, smtp, tmp_path, make_organiser
):
    row, return_path = confirm_mail_sent(client, smtp)
    (tmp_path / "dsn.eml").write_bytes(bounce("postfix_dsn.eml", row, return_path))
    runner.invoke(args=["mail", "bounces", str(tmp_path / "dsn.eml")])
    make_organiser("admin@example.org")
    log_in(client, "admin@example.org")

    page = client.get("/organiser/mail").get_data(as_text=True)
    assert 'id="undeliverable-count" data-count="1"' in page
    table = page.split('id="mail-undeliverable"')[1]
    assert "an***@example.nl" in table and "5.1.1" in table
    # The bounced confirmation mail counts as given up, with the bounce as its error.
    assert "bounced: 5.1.1" in page.split('id="mail-errors"')[1]


def test_a_bounced_attendee_is_marked_for_organisers_and_left_out_of_their_messages(
    bounce_app, client, runner, open_edition, smtp, tmp_path, make_organiser
):
    """A non-standard (qmail) bounce of the welcome mail, read by `flask mail bounces`: the
    hub sees a marker in the list, a count on the dashboard and a column in the exports,
    and its next message to the session queues nothing to that address."""
    for address in (EMAIL, "piet@example.nl"):
        signed_up_and_confirmed(client, address)
    welcome = outbox("welcome", to=EMAIL)[-1]
    smtp.wait_for(EMAIL, 3)
    (envelope,) = [e for e in smtp.catcher.envelopes if welcome.message_id.encode() in e.content]
    (tmp_path / "qmail.eml").write_bytes(bounce("qmail.eml", welcome, envelope.mail_from))
    result = runner.invoke(args=["mail", "bounces", str(tmp_path / "qmail.eml")])
    assert "marked 1 addresses undeliverable" in result.output, result.output

    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    listing = client.get("/organiser/sessions/2027-noord/attendees").get_data(as_text=True)
    rows = {
        address: row
        for row in listing.split("<tr>")
        for address in re.findall(r"mailto:([^\"]+)", row)
    }
    assert "badge-undeliverable" in rows[EMAIL]
    assert "badge-undeliverable" not in rows["piet@example.nl"]
    dashboard = client.get("/organiser/").get_data(as_text=True)
    assert '<dd id="total-undeliverable">1</dd>' in dashboard

    exported = client.get("/organiser/sessions/2027-noord/attendees.csv").get_data(as_text=True)
    header, *lines = csv.reader(io.StringIO(exported.lstrip("\ufeff")))
    column = header.index("E-mail onbestelbaar")
    assert {line[1]: line[column] for line in lines} == {EMAIL: "ja", "piet@example.nl": "nee"}
    workbook = client.get("/organiser/attendees.xlsx").get_data()
    sheet = load_workbook(io.BytesIO(workbook)).active
    rows = sheet.iter_rows(values_only=True)
    column = next(rows).index("E-mail onbestelbaar")
    cells = {row[1]: row[column] for row in rows}
    assert cells == {EMAIL: "ja", "piet@example.nl": "nee"}

    send(
        client,
        "2027-noord",
        message_form(client, "2027-noord", subject_nl="Bericht", body_nl="Hallo allemaal"),
    )
    assert outbox("organiser-message", to=EMAIL) == []
    assert len(outbox("organiser-message", to="piet@example.nl")) == 1
