"""Send mails right after the transaction that queued them commits, in the background.

``queue_mail`` notes new outbox rows in ``session.info``; these session events follow them
through flush and commit (a rollback forgets them, with the rows), and an ``after_request``
hook hands the committed ids to the process's background sender (``background.py``), never
sending in the request's own thread: a slow or hanging mail server cannot delay the
visitor's answer or hold a thread other pages need. Whatever fails stays queued for the
worker.
"""

from __future__ import annotations

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from . import background

NEW, FLUSHED, COMMITTED = "outbox_new", "outbox_flushed", "outbox_committed"


@event.listens_for(Session, "after_flush_postexec")
def _remember_flushed(session: Session, flush_context) -> None:
    new = session.info.pop(NEW, [])
    if new:
        session.info.setdefault(FLUSHED, []).extend(m.id for m in new)


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    flushed = session.info.pop(FLUSHED, [])
    if flushed:
        session.info.setdefault(COMMITTED, []).extend(flushed)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    session.info.pop(NEW, None)
    session.info.pop(FLUSHED, None)


def register_outbox_delivery(app: Flask) -> None:
    """After each request, hand what it committed to the outbox to the background sender."""
    sender = background.install(app)

    @app.after_request
    def send_in_background(response: Response) -> Response:
        ids = db.session.info.pop(COMMITTED, [])
        if ids and app.config["MAIL_SEND_AFTER_COMMIT"]:
            sender.submit(ids)
        return response
