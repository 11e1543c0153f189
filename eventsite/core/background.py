"""A bounded queue of committed row ids and one thread per process that works them off.

Used for what a request commits and must not do in its own thread: sending its mails
(``mail.background``) and, under a burst of sign-ups, turning a stored sign-up into its
registration (``registration.intake``). The rows are committed before their ids get here, so
nothing is lost when the process dies or the queue is full: the worker (``flask worker``)
finds whatever this thread did not do in the database.

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
from collections.abc import Callable, Iterable

from flask import Flask

log = logging.getLogger(__name__)

# An idle thread ends after this long (a quiet process, or an app a test left behind).
IDLE_EXIT_SECONDS = 60.0
# At exit, how long to keep working off what is queued before leaving it to the worker.
STOP_TIMEOUT_SECONDS = 5.0

Handler = Callable[[Flask, list[int]], None]

_all_queues: weakref.WeakSet[BackgroundQueue] = weakref.WeakSet()


class BackgroundQueue:
    """Ids handed over by requests and the thread that calls ``handle(app, ids)`` per batch.

    A busy process handles at most one batch per ``min_interval`` seconds: what arrives
    meanwhile goes in the next batch, so a burst costs a few large batches (a few short write
    transactions) instead of one per request. After a quiet moment the first id goes at once.
    """

    def __init__(
        self,
        app: Flask,
        name: str,
        handle: Handler,
        max_pending: int,
        batch_size: int,
        min_interval: float,
    ) -> None:
        self.app = app
        self.name = name  # in log lines and the thread's name: "mails", "sign-ups"
        self.handle = handle
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.min_interval = min_interval
        self._reset()
        _all_queues.add(self)

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
        """Queue committed ids; returns how many were taken. Never blocks: ids that do not
        fit are left to the worker."""
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
                "%s queue of this process is full or stopping: %d left to the worker",
                self.name,
                len(ids) - taken,
            )
        return taken

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being handled; False if ``timeout`` seconds passed."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    @property
    def pending(self) -> int:
        """Ids queued and not yet taken into a batch."""
        return len(self._pending)

    @property
    def backlog(self) -> int:
        """Queued or being handled: more than nothing means this process is behind."""
        return len(self._pending) + (1 if self._busy else 0)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Accept no more ids; work off what is queued for up to ``timeout`` seconds, then
        leave the rest to the worker. True if the thread has ended."""
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
            target=self._run, name=f"background-{self.name}-{os.getpid()}", daemon=True
        )
        self._thread.start()

    def _next_batch(self) -> list[int] | None:
        """The next ids to handle, waiting for some; None when the thread should end."""
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
                log.warning("stopping: %d %s left to the worker", left, self.name)
                self._cond.notify_all()
                return None
            count = min(self.batch_size, len(self._pending))
            batch = [self._pending.popleft() for _ in range(count)]
            self._busy = True
            self._last_batch_at = time.monotonic()
            return batch

    def _linger(self) -> None:
        """(Holding the lock.) Right after a batch, let more ids gather for the next one."""
        until = self._last_batch_at + self.min_interval
        while (
            not self._stopping
            and len(self._pending) < self.batch_size
            and (left := until - time.monotonic()) > 0
        ):
            self._cond.wait(left)

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self.handle(self.app, batch)
            except BaseException:  # never let the thread die: the rows wait for the worker
                log.exception("background %s %s failed; they wait for the worker", self.name, batch)


def _stop_all_at_exit() -> None:
    queues = [q for q in list(_all_queues) if q.running]
    for queue in queues:
        queue.stop(STOP_TIMEOUT_SECONDS / max(len(queues), 1))


def _forget_parent_threads() -> None:
    for queue in list(_all_queues):
        queue._reset()


atexit.register(_stop_all_at_exit)
os.register_at_fork(after_in_child=_forget_parent_threads)
