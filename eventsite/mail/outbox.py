"""Queueing mail: render a mail in the recipient's language and add it to the outbox.

Feature code calls ``queue_mail(...)`` inside the unit of work (``core.unit_of_work``),
which commits; the mail row is then as durable as the change that caused it. Sending
happens after that commit (see ``delivery.py``), never inside the transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import insert

from ..caching import RenderCache
from ..clock import utcnow
from ..core.unit_of_work import note_outbox
from ..extensions import db
from ..holes import HoledPage, hole
from .addresses import header_safe
from .models import QUEUED, OutboxAttachment, OutboxMessage
from .undeliverable import is_undeliverable, normalise, undeliverable_among

# Renderings kept by ``render_mail_reused`` per process.
MAX_REUSED = 256


@dataclass(frozen=True)
class Attachment:
    """A file, or an extra body part (``disposition="alternative"``), for a queued mail."""

    filename: str
    content_type: str
    content: bytes
    disposition: str = "attachment"


@dataclass(frozen=True)
class RenderedMail:
    """A mail rendered but not queued yet (see ``rendered_only``)."""

    kind: str
    recipient: str
    language: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]


# While set (``rendered_only``), queued mails are collected here instead of added.
_collected: ContextVar[list[RenderedMail] | None] = ContextVar("mails_rendered_only", default=None)


@contextmanager
def rendered_only() -> Iterator[list[RenderedMail]]:
    """Inside, ``queue_mail`` and ``queue_rendered`` render (and check the address) but add
    nothing: the mails are collected in the list yielded, for ``queue_collected`` to add
    later. For a change that renders its mails before taking its lock."""
    collected: list[RenderedMail] = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)


def queue_collected(mails: Iterable[RenderedMail]) -> list[OutboxMessage]:
    """Add mails collected by ``rendered_only`` to the transaction, in their order."""
    return [
        _queue_rendered(
            mail.kind,
            mail.recipient,
            mail.language,
            mail.subject,
            mail.text,
            mail.html,
            mail.attachments,
        )
        for mail in mails
    ]


def new_message_id() -> str:
    """A stable, unique Message-ID for one outbox row."""
    domain = current_app.config["SITE_URL"].split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<{secrets.token_hex(16)}@{domain or 'eventsite'}>"


def render_mail(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of ``mail/<template>.{txt,html}`` rendered in ``language``.

    The text template's first line is ``Subject: ...``; the rest is the body.
    """
    with force_locale(language):
        text = render_template(f"mail/{template}.txt", language=language, **context)
        html = render_template(f"mail/{template}.html", language=language, **context)
    first_line, _, body = text.lstrip().partition("\n")
    if not first_line.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line")
    return first_line.removeprefix("Subject:").strip(), body.lstrip("\n"), html


def render_mail_reused(
    template: str,
    language: str,
    context: Mapping[str, Any],
    same_for: Hashable,
    personal: Mapping[str, str | Callable[[], str]],
) -> tuple[str, str, str]:
    """``render_mail``, rendered once per (template, language, ``same_for``) and process.

    For mails sent by the hundred a minute (the sign-up's confirmation): the caller promises
    that every mail with the same ``same_for`` key differs only in the ``personal`` values
    (e.g. the confirmation link). Those are rendered as holes (``eventsite.holes``) and
    filled in per mail: as they are in the text, escaped in the HTML. A value may be a
    function, called only after the rendering: a link that needs the flushed row's id then
    takes SQLite's write lock as late as possible (the transaction stays short).
    """
    cache = current_app.extensions.setdefault("mail.rendered", RenderCache(MAX_REUSED))
    key = (template, language, same_for, tuple(sorted(personal)))
    parts = cache.get(key)
    if parts is None:
        holes = {name: hole(name) for name in personal}
        rendered = render_mail(template, language, {**context, **holes})
        parts = tuple(HoledPage(part) for part in rendered)
        cache.put(key, parts)
    subject, text, html = parts
    values = {name: value() if callable(value) else value for name, value in personal.items()}
    return subject.fill(values, raw=True), text.fill(values, raw=True), html.fill(values)


def queue_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    template: str,
    context: Mapping[str, Any] | None = None,
    attachments: Iterable[Attachment] = (),
    same_for: Hashable | None = None,
    personal: Mapping[str, str | Callable[[], str]] | None = None,
) -> OutboxMessage | None:
    """Add a rendered mail to the session's transaction (the unit of work commits it).

    With ``same_for``, the rendering is reused for mails that differ only in their
    ``personal`` values (see ``render_mail_reused``).
    None, and nothing queued, for an address that bounced for good (see undeliverable.py).
    """
    with db.session.no_autoflush:  # a read: it must not start the write (SQLite's lock)
        if is_undeliverable(recipient):
            return None
    if same_for is not None:
        subject, text, html = render_mail_reused(
            template, language, context or {}, same_for, personal or {}
        )
    else:
        values = {k: v() if callable(v) else v for k, v in (personal or {}).items()}
        subject, text, html = render_mail(template, language, {**(context or {}), **values})
    return _queue_rendered(kind, recipient, language, subject, text, html, attachments)


def queue_rendered(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    text: str,
    html: str,
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage | None:
    """Like ``queue_mail`` for a mail rendered by the caller (an organiser's own text)."""
    with db.session.no_autoflush:  # a read: it must not start the write (SQLite's lock)
        if is_undeliverable(recipient):
            return None
    return _queue_rendered(kind, recipient, language, subject, text, html, attachments)


def _queue_rendered(
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    text: str,
    html: str,
    attachments: Iterable[Attachment],
) -> OutboxMessage | None:
    collected = _collected.get()
    if collected is not None:
        collected.append(
            RenderedMail(kind, recipient, language, subject, text, html, tuple(attachments))
        )
        return None
    message = OutboxMessage(
        message_id=new_message_id(),
        kind=kind,
        recipient=recipient,
        language=language,
        subject=header_safe(subject),
        text_body=text,
        html_body=html,
        attachments=[
            OutboxAttachment(
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
                disposition=a.disposition,
            )
            for a in attachments
        ],
    )
    db.session.add(message)
    # Handed to the background sender once the unit of work commits it.
    note_outbox(message)
    return message


def queue_many(rows: list[dict[str, Any]], send_after_commit: bool = False) -> int:
    """Add many rendered mails (dicts of OutboxMessage columns) in one bulk INSERT.

    For large sends: no ORM object per mail. Unless ``send_after_commit``, the rows are
    left to the `flask mail send-queued` workers rather than sent after the response, so a
    request never sends thousands of mails itself. Returns the number of rows queued:
    addresses that bounced for good are left out.
    """
    bounced = undeliverable_among(row["recipient"] for row in rows)
    rows = [row for row in rows if normalise(row["recipient"]) not in bounced]
    if not rows:
        return 0
    now = utcnow()
    values = [
        {"message_id": new_message_id(), "state": QUEUED, "attempts": 0}
        | {"next_attempt_at": now, "created_at": now}
        | row
        for row in rows
    ]
    ids = db.session.scalars(
        insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), values
    ).all()
    if send_after_commit:
        for outbox_id in ids:
            note_outbox(outbox_id)
    return len(ids)
