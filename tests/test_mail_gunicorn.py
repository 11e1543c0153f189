"""Under gunicorn with config/gunicorn.py: a sign-up's mail leaves from the worker process's
background sender (started after the fork) with no outbox worker running, and a hanging
mail server slows no page: sign-ups and /healthz all answer while it hangs.

One worker process with 4 threads, so the old way (sending in the request's thread) would
have filled every thread after 4 sign-ups for MAIL_TIMEOUT (20 s here) each.
"""

from __future__ import annotations

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.hanging_smtp import HangingSMTPServer
from bench.ports import free_port
from bench.processes import Gunicorn, flask, site_env
from tests.helpers import signups
from tests.smtp_server import SMTPServer

MAIL_TIMEOUT = 20
SIGNUPS = 20
# Generous: 20 sign-ups take well under a second on an idle machine.
LOAD_BOUND_SECONDS = 30


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site under gunicorn on a fresh SQLite database with the demo edition."""
    tmp = tmp_path_factory.mktemp("gunicorn-mail")
    port, mail_port = free_port(), free_port()
    env = site_env(
        f"sqlite:///{tmp / 'site.db'}",
        port,
        mail_port,
        EVENTSITE_MAIL_TIMEOUT=str(MAIL_TIMEOUT),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
    )
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    with Gunicorn("wsgi:app", port, env, tmp / "site.log", ready_path="/healthz") as server:
        server.mail_port = mail_port
        yield server


def healthz(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=15) as response:
            return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started


def test_a_signups_mail_leaves_from_the_gunicorn_worker_without_an_outbox_worker(site):
    smtp = SMTPServer(site.mail_port)
    smtp.start()
    try:
        result = signups(site.port, 3, concurrency=1, duration=LOAD_BOUND_SECONDS)
        assert (result["requests"], result["errors"]) == (3, 0), result
        # No `flask mail send-queued` runs: only the background sender can have sent these.
        assert len(smtp.wait_for("bench-", 3, timeout=20)) == 3
    finally:
        smtp.stop()


def test_signups_and_healthz_answer_while_the_mail_server_hangs(site):
    with HangingSMTPServer(site.mail_port, hang_at="data") as hanging:
        with ThreadPoolExecutor(max_workers=1) as pool:
            load = pool.submit(signups, site.port, SIGNUPS, duration=LOAD_BOUND_SECONDS)
            assert hanging.wait_connections(1, timeout=20), "no mail was tried"
            checks = [healthz(site.url) for _ in range(5)]
            result = load.result(timeout=120)
        # Every sign-up answered (none timed out at 15 s) within the bound, and so did
        # /healthz, while the server held the sender's connection.
        assert result["requests"] >= SIGNUPS and result["errors"] == 0, result
        assert result["duration_s"] < LOAD_BOUND_SECONDS
        assert [status for status, _ in checks] == [200] * 5
        assert max(seconds for _, seconds in checks) < 5, checks
        assert hanging.connections >= 1
