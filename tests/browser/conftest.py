"""Browser tests: Debian's Chromium driven by Playwright against the app served by a real
server on 127.0.0.1, with a real SMTP server catching the mails.

They skip, saying why, where Chromium or Playwright is missing (CI installs Chromium).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from eventsite.clock import utcnow
from eventsite.extensions import db
from tests.conftest import SMTPServer, make_test_app, unused_port

CHROMIUM = os.environ.get("EVENTSITE_CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network: this machine has none, and tests must not depend on it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skip", allow_module_level=True)


class LiveSite:
    """The app served on a free port, its database and its mail server."""

    def __init__(self, app, url: str, smtp: SMTPServer):
        self.app, self.url, self.smtp = app, url, smtp

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def live_site(tmp_path) -> Iterator[LiveSite]:
    """A fresh site with the demo edition next year, served by a real threaded server."""
    port = unused_port()
    app = make_test_app(
        f"sqlite:///{tmp_path / 'browser.db'}",
        SITE_URL=f"http://127.0.0.1:{port}",
        RATELIMIT_ENABLED=False,
    )
    smtp = SMTPServer(app.config["MAIL_PORT"])
    smtp.start()
    with app.app_context():
        db.create_all()
        from eventsite.programme.cli import SEED_FILE
        from eventsite.programme.loader import load_programme_file
        from eventsite.programme.rollover import rollover

        seed = load_programme_file(SEED_FILE)
        next_year = utcnow().year + 1
        starts_on = date.fromisocalendar(next_year, seed.starts_on.isocalendar().week, 1)
        rollover(
            next_year, starts_on, source=seed, publish=True, opens_at=utcnow() - timedelta(days=1)
        )
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(app, f"http://127.0.0.1:{port}", smtp)
    server.shutdown()
    thread.join(timeout=10)
    smtp.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport=PHONE, language: str = "nl"):
    context = browser.new_context(
        viewport=viewport,
        locale="nl-NL" if language == "nl" else "en-GB",
        extra_http_headers={"Accept-Language": "nl-NL,nl" if language == "nl" else "en-GB,en"},
        accept_downloads=True,
    )
    return context.new_page()


@pytest.fixture
def phone_page(browser):
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def desktop_page(browser):
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()


def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot under test-artifacts/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_violations(page) -> list[str]:
    """axe-core's violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
