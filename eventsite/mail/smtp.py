"""One SMTP connection, and the outcome of each mail sent over it, read from the server's reply.

- 2xx: sent.
- 4xx at MAIL, RCPT or DATA: a temporary refusal of *this* mail (greylisting 451, a rate limit
  452): retried later. 421 means the server is closing the connection: temporary too, and the
  connection is gone.
- 5xx at MAIL, RCPT or DATA: this mail is refused for good (550 no such user, 552 too big,
  554 rejected).
- The connection failing (refused, reset, a timeout, TLS that does not verify, a 4xx/5xx
  greeting, EHLO or login refused): ``ConnectionFailed`` from ``open()``, or an outcome with
  ``connection_lost`` from ``send()``. That says nothing about the mail, so it is temporary.

Every wait has a deadline: the socket timeout before each command is what is left of the
mail's time budget, so one slow recipient costs at most ``MAIL_TIMEOUT`` seconds in all.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass

DELIVERED, TEMPORARY, PERMANENT = "delivered", "temporary", "permanent"


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: ``kind`` is DELIVERED, TEMPORARY or PERMANENT."""

    kind: str
    code: int | None = None
    text: str = ""
    connection_lost: bool = False

    def describe(self) -> str:
        return self.text


class ConnectionFailed(Exception):
    """The server could not be reached or would not talk to us; no mail was tried."""

    def __init__(self, text: str, code: int | None = None) -> None:
        super().__init__(text)
        self.code, self.text = code, text


def _decode(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:1000]


def _describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


class MailServer:
    """A lazily opened SMTP connection with a per-mail time budget."""

    def __init__(self, config) -> None:
        self.host, self.port = config["MAIL_SERVER"], config["MAIL_PORT"]
        self.timeout = float(config["MAIL_TIMEOUT"])
        self.use_ssl, self.use_tls = config["MAIL_USE_SSL"], config["MAIL_USE_TLS"]
        self.username, self.password = config["MAIL_USERNAME"], config["MAIL_PASSWORD"]
        self.ca_file = config.get("MAIL_TLS_CA_FILE")
        self.smtp: smtplib.SMTP | None = None

    def budget(self) -> float:
        """The deadline (monotonic) of a mail that starts now."""
        return time.monotonic() + self.timeout

    @property
    def connected(self) -> bool:
        return self.smtp is not None

    @property
    def offers_smtputf8(self) -> bool:
        return bool(self.smtp and self.smtp.has_extn("smtputf8"))

    def open(self, deadline: float) -> None:
        """Connect, greet, STARTTLS (verifying the certificate) and log in; or ConnectionFailed."""
        # Loading the CAs costs CPU: only when TLS is used.
        context = (
            ssl.create_default_context(cafile=self.ca_file)
            if self.use_ssl or self.use_tls
            else None
        )
        try:
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self._left(deadline), context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self._left(deadline))
        except smtplib.SMTPConnectError as error:  # a 4xx/5xx greeting
            text = f"greeting {error.smtp_code} {_decode(error.smtp_error)}"
            raise ConnectionFailed(text, error.smtp_code) from None
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionFailed(f"connect: {_describe_error(error)}") from None
        self.smtp = smtp
        try:
            self._set_timeout(deadline)
            smtp.ehlo_or_helo_if_needed()
            if self.use_tls:
                self._set_timeout(deadline)
                smtp.starttls(context=context)  # no STARTTLS offered: never fall back to plain
                self._set_timeout(deadline)
                smtp.ehlo()
            if self.username and self.password:
                self._set_timeout(deadline)
                smtp.login(self.username, self.password)
        except smtplib.SMTPResponseException as error:
            self.close(polite=False)
            raise ConnectionFailed(
                f"session {error.smtp_code} {_decode(error.smtp_error)}", error.smtp_code
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close(polite=False)
            raise ConnectionFailed(f"session: {_describe_error(error)}") from None

    def send(
        self, sender: str, recipient: str, data: bytes, smtputf8: bool, deadline: float
    ) -> Outcome:
        """Send one mail over the open connection; the outcome follows the server's reply."""
        assert self.smtp is not None
        smtp = self.smtp
        options = ["SMTPUTF8", "BODY=8BITMIME"] if smtputf8 else []
        stage = "MAIL"
        try:
            self._set_timeout(deadline)
            code, reply = smtp.mail(sender, options)
            if code != 250:
                return self._refused(stage, code, reply)
            stage = "RCPT"
            self._set_timeout(deadline)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(stage, code, reply)
            stage = "DATA"
            self._set_timeout(deadline)
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as error:  # DATA answered with something else than 354
            return self._refused(stage, error.smtp_code, error.smtp_error)
        except (OSError, smtplib.SMTPException) as error:
            self.close(polite=False)
            return Outcome(TEMPORARY, None, f"{stage}: {_describe_error(error)}", True)
        if code != 250:
            return self._refused(stage, code, reply)
        return Outcome(DELIVERED, code, _decode(reply))

    def close(self, polite: bool = True) -> None:
        """QUIT and close; ``polite=False`` just closes (a hung server would not answer)."""
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            if polite and smtp.sock is not None:
                smtp.sock.settimeout(min(self.timeout, 1.0))
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            smtp.close()

    def _refused(self, stage: str, code: int, reply: bytes | str) -> Outcome:
        text = f"{stage} {code} {_decode(reply)}"
        if code == 421 or code < 0:  # the server is closing the connection
            self.close(polite=False)
            return Outcome(TEMPORARY, code if code > 0 else None, text, connection_lost=True)
        self._reset()
        return Outcome(PERMANENT if code >= 500 else TEMPORARY, code, text)

    def _reset(self) -> None:
        """End the refused mail's transaction, so the next mail starts clean."""
        try:
            self._set_timeout(time.monotonic() + min(self.timeout, 5.0))
            code, _ = self.smtp.rset()
        except (OSError, smtplib.SMTPException, AttributeError):
            code = None
        if code != 250:
            self.close(polite=False)

    def _left(self, deadline: float) -> float:
        return max(deadline - time.monotonic(), 0.05)

    def _set_timeout(self, deadline: float) -> None:
        if self.smtp is not None and self.smtp.sock is not None:
            self.smtp.sock.settimeout(self._left(deadline))
