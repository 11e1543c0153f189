"""A controllable SMTP server for the fault-injection tests.

``FaultySMTP`` runs a real aiosmtpd server on the app's mail port whose handler can, per
recipient (RCPT, DATA) or per n-th command (EHLO, MAIL), answer any reply, hang until the
test calls ``recover()``, or drop the connection; it can offer STARTTLS with a certificate
of its own and SMTPUTF8. ``greet_badly()`` and ``hang_on_connect()`` replace it by a bare
socket that answers the greeting with a code and hangs up, or never greets at all.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HANG = "hang"
DROP = "drop"
# A hung command is answered this at the latest (so nothing hangs after the test).
HANG_AT_MOST = 10.0


@dataclass
class Fault:
    stage: str  # EHLO, MAIL, RCPT or DATA
    action: str  # a reply like "451 4.7.1 greylisted", HANG or DROP
    recipient: str | None = None  # RCPT and DATA: only for this recipient
    nth: int | None = None  # EHLO and MAIL: only the n-th such command (counted from 1)


class FaultyHandler:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.counts: Counter = Counter()
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self.released = threading.Event()

    def _fault(self, stage: str, recipient: str | None = None) -> Fault | None:
        self.counts[stage] += 1
        for fault in self.faults:
            if fault.stage != stage:
                continue
            if fault.recipient and fault.recipient != recipient:
                continue
            if fault.nth and fault.nth != self.counts[stage]:
                continue
            return fault
        return None

    async def _act(self, server, fault: Fault) -> str:
        if fault.action == HANG:
            end = time.monotonic() + HANG_AT_MOST
            while not self.released.is_set() and time.monotonic() < end:
                await asyncio.sleep(0.02)
            return "451 4.4.2 hung, never delivered"
        if fault.action == DROP:
            server.transport.abort()
            return "451 4.4.2 dropped"
        return fault.action

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        fault = self._fault("EHLO")
        if fault:
            return [await self._act(server, fault)]
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        fault = self._fault("MAIL")
        if fault:
            return await self._act(server, fault)
        envelope.mail_from, envelope.mail_options = address, list(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        fault = self._fault("RCPT", address)
        if fault:
            return await self._act(server, fault)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        fault = self._fault("DATA", envelope.rcpt_tos[0])
        if fault:
            return await self._act(server, fault)
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 queued"


class FaultySMTP:
    """The server the tests steer; ``recover()`` makes it a healthy server again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = FaultyHandler()
        self.controller: Controller | None = None
        self.bare: socket.socket | None = None
        self.bare_thread: threading.Thread | None = None

    def start(self, tls_context: ssl.SSLContext | None = None, smtputf8: bool = False) -> None:
        self.stop()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls_context,
            enable_SMTPUTF8=smtputf8,
            decode_data=False,
        )
        self.controller.start()

    def stop(self) -> None:
        self.handler.released.set()
        if self.controller:
            self.controller.stop()
            self.controller = None
        if self.bare:
            try:  # wakes up a thread blocked in accept(), which close() alone does not
                self.bare.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.bare.close()
            self.bare = None
        if self.bare_thread:
            self.bare_thread.join(timeout=5)
            self.bare_thread = None
        self.handler.released.clear()

    def fail(self, stage: str, action: str, recipient: str | None = None, nth: int | None = None):
        self.handler.faults.append(Fault(stage, action, recipient, nth))
        self.handler.counts.clear()

    def recover(self, **start_options) -> None:
        """Stop every fault (and answer whatever hangs), and serve normally again."""
        self.handler.faults.clear()
        self.handler.released.set()
        if self.bare or not self.controller or start_options:
            self.start(**start_options)

    # --- Faults before any SMTP command: a bare socket on the port ---------------------

    def _bare_socket(self) -> socket.socket:
        self.stop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(50)
        self.bare = sock
        return sock

    def hang_on_connect(self) -> None:
        """Accept connections (the kernel does) but never say a word."""
        self._bare_socket()

    def greet_badly(self, reply: str) -> None:
        """Answer every connection with ``reply`` (e.g. "421 busy") and hang up."""
        sock = self._bare_socket()

        def serve() -> None:
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(reply.encode() + b"\r\n")

        self.bare_thread = threading.Thread(target=serve, daemon=True)
        self.bare_thread.start()

    # --- What arrived ------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def delivered(self) -> Counter:
        """How many times each envelope recipient got a mail."""
        return Counter(rcpt for env in self.handler.envelopes for rcpt in env.rcpt_tos)


def self_signed_tls(directory) -> tuple[ssl.SSLContext, str]:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1, and the
    certificate's path (to trust it as a CA file)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no certificate for the TLS tests")
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, str(cert)
