"""Honest under faults: a 503 with Retry-After and true words when the database is away,
cached pages served meanwhile, timeouts, and a pool that recovers without a restart.

Every fault is real: a database that refuses connections, a lock held by another
connection, a file the OS will not let us write, a server that never answers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from eventsite.extensions import db
from tests.fault_helpers import ReadOnlyFile, SilentServer, run_with_deadline, stored_addresses
from tests.helpers import csrf_token
from tests.testapp import free_port, make_test_app

NOT_SAVED_NL = "NIET opgeslagen"
NOT_SAVED_EN = "NOT been saved"


@pytest.fixture
def another_app():
    """``make_test_app`` for a second app on the same database; its pool is closed after."""
    apps = []

    def factory(database_uri: str, **overrides):
        apps.append(make_test_app(database_uri, **overrides))
        return apps[-1]

    yield factory
    for extra in apps:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_up_form(client, email: str, lang: str = "nl") -> dict:
    """The filled-in sign-up form, with the CSRF token of a GET made while all was well."""
    return {
        "csrf_token": csrf_token(client, f"/register?lang={lang}"),
        "name": "Anna de Vries",
        "email": email,
        "organisation": "De Vries Metaal B.V.",
        "role": "Eigenaar",
        "sessions": ["2027-noord"],
        "consent": "y",
    }


def assert_503(response, *texts: str) -> str:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    for expected in texts:
        assert expected in body
    assert "Traceback" not in body
    return body


@contextmanager
def database_away(app, database_uri: str):
    """The database refuses every new connection until the block ends.

    SQLite: the file is moved away and a directory stands in its place (cannot open).
    PostgreSQL: the database stops accepting connections and ours are terminated.
    """
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        path = url.database
        os.rename(path, path + ".away")
        os.mkdir(path)
        try:
            yield
        finally:
            os.rmdir(path)
            os.rename(path + ".away", path)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()


# --- 503 with Retry-After and true words ------------------------------------------------


def test_signup_while_the_database_is_away_is_503_not_saved(
    app, client, open_edition, database_uri
):
    form = sign_up_form(client, "anna@example.nl")
    with database_away(app, database_uri):
        response = client.post("/register", data=form)
        assert_503(response, NOT_SAVED_NL, "Tijdelijk niet beschikbaar")
        english = client.post("/register?lang=en", data={**form, "email": "bob@example.nl"})
        assert_503(english, NOT_SAVED_EN, "Temporarily unavailable")
    assert stored_addresses() == set()
    # Back again: the same form now works, without a restart.
    assert client.post("/register", data=form).status_code == 302
    assert stored_addresses() == {"anna@example.nl"}


def test_page_while_the_database_is_away_is_503_without_talk_of_saving(
    app, client, open_edition, database_uri
):
    with database_away(app, database_uri):
        body = assert_503(client.get("/register?lang=en"), "Temporarily unavailable")
        assert "saved" not in body
        assert "niet beschikbaar" in assert_503(client.get("/register?lang=nl"))


def test_unreachable_postgresql_server_is_503():
    app = make_test_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    response = app.test_client().get("/register")
    assert_503(response, "Tijdelijk niet beschikbaar")


def test_500_page_does_not_claim_that_nothing_was_lost(app, client):
    app.add_url_rule("/boom", "boom", lambda: 1 / 0, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    body = client.post("/boom").get_data(as_text=True)
    assert "niet verloren" not in body
    assert "misschien niet opgeslagen" in body
    body = client.post("/boom?lang=en").get_data(as_text=True)
    assert "was lost" not in body and "may not have been saved" in body


def test_errors_that_are_not_about_availability_stay_500(app, client):
    def missing_table():
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.add_url_rule("/missing", "missing", missing_table)
    assert client.get("/missing").status_code == 500


def test_classification_of_sqlite_faults(tmp_path):
    from eventsite.database import unavailable_reason

    connection = sqlite3.connect(tmp_path / "c.db")
    connection.execute("CREATE TABLE t (x)")
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM nothing")
    wrapped = OperationalError("SELECT", {}, missing.value)
    assert unavailable_reason(wrapped) is None
    connection.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as read_only:
        connection.execute("INSERT INTO t VALUES (1)")
    assert unavailable_reason(OperationalError("INSERT", {}, read_only.value)) == "read-only"


# --- Cached pages while the database is away ----------------------------------------------


@pytest.mark.parametrize("url", ["/", "/sessions/2027-noord", "/editions/2027"])
def test_cached_pages_are_served_while_the_database_is_away(
    app, client, open_edition, database_uri, url
):
    before = client.get(url)
    assert before.status_code == 200
    with database_away(app, database_uri):
        during = client.get(url)
        assert during.status_code == 200
        assert during.data == before.data
        assert during.headers["ETag"] == before.headers["ETag"]
        etag = before.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        # A page never rendered before has nothing to fall back on: an honest 503.
        assert_503(client.get(url + "?lang=en", headers={"Accept-Language": "en"}))
    assert client.get(url).status_code == 200


def test_a_failed_version_lookup_is_remembered_for_page_version_ttl(
    open_edition, database_uri, another_app
):
    """A database that does not answer is asked once per TTL, not by every request."""
    from sqlalchemy import event

    app = another_app(database_uri, PAGE_VERSION_TTL=0.5)
    client = app.test_client()
    assert client.get("/").status_code == 200
    attempts = []
    with app.app_context():
        event.listen(db.engine, "do_connect", lambda *args: attempts.append(1))
    with database_away(app, database_uri):
        time.sleep(0.6)  # the version read while all was well has expired
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert len(attempts) == 1
    time.sleep(0.6)
    assert client.get("/").status_code == 200


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
def test_a_form_that_committed_before_the_fault_is_not_called_unsaved(
    app, client, database_uri
):
    """After a commit of the same request, "NOT saved" would be untrue: we cannot tell."""
    killer = create_engine(make_url(database_uri), isolation_level="AUTOCOMMIT")

    def commit_then_lose_the_database():
        db.session.execute(text("CREATE TEMP TABLE scratch (x int)"))
        db.session.commit()
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.execute(text("SELECT 1"))

    app.add_url_rule("/commit-then-lost", "commit_then_lost", commit_then_lose_the_database,
                     methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        body = assert_503(client.post("/commit-then-lost"), "We weten niet zeker")
    finally:
        killer.dispose()
    assert NOT_SAVED_NL not in body
