"""Mails asked for by address (resend a link, reset a password), answered later.

A page that must not tell whether an address is known (``/register/resend``,
``/organiser/password/forgot``) only stores a small ``mail_request`` row, the same row with
the same statements for every address, and answers. Looking the address up, rendering and
queueing the mail happen later, in the mail worker (``flask mail send-queued``), where their
duration is no answer to anybody; nothing is sent after the response, so the keep-alive
connection is not held longer for a known address either. In development and tests
(``MAIL_REQUESTS_AFTER_RESPONSE``) the request's own process does it after the response.

Features register a handler per kind: ``handler(email, language, edition_id)`` queues its
mail with ``queue_mail`` (or nothing for an unknown address) and does not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask import Flask, Response, current_app
from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..core import unit_of_work
from ..dbtypes import UTCDateTime
from ..extensions import db
from .sender import send_now

Handler = Callable[[str, str, "int | None"], None]
HANDLERS: dict[str, Handler] = {}
# session.info key: this request stored mail requests (processed after the response).
STORED = "mail_requests_stored"


class MailRequest(db.Model):
    """An address that asked for a mail; deleted when the mail is queued (or not owed)."""

    __tablename__ = "mail_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    # The edition the page showed (registration), or None.
    edition_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def register_handler(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def store_request(kind: str, email: str, language: str, edition_id: int | None = None) -> None:
    """Store the request (the request's unit of work commits it): the same work whether or
    not the address is known."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for mail requests of kind {kind!r}")
    db.session.add(
        MailRequest(kind=kind, email=email.strip()[:254], language=language, edition_id=edition_id)
    )
    db.session.info[STORED] = True


def process_requests(limit: int = 100) -> list[int]:
    """Answer up to ``limit`` stored requests, oldest first; the ids of the queued mails.

    Each request is claimed by deleting its row, in the transaction that queues its mail, so
    two workers never answer one request twice and a crash loses neither.
    """
    rows = db.session.execute(
        db.select(MailRequest.id, MailRequest.kind, MailRequest.email)
        .add_columns(MailRequest.language, MailRequest.edition_id)
        .order_by(MailRequest.id)
        .limit(limit)
    ).all()
    unit_of_work.rollback()
    queued: list[int] = []
    for request_id, kind, email, language, edition_id in rows:
        claim = delete(MailRequest).where(MailRequest.id == request_id)
        try:
            # One unit of work per request: its claim and its mail are saved together.
            with unit_of_work.unit_of_work() as work:
                if db.session.execute(claim).rowcount == 1 and kind in HANDLERS:
                    HANDLERS[kind](email, language, edition_id)
            queued += work.outbox_ids
        except Exception:
            # One bad request must not stop the worker, nor come back forever: it is dropped.
            current_app.logger.exception("mail request %s (%s) failed; dropped", request_id, kind)
            with unit_of_work.unit_of_work():
                db.session.execute(claim)
    return queued


def _process_now(app: Flask) -> None:
    with app.app_context():
        try:
            ids = process_requests()
        except Exception:  # the rows stay; the worker answers them
            app.logger.exception("answering mail requests after the response failed")
            db.session.rollback()
            ids = []
        finally:
            db.session.remove()
    if ids and app.config["MAIL_SEND_AFTER_COMMIT"]:
        send_now(app, ids)


def register_after_response(app: Flask) -> None:
    """Development and tests: answer this request's mail requests after its response."""

    @app.after_request
    def process_after_response(response: Response) -> Response:
        # Most requests never open a database session: do not make one to look.
        stored = db.session.registry.has() and db.session.info.pop(STORED, False)
        if stored and app.config["MAIL_REQUESTS_AFTER_RESPONSE"]:
            response.call_on_close(partial(_process_now, app))
        return response
