"""Send mails right after the unit of work that queued them commits, in the background.

``queue_mail`` notes its outbox rows with the unit of work (``core.unit_of_work``); at the
request's one commit their ids are handed to the process's background sender
(``background.py``), never sent in the request's own thread: a slow or hanging mail server
cannot delay the visitor's answer or hold a thread other pages need. Whatever fails stays
queued for the worker.
"""

from __future__ import annotations

from flask import Flask

from ..core import unit_of_work
from . import background


def register_outbox_delivery(app: Flask) -> None:
    """Make every request a unit of work whose committed mails go to the background sender."""
    sender = background.install(app)

    def send_in_background(ids: list[int]) -> None:
        if app.config["MAIL_SEND_AFTER_COMMIT"]:
            sender.submit(ids)

    unit_of_work.init_app(app, deliverers=[send_in_background])
