"""One unit of work: services change objects and flush; one place commits or rolls back.

Per request (``init_app``): after the view has returned, the transaction is committed,
before the response is made, so a failed commit raises inside the request and becomes the
503/500 page of ``errors.py``; a view that raises is rolled back. Per CLI command or worker
job: ``with unit_of_work() as work:`` or ``@transactional``.

Outbox rows added in the transaction (``note_outbox``, called by ``queue_mail``) are
collected at that one commit and handed, once committed, to the app's deliverers (the
mail feature's background sender): a mail is never sent for a change that was not saved.
A rollback forgets them with the rows.

Locks: a service that must decide on what another transaction committed takes its lock
itself, early (the atomic capacity UPDATE, ``SELECT ... FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite); the lock is held until this commit, so it covers the
whole unit of work and the mails it queued.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import rollback_quietly
from ..extensions import db

OUTBOX_KEY = "unit_of_work_outbox"  # session.info: outbox rows (or ids) of this transaction
AFTER_KEY = "unit_of_work_after_commit"  # session.info: what to call once it is committed
WROTE_KEY = "unit_of_work_wrote"  # session.info: this transaction flushed or ran DML
EXTENSION_KEY = "unit_of_work"

Deliver = Callable[[list[int]], None]


def note_outbox(row) -> None:
    """Remember an outbox row (an ORM object, or the id of a bulk-inserted row) of this
    transaction, to be handed to sending once it is committed."""
    db.session.info.setdefault(OUTBOX_KEY, []).append(row)


def after_commit(callback: Callable[[], None]) -> None:
    """Call ``callback()`` once this transaction is committed (never after a rollback): to
    hand a committed row to a background thread, as the outbox rows are. The transaction is
    then committed even if it wrote only with Core statements on its connection."""
    db.session.info.setdefault(AFTER_KEY, []).append(callback)


def _committable_ids(pending: list) -> list[int]:
    ids = []
    for row in pending:
        if isinstance(row, int):
            ids.append(row)
        elif inspect(row).persistent:  # not one a rollback elsewhere already took away
            ids.append(row.id)
    return ids


def _note_flush(session: Session, _flush_context) -> None:
    session.info[WROTE_KEY] = True


def _note_statement(orm_execute_state) -> None:
    state = orm_execute_state
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE_KEY] = True


def _has_writes(session) -> bool:
    return bool(
        session.info.get(WROTE_KEY)
        or session.info.get(OUTBOX_KEY)
        or session.info.get(AFTER_KEY)  # a Core statement on the connection wrote
        or session.new
        or session.dirty
        or session.deleted
    )


def commit(deliver: bool = True) -> list[int]:
    """Commit the session's transaction; hand the outbox rows it saved to the deliverers.
    Returns their ids. On failure nothing is handed over and the exception propagates.

    A transaction that only read is not committed but left to the session's end (a
    rollback): a connection lost after the reading must not turn a finished page into 503.
    """
    if not db.session.registry.has():  # the request never used the database (a cached page)
        return []
    session = db.session
    if not _has_writes(session):
        return []
    try:
        if session.info.get(OUTBOX_KEY):
            session.flush()  # new rows get their ids
        ids = _committable_ids(session.info.get(OUTBOX_KEY, []))
        session.commit()
    finally:
        session.info.pop(OUTBOX_KEY, None)
        session.info.pop(WROTE_KEY, None)
        callbacks = session.info.pop(AFTER_KEY, [])
    if ids and deliver:
        for hand_over in current_app.extensions.get(EXTENSION_KEY, ()):
            hand_over(ids)
    for callback in callbacks:
        callback()
    return ids


def rollback() -> None:
    """Undo the transaction and forget its outbox rows."""
    db.session.info.pop(OUTBOX_KEY, None)
    db.session.info.pop(WROTE_KEY, None)
    db.session.info.pop(AFTER_KEY, None)
    db.session.rollback()


@contextmanager
def rehearsal() -> Iterator[None]:
    """Change objects in memory only, to see what a change would give before taking the
    lock that makes it (the confirmation renders its mails so, outside SQLite's write lock
    and the session row's lock); then forget every change: no autoflush inside, a rollback
    after. Only before this unit of work has written anything."""
    if _has_writes(db.session):
        raise RuntimeError("a rehearsal must come before the unit of work writes")
    try:
        with db.session.no_autoflush:
            yield
    finally:
        rollback()


@dataclass
class Work:
    """What a CLI unit of work committed: the ids of its outbox rows."""

    outbox_ids: list[int] = field(default_factory=list)


@contextmanager
def unit_of_work(deliver: bool = False) -> Iterator[Work]:
    """Commit when the block ends normally, roll back when it raises.

    For CLI commands and worker jobs (within an app context). ``deliver``: also hand the
    committed mails to the background sender; by default the worker sends them from the
    outbox (a short command would end before a background thread sent anything)."""
    work = Work()
    try:
        yield work
    except BaseException:
        rollback()
        raise
    work.outbox_ids = commit(deliver=deliver)


def transactional(function: Callable) -> Callable:
    """Decorator: run ``function`` as one unit of work (see ``unit_of_work``)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        with unit_of_work():
            return function(*args, **kwargs)

    return run


def retry_on_conflict(function: Callable, *args, **kwargs):
    """Run ``function``; if a unique constraint refused its flush (a double click stored
    the same new row alongside), roll back and run it once more, on what the other
    request committed. Call it first in a unit of work: the rollback undoes all of it."""
    try:
        return function(*args, **kwargs)
    except IntegrityError:
        rollback()
        return function(*args, **kwargs)


def on_commit(app: Flask, deliver: Deliver) -> None:
    """Call ``deliver(ids)`` with the outbox ids each request's commit saved."""
    app.extensions.setdefault(EXTENSION_KEY, []).append(deliver)


def init_app(app: Flask, deliverers: Iterable[Deliver] = ()) -> None:
    """Every request is one unit of work: commit after its view, roll back if it raised.

    Wraps ``dispatch_request`` (the view's call), not ``after_request``: an exception here
    goes through the app's error handlers like one from the view, so a commit the database
    refused answers 503 (``errors.py``), and no response is made before the data is saved.
    """
    for deliver in deliverers:
        on_commit(app, deliver)
    # Whether a transaction wrote anything (then it is committed; see commit()).
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
    dispatch = app.dispatch_request

    @functools.wraps(dispatch)
    def dispatch_in_unit_of_work():
        try:
            rv = dispatch()
        except BaseException:
            for key in (OUTBOX_KEY, WROTE_KEY, AFTER_KEY):
                db.session.info.pop(key, None)
            rollback_quietly(db.session)  # the database may be the reason it raised
            raise
        commit()
        return rv

    app.dispatch_request = dispatch_in_unit_of_work
