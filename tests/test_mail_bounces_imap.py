"""The IMAP bounce mailbox: `flask mail bounces --imap` and the worker's bounces job read a
real IMAP server (pymap, in memory), mark hard bounces, and move or delete what they read."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventsite.core.jobs import registry_of
from eventsite.extensions import db
from eventsite.mail.models import UndeliverableAddress
from tests.helpers import bounce, outbox, sign_up

USER, PASSWORD = "bounces", "imap secret"
EMAIL = "anna@example.nl"
PYMAP = Path(sys.executable).with_name("pymap")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def imap_server():
    """pymap on a free local port with one user; stopped after the test."""
    if not PYMAP.exists():
        pytest.skip("pymap is not installed (requirements-dev.txt)")
    port = free_port()
    process = subprocess.Popen(
        [
            str(PYMAP),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "dict",
            "--demo-user",
            USER,
            "--demo-password",
            PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                with process.stderr:
                    pytest.fail(f"pymap did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()


def imap_client(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    client.login(USER, PASSWORD)
    return client


def deliver(port: int, *messages: bytes, folder: str = "INBOX") -> None:
    """What the relay does: put the bounces in the mailbox."""
    client = imap_client(port)
    for message in messages:
        client.append(folder, None, None, message)
    client.logout()


def count(port: int, folder: str) -> int:
    client = imap_client(port)
    status, data = client.select(f'"{folder}"')
    client.logout()
    return int(data[0]) if status == "OK" else -1


@pytest.fixture
def imap_app(app, imap_server):
    app.config.update(
        MAIL_BOUNCE_ADDRESS="bounces@jaarevent.example.nl",
        MAIL_BOUNCE_IMAP_HOST="127.0.0.1",
        MAIL_BOUNCE_IMAP_PORT=imap_server,
        MAIL_BOUNCE_IMAP_SSL=False,
        MAIL_BOUNCE_IMAP_USER=USER,
        MAIL_BOUNCE_IMAP_PASSWORD=PASSWORD,
    )
    return app


def bounced_confirmation(client, smtp, name: str) -> bytes:
    """Sign up; a bounce (fixture ``name``) of the confirmation as the relay would deliver it."""
    sign_up(client, email=EMAIL)
    smtp.wait_for(EMAIL, 1)
    row = outbox("confirm", to=EMAIL)[-1]
    return bounce(name, row, smtp.catcher.envelopes[-1].mail_from)


def undeliverable() -> list[str]:
    return list(db.session.scalars(db.select(UndeliverableAddress.address)))


def test_flask_mail_bounces_imap_marks_and_moves_what_it_read(
    imap_app, client, runner, open_edition, smtp, imap_server
):
    dsn = bounced_confirmation(client, smtp, "postfix_dsn.eml")
    deliver(
        imap_server, dsn, b"From: someone@example.org\r\nSubject: out of office\r\n\r\nBack.\r\n"
    )
    imap_app.config["MAIL_BOUNCE_IMAP_PROCESSED_FOLDER"] = "Processed"

    result = runner.invoke(args=["mail", "bounces", "--imap"])
    assert result.exit_code == 0, result.output
    assert "read 2 messages, marked 1 addresses undeliverable" in result.output
    assert undeliverable() == [EMAIL]
    assert count(imap_server, "INBOX") == 0 and count(imap_server, "Processed") == 2
    # Read once: a second run finds nothing, and a later sign-up queues no mail.
    assert "read 0 messages" in runner.invoke(args=["mail", "bounces", "--imap"]).output
    sign_up(client, email=EMAIL)
    assert len(outbox("confirm", to=EMAIL)) == 1


def test_the_worker_job_reads_the_imap_mailbox_and_deletes_what_it_read(
    imap_app, client, open_edition, smtp, imap_server
):
    deliver(imap_server, bounced_confirmation(client, smtp, "qmail.eml"))
    # The job `flask worker` runs every minute (mail/jobs.py).
    (job,) = [j for j in registry_of(imap_app).jobs if j.name == "bounces"]

    outcome = job.function(lambda: False)
    assert outcome.summary == "marked 1 address(es) undeliverable"
    assert undeliverable() == [EMAIL]
    assert count(imap_server, "INBOX") == 0


def test_an_unreachable_or_refusing_mailbox_is_a_clear_error(imap_app, runner, imap_server):
    imap_app.config["MAIL_BOUNCE_IMAP_PASSWORD"] = "wrong"
    result = runner.invoke(args=["mail", "bounces", "--imap"])
    assert result.exit_code == 1
    assert "the IMAP bounce mailbox cannot be read" in result.output
    imap_app.config["MAIL_BOUNCE_IMAP_HOST"] = None
    result = runner.invoke(args=["mail", "bounces", "--imap"])
    assert "set MAIL_BOUNCE_IMAP_HOST" in result.output and result.exit_code == 1
    assert runner.invoke(args=["mail", "bounces"]).exit_code == 2  # neither PATHS nor --imap
