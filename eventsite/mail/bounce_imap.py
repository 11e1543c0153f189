"""Reading bounces from an IMAP mailbox (``MAIL_BOUNCE_IMAP_*``).

Many organisations' relays deliver ``bounces+*`` to a hosted mailbox rather than to a Maildir
on the site's machine; this reads that mailbox with the standard library's imaplib. Each
message is processed (and its outcome committed) first, then moved to
``MAIL_BOUNCE_IMAP_PROCESSED_FOLDER`` or deleted: a crash in between reads it once more,
which marks nothing twice. The connection is always encrypted (implicit TLS, or STARTTLS)
and verifies the certificate (``MAIL_TLS_CA_FILE``, else the system's CAs), unless the
setting ``MAIL_BOUNCE_IMAP_SSL`` is False and the host is this machine (tests, a local
Dovecot).
"""

from __future__ import annotations

import imaplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes

from flask import current_app

from .bounces import process_safely

TIMEOUT = 30
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


class ImapError(Exception):
    """The bounce mailbox could not be read (connection, login, folder)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    use_ssl: bool
    user: str
    password: str
    folder: str
    processed_folder: str | None
    ca_file: str | None

    @classmethod
    def from_config(cls, config) -> ImapSettings | None:
        """The settings, or None when no IMAP bounce mailbox is configured."""
        if not config.get("MAIL_BOUNCE_IMAP_HOST"):
            return None
        use_ssl = bool(config.get("MAIL_BOUNCE_IMAP_SSL", True))
        return cls(
            host=config["MAIL_BOUNCE_IMAP_HOST"],
            port=int(config.get("MAIL_BOUNCE_IMAP_PORT") or (993 if use_ssl else 143)),
            use_ssl=use_ssl,
            user=config.get("MAIL_BOUNCE_IMAP_USER") or "",
            password=config.get("MAIL_BOUNCE_IMAP_PASSWORD") or "",
            folder=config.get("MAIL_BOUNCE_IMAP_FOLDER") or "INBOX",
            processed_folder=config.get("MAIL_BOUNCE_IMAP_PROCESSED_FOLDER"),
            ca_file=config.get("MAIL_TLS_CA_FILE"),
        )


@contextmanager
def mailbox(settings: ImapSettings):
    """A logged-in connection with ``settings.folder`` selected; logged out afterwards."""
    try:
        connection = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(f"{settings.host}:{settings.port}: {error}") from error
    try:
        _open_folder(connection, settings)
    except (OSError, imaplib.IMAP4.error, ImapError) as error:
        connection.shutdown()
        raise ImapError(f"{settings.host}:{settings.port}: {error}") from error
    try:
        yield connection
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _open_folder(connection: imaplib.IMAP4, settings: ImapSettings) -> None:
    connection.login(settings.user, settings.password)
    # Servers announce more after login (MOVE, for one); imaplib keeps the first list.
    status, capabilities = connection.capability()
    if status == "OK" and capabilities and capabilities[0]:
        connection.capabilities = tuple(capabilities[0].decode().upper().split())
    status, detail = connection.select(_quoted(settings.folder))
    if status != "OK":
        raise ImapError(f"folder {settings.folder}: {_text(detail)}")


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.use_ssl:
        return imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context, timeout=TIMEOUT)
    connection = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT)
    if "STARTTLS" in connection.capabilities:
        try:
            connection.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error):
            connection.shutdown()
            raise
    elif settings.host not in LOCAL_HOSTS:
        # A password never crosses a network in plain text.
        connection.shutdown()
        raise ImapError(f"{settings.host} offers no STARTTLS; set MAIL_BOUNCE_IMAP_SSL")
    return connection


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(detail) -> str:
    return " ".join(d.decode(errors="replace") if isinstance(d, bytes) else str(d) for d in detail)


def process_bounce_imap(settings: ImapSettings | None = None) -> tuple[int, list[str]]:
    """Read, process and then move or delete every message in the bounce folder.

    Returns (messages read, addresses newly marked); (0, []) without IMAP settings.
    Raises ImapError when the mailbox cannot be reached (the worker retries with backoff).
    """
    settings = settings or ImapSettings.from_config(current_app.config)
    if settings is None:
        return 0, []
    read, marked = 0, []
    with mailbox(settings) as connection:
        status, found = connection.uid("SEARCH", None, "UNDELETED")
        for uid in found[0].split() if status == "OK" and found[0] else []:
            status, parts = connection.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status != "OK" or raw is None:
                continue  # gone meanwhile (another worker): nothing to do
            read += 1
            marked += process_safely(message_from_bytes(raw))
            _put_away(connection, uid, settings.processed_folder)
        connection.expunge()
    return read, marked


def _put_away(connection: imaplib.IMAP4, uid: bytes, folder: str | None) -> None:
    """Processed: into ``folder`` (MOVE, or COPY where the server lacks it), else deleted."""
    if folder:
        connection.create(_quoted(folder))  # "already exists" is fine
        if "MOVE" in connection.capabilities:
            status, detail = connection.uid("MOVE", uid, _quoted(folder))
            if status == "OK":
                return
        status, detail = connection.uid("COPY", uid, _quoted(folder))
        if status != "OK":
            raise ImapError(f"cannot copy to {folder}: {_text(detail)}")
    connection.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)")
