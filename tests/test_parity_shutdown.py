"""A restart under load loses no request through the proxy.

gunicorn (config/gunicorn.py) on a private PostgreSQL database behind Caddy
(config/Caddyfile, TLS). Clients keep signing up and reading pages over HTTPS while gunicorn
gets SIGTERM and a new one starts, as a deploy does. gunicorn finishes the requests it has
and then closes its listening socket: when it owns the socket, the connections still waiting
in the listen backlog are reset then (about 30 per restart under load, half of them
sign-ups), and the proxy cannot resend a POST whose body it already sent. So the socket is
held outside gunicorn, as systemd's socket activation does (README "Restarts"): the queue
survives the stop and the new gunicorn answers it. Every request must get its normal answer
and every sign-up answered with a redirect must be stored once (registered, or stored under
the load and registered by the worker's job).
"""

from __future__ import annotations

import http.client
import shutil
import signal
import ssl
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from bench.loadgen import FormReader, SignupForm
from bench.ports import listening_socket
from bench.processes import CADDY, Caddy, Gunicorn, PrivatePostgres, flask, site_env
from tests.browser.harness import make_certificates, parity_unavailable
from tests.testapp import NO_PG, PG_URL, free_port, make_test_app

# A restart under load: alone on the machine (`make test`), not beside another worker.
pytestmark = pytest.mark.serial

CLIENTS = 6


@pytest.fixture(autouse=True)
def parity_tools() -> None:
    if not PG_URL:
        parity_unavailable(NO_PG)
    if not shutil.which(CADDY):
        parity_unavailable("caddy is not installed: the restart test skips")


class Client(threading.Thread):
    """Over one kept-alive HTTPS connection: the form once, then sign-ups and programme
    reads in turn, until told to stop. Records every answer (or error)."""

    def __init__(self, number: int, port: int, context: ssl.SSLContext, stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.port, self.context, self.stop = number, port, context, stop
        self.answers: list[tuple[str, int | str]] = []
        self.signed_up: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=60)
        try:
            conn.request("GET", "/register", headers={"Accept-Language": "nl"})
            page = conn.getresponse()
            body = page.read().decode()
            cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
            reader = FormReader()
            reader.feed(body)
            form = SignupForm(reader, self.number)
            headers = {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://127.0.0.1:{self.port}",
            }
            while not self.stop.is_set():
                conn.request(
                    "POST", urlsplit(reader.action or "/register").path, form.next_body(), headers
                )
                answer = conn.getresponse()
                answer.read()
                self.answers.append(("POST", answer.status))
                if answer.status in (302, 303):
                    self.signed_up.append(form.last_email)
                conn.request("GET", "/", headers={"Accept-Language": "nl"})
                answer = conn.getresponse()
                answer.read()
                self.answers.append(("GET", answer.status))
        except Exception as error:  # noqa: BLE001 (the test reports it)
            self.answers.append(("error", repr(error)))
        finally:
            conn.close()


def test_restart_under_load_loses_no_request(tmp_path, socket_held=True):
    """With ``socket_held=False`` (gunicorn binds the port itself) this failed: 6 of 292
    answers were 502, sign-up POSTs reset in the backlog that Caddy cannot resend."""
    tls = make_certificates(tmp_path / "tls")
    app_port, https_port, mail_port = free_port(), free_port(), free_port()
    with PrivatePostgres(PG_URL, prefix="eventsite_restart") as uri:
        env = site_env(
            uri,
            app_port,
            mail_port,
            EVENTSITE_SITE_URL=f"https://127.0.0.1:{https_port}",
            EVENTSITE_PROXY_FIX_X_FOR="1",
            EVENTSITE_PROXY_FIX_X_PROTO="1",
            EVENTSITE_MAIL_SEND_AFTER_COMMIT="false",  # no SMTP here; mails stay queued
            WEB_CONCURRENCY="2",
        )
        flask(env, "db", "upgrade")
        flask(env, "programme", "demo")
        context = ssl.create_default_context(cafile=str(tls.ca))
        stop = threading.Event()
        clients = [Client(n, https_port, context, stop) for n in range(CLIENTS)]
        proxy = Caddy(https_port, f"127.0.0.1:{app_port}", tls.cert, tls.key, tmp_path, tls.ca)
        listener = listening_socket(app_port) if socket_held else None

        def gunicorn(name: str) -> Gunicorn:
            log = tmp_path / f"{name}.log"
            return Gunicorn("wsgi:app", app_port, env, log, "/healthz", listener)

        try:
            with proxy, gunicorn("old") as old:
                for client in clients:
                    client.start()
                time.sleep(3)
                old.process.send_signal(signal.SIGTERM)  # the deploy: stop, then start
                old.process.wait(timeout=60)
                with gunicorn("new"):
                    time.sleep(3)
                    stop.set()
                    for client in clients:
                        client.join(timeout=90)
        finally:
            stop.set()
            if listener is not None:
                listener.close()
        answers = [answer for client in clients for answer in client.answers]
        signed_up = [email for client in clients for email in client.signed_up]
        app = make_test_app(uri)
        with app.app_context():
            from eventsite.extensions import db
            from eventsite.registration import intake
            from eventsite.registration.models import Attendee

            # Sign-ups stored under the load that a stopping process left: the worker's job
            # registers them (in production it runs beside gunicorn; here, once, at once).
            intake.register(intake.due_ids(10_000, grace=timedelta(0)))
            stored = list(db.session.scalars(db.select(Attendee.email)))
            db.session.remove()
            db.engine.dispose()
    failures = [a for a in answers if a not in (("POST", 302), ("POST", 303), ("GET", 200))]
    assert len(answers) >= 4 * CLIENTS, answers  # every client kept working through it
    assert failures == [], f"{len(failures)} of {len(answers)}: {failures[:10]}"
    assert sorted(stored) == sorted(signed_up)
