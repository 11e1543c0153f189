"""Visible delivery: per kind of mail, how many are queued, retrying, sending, sent and failed,
with the latest errors (recipient masked), on /organiser/mail and from `flask mail status`."""

import re
from datetime import UTC, datetime

import pytest

from eventsite.extensions import db
from eventsite.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from eventsite.mail.status import mask_address
from tests.helpers import log_in, sign_up

WHEN = datetime(2027, 5, 1, 10, 30, tzinfo=UTC)


def mail(kind, state, recipient="anna.devries@example.nl", attempts=0, error=None):
    return OutboxMessage(
        message_id=f"<{kind}-{state}-{recipient}-{attempts}-{error}@test>",
        kind=kind,
        recipient=recipient,
        subject="S",
        text_body="T",
        state=state,
        attempts=attempts,
        last_error=error,
        claimed_at=WHEN if attempts else None,
    )


@pytest.fixture
def outbox_mix(app):
    """confirm: 2 queued, 1 retrying, 1 sending, 3 sent, 1 failed; reminder: 1 sent."""
    refused = "SMTPRecipientsRefused: {'kees@mailbox.example': (550, b'5.1.1 no such user')}"
    db.session.add_all(
        [
            mail("confirm", QUEUED, "a1@example.nl"),
            mail("confirm", QUEUED, "a2@example.nl"),
            mail("confirm", QUEUED, "greylist@slow.example", 2, "SMTPDataError: (451, b'later')"),
            mail("confirm", SENDING, "b@example.nl", 1),
            *(mail("confirm", SENT, f"s{i}@example.nl", 1) for i in range(3)),
            mail("confirm", FAILED, "kees@mailbox.example", 12, refused),
            mail("reminder", SENT, "r@example.nl", 1),
        ]
    )
    db.session.commit()


def counts_on_page(html: str, kind: str) -> dict[str, int]:
    row = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', html, re.S).group(1)
    return {c: int(n) for c, n in re.findall(r'data-count="(\w+)">(\d+)<', row)}


def test_masking_keeps_the_domain_and_little_of_the_name():
    assert mask_address("anna.devries@example.nl") == "an***@example.nl"
    assert mask_address("jan@example.nl") == "j***@example.nl"
    assert mask_address("x@example.nl") == "x***@example.nl"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_admin_sees_counts_per_kind_and_the_latest_errors(
    app, client, make_organiser, outbox_mix, lang
):
    make_organiser("admin@example.org", "admin")
    log_in(client, "admin@example.org")
    dashboard = client.get(f"/organiser/?lang={lang}").get_data(as_text=True)
    assert 'href="/organiser/mail"' in dashboard

    response = client.get("/organiser/mail")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert counts_on_page(html, "confirm") == {
        "queued": 2,
        "retrying": 1,
        "sending": 1,
        "sent": 3,
        "failed": 1,
    }
    assert counts_on_page(html, "reminder") == {
        "queued": 0,
        "retrying": 0,
        "sending": 0,
        "sent": 1,
        "failed": 0,
    }
    assert counts_on_page(html, "total")["sent"] == 4
    errors = re.search(r'<table[^>]*id="mail-errors".*?</table>', html, re.S).group(0)
    # The given-up mail and the one to retry, each with its reply; never a full address.
    assert "5.1.1 no such user" in errors and "451" in errors
    assert "ke***@mailbox.example" in errors and "gr***@slow.example" in errors
    assert "kees@mailbox.example" not in html and "greylist@slow.example" not in html
    heading, given_up = {
        "nl": ("Bezorging van mail", "opgegeven"),
        "en": ("Mail delivery", "given up"),
    }[lang]
    assert heading in html and given_up in errors


def test_an_empty_outbox_says_so(app, client, make_organiser):
    make_organiser("admin@example.org", "admin")
    log_in(client, "admin@example.org")
    html = client.get("/organiser/mail?lang=en").get_data(as_text=True)
    assert "No mail has been sent yet." in html and "No errors." in html


def test_region_organisers_get_neither_the_page_nor_the_link(
    app, client, make_edition, make_organiser
):
    make_edition(2027)
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    assert client.get("/organiser/mail").status_code == 403
    assert "/organiser/mail" not in client.get("/organiser/").get_data(as_text=True)


def test_flask_mail_status_prints_the_same_table(app, runner, outbox_mix):
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["kind", "queued", "retrying", "sending", "sent", "failed"]
    assert lines[1].split() == ["confirm", "2", "1", "1", "3", "1"]
    assert lines[2].split() == ["reminder", "0", "0", "0", "1", "0"]
    assert lines[3].split() == ["total", "2", "1", "1", "4", "1"]
    assert "oldest mail waiting since" in result.output
    errors = result.output.split("latest errors (2):", 1)[1]
    assert "ke***@mailbox.example" in errors and "5.1.1 no such user" in errors
    assert "2027-05-01 10:30:00 UTC" in errors
    assert "kees@mailbox.example" not in result.output


def test_flask_mail_status_on_an_empty_outbox(app, runner):
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-2].split() == ["total", "0", "0", "0", "0", "0"]
    assert result.output.splitlines()[-1] == "no errors"


def test_a_signup_whose_mail_server_is_down_shows_as_retrying(app, client, runner, open_edition):
    # No mail server listens on the app's port: the background sender's attempt is refused.
    assert sign_up(client, email="wacht.even@example.nl").status_code == 302
    lines = runner.invoke(args=["mail", "status"]).output.splitlines()
    assert lines[1].split() == ["confirm", "0", "1", "0", "0", "0"]
    assert "latest errors (1):" in lines
    (error,) = [line for line in lines if "wa***@example.nl" in line]
    assert "confirm" in error and "attempt 1" in error
    assert "wacht.even@example.nl" not in "\n".join(lines)
