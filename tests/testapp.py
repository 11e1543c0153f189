"""The app under test: its configuration, the test client, the databases it may use.

Fixtures (conftest.py) build on these; tests that need an app of their own (other
settings, a second process) call ``make_test_app`` directly.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from bench.ports import free_port
from eventsite import clock as site_clock
from eventsite import create_app
from eventsite.extensions import db
from eventsite.mail.background import wait_idle
from eventsite.registration.intake import intake_for

PG_URL = os.environ.get("EVENTSITE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("EVENTSITE_TEST_REDIS_URL")
NO_PG = "EVENTSITE_TEST_DATABASE_URL is not set: PostgreSQL tests skip"
NO_REDIS = "EVENTSITE_TEST_REDIS_URL is not set: Redis tests skip"
# A mail template of the tests' own (fixture ``mail_app``): the outbox without a feature.
TEST_TEMPLATES = {
    "mail/test_hello.txt": "Subject: {{ _('Sign up') }} {{ name }}\n\nHello {{ name }}, "
    "see {{ config.SITE_URL }}/x",
    "mail/test_hello.html": "<p>Hello {{ name }}</p>",
}


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
            # A sign-up stored under a burst is registered by the intake thread, whose mail
            # then goes to the sender: wait for both, in that order.
            intake = intake_for(self.application).queue
            assert intake.wait_idle(timeout=30), "the intake thread is still busy"
            assert wait_idle(self.application, timeout=30), "the background sender is still busy"
        if has_app_context():
            db.session.rollback()
        return response


def make_test_app(database_uri: str, **overrides):
    """The app with the testing configuration on ``database_uri``; mail goes to a port
    nothing listens on unless a test starts an SMTP server there."""
    config = {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": free_port(),
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = ClosingClient
    return app


def empty_tables() -> None:
    """Empty every table (PostgreSQL: the schema stays for the next test)."""
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


class FrozenClock:
    """The site's clock as the ``clock`` fixture hands it to a test."""

    def set(self, moment: datetime) -> datetime:
        site_clock.set_frozen(moment)
        return moment

    def at(self, *args: int) -> datetime:
        """Set the clock to a UTC moment given as (year, month, day, hour=0, minute=0)."""
        return self.set(datetime(*args, tzinfo=UTC))
