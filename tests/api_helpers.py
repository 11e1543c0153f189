"""Helpers for the API tests: organisers logging in, tokens, a webhook receiver."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

from eventsite.api import tokens
from eventsite.extensions import db
from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"


def log_in_as(client, email: str, password: str = PASSWORD):
    """Log in through the real form, with its CSRF token."""
    token = csrf_token(client, "/organiser/login")
    response = client.post(
        "/organiser/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def form_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def make_token(organiser, name: str = "CRM", read_only: bool = True) -> str:
    """A token for ``organiser`` made by the service the console uses; its secret."""
    secret = tokens.create_token(organiser, name, read_only).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies every request with the Standard
    Webhooks reference library, and can be stopped and started on the same port."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.status = 204

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except Exception as error:  # a bad signature: say so, and count it
                    with receiver.lock:
                        receiver.refused.append(str(error))
                    self.send_response(400)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.received.append(
                        {"id": self.headers["webhook-id"], "payload": payload, "raw": body}
                    )
                self.send_response(receiver.status)
                if receiver.status in (301, 302, 307, 308):
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        return Handler

    def start(self) -> Receiver:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        with self.lock:
            return [item["id"] for item in self.received]

    def types(self) -> list[str]:
        with self.lock:
            return [item["payload"]["type"] for item in self.received]


def pretty(data) -> str:
    return json.dumps(data, indent=1)[:2000]
