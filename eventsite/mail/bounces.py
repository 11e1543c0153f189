"""Reading bounces: which address failed for good, and which outbox mail it was.

Two detectors: RFC 3464 delivery reports (``message/delivery-status``, read here: the
Status code tells a hard 5.x.x failure from a soft 4.x.x one), and flufl.bounce, GNU
Mailman's detectors for the many non-standard bounces (qmail, Exim, Postfix of old, ...).
The mail is found by its VERP return path (see verp.py), else by the original Message-ID.
Only a hard failure marks an address; a delay or a full mailbox (4.x.x) marks nothing.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

from flask import current_app
from flufl.bounce import all_failures
from sqlalchemy import select

from ..core.unit_of_work import unit_of_work
from ..extensions import db
from .models import OutboxMessage
from .undeliverable import mark_undeliverable, normalise
from .verp import row_id_in

# Where an MTA puts the address a bounce was delivered to (our VERP address).
ENVELOPE_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Failures:
    hard: dict[str, str] = field(default_factory=dict)  # address -> reason
    soft: set[str] = field(default_factory=set)


def delivery_status_failures(message: Message) -> Failures:
    """The recipients an RFC 3464 report says failed, hard (5.x.x) or soft (4.x.x)."""
    failures = Failures()
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
            address = normalise(recipient.partition(";")[2] or recipient)
            status = (block.get("Status") or "").strip()
            action = (block.get("Action") or "").strip().lower()
            if not address:
                continue
            if status.startswith("5") and action == "failed":
                diagnostic = " ".join((block.get("Diagnostic-Code") or "").split())
                failures.hard[address] = f"{status} {diagnostic}".strip()
            elif status.startswith("4") or action in ("delayed", "failed"):
                failures.soft.add(address)
    return failures


def detect_failures(message: Message) -> Failures:
    """Both detectors; the delivery report's status codes win where they speak."""
    failures = delivery_status_failures(message)
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector tripping over an odd message: the report still counts
        current_app.logger.exception("flufl.bounce could not read a bounce")
        temporary, permanent = frozenset(), frozenset()
    for raw in permanent:
        address = _text(raw)
        if address not in failures.hard and address not in failures.soft:
            failures.hard[address] = "permanent failure (non-standard bounce)"
    for raw in temporary:
        failures.soft.add(_text(raw))
    return failures


def _text(address: bytes | str) -> str:
    """flufl.bounce gives addresses as bytes."""
    if isinstance(address, bytes):
        address = address.decode("utf-8", "replace")
    return normalise(address)


def bounced_row(message: Message) -> OutboxMessage | None:
    """The outbox mail ``message`` bounces: by its VERP address, else its quoted Message-ID."""
    for header in ENVELOPE_HEADERS:
        for value in message.get_all(header, []):
            row_id = row_id_in(str(value))
            if row_id is not None:
                return db.session.get(OutboxMessage, row_id)
    for message_id in MESSAGE_ID.findall(message.as_string(policy=policy.compat32)):
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))
        if row is not None:
            return row
    return None


def known_recipient(address: str) -> bool:
    """Did we ever mail ``address``? A bounce about any other address is not ours to trust."""
    found = select(OutboxMessage.id).where(OutboxMessage.recipient.ilike(address)).limit(1)
    return db.session.scalar(found) is not None


def process_bounce(message: Message) -> list[str]:
    """Mark the addresses ``message`` reports as failed for good; returns those newly marked."""
    failures = detect_failures(message)
    if not failures.hard:
        return []
    row = bounced_row(message)
    marked = []
    if row is not None and normalise(row.recipient) not in failures.soft:
        # VERP names the mail; a forwarding address may differ from the one we wrote to.
        reason = failures.hard.get(normalise(row.recipient)) or next(iter(failures.hard.values()))
        if mark_undeliverable(row.recipient, reason, row):
            marked.append(normalise(row.recipient))
    elif not current_app.config.get("MAIL_BOUNCE_ADDRESS"):
        # Without VERP only the reported address can say whose mail it was; with VERP a
        # bounce must name its mail (signed tag or Message-ID), so none can be forged.
        for address, reason in failures.hard.items():
            if known_recipient(address) and mark_undeliverable(address, reason, row):
                marked.append(address)
    return marked


def read_messages(path: Path) -> Iterator[Message]:
    """The messages in a Maildir (a folder with cur/ and new/), an mbox, or a single file."""
    if path.is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in box.iterkeys():
            yield message_from_bytes(box.get_bytes(key))
        return
    data = path.read_bytes()
    if data.startswith(b"From "):
        box = mailbox.mbox(path, create=False)
        try:
            for key in box.iterkeys():
                yield message_from_bytes(box.get_bytes(key))
        finally:
            box.close()
        return
    yield message_from_bytes(data)


def process_paths(paths: list[Path]) -> tuple[int, list[str]]:
    """Read every bounce under ``paths``; returns (messages read, addresses newly marked)."""
    read, marked = 0, []
    for path in paths:
        for message in read_messages(path):
            read += 1
            marked += process_safely(message)
    return read, marked


def process_safely(message: Message) -> list[str]:
    """Each bounce is a unit of work of its own: one odd message (a bug, a broken
    encoding) is rolled back and must not stop or undo the others."""
    try:
        with unit_of_work():
            return process_bounce(message)
    except Exception:
        current_app.logger.exception("a bounce message could not be processed; skipped")
        return []


def process_bounce_maildir() -> list[str]:
    """The worker's periodic job: read and remove the bounces in MAIL_BOUNCE_MAILDIR."""
    folder = current_app.config.get("MAIL_BOUNCE_MAILDIR")
    if not folder:
        return []
    box = mailbox.Maildir(folder, factory=None, create=False)
    marked = []
    for key in list(box.iterkeys()):
        marked += process_safely(message_from_bytes(box.get_bytes(key)))
        box.remove(key)  # handled (committed) or unreadable: never read twice
    return marked
