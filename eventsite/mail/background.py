"""One mail-sending thread per process, apart from the threads that answer requests.

A request hands the ids of the outbox rows it committed to ``submit()`` and answers at once;
this thread sends them with ``sender.send_now`` moments later. Sending in the request's own
thread (as before) let a hanging mail server hold every worker thread for ``MAIL_TIMEOUT``,
so every page, ``/healthz`` too, waited. Now a hanging server holds only this thread.

The queue is bounded (``MAIL_BACKGROUND_QUEUE_MAX`` ids): when it is full, ids are not
queued here and simply wait in the outbox for ``flask mail send-queued --loop``. The rows
are committed before their ids get here, so nothing is lost when the process dies; a row
that was being sent at that moment stays ``sending`` and the worker reclaims it.

The thread starts lazily, on the first ``submit()`` in a process: under gunicorn that is in
a worker after the fork, never in the master. After a fork the child forgets the parent's
thread and queue (``os.register_at_fork``). An idle thread ends after ``IDLE_EXIT_SECONDS``
and the next ``submit()`` starts a new one; ``stop()`` (at exit, or in a test's teardown)
finishes what it can within its timeout and leaves the rest to the worker.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable

from flask import Flask

from .sender import send_now

log = logging.getLogger(__name__)

EXTENSION_KEY = "outbox_background_sender"
# Ids sent per call of send_now (one SMTP connection): what queued up while the last went.
BATCH_SIZE = 100
# An idle thread ends after this long (a quiet process, or an app a test left behind).
IDLE_EXIT_SECONDS = 60.0
# A busy process sends at most one batch per this many seconds: what arrives meanwhile goes
# in the next batch. Each batch is two or three short write transactions (claim, outcomes)
# besides the SMTP conversation; sent one mail at a time under a burst of sign-ups, those
# tripled the writes per sign-up, and SQLite takes one writer at a time. After a quiet
# moment the first mail still goes at once.
MIN_BATCH_INTERVAL_SECONDS = 0.25
# At exit, how long to keep sending what is queued before leaving it to the worker.
STOP_TIMEOUT_SECONDS = 5.0

_all_senders: weakref.WeakSet[BackgroundSender] = weakref.WeakSet()


class BackgroundSender:
    """A bounded queue of outbox ids and the thread that sends them, for one app."""

    def __init__(self, app: Flask, max_pending: int, batch_size: int = BATCH_SIZE) -> None:
        self.app = app
        self.max_pending = max_pending
        self.batch_size = batch_size
        self._reset()
        _all_senders.add(self)

    def _reset(self) -> None:
        """Fresh state: at creation and in a forked child (the parent's thread is not there,
        and its lock may have been held by a thread that does not exist in the child)."""
        self._cond = threading.Condition()
        self._pending: deque[int] = deque()
        self._busy = False
        self._stopping = False
        self._deadline = 0.0
        self._thread: threading.Thread | None = None
        self._last_batch_at = 0.0
        self.left_for_worker = 0  # ids not queued because the queue was full (since start)

    def submit(self, ids: Iterable[int]) -> int:
        """Queue committed outbox ids for sending; returns how many were taken. Never blocks
        on the mail server: ids that do not fit are left to the worker."""
        ids = list(ids)
        with self._cond:
            if self._stopping:
                taken = 0
            else:
                taken = max(0, min(len(ids), self.max_pending - len(self._pending)))
                self._pending.extend(ids[:taken])
                if taken:
                    self._start_thread()
                    self._cond.notify_all()
            self.left_for_worker += len(ids) - taken
        if taken < len(ids):
            log.warning(
                "mail queue of this process is full or stopping: %d mails left to the worker",
                len(ids) - taken,
            )
        return taken

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being sent; False if ``timeout`` seconds passed."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Accept no more ids; send what is queued for up to ``timeout`` seconds, then leave
        the rest to the worker. True if the thread has ended."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._stopping = True
            self._deadline = deadline
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
            return not thread.is_alive()
        return True

    def _start_thread(self) -> None:
        """(Holding the lock.) Start the thread if it is not running."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(
            target=self._run, name=f"outbox-sender-{os.getpid()}", daemon=True
        )
        self._thread.start()

    def _next_batch(self) -> list[int] | None:
        """The next ids to send, waiting for some; None when the thread should end."""
        with self._cond:
            self._busy = False
            self._cond.notify_all()  # wake wait_idle()
            while not self._pending:
                if self._stopping:
                    return None
                if not self._cond.wait(IDLE_EXIT_SECONDS) and not self._pending:
                    self._thread = None  # the next submit() starts a new thread
                    return None
            self._linger()
            if self._stopping and time.monotonic() > self._deadline:
                left = len(self._pending)
                self._pending.clear()
                log.warning("stopping: %d mails left to the worker", left)
                self._cond.notify_all()
                return None
            count = min(self.batch_size, len(self._pending))
            batch = [self._pending.popleft() for _ in range(count)]
            self._busy = True
            self._last_batch_at = time.monotonic()
            return batch

    def _linger(self) -> None:
        """(Holding the lock.) Right after a batch, let more ids gather for the next one."""
        until = self._last_batch_at + MIN_BATCH_INTERVAL_SECONDS
        while (
            not self._stopping
            and len(self._pending) < self.batch_size
            and (left := until - time.monotonic()) > 0
        ):
            self._cond.wait(left)

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                send_now(self.app, batch)
            except BaseException:  # never let the thread die: the rows wait for the worker
                log.exception("background sending of mails %s failed; they stay queued", batch)


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


def _stop_all_at_exit() -> None:
    senders = [s for s in list(_all_senders) if s.running]
    for sender in senders:
        sender.stop(STOP_TIMEOUT_SECONDS / max(len(senders), 1))


def _forget_parent_threads() -> None:
    for sender in list(_all_senders):
        sender._reset()


atexit.register(_stop_all_at_exit)
os.register_at_fork(after_in_child=_forget_parent_threads)
