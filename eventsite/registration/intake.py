"""Sign-ups under a burst: store the form as it came, answer, and register moments later.

A sign-up that registers at once does a dozen statements and renders its mail inside the
request. That is fine one at a time, and it is how a sign-up goes while its process is
quiet. When the mailing goes out, thousands come within minutes: then a process that is
already answering ``SIGNUP_DIRECT_MAX_CONCURRENT`` sign-ups, or answered one within the last
``SIGNUP_BURST_WINDOW`` seconds, only validates the form and commits it as one
``signup_intake`` row, the same row with the same statements for every address, and answers
with the same page as always.

The process's intake thread (``core.background``) registers the stored sign-ups once the
process has answered no sign-up for that window, or once the oldest has waited
``SIGNUP_INTAKE_MAX_DELAY`` seconds: a burst is answered first and registered right after
it. It registers each with ``signup.sign_up``, in a unit of work that also deletes its row:
exactly once, and a crash in between loses nothing. Rows the thread did not get to (the
process stopped) wait for the worker's ``signup-intake`` job; a sign-up that failed to
register keeps its row, with the error, and the worker retries it with backoff: it is never
dropped. With ``SIGNUP_INTAKE_QUEUE_MAX`` rows waiting in a process, its sign-ups register
in the request again: slower answers rather than an ever longer wait for the mail.

The trade-offs, for a sign-up stored under a burst: its confirmation mail leaves when the
burst is over, or at most about ``SIGNUP_INTAKE_MAX_DELAY`` seconds later, plus the backlog's
drain time (``bench/run.py`` measures it); a session's openness is judged at the moment the
form was sent (a deadline passed in between is the confirmation's to say, as for a sign-up
registered in its request), but a session cancelled in between is left out, and when none
is left nothing is registered (logged); and a person who sends the form twice with other
details within that time may end up with the details of the first (the one registered last).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import joinedload

from ..clock import utcnow
from ..core import unit_of_work
from ..core.background import BackgroundQueue
from ..extensions import db
from ..programme.models import Edition, ProgrammeSession
from . import signup
from .intake_models import SignupIntake

log = logging.getLogger(__name__)

EXTENSION_KEY = "registration.intake"
# Stored sign-ups registered in one transaction (one commit, one write lock): small, since
# SQLite lets no other writer in meanwhile, and the sign-up forms being stored are writers.
BATCH_SIZE = 20
# A busy thread starts a batch at most this often, so stored sign-ups gather into batches.
MIN_BATCH_INTERVAL_SECONDS = 0.1
# While holding back for the answers, the thread looks this often whether they are done.
HOLD_POLL_SECONDS = 0.02
# The worker leaves a row this long to the thread of the process that stored it.
WORKER_GRACE = timedelta(seconds=10)
# A failed registration is retried after 10 s, 20 s, 40 s, ... at most an hour.
RETRY_FIRST_SECONDS = 10
RETRY_MAX_SECONDS = 3600


class Intake:
    """Per process: how many sign-ups are being answered now, and the intake thread."""

    def __init__(self, app: Flask) -> None:
        self.queue = BackgroundQueue(
            app,
            "sign-ups",
            _register_in_background,
            max_pending=app.config["SIGNUP_INTAKE_QUEUE_MAX"],
            batch_size=BATCH_SIZE,
            min_interval=MIN_BATCH_INTERVAL_SECONDS,
        )
        self._lock = threading.Lock()
        self._answering = 0
        self._last_answer_at = 0.0  # time.monotonic() when the last sign-up was answered
        # Since when the thread has had stored sign-ups to register (None: it has none).
        self._behind_since: float | None = None

    @contextmanager
    def answering(self) -> Iterator[bool]:
        """Count this sign-up as being answered; yields True when it is to be stored: the
        process is busy with others and its queue has room (when it has none, the sign-up is
        registered in its request: slower answers, instead of an ever longer wait for mail)."""
        config = self.queue.app.config
        with self._lock:
            self._answering += 1
            busy = (
                self._answering > config["SIGNUP_DIRECT_MAX_CONCURRENT"]
                or self._answered_lately()
            )
        try:
            yield busy and self.queue.pending < config["SIGNUP_INTAKE_QUEUE_MAX"]
        finally:
            with self._lock:
                self._answering -= 1
                self._last_answer_at = time.monotonic()

    def yield_to_answers(self) -> None:
        """(The intake thread, before a batch.) While this process answers sign-ups (one is
        being answered, or was within ``SIGNUP_BURST_WINDOW``), wait: the answers first, up to
        ``SIGNUP_INTAKE_MAX_DELAY`` seconds since the thread fell behind; from then on it
        registers without waiting until it has caught up."""
        now = time.monotonic()
        if self._behind_since is None:
            self._behind_since = now
        until = self._behind_since + self.queue.app.config["SIGNUP_INTAKE_MAX_DELAY"]
        while self._busy_answering() and time.monotonic() < until:
            time.sleep(HOLD_POLL_SECONDS)

    def _busy_answering(self) -> bool:
        return bool(self._answering) or self._answered_lately()

    def _answered_lately(self) -> bool:
        """Another sign-up was answered within ``SIGNUP_BURST_WINDOW`` seconds: a burst,
        even when each is answered before the next arrives."""
        window = self.queue.app.config["SIGNUP_BURST_WINDOW"]
        return time.monotonic() - self._last_answer_at < window

    def caught_up(self) -> None:
        """(The intake thread, after a batch.) Nothing more queued: no longer behind."""
        if not self.queue.pending:
            self._behind_since = None


def install(app: Flask) -> Intake:
    intake = app.extensions[EXTENSION_KEY] = Intake(app)
    return intake


def intake_for(app: Flask) -> Intake:
    return app.extensions[EXTENSION_KEY]


# --- Storing (in the sign-up request) -------------------------------------------------------


_INSERT = insert(SignupIntake.__table__).returning(SignupIntake.__table__.c.id)


def store(edition_id: int, data: signup.SignUp, session_ids: list[int]) -> None:
    """Add the sign-up as it came; once the caller's unit of work has committed it, it goes
    to this process's intake thread (what does not fit waits for the worker)."""
    # One INSERT on the transaction's connection, no ORM object: the answer's only database
    # work (the ORM's unit of work and statement building cost more than the insert).
    now = utcnow()
    row_id = (
        db.session.connection()
        .execute(
            _INSERT,
            {
                "edition_id": edition_id,
                "session_ids": session_ids,
                "details": asdict(data),
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            },
        )
        .scalar_one()
    )
    queue = intake_for(current_app).queue
    unit_of_work.after_commit(lambda: queue.submit([row_id]))


# --- Registering (the intake thread and the worker) -----------------------------------------


def _register_in_background(app: Flask, intake_ids: list[int]) -> None:
    intake = intake_for(app)
    intake.yield_to_answers()
    with app.app_context():
        try:
            register(intake_ids)
        finally:
            db.session.remove()
    intake.caught_up()


def _stored_ids(*conditions, limit: int | None = None) -> list[int]:
    """Ids of stored sign-ups, oldest first; the reading transaction ends here, so each
    registration claims its row in a transaction of its own."""
    query = db.select(SignupIntake.id).where(*conditions).order_by(SignupIntake.id).limit(limit)
    ids = list(db.session.scalars(query))
    unit_of_work.rollback()
    return ids


def due_ids(limit: int, grace: timedelta = WORKER_GRACE) -> list[int]:
    """Stored sign-ups the worker should register: due, and not just handed to a thread."""
    now = utcnow()
    return _stored_ids(
        SignupIntake.next_attempt_at <= now, SignupIntake.created_at <= now - grace, limit=limit
    )


def register(intake_ids: list[int]) -> int:
    """Register these stored sign-ups, ``BATCH_SIZE`` to a transaction. How many were
    registered or found done by another process.

    In the order of their ids, as every process claims them: a thread's ids come in the
    order their requests committed, and two transactions deleting the same rows in
    different orders deadlock on PostgreSQL (seen under a burst: a thread and the worker)."""
    intake_ids = sorted(intake_ids)
    return sum(
        _register_batch(intake_ids[start : start + BATCH_SIZE])
        for start in range(0, len(intake_ids), BATCH_SIZE)
    )


def _register_batch(intake_ids: list[int]) -> int:
    """In one transaction, or, if that fails, each in its own (so one that fails keeps its
    row and the others go on)."""
    try:
        with unit_of_work.unit_of_work(deliver=True):
            for intake_id in intake_ids:
                _register_one(intake_id)
        return len(intake_ids)
    except Exception:  # a conflict with another process, or one bad row: one by one
        log.info("stored sign-ups %s: registering one by one", intake_ids, exc_info=True)
    done = 0
    for intake_id in intake_ids:
        try:
            with unit_of_work.unit_of_work(deliver=True):
                unit_of_work.retry_on_conflict(_register_one, intake_id)
            done += 1
        except Exception as error:
            log.exception("stored sign-up %s could not be registered; retried later", intake_id)
            _note_failure(intake_id, error)
    return done


def _register_one(intake_id: int) -> None:
    """Claim the row by deleting it, and sign up what it holds, in the caller's unit of work.
    A row already gone was registered by another process."""
    claimed = db.session.execute(
        delete(SignupIntake)
        .where(SignupIntake.id == intake_id)
        .returning(
            SignupIntake.edition_id,
            SignupIntake.session_ids,
            SignupIntake.details,
            SignupIntake.created_at,
        )
    ).first()
    if claimed is None:
        return
    edition_id, session_ids, details, sent_at = claimed
    edition = db.session.get(Edition, edition_id)
    # Open when the form was sent, as the request would have judged it: a deadline passed
    # while the sign-up waited here must not swallow it (the person was told a mail comes).
    sessions = [
        s
        for s in db.session.scalars(
            db.select(ProgrammeSession)
            .where(ProgrammeSession.id.in_(session_ids))
            .options(joinedload(ProgrammeSession.region))
            .order_by(ProgrammeSession.start_at)
        )
        if s.edition_id == edition_id and s.open_for_registration(sent_at)
    ]
    if edition is None or not sessions:
        log.warning("stored sign-up %s: its sessions were cancelled meanwhile", intake_id)
        return
    signup.sign_up(edition, signup.SignUp(**details), sessions, sent_at=sent_at)


def _note_failure(intake_id: int, error: Exception) -> None:
    """Keep the row, say why, and set when to try again (backoff)."""
    row = db.session.get(SignupIntake, intake_id)
    if row is None:
        return
    delay = min(RETRY_FIRST_SECONDS * 2**row.attempts, RETRY_MAX_SECONDS)
    with unit_of_work.unit_of_work():
        db.session.execute(
            update(SignupIntake)
            .where(SignupIntake.id == intake_id)
            .values(
                attempts=SignupIntake.attempts + 1,
                next_attempt_at=utcnow() + timedelta(seconds=delay),
                last_error=f"{type(error).__name__}: {error}"[:1000],
            )
        )


@dataclass(frozen=True)
class Waiting:
    """Stored sign-ups not registered yet: how many, how many of them failed, the oldest."""

    count: int
    failed: int
    oldest: datetime | None
    last_error: str | None


def waiting() -> Waiting:
    """For the organisers' mail page: sign-ups stored and not yet registered."""
    count, failed, oldest = db.session.execute(
        db.select(
            db.func.count(SignupIntake.id),
            db.func.count(SignupIntake.id).filter(SignupIntake.attempts > 0),
            db.func.min(SignupIntake.created_at),
        )
    ).one()
    last_error = db.session.scalar(
        db.select(SignupIntake.last_error)
        .where(SignupIntake.attempts > 0)
        .order_by(SignupIntake.next_attempt_at.desc())
        .limit(1)
    )
    return Waiting(count, failed, oldest, last_error)


def register_all_now() -> tuple[int, int]:
    """Register every stored sign-up now, due or not (``flask registrations
    register-stored``, after an outage); (registered, still waiting)."""
    done = register(_stored_ids())
    left = db.session.scalar(db.select(db.func.count(SignupIntake.id))) or 0
    unit_of_work.rollback()
    return done, left


def register_due(limit: int = 100) -> int:
    """The worker's job: register what no process's thread did; how many."""
    ids = due_ids(limit)
    if not ids:
        return 0
    current_app.logger.info("registering %d stored sign-up(s) left to the worker", len(ids))
    return register(ids)
