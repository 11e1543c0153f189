"""Browser tests: Debian's Chromium driven by Playwright against the app served by a real
server on 127.0.0.1, with a real SMTP server catching the mails.

They skip, saying why, where Chromium or Playwright is missing (CI installs Chromium). The
tools the tests use are in harness.py.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bench.ports import free_port, listening_socket, on_free_port
from bench.processes import CADDY, Caddy, Gunicorn, PrivatePostgres, flask, site_env
from eventsite.extensions import db
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    LiveSite,
    create_organiser,
    demo_edition,
    make_certificates,
    missing_browser,
    new_page,
    parity_unavailable,
    sync_playwright,
)
from tests.smtp_server import SMTPServer
from tests.testapp import (
    NO_PG,
    NO_REDIS,
    PG_URL,
    REDIS_URL,
    empty_tables,
    make_test_app,
)

HERE = Path(__file__).parent


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """The standard library's WSGI server, a thread per request, as under gunicorn (mails
    leave from the app's background sending thread, see eventsite/mail/background.py)."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """Requests go to the log (shown with a failing test), not to stderr."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        logging.getLogger("live_site").info(format, *args)


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests in this folder ``browser``; skip them, with the reason, without one."""
    reason = missing_browser()
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_database(request, tmp_path) -> str:
    """A temp SQLite file; tests parametrized with ``indirect=True`` may ask for
    "postgresql", the run's private PostgreSQL database (skipped where not configured)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'browser.db'}"
    return request.getfixturevalue("pg_schema")


@pytest.fixture
def live_site(live_database: str) -> Iterator[LiveSite]:
    """A fresh site with the demo edition next year, served by a real threaded server."""
    app = make_test_app(live_database, RATELIMIT_ENABLED=False)
    smtp = SMTPServer(app.config["MAIL_PORT"])
    smtp.start()
    server = None
    try:
        with app.app_context():
            db.create_all()
            slugs = demo_edition()
            db.session.remove()
        # Port 0: the server keeps the port the system gives it. A port chosen first and
        # bound later can be taken meanwhile (an outgoing connection's, the mail server's).
        server = make_server(
            "127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler
        )
        port = server.server_port
        app.config["SITE_URL"] = f"http://127.0.0.1:{port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield LiveSite(app, f"http://127.0.0.1:{port}", smtp, slugs)
    finally:
        if server is not None:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
        smtp.stop()
        with app.app_context():
            if not live_database.startswith("sqlite"):
                empty_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright per run: its sync API allows only one at a time in a thread."""
    with sync_playwright() as playwright:
        yield playwright


def launched(playwright_driver, *extra_args: str) -> Iterator:
    """Debian's Chromium, closed when the fixture that yields from this ends."""
    args = [*CHROMIUM_ARGS, *extra_args]
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


def page_factory(browser) -> Iterator:
    """``factory(viewport=PHONE, language="nl")``: a new page; all closed at the end."""
    pages = []

    def factory(viewport=PHONE, language: str = "nl"):
        pages.append(new_page(browser, viewport, language))
        return pages[-1]

    yield factory
    for page in pages:
        page.context.close()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    yield from launched(playwright_driver)


@pytest.fixture
def make_page(browser) -> Iterator:
    """``make_page(viewport=PHONE, language="nl")``: pages closed after the test."""
    yield from page_factory(browser)


@pytest.fixture
def phone_page(make_page):
    return make_page(PHONE)


@pytest.fixture
def desktop_page(make_page):
    return make_page(DESKTOP)


@pytest.fixture
def organiser_account(live_site) -> str:
    """The programme office's account (role admin); its address. The password is
    ``tests.helpers.ORGANISER_PASSWORD``."""
    return create_organiser(live_site, "beheer@example.org", "--role", "admin")


# --- The HTTPS parity stage: the site as the README deploys it ------------------------------


@pytest.fixture(scope="module")
def https_site(tmp_path_factory) -> Iterator[LiveSite]:
    """The production configuration behind TLS, as README "Production" runs it: gunicorn
    with config/gunicorn.py at its default worker count, EVENTSITE_ENV=production with a real
    secret, ProxyFix for one proxy, a private PostgreSQL database, rate limits in Redis (a
    private key prefix), behind Caddy with config/Caddyfile and a trustme certificate. The
    app sends its mails to an SMTP server in this process. Everything stops afterwards."""
    missing = [
        reason
        for reason, absent in (
            (NO_PG, not PG_URL),
            (NO_REDIS, not REDIS_URL),
            ("caddy is not installed: the HTTPS parity stage skips", not shutil.which(CADDY)),
        )
        if absent
    ]
    if missing:
        parity_unavailable(missing[0])
    tmp = tmp_path_factory.mktemp("parity")
    tls = make_certificates(tmp / "tls")
    # No port is chosen first and bound later by another process (someone else may take it
    # meanwhile): gunicorn serves a socket held here from the start, and Caddy, which binds
    # its own, starts again on another port if its first was taken.
    listener = listening_socket()
    app_port, mail_port = listener.getsockname()[1], free_port()
    smtp = SMTPServer(mail_port)

    def proxy(port: int) -> Caddy:
        upstream = f"127.0.0.1:{app_port}"
        return Caddy(port, upstream, tls.cert, tls.key, tmp / f"caddy-{port}", tls.ca)

    with (
        listener,
        on_free_port(proxy) as caddy,
        PrivatePostgres(PG_URL, prefix="eventsite_parity") as uri,
    ):
        public_url = caddy.url
        env = site_env(
            uri,
            app_port,
            mail_port,
            EVENTSITE_SITE_URL=public_url,
            EVENTSITE_RATELIMIT_ENABLED="true",
            EVENTSITE_RATELIMIT_STORAGE_URI=REDIS_URL,
            EVENTSITE_RATELIMIT_KEY_PREFIX=f"eventsite-parity-{secrets.token_hex(4)}",
            EVENTSITE_PROXY_FIX_X_FOR="1",
            EVENTSITE_PROXY_FIX_X_PROTO="1",
        )
        assert "WEB_CONCURRENCY" not in env  # gunicorn's default worker count
        flask(env, "db", "upgrade")
        app = make_test_app(uri, SITE_URL=public_url)
        with app.app_context():
            slugs = demo_edition()
            db.session.remove()
        smtp.start()
        try:
            gunicorn = Gunicorn(
                "wsgi:app", app_port, env, tmp / "gunicorn.log", "/healthz", listener=listener
            )
            with gunicorn as server:
                site = LiveSite(app, public_url, smtp, slugs)
                site.tls, site.gunicorn, site.env = tls, server, env
                yield site
        finally:
            smtp.stop()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="module")
def https_browser(playwright_driver, https_site):
    """Chromium that trusts the proxy's certificate (its key only; no blanket
    ignore-HTTPS-errors), so origin, cookie and TLS behave as for a visitor."""
    pin = https_site.tls.spki_pin
    yield from launched(playwright_driver, f"--ignore-certificate-errors-spki-list={pin}")


@pytest.fixture
def https_page(https_browser) -> Iterator:
    """``https_page(viewport=PHONE, language="nl")``: pages closed after the test."""
    yield from page_factory(https_browser)
