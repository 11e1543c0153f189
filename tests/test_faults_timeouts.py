"""Honest under slow and read-only databases: timeouts that give a 503 in time, and a pool
that recovers without a restart (the database away altogether: test_faults.py).

Every fault is real: a lock held by another connection, a file the OS will not let us
write, a server that never answers, a database that turns read-only as after a failover.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from eventsite.extensions import db
from tests import fault_helpers
from tests.fault_helpers import (
    NOT_SAVED_NL,
    ReadOnlyFile,
    SilentServer,
    assert_503,
    run_with_deadline,
    sign_up_form,
    stored_addresses,
)
from tests.testapp import make_test_app

another_app = fault_helpers.another_app  # the fixture: a second app on the same database


# --- Timeouts -----------------------------------------------------------------------------


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_sqlite_busy_timeout_is_configurable_and_gives_503(tmp_path, open_edition, another_app):
    path = tmp_path / "test.db"  # the app fixture's database (it holds the open edition)
    app = another_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT=0.5)
    client = app.test_client()
    form = sign_up_form(client, "anna@example.nl")
    other_writer = sqlite3.connect(path, isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = client.post("/register", data=form)
        elapsed = time.monotonic() - started
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert_503(response, NOT_SAVED_NL)
    assert elapsed < 5, f"waited {elapsed:.1f} s for the lock"
    assert stored_addresses() == set()


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_postgresql_statement_timeout_cancels_a_waiting_sign_up(
    app, open_edition, database_uri, another_app
):
    fast = another_app(database_uri, DATABASE_STATEMENT_TIMEOUT=1)
    client = fast.test_client()
    form = sign_up_form(client, "anna@example.nl")
    locker = create_engine(make_url(database_uri))
    conn = locker.connect()
    conn.execute(text("LOCK TABLE attendee IN ACCESS EXCLUSIVE MODE"))
    release = threading.Timer(8, conn.rollback)  # without a timeout the test ends, failing
    release.start()
    try:
        started = time.monotonic()
        response = client.post("/register", data=form)
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        conn.rollback()
        conn.close()
        locker.dispose()
    assert elapsed < 5, f"waited {elapsed:.1f} s for the lock"
    assert_503(response, NOT_SAVED_NL)
    assert stored_addresses() == set()
    from eventsite.database import unavailable_reason

    with fast.app_context():
        with pytest.raises(OperationalError) as timed_out:
            db.session.execute(text("SELECT pg_sleep(3)"))
        assert unavailable_reason(timed_out.value) == "timeout"


def test_postgresql_connect_timeout_gives_503_in_time():
    silent = SilentServer()
    app = make_test_app(
        f"postgresql+psycopg://postgres@127.0.0.1:{silent.port}/none", DATABASE_CONNECT_TIMEOUT=2
    )
    started = time.monotonic()
    try:
        response = run_with_deadline(lambda: app.test_client().get("/register"), 10, silent.close)
    finally:
        silent.close()
    assert_503(response)
    assert time.monotonic() - started < 10


def test_timeouts_reach_the_drivers(tmp_path, another_app):
    app = make_test_app(
        "postgresql+psycopg://u@h/d?options=-c%20search_path%3Dx",
        DATABASE_CONNECT_TIMEOUT=3,
        DATABASE_STATEMENT_TIMEOUT=2.5,
    )
    args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert args == {"connect_timeout": 3, "options": "-c search_path=x -c statement_timeout=2500"}
    app = another_app(f"sqlite:///{tmp_path}/t.db", SQLITE_BUSY_TIMEOUT=2)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 2.0}
    with app.app_context():
        busy = db.session.execute(text("PRAGMA busy_timeout")).scalar()
    assert busy == 2000


# --- A pool that recovers from read-only connections ---------------------------------------


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_pool_recovers_after_the_sqlite_file_was_read_only(app, client, open_edition, tmp_path):
    form = sign_up_form(client, "anna@example.nl")
    read_only = ReadOnlyFile(tmp_path / "test.db")
    read_only.set()
    try:
        db.session.remove()
        db.engine.dispose()  # connections opened from now on are read-only
        response = client.post("/register", data=form)
        assert_503(response, NOT_SAVED_NL)
        # Reading still works, and leaves a read-only connection in the pool.
        assert client.get("/healthz").status_code == 200
    finally:
        read_only.clear()
    # The file is writable again: the next request works, without a restart.
    assert client.post("/register", data=form).status_code == 302
    assert stored_addresses() == {"anna@example.nl"}


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_pool_recovers_after_postgresql_was_read_only(app, client, open_edition, database_uri):
    form = sign_up_form(client, "anna@example.nl")
    name = make_url(database_uri).database
    admin = create_engine(make_url(database_uri).set(database="postgres"))
    with admin.begin() as conn:  # like a failover: new connections land on a standby
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        db.session.remove()
        db.engine.dispose()
        assert_503(client.post("/register", data=form), NOT_SAVED_NL)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()
    assert client.post("/register", data=form).status_code == 302
    assert stored_addresses() == {"anna@example.nl"}


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_database_lost_after_the_answer_was_made_keeps_the_answer(app, client, database_uri):
    """Closing the session of a finished request must not turn its answer into a 500."""
    killer = create_engine(make_url(database_uri), isolation_level="AUTOCOMMIT")

    def read_then_lose_the_connection():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "made before the database went away"

    app.add_url_rule("/read-then-lost", "read_then_lost", read_then_lose_the_connection)
    try:
        response = client.get("/read-then-lost")
    finally:
        killer.dispose()
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "made before the database went away"


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_form_that_committed_before_the_fault_is_not_called_unsaved(app, client, database_uri):
    """After a commit of the same request, "NOT saved" would be untrue: we cannot tell."""
    killer = create_engine(make_url(database_uri), isolation_level="AUTOCOMMIT")

    def commit_then_lose_the_database():
        db.session.execute(text("CREATE TEMP TABLE scratch (x int)"))
        db.session.commit()
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.execute(text("SELECT 1"))

    app.add_url_rule(
        "/commit-then-lost", "commit_then_lost", commit_then_lose_the_database, methods=["POST"]
    )
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        body = assert_503(client.post("/commit-then-lost"), "We weten niet zeker")
    finally:
        killer.dispose()
    assert NOT_SAVED_NL not in body
