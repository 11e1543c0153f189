"""Helpers for the fault tests: real faults on real databases, no mocks; the sign-up form
posted meanwhile and what an honest 503 looks like."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventsite.extensions import db
from eventsite.registration.models import Attendee
from tests.helpers import csrf_token
from tests.testapp import make_test_app


def stored_addresses() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(db.select(Attendee.email)))


class ReadOnlyFile:
    """Make a file unwritable for this process as the OS would, and writable again.

    Not root: chmod 0444. Root may write any file, so the immutable attribute is used
    (``chattr +i``, which even root's opens respect); skip where the file system lacks it.
    """

    def __init__(self, path) -> None:
        self.path = str(path)
        self.immutable = False

    def set(self) -> None:
        if os.geteuid() != 0:
            os.chmod(self.path, 0o444)
            return
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a file read-only")
        result = subprocess.run(["chattr", "+i", self.path], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"running as root and chattr +i failed: {result.stderr.strip()}")
        self.immutable = True

    def clear(self) -> None:
        if self.immutable:
            subprocess.run(["chattr", "-i", self.path], check=True)
            self.immutable = False
        else:
            os.chmod(self.path, 0o644)


class SilentServer:
    """A TCP port that accepts connections (the kernel's backlog) and never says a word:
    a database server that stops answering."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()  # resets the connections still waiting in the backlog


def run_with_deadline(func, seconds: float, on_overrun):
    """Run ``func`` in a thread; if it is still running after ``seconds``, call
    ``on_overrun`` (which must make it return) and fail."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = func()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        on_overrun()
        thread.join(30)
        pytest.fail(f"still waiting after {seconds} s: no timeout")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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
