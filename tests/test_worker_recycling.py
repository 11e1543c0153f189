"""Worker recycling behind the proxy. gunicorn replaces a worker after ``max_requests``
(config/gunicorn.py: 100,000, jittered), so on a busy day every worker is replaced now and
then, each while the proxy keeps connections to it open. A POST that fails after Caddy sent
it is not retried (it might have been handled), so a connection dropped under a sign-up would
answer 502 and the person would have to fill in the form again; one handled but unanswered
would leave them in doubt. Here, sign-ups go through Caddy (TLS, config/Caddyfile, kept-alive
connections) while the workers are replaced every few dozen requests: each is answered with
the usual redirect, and each answered address is stored."""

from __future__ import annotations

import http.client
import json
import shutil
import sqlite3
import ssl
import threading
from collections import Counter

import pytest

from bench.loadgen import FormReader, SignupForm
from bench.ports import free_port
from bench.processes import CADDY, Caddy, Gunicorn, SmtpSink, flask, site_env
from tests.browser.harness import make_certificates

pytestmark = pytest.mark.serial

CLIENTS = 6
SIGN_UPS_EACH = 25
MAX_REQUESTS = 20  # per worker, plus a jitter of up to 5: replaced every 20 to 25 requests


class Visitor:
    """One browser: its own kept-alive connection through the proxy and its cookies."""

    def __init__(self, port: int, ca: str, number: int) -> None:
        context = ssl.create_default_context(cafile=ca)
        self.connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
        self.origin, self.number, self.cookies = f"https://127.0.0.1:{port}", number, {}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def sign_up_repeatedly(self, answers: Counter, answered: list[str]) -> None:
        status, page = self.request("GET", "/register")
        assert status == 200
        reader = FormReader()
        reader.feed(page)
        form = SignupForm(reader, self.number)  # the benchmark's: a new address each time
        for _ in range(SIGN_UPS_EACH):
            body = form.next_body()
            try:
                status, _ = self.request("POST", "/register", body)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                self.connection.close()  # http.client opens a new one for the next request
            answers[status] += 1
            if status == 302:
                answered.append(form.last_email)


def stored_addresses(database) -> set[str]:
    """Registered, or stored under the burst and left to the worker by a replaced process."""
    with sqlite3.connect(database) as connection:
        registered = {row[0] for row in connection.execute("SELECT email FROM attendee")}
        waiting = {
            json.loads(row[0])["email"]
            for row in connection.execute("SELECT details FROM signup_intake")
        }
    return registered | waiting


def test_sign_ups_through_the_proxy_are_answered_and_kept_while_workers_are_replaced(tmp_path):
    if not shutil.which(CADDY):
        pytest.skip("caddy is not installed: the proxy's part of this test cannot run")
    tls = make_certificates(tmp_path / "tls")
    port, proxy_port, mail_port = free_port(), free_port(), free_port()
    database = tmp_path / "site.db"
    env = site_env(
        f"sqlite:///{database}",
        port,
        mail_port,
        EVENTSITE_SITE_URL=f"https://127.0.0.1:{proxy_port}",
        EVENTSITE_PROXY_FIX_X_FOR="1",
        EVENTSITE_PROXY_FIX_X_PROTO="1",
        WEB_CONCURRENCY="2",
        GUNICORN_MAX_REQUESTS=str(MAX_REQUESTS),
    )
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    answers: Counter = Counter()
    answered: list[str] = []
    log = tmp_path / "gunicorn.log"
    upstream = f"127.0.0.1:{port}"
    with (
        SmtpSink(mail_port, tmp_path / "mail.txt"),
        Gunicorn("wsgi:app", port, env, log, "/healthz"),
        Caddy(proxy_port, upstream, tls.cert, tls.key, tmp_path / "caddy", tls.ca),
    ):
        visitors = [Visitor(proxy_port, str(tls.ca), n) for n in range(CLIENTS)]
        threads = [
            threading.Thread(target=v.sign_up_repeatedly, args=(answers, answered))
            for v in visitors
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        for visitor in visitors:
            visitor.connection.close()
    replaced = log.read_text().count("Autorestarting worker")
    assert replaced >= 5, f"only {replaced} workers were replaced: the test tested nothing"
    assert answers == Counter({302: CLIENTS * SIGN_UPS_EACH})
    assert set(answered) <= stored_addresses(database)
