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
# Production refuses a SECRET_KEY shorter than this (bytes of UTF-8): it signs logins and links.
MIN_SECRET_KEY_BYTES = 32
# Secrets people copy from examples; refused in production whatever their length.
WEAK_SECRET_KEYS = frozenset(
    {
        INSECURE_SECRET_KEY,
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secretkey",
        "secret-key",
        "secret_key",
        "password",
        "development",
        "dev",
        "test",
        "testing",
        "testing-secret-key",
        "default",
        "...",
    }
)


def secret_key_problem(key) -> str | None:
    """Why ``key`` cannot sign production cookies and links; None when it can."""
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key or "")
    if not text:
        return "no secret key is set"
    if text.strip().lower() in WEAK_SECRET_KEYS:
        return "the secret key is a well-known placeholder"
    if len(text.encode()) < MIN_SECRET_KEY_BYTES:
        return (
            f"the secret key is {len(text.encode())} bytes long; "
            f"at least {MIN_SECRET_KEY_BYTES} are needed"
        )
    return None


def per_process_limits_problem(config) -> str | None:
    """Why rate limits would not hold as documented; None when they do.

    With ``memory://`` every process counts on its own, so N gunicorn workers would allow N
    times the documented number of failed logins and sign-ups. ``WORKER_PROCESSES`` is set by
    config/gunicorn.py in each worker (gunicorn's real worker count).
    """
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    processes = int(config.get("WORKER_PROCESSES") or 1)
    if not config.get("RATELIMIT_ENABLED", True) or not storage.startswith("memory://"):
        return None
    if processes <= 1:
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage} (each process counts alone) but gunicorn runs "
        f"{processes} workers, so every rate limit would be {processes} times the documented "
        "one; set EVENTSITE_RATELIMIT_STORAGE_URI=redis://HOST:6379/0, or WEB_CONCURRENCY=1"
    )


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = INSECURE_SECRET_KEY
    # None means: SQLite in the instance folder (filled in by the factory).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Database timeouts in seconds, so a database that stops answering gives a 503 in time
    # instead of hanging requests (applied by ``database_engine_options``).
    DATABASE_CONNECT_TIMEOUT = 5
    DATABASE_STATEMENT_TIMEOUT = 15  # PostgreSQL statement_timeout; 0: none
    SQLITE_BUSY_TIMEOUT = 15  # how long a SQLite writer waits for another one's lock
    # Seconds a 503 (database unavailable) asks the visitor and their browser to wait.
    UNAVAILABLE_RETRY_AFTER = 30

    # Languages: Dutch first, English second.
    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"

    # Site identity, used in mails and calendar files.
    SITE_NAME = "Smart Industry Jaarevent"
    # The name on English pages and mails.
    SITE_NAME_EN = "Smart Industry Annual Event"
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
    # A mail left "sending" this long (a crashed worker) is queued again. A running batch
    # refreshes its claim every quarter of this; keep it at least twice MAIL_TIMEOUT.
    MAIL_SENDING_TIMEOUT = 60
    # Time budget in seconds of one mail (connecting included): a hanging server or one slow
    # recipient costs at most this, then the connection is dropped and the next mail goes on.
    MAIL_TIMEOUT = 30
    # Our mail server offers SMTPUTF8: accept addresses with non-ASCII characters before the
    # @ at the forms (without it they are refused there with a clear message).
    MAIL_SMTPUTF8 = False
    # CA file to verify the mail server's TLS certificate with (None: the system's CAs).
    MAIL_TLS_CA_FILE: str | None = None
    # Bounces: the envelope sender becomes bounces+<signed row tag>@domain (VERP), so a
    # bounce names the mail it is about. None: the From address, no bounce matching.
    MAIL_BOUNCE_ADDRESS: str | None = None
    # A Maildir the worker reads bounces from on a schedule (process_bounce_maildir).
    MAIL_BOUNCE_MAILDIR: str | None = None
    # An IMAP mailbox the worker reads bounces from on a schedule (mail/bounce_imap.py), for
    # a relay that delivers bounces+* to a hosted mailbox. None: no IMAP.
    MAIL_BOUNCE_IMAP_HOST: str | None = None
    MAIL_BOUNCE_IMAP_PORT: int | None = None  # None: 993 with SSL, 143 with STARTTLS
    MAIL_BOUNCE_IMAP_SSL = True  # implicit TLS; False: STARTTLS (always, never plain text)
    MAIL_BOUNCE_IMAP_USER: str | None = None
    MAIL_BOUNCE_IMAP_PASSWORD: str | None = None
    MAIL_BOUNCE_IMAP_FOLDER = "INBOX"
    # Where processed bounces go: a folder name (created if missing), or None to delete them.
    MAIL_BOUNCE_IMAP_PROCESSED_FOLDER: str | None = None
    # DKIM signing (all three, or none): see README "Deliverability".
    MAIL_DKIM_DOMAIN: str | None = None
    MAIL_DKIM_SELECTOR: str | None = None
    MAIL_DKIM_PRIVATE_KEY: str | None = None  # path to a PEM file

    # Cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Send HSTS (only behind HTTPS, i.e. in production).
    HSTS = False

    WTF_CSRF_ENABLED = True
    # No Referer check on HTTPS posts: our token pages send no Referer. eventsite/security.py
    # checks Sec-Fetch-Site / Origin instead; the token is still required.
    WTF_CSRF_SSL_STRICT = False
    # A CSRF token lives as long as the browser session; a form left open for hours still works.
    WTF_CSRF_TIME_LIMIT = None

    # Registration: a confirmation link works this many seconds (48 hours).
    # Bigger request bodies get a 413 page before anything reads them (our forms are small).
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Image uploads (logos, speaker photos; core/images.py): the largest file taken, the most
    # pixels (refused before decoding), the longest edge after resizing. The upload forms'
    # requests may be as large as the file plus room for the other fields.
    IMAGE_MAX_BYTES = 5 * 1024 * 1024
    IMAGE_MAX_PIXELS = 40_000_000
    IMAGE_MAX_EDGE = 1200
    UPLOAD_MAX_CONTENT_LENGTH = IMAGE_MAX_BYTES + 256 * 1024
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
    # Sign-ups under a burst (registration/intake.py): while a process already answers this
    # many sign-ups, or answered one within SIGNUP_BURST_WINDOW seconds, the next one is
    # stored as it came (one row) and answered at once; the process's intake thread registers
    # it and queues its mail once the process has been quiet for that window.
    SIGNUP_DIRECT_MAX_CONCURRENT = 1
    SIGNUP_BURST_WINDOW = 0.3
    # Stored sign-ups one process keeps for its intake thread; with that many waiting, the next
    # sign-up is registered in its own request again.
    SIGNUP_INTAKE_QUEUE_MAX = 1000
    # The intake thread holds back while its process answers sign-ups, at most this many
    # seconds: the longest a stored sign-up's mail waits for a burst to end.
    SIGNUP_INTAKE_MAX_DELAY = 30
    REMINDER_HOURS_BEFORE = 24
    # `flask registrations purge` removes unconfirmed sign-ups older than this many days.
    PENDING_RETENTION_DAYS = 7
    # Attendees who joined may give feedback from a session's end, and change it, for this
    # many days after the end.
    FEEDBACK_CHANGE_DAYS = 14
    # Rate limits on sign-up, resend and the management actions (Flask-Limiter notation).
    # Per IP address high enough for many people behind one address: colleagues at one
    # office signing up after an internal mailing, phones behind a carrier's shared address
    # (CGNAT). Each mailbox is protected by the per-address limit; this one bounds how much
    # mail one machine can make the site send (sign-up and resend count together).
    REGISTRATION_LIMIT_PER_IP = "100 per hour"
    REGISTRATION_LIMIT_PER_EMAIL = "5 per hour"
    MANAGE_LIMIT_PER_IP = "60 per hour"
    MANAGE_LIMIT_PER_LINK = "30 per hour"

    # Rate limits: memory by default, Redis when a storage URI is set. memory:// counts per
    # process: the app refuses to start with it under several gunicorn workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # No X-RateLimit-* headers: on resend and password-forgot they would show per-address state.
    RATELIMIT_HEADERS_ENABLED = False
    # Worker processes sharing the limits; set by config/gunicorn.py in each gunicorn worker.
    WORKER_PROCESSES = 1

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
    # Failed logins allowed from one trusted device (a browser with a device cookie from an
    # earlier login to that account); such a browser is not held by the two limits above.
    ORGANISER_LOGIN_LIMIT_DEVICE = "10 per 15 minutes"
    # Days a device cookie stays valid after the login that issued it.
    ORGANISER_DEVICE_COOKIE_DAYS = 180
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

    # The API (/api/v1/): requests allowed per personal access token (per address without
    # one), in Flask-Limiter notation.
    API_RATE_LIMIT = "300 per minute"
    # Webhooks: seconds to connect and to wait for an answer; attempts before giving up
    # (backoff 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h).
    WEBHOOK_TIMEOUT = 10
    WEBHOOK_MAX_ATTEMPTS = 10
    # Server-side request forgery: webhook addresses must be https on public addresses.
    # True here lets them be on loopback, private and link-local networks (tests, an
    # intranet) and plain http.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    WEBHOOK_ALLOW_HTTP = False
    # Origins (https://www.hub.nl) whose pages may show the embeddable programme in a frame.
    EMBED_ALLOWED_ORIGINS: list[str] = []

    # Resend and password-forgot only store a request; the mail worker (`flask mail
    # send-queued`) looks the address up and mails. True: this process does it right after
    # the response (development and tests, where no worker runs; it shows in timing).
    MAIL_REQUESTS_AFTER_RESPONSE = False


class DevelopmentConfig(BaseConfig):
    """`make run`: SQLite, mails on the console and at /dev/outbox."""

    ENV_NAME = "development"
    DEBUG = False
    MAIL_TO_CONSOLE = True
    DEV_OUTBOX_PAGE = True
    MAIL_REQUESTS_AFTER_RESPONSE = True


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
    MAIL_REQUESTS_AFTER_RESPONSE = True
    # The test client's sign-ups, one right after another, are no burst: each registers in
    # its request unless a test makes a burst (tests/test_registration_intake*.py).
    SIGNUP_BURST_WINDOW = 0.0


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


def database_engine_options(config) -> dict:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the configured timeouts as the driver's arguments.

    PostgreSQL: ``connect_timeout`` and ``-c statement_timeout`` (added to any ``options``
    in the URL); SQLite: the busy timeout. Values already in ``connect_args`` win.
    """
    from sqlalchemy.engine import make_url

    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    args: dict = {}
    if url.get_backend_name() == "postgresql":
        args["connect_timeout"] = max(2, int(config["DATABASE_CONNECT_TIMEOUT"]))
        milliseconds = int(float(config["DATABASE_STATEMENT_TIMEOUT"]) * 1000)
        pg_options = url.query.get("options", "")
        pg_options = pg_options if isinstance(pg_options, str) else " ".join(pg_options)
        args["options"] = f"{pg_options} -c statement_timeout={milliseconds}".strip()
    elif url.get_backend_name() == "sqlite":
        args["timeout"] = float(config["SQLITE_BUSY_TIMEOUT"])
    options["connect_args"] = {**args, **options.get("connect_args", {})}
    return options


def config_class(name: str | None = None) -> type[BaseConfig]:
    """The configuration class for ``name`` or ``$EVENTSITE_ENV`` (default: development)."""
    name = name or os.environ.get("EVENTSITE_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"EVENTSITE_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}"
        ) from None
