"""Configuration classes, chosen by ``EVENTSITE_ENV`` (development, production, testing).

Every setting can be overridden by an environment variable with the prefix ``EVENTSITE_``
(for example ``EVENTSITE_SQLALCHEMY_DATABASE_URI``), and by ``instance/config.py`` for local
secrets. Values in environment variables are parsed as JSON where possible, so
``EVENTSITE_MAIL_PORT=2525`` is a number and ``EVENTSITE_MAIL_USE_TLS=true`` a boolean.
"""

from __future__ import annotations

import os
from datetime import timedelta

# A placeholder that production refuses: a missing secret must never be silent.
INSECURE_SECRET_KEY = "dev-only-insecure-secret-key"


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = INSECURE_SECRET_KEY
    # None means: SQLite in the instance folder (filled in by the factory).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Languages: Dutch first, English second.
    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"

    # Site identity, used in mails and calendar files.
    SITE_NAME = "Smart Industry Jaarevent"
    # The public address of the site, for links in mails and calendar files.
    SITE_URL = "http://127.0.0.1:5000"

    # Mail
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Smart Industry Jaarevent <jaarevent@smartindustry.nl>"
    # The event's address as ORGANIZER of calendar invites (None: MAIL_DEFAULT_SENDER's).
    MAIL_ORGANIZER: str | None = None
    # Print mails (with their links) on the console instead of sending them.
    MAIL_TO_CONSOLE = False
    # Send a request's mails right after its commit, in a background thread of the process
    # (else only the worker sends them).
    MAIL_SEND_AFTER_COMMIT = True
    # Ids one process keeps waiting for its background sender; more are left to the worker.
    MAIL_BACKGROUND_QUEUE_MAX = 1000
    # Give up on a mail after this many attempts (backoff 10 s ... 1 h: about 8 hours).
    MAIL_MAX_ATTEMPTS = 12
    # A mail left "sending" this long (a crashed worker) is queued again.
    MAIL_SENDING_TIMEOUT = 300
    # SMTP socket timeout in seconds, so a hanging server cannot block a worker forever.
    MAIL_TIMEOUT = 30

    # Cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Send HSTS (only behind HTTPS, i.e. in production).
    HSTS = False

    WTF_CSRF_ENABLED = True
    # A CSRF token lives as long as the browser session; a form left open for hours still works.
    WTF_CSRF_TIME_LIMIT = None

    # Registration: a confirmation link works this many seconds (48 hours).
    CONFIRM_TOKEN_MAX_AGE = 48 * 3600
    # Personal join links lead to the stream from this many minutes before a session starts.
    JOIN_OPENS_MINUTES_BEFORE = 30
    # A use of a join link counts as attendance from this many minutes before the start
    # (None: JOIN_OPENS_MINUTES_BEFORE) until this many minutes after the end.
    JOIN_WINDOW_MINUTES_BEFORE: int | None = None
    JOIN_WINDOW_MINUTES_AFTER = 30
    # Organiser messages to at most this many people are sent right after the response;
    # larger ones are left to the `flask mail send-queued` workers.
    MESSAGES_SEND_AT_ONCE_MAX = 50
    # `flask mail send-reminders` reminds attendees this many hours before a session starts.
    REMINDER_HOURS_BEFORE = 24
    # `flask registrations purge` removes unconfirmed sign-ups older than this many days.
    PENDING_RETENTION_DAYS = 7
    # Rate limits on sign-up, resend and the management actions (Flask-Limiter notation).
    REGISTRATION_LIMIT_PER_IP = "20 per hour"
    REGISTRATION_LIMIT_PER_EMAIL = "5 per hour"
    MANAGE_LIMIT_PER_IP = "60 per hour"
    MANAGE_LIMIT_PER_LINK = "30 per hour"

    # Rate limits: memory by default, Redis when a storage URI is set.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True

    # Organiser logins: a login ends after this many idle minutes, and after this many hours.
    ORGANISER_IDLE_MINUTES = 60
    ORGANISER_ABSOLUTE_HOURS = 12
    # Password links in mails: a reset link is valid this many minutes, a welcome link hours.
    ORGANISER_RESET_LINK_MINUTES = 60
    ORGANISER_WELCOME_LINK_HOURS = 72
    # Failed logins allowed per account and per IP address (limits that pass, not a lockout),
    # and password-reset requests per address and per IP address.
    ORGANISER_LOGIN_LIMIT_ACCOUNT = "10 per 15 minutes"
    ORGANISER_LOGIN_LIMIT_IP = "50 per hour"
    ORGANISER_RESET_LIMIT = "5 per hour"
    # Rows per page of an attendee list.
    ORGANISER_PAGE_SIZE = 50

    # Proxy: how many proxies in front of the app set X-Forwarded-* (0: none).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    # Seconds a process reuses a page's data version before asking the database again: how
    # long an organiser's edit may take to show on cached pages (see eventsite/caching.py).
    PAGE_VERSION_TTL = 1.0

    # Show the outbox at /dev/outbox (development only).
    DEV_OUTBOX_PAGE = False


class DevelopmentConfig(BaseConfig):
    """`make run`: SQLite, mails on the console and at /dev/outbox."""

    ENV_NAME = "development"
    DEBUG = False
    MAIL_TO_CONSOLE = True
    DEV_OUTBOX_PAGE = True


class TestingConfig(BaseConfig):
    """The test suite: everything real, but fast and in a temporary place."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    MAIL_PORT = 8025
    # Flask-Mail would silently drop mail under TESTING; our tests use a real SMTP server.
    MAIL_SUPPRESS_SEND = False
    RATELIMIT_ENABLED = True
    # Tests look at a page right after an edit.
    PAGE_VERSION_TTL = 0


class ProductionConfig(BaseConfig):
    """gunicorn behind a proxy, on PostgreSQL and Redis."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[BaseConfig]:
    """The configuration class for ``name`` or ``$EVENTSITE_ENV`` (default: development)."""
    name = name or os.environ.get("EVENTSITE_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"EVENTSITE_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}"
        ) from None
