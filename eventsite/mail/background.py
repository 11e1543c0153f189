"""One mail-sending thread per process, apart from the threads that answer requests.

A request hands the ids of the outbox rows it committed to ``submit()`` and answers at once;
this thread sends them with ``sender.send_now`` moments later. Sending in the request's own
thread (as before) let a hanging mail server hold every worker thread for ``MAIL_TIMEOUT``,
so every page, ``/healthz`` too, waited. Now a hanging server holds only this thread.

The queue and its thread are ``core.background.BackgroundQueue``. The queue is bounded
(``MAIL_BACKGROUND_QUEUE_MAX`` ids): when it is full, ids are not queued here and simply wait
in the outbox for ``flask mail send-queued --loop``. The rows
are committed before their ids get here, so nothing is lost when the process dies; a row
that was being sent at that moment stays ``sending`` and the worker reclaims it.

The thread starts lazily, in a gunicorn worker after the fork; ``stop()`` (at exit, or in a
test's teardown) sends what it can within its timeout and leaves the rest to the worker.
"""

from __future__ import annotations

from flask import Flask

from ..core.background import STOP_TIMEOUT_SECONDS, BackgroundQueue
from .sender import send_now

EXTENSION_KEY = "outbox_background_sender"
# Ids sent per call of send_now (one SMTP connection): what queued up while the last went.
BATCH_SIZE = 100
# A busy process sends at most one batch per this many seconds: what arrives meanwhile goes
# in the next batch. Each batch is two or three short write transactions (claim, outcomes)
# besides the SMTP conversation; sent one mail at a time under a burst of sign-ups, those
# tripled the writes per sign-up, and SQLite takes one writer at a time. After a quiet
# moment the first mail still goes at once.
MIN_BATCH_INTERVAL_SECONDS = 0.25


class BackgroundSender(BackgroundQueue):
    """A bounded queue of outbox ids and the thread that sends them, for one app."""

    def __init__(self, app: Flask, max_pending: int, batch_size: int = BATCH_SIZE) -> None:
        super().__init__(
            app, "mails", send_now, max_pending, batch_size, MIN_BATCH_INTERVAL_SECONDS
        )


def sender_for(app: Flask) -> BackgroundSender:
    """The app's background sender (created by ``register_outbox_delivery``)."""
    return app.extensions[EXTENSION_KEY]


def install(app: Flask) -> BackgroundSender:
    sender = BackgroundSender(app, max_pending=app.config["MAIL_BACKGROUND_QUEUE_MAX"])
    app.extensions[EXTENSION_KEY] = sender
    return sender


def wait_idle(app: Flask, timeout: float = 10.0) -> bool:
    """Wait until the app's background sender has sent (or given up on) what it was handed.

    For tests and scripts that expect a request's mails right after its response.
    """
    return sender_for(app).wait_idle(timeout)


def stop(app: Flask, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    return sender_for(app).stop(timeout)
