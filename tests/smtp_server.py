"""A real SMTP server (aiosmtpd) in the test process, keeping what it receives."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class MailCatcher:
    """aiosmtpd handler that keeps every delivered message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self._lock = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(parsed)
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def wait_for(self, address: str, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The mails to ``address`` once there are ``count`` of them (mail sent after a
        response arrives a moment later); fails after ``timeout`` seconds."""
        with self._lock:
            arrived = self._lock.wait_for(lambda: len(self.to(address)) >= count, timeout)
        mails = self.to(address)
        assert arrived, f"{len(mails)} of {count} mails to {address} arrived"
        return mails


class SMTPServer:
    """A running aiosmtpd server bound to the app's MAIL_PORT."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.catcher = MailCatcher()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.catcher, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.catcher.messages

    def to(self, address: str) -> list[EmailMessage]:
        return self.catcher.to(address)

    def wait_for(self, address: str, count: int, timeout: float = 10) -> list[EmailMessage]:
        return self.catcher.wait_for(address, count, timeout)
