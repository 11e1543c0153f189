"""Shared fixtures: the app on a real database (SQLite, and PostgreSQL where configured),
a real SMTP server in the test process, a settable clock, and small data factories.

Every test that uses ``app`` runs once on a fresh SQLite file and once on PostgreSQL when
EVENTSITE_TEST_DATABASE_URL is set (each test run gets a database of its own there, and the
tables are emptied after each test).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventsite import clock as site_clock
from eventsite import create_app
from eventsite.extensions import db, limiter
from eventsite.mail.background import stop as stop_background_sender
from eventsite.mail.background import wait_idle

PG_URL = os.environ.get("EVENTSITE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("EVENTSITE_TEST_REDIS_URL")
NO_PG = "EVENTSITE_TEST_DATABASE_URL is not set: PostgreSQL tests skip"
NO_REDIS = "EVENTSITE_TEST_REDIS_URL is not set: Redis tests skip"


# --- PostgreSQL: one private database per test run ---------------------------------------


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh database on the configured server, dropped at the end of the run."""
    if not PG_URL:
        pytest.skip(NO_PG)
    server = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"eventsite_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_schema(pg_database_url: str) -> str:
    """The schema created once per run on the private PostgreSQL database."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": pg_database_url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return pg_database_url


def _empty_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


# --- The app --------------------------------------------------------------------------------


class ClosingClient(FlaskClient):
    """A test client whose requests run as they do behind a real server.

    Each request gets an app context of its own (fresh ``g``, its own database session), even
    though the ``app`` fixture keeps one open for the test's own queries; otherwise Flask
    would reuse the test's context, and caches kept in ``g`` (the language, the logged-in
    organiser) would leak from one request into the next. Each response is closed after it
    is read, and the client waits until the app's background sender has sent the mails the
    request committed (``wait_idle``), as a visitor's mail arrives a moment after the answer.
    Afterwards the test's session starts a new transaction, so it sees what the request
    committed.
    """

    # Tests that need a request's answer without waiting for its mails set this to False.
    wait_for_mail = True

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if self.wait_for_mail:
            assert wait_idle(self.application, timeout=30), "the background sender is still busy"
        if has_app_context():
            db.session.rollback()
        return response


def make_test_app(database_uri: str, **overrides):
    config = {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": unused_port(),  # nothing listens unless a test starts `smtp`
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = ClosingClient
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request, tmp_path) -> str:
    """A database for one test: a temp SQLite file, or the private PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_schema")


@pytest.fixture
def app(database_uri: str):
    """The app on a fresh, empty database with the schema in place."""
    app = make_test_app(database_uri)
    limiter.reset()
    with app.app_context():
        if database_uri.startswith("sqlite"):
            db.create_all()
        yield app
        stop_background_sender(app)
        db.session.remove()
        if not database_uri.startswith("sqlite"):
            _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """Set the site's clock: ``clock.set(datetime(..., tzinfo=UTC))``."""
    frozen = FrozenClock()
    yield frozen
    site_clock.set_frozen(None)


class FrozenClock:
    def set(self, moment: datetime) -> datetime:
        site_clock.set_frozen(moment)
        return moment

    def at(self, *args: int) -> datetime:
        """Set the clock to a UTC moment given as (year, month, day, hour=0, minute=0)."""
        return self.set(datetime(*args, tzinfo=UTC))


# --- Mail: a real SMTP server in the test process -------------------------------------------


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailCatcher:
    """aiosmtpd handler that keeps every delivered message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self._lock = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(parsed)
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def wait_for(self, address: str, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The mails to ``address`` once there are ``count`` of them (mail sent after a
        response arrives a moment later); fails after ``timeout`` seconds."""
        with self._lock:
            arrived = self._lock.wait_for(lambda: len(self.to(address)) >= count, timeout)
        mails = self.to(address)
        assert arrived, f"{len(mails)} of {count} mails to {address} arrived"
        return mails


class SMTPServer:
    """A running aiosmtpd server bound to the app's MAIL_PORT."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.catcher = MailCatcher()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.catcher, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.catcher.messages

    def to(self, address: str) -> list[EmailMessage]:
        return self.catcher.to(address)

    def wait_for(self, address: str, count: int, timeout: float = 10) -> list[EmailMessage]:
        return self.catcher.wait_for(address, count, timeout)


@pytest.fixture
def smtp(app) -> Iterator[SMTPServer]:
    """A real SMTP server on the app's mail port; stop() and start() it to simulate outages."""
    server = SMTPServer(app.config["MAIL_PORT"])
    server.start()
    yield server
    server.stop()


def mail_text(message: EmailMessage) -> str:
    """The plain-text body of a received mail."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def links_in(message: EmailMessage) -> list[str]:
    """Every http(s) link in a received mail's text body, in order."""
    return re.findall(r"https?://[^\s<>\"]+", mail_text(message))


# --- Data factories -----------------------------------------------------------------------


@pytest.fixture
def make_edition(app):
    """Create an edition from the 2021 seed file, optionally moved to another year."""
    from eventsite.programme.loader import load_programme_file
    from eventsite.programme.rollover import rollover

    seed_path = os.path.join(
        os.path.dirname(__file__), "..", "config", "programme", "jaarevent-2021.toml"
    )

    def factory(
        year: int = 2021,
        starts_on: date | None = None,
        opens_at: datetime | None = None,
        capacity: int | None = None,
    ):
        edition = load_programme_file(seed_path)
        if year != 2021:
            edition = rollover(
                year,
                starts_on or date(year, 5, 31),
                source=edition,
                publish=True,
                opens_at=opens_at or datetime(year - 1, 1, 1, tzinfo=UTC),
            )
        if capacity is not None:
            for session in edition.sessions:
                session.capacity = capacity
            db.session.commit()
        return edition

    return factory


# --- Registration -----------------------------------------------------------------------------


@pytest.fixture
def open_edition(make_edition, clock):
    """The 2027 edition (sessions 31 May to 4 June, 15:00 CEST), open for sign-up; the clock
    stands on 1 May 2027."""
    clock.at(2027, 5, 1, 12)
    return make_edition(year=2027)


# --- Organisers -----------------------------------------------------------------------------

ORGANISER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_organiser(app):
    """Create an organiser account: ``make_organiser("a@x.nl", "region", "noord")``."""
    from eventsite.organisers.accounts import create_organiser

    def factory(
        email: str = "admin@example.org",
        role: str = "admin",
        region: str | None = None,
        password: str | None = ORGANISER_PASSWORD,
        name: str | None = None,
    ):
        organiser = create_organiser(email, role, region, name, password)
        db.session.commit()
        return organiser

    return factory


@pytest.fixture
def make_registration(app):
    """An attendee (reused per edition and address) with a registration for ``session``."""
    from eventsite.clock import utcnow
    from eventsite.registration.models import Attendee, Registration

    counter = iter(range(1, 1_000_000))

    def factory(
        session,
        name: str = "Anna de Vries",
        email: str | None = None,
        organisation: str = "Metaalbewerking Jansen BV",
        state: str = "confirmed",
        created_at: datetime | None = None,
        **attendee_fields,
    ):
        email = (email or f"person{next(counter)}@example.nl").lower()
        attendee = db.session.scalar(
            db.select(Attendee).filter_by(edition_id=session.edition_id, email=email)
        )
        if attendee is None:
            attendee = Attendee(
                edition_id=session.edition_id,
                email=email,
                name=name,
                organisation=organisation,
                consent_version="2026-1",
                **attendee_fields,
            )
            db.session.add(attendee)
        moment = created_at or utcnow()
        registration = Registration(
            attendee=attendee,
            session=session,
            state=state,
            created_at=moment,
            confirmed_at=moment if state in ("confirmed", "waiting") else None,
        )
        if state == "confirmed":
            session.confirmed_count += 1
        db.session.add(registration)
        db.session.commit()
        return registration

    return factory


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on ``url``."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def log_in(client, email: str, password: str = ORGANISER_PASSWORD, **kwargs):
    """Log in through the real form (with its CSRF token); returns the response."""
    token = csrf_token(client, "/organiser/login")
    return client.post(
        "/organiser/login",
        data={"csrf_token": token, "email": email, "password": password},
        **kwargs,
    )
