"""Fixtures only: the app on a real database (SQLite, and PostgreSQL where configured),
a real SMTP server in the test process, a settable clock, and the data factories.

Every test that uses ``app`` runs once on a fresh SQLite file and once on PostgreSQL when
EVENTSITE_TEST_DATABASE_URL is set (each test run gets a database of its own there, and the
tables are emptied after each test). What the fixtures build on lives in modules a test may
import: ``tests/testapp.py`` (the app, ports, the databases), ``tests/smtp_server.py``,
``tests/factories.py`` (data, made by the site's own services) and ``tests/helpers.py``
(forms, logins, mails).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from flask import template_rendered
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventsite import clock as site_clock
from eventsite import create_app
from eventsite.extensions import db, limiter
from eventsite.mail.background import stop as stop_background_sender
from eventsite.registration.intake import intake_for
from tests import factories
from tests.smtp_server import SMTPServer
from tests.testapp import (
    NO_PG,
    PG_URL,
    TEST_TEMPLATES,
    FrozenClock,
    empty_tables,
    make_test_app,
)

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


# --- The app --------------------------------------------------------------------------------


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
        intake_for(app).queue.stop()
        stop_background_sender(app)
        db.session.remove()
        if not database_uri.startswith("sqlite"):
            empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def renders(app) -> Iterator[list[str]]:
    """The names of the templates the app renders, in order (a cached page renders none)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """Set the site's clock: ``clock.set(datetime(..., tzinfo=UTC))``."""
    frozen = FrozenClock()
    yield frozen
    site_clock.set_frozen(None)


# --- Mail: a real SMTP server in the test process -------------------------------------------


@pytest.fixture
def smtp(app) -> Iterator[SMTPServer]:
    """A real SMTP server on the app's mail port; stop() and start() it to simulate outages."""
    server = SMTPServer(app.config["MAIL_PORT"])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app):
    """The app with the tests' own mail template ``test_hello`` (testapp.TEST_TEMPLATES)."""
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEST_TEMPLATES), app.jinja_env.loader])
    return app


# --- Data factories -----------------------------------------------------------------------


@pytest.fixture
def make_edition(app):
    """``factories.edition``: the 2021 seed edition, or its rollover to another year."""
    return factories.edition


# --- Registration -----------------------------------------------------------------------------


@pytest.fixture
def open_edition(make_edition, clock):
    """The 2027 edition (sessions 31 May to 4 June, 15:00 CEST), open for sign-up; the clock
    stands on 1 May 2027."""
    clock.at(2027, 5, 1, 12)
    return make_edition(year=2027)


# --- Organisers -----------------------------------------------------------------------------

@pytest.fixture
def make_organiser(app):
    """``factories.organiser``: ``make_organiser("a@x.nl", "region", "noord")``."""
    return factories.organiser


@pytest.fixture
def make_registration(app):
    """``factories.registration`` with a new address per call unless one is given:
    ``make_registration(session, state="waiting")``."""
    counter = iter(range(1, 1_000_000))

    def factory(session, email: str | None = None, **fields):
        email = email or f"person{next(counter)}@example.nl"
        return factories.registration(session, email, **fields)

    return factory
