"""Database faults: which errors mean "the database is unavailable", and a pool that heals.

A database that is down, too slow, full or read-only is not a bug in the site: the visitor
gets a 503 with ``Retry-After`` (see ``errors.py``), cached pages keep being served
(``caching.py``) and the readiness check says why (``core/readiness.py``). Everything else a
database can raise (a constraint, a missing table) stays a 500.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from .extensions import db

# SQLite primary result codes (an extended code carries the primary one in its low byte).
SQLITE_REASONS = {
    5: "busy",  # SQLITE_BUSY: another writer holds the lock past the busy timeout
    6: "busy",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY: the file (or its directory) cannot be written
    10: "io-error",  # SQLITE_IOERR
    13: "full",  # SQLITE_FULL: disk full (or max_page_count reached)
    14: "unreachable",  # SQLITE_CANTOPEN
}
# PostgreSQL SQLSTATEs (exact codes first, then their two-character class).
PG_REASONS = {
    "25006": "read-only",  # read_only_sql_transaction: a standby, or read-only by setting
    "53100": "full",  # disk_full
    "57014": "timeout",  # query_canceled: statement_timeout
    "55P03": "busy",  # lock_not_available
    "08": "unreachable",  # connection exception
    "53": "overloaded",  # insufficient resources (too many connections, out of memory)
    "57": "unreachable",  # operator intervention: shutdown, crash, starting up
    "58": "io-error",  # system error
}


class DatabaseUnavailable(Exception):
    """Raised where a recent failure is remembered instead of asking the database again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"database unavailable ({reason})")
        self.reason = reason


def unavailable_reason(error: BaseException) -> str | None:
    """Why ``error`` means the database cannot serve us now, or None if it does not."""
    if isinstance(error, DatabaseUnavailable):
        return error.reason
    if isinstance(error, sa_exc.TimeoutError):  # no free connection in the pool
        return "overloaded"
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    reason = dbapi_reason(error.orig)
    if reason is None and error.connection_invalidated:
        return "unreachable"
    return reason


def dbapi_reason(orig: BaseException | None) -> str | None:
    """The reason for a driver's own exception (sqlite3 or psycopg)."""
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return SQLITE_REASONS.get(code & 0xFF)
    if type(orig).__module__.startswith("sqlite3"):
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return PG_REASONS.get(sqlstate) or PG_REASONS.get(sqlstate[:2])
    # psycopg: no SQLSTATE means the connection itself failed (refused, timed out, lost).
    names = {cls.__name__ for cls in type(orig).__mro__}
    return "unreachable" if names & {"OperationalError", "InterfaceError"} else None


@event.listens_for(Engine, "handle_error")
def invalidate_read_only_connections(context) -> None:
    """Treat "read-only" as a lost connection, so the pool opens new ones.

    SQLite opens a file it may not write read-only, and such a connection stays read-only
    after the permissions are fixed; a PostgreSQL server demoted to standby stays read-only
    too. Marking the error a disconnect discards the pool's connections, so the next request
    works as soon as the database can be written again, without a restart.
    """
    if dbapi_reason(context.original_exception) == "read-only":
        context.is_disconnect = True


@event.listens_for(Engine, "connect")
def note_read_only_sqlite(dbapi_connection, connection_record) -> None:
    """Note whether a new SQLite connection was opened read-only (see below)."""
    if type(dbapi_connection).__module__ == "sqlite3":
        connection_record.info["read_only"] = sqlite_is_read_only(dbapi_connection)
        connection_record.info.pop("checked_out", None)


@event.listens_for(Pool, "checkout")
def discard_read_only_sqlite(dbapi_connection, connection_record, connection_proxy) -> None:
    """Use a read-only SQLite connection once, then open a new one in its place.

    A connection that only read while the file was read-only never fails, so the error
    event above never sees it; without this it would stay in the pool, and the first write
    after the file was fixed would fail. A new SQLite connection costs a fraction of a
    millisecond, and only while the file is read-only.
    """
    if connection_record.info.get("read_only"):
        if connection_record.info.get("checked_out"):
            raise sa_exc.DisconnectionError("SQLite connection was opened read-only")
        connection_record.info["checked_out"] = True


def sqlite_is_read_only(connection) -> bool:
    """Try a write that is rolled back and never reaches the disk, without waiting for
    another writer's lock (busy: unknown, taken as writable)."""
    busy_timeout = connection.execute("PRAGMA busy_timeout").fetchone()[0]
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        connection.execute("BEGIN")
        connection.execute(f"PRAGMA user_version = {version}")
    except Exception as error:
        return getattr(error, "sqlite_errorcode", 0) & 0xFF == 8  # SQLITE_READONLY
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
    return False


@event.listens_for(Engine, "commit")
def _commit_sent(connection) -> None:
    # A server may have applied a COMMIT whose answer never arrived (the connection broke),
    # and an earlier commit of the same request did save something: remember both, so the
    # error page never claims that nothing was saved when that may be untrue.
    if has_request_context():
        g.db_commit_unanswered = connection.dialect.name


@event.listens_for(Session, "after_commit")
def _commit_answered(session) -> None:
    if has_request_context() and g.pop("db_commit_unanswered", None):
        g.db_committed = True


def commit_outcome_unknown() -> bool:
    """Whether this request may have saved something before its database fault.

    True after a commit that succeeded, or one that failed without a clear answer (SQLite
    commits locally and atomically: a failed COMMIT there saved nothing).
    """
    unanswered = g.get("db_commit_unanswered")
    return bool(g.get("db_committed")) or (unanswered not in (None, "sqlite"))


def rollback_quietly(session) -> None:
    """Roll back after a database fault; a broken connection may fail even at that."""
    try:
        session.rollback()
    except Exception:  # the connection is gone: the pool discards it
        pass


def one_writer_at_a_time() -> bool:
    """Whether a write transaction locks the whole database (SQLite), not only its rows."""
    return db.engine.dialect.name == "sqlite"


def begin_write() -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE), so what this transaction reads
    stays true until it commits; PostgreSQL locks rows instead (see below)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
