"""Resend and password-forgot answer a known address exactly as an unknown one.

Same statements to the database (counted: deterministic, unlike timing), same headers, no
mail sent after the response (it would hold the connection); the mail worker answers later.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.mail.requested import MailRequest, process_requests
from tests.helpers import csrf_token, sign_up

PAGES = {
    "resend": ("/register/resend", "anna@example.nl", "nobody@example.nl"),
    "forgot": ("/organiser/password/forgot", "admin@example.org", "nobody@example.org"),
}
# Headers that differ per request whatever the address: the request id and the date.
PER_REQUEST = {"X-Request-ID", "Date"}


@pytest.fixture
def worker_mode(app):
    """As in production: the request only stores; the mail worker answers."""
    app.config["MAIL_REQUESTS_AFTER_RESPONSE"] = False


@pytest.fixture
def known_addresses(app, client, open_edition, make_organiser):
    sign_up(client)  # anna@example.nl: a pending sign-up
    make_organiser()  # admin@example.org
    db.session.query(OutboxMessage).delete()
    db.session.commit()


@contextmanager
def statements():
    """The SQL statements sent to the database meanwhile (text only)."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def post(app, path: str, email: str, ip: str):
    client = app.test_client()
    token = csrf_token(client, path)
    with statements() as seen:
        response = client.post(
            path,
            data={"csrf_token": token, "email": email},
            environ_base={"REMOTE_ADDR": ip},
        )
    return response, seen


def comparable_headers(response) -> list[tuple[str, str]]:
    """Headers with per-request values blanked; a cookie's value (a signature) too."""
    result = []
    for name, value in response.headers.items():
        if name in PER_REQUEST:
            value = "*"
        elif name == "Set-Cookie":
            value = re.sub(r"^([^=]+)=[^;]*", r"\1=*", value)
        result.append((name, value))
    return result


@pytest.mark.parametrize("page", sorted(PAGES))
def test_known_and_unknown_addresses_do_the_same_work(app, known_addresses, worker_mode, page):
    path, known, unknown = PAGES[page]
    known_response, known_sql = post(app, path, known, "192.0.2.1")
    unknown_response, unknown_sql = post(app, path, unknown, "192.0.2.2")
    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response.headers["Location"] == unknown_response.headers["Location"]
    assert known_sql == unknown_sql
    assert any("INSERT INTO mail_request" in s for s in known_sql)
    assert not any("attendee" in s or "organiser " in s for s in known_sql)  # no look-up
    assert comparable_headers(known_response) == comparable_headers(unknown_response)
    assert not any(
        n.lower().startswith(("x-ratelimit", "retry-after"))
        for n, _ in known_response.headers.items()
    )
    # Nothing is mailed by the request (nothing to send after the response, either).
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(MailRequest)) == 2


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_mail_worker_mails_the_known_address_only(
    app, known_addresses, worker_mode, runner, smtp, page
):
    path, known, unknown = PAGES[page]
    post(app, path, known, "192.0.2.1")
    post(app, path, unknown, "192.0.2.2")
    result = runner.invoke(args=["mail", "send-queued"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(smtp.wait_for(known, 1)) == 1
    assert smtp.to(unknown) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(MailRequest)) == 0


def test_a_request_is_answered_once_by_two_workers(app, known_addresses, worker_mode):
    post(app, "/register/resend", "anna@example.nl", "192.0.2.1")
    assert len(process_requests()) == 1
    assert process_requests() == []
    assert len(db.session.scalars(db.select(OutboxMessage)).all()) == 1


def test_resend_mail_keeps_the_visitors_language_and_links(app, known_addresses, worker_mode):
    post(app, "/register/resend?lang=en", "anna@example.nl", "192.0.2.1")
    process_requests()
    mail = db.session.scalar(db.select(OutboxMessage))
    assert mail.recipient == "anna@example.nl" and "/confirm/" in mail.text_body


def test_a_failing_request_is_dropped_and_the_others_answered(
    app, known_addresses, worker_mode, monkeypatch
):
    """A feature whose handler fails (a bug) does not stop the worker or come back forever."""
    from eventsite.mail import requested

    def broken(email, language, edition_id):
        raise RuntimeError("a bug in a feature's handler")

    monkeypatch.setitem(requested.HANDLERS, "test-broken", broken)  # removed after the test
    requested.store_request("test-broken", "anna@example.nl", "nl")
    post(app, "/register/resend", "anna@example.nl", "192.0.2.2")
    assert len(process_requests()) == 1  # the resend mail
    assert db.session.scalar(db.select(db.func.count()).select_from(MailRequest)) == 0
