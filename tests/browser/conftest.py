"""Browser tests: Debian's Chromium driven by Playwright against the app served by a real
server on 127.0.0.1, with a real SMTP server catching the mails.

They skip, saying why, where Chromium or Playwright is missing (CI installs Chromium).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
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
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skip", allow_module_level=True)


class LiveSite:
    """The app served on a free port, its database and its mail server."""

    def __init__(self, app, url: str, smtp: SMTPServer, slugs: list[str]):
        self.app, self.url, self.smtp = app, url, smtp
        # The open edition's sessions, in programme order.
        self.slugs = slugs

    def __call__(self, path: str) -> str:
        return self.url + path

    def mails(self, address: str, count: int) -> list[EmailMessage]:
        """The mails to ``address``, waiting (bounded) until ``count`` have arrived."""
        return self.smtp.wait_for(address, count)

    @contextmanager
    def database(self) -> Iterator:
        """The app's database session, for checks and set-up outside the browser."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()


def stream_url(slug: str) -> str:
    """The (secret) stream address each demo session gets; it must never reach a calendar."""
    return f"https://stream.example.net/live/{slug}"


def _demo_edition() -> list[str]:
    """Next year's edition from the seed, open since yesterday, every session with a stream."""
    from eventsite.programme.cli import SEED_FILE
    from eventsite.programme.loader import load_programme_file
    from eventsite.programme.queries import edition_sessions
    from eventsite.programme.rollover import rollover

    seed = load_programme_file(SEED_FILE)
    next_year = utcnow().year + 1
    starts_on = date.fromisocalendar(next_year, seed.starts_on.isocalendar().week, 1)
    edition = rollover(
        next_year, starts_on, source=seed, publish=True, opens_at=utcnow() - timedelta(days=1)
    )
    sessions = edition_sessions(edition)
    for session in sessions:
        session.stream_url = stream_url(session.slug)
    db.session.commit()
    return [s.slug for s in sessions]


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
        slugs = _demo_edition()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(app, f"http://127.0.0.1:{port}", smtp, slugs)
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
    """A page in a fresh browser context (its own cookies) that speaks ``language``."""
    context = browser.new_context(
        viewport=viewport,
        locale="nl-NL" if language == "nl" else "en-GB",
        extra_http_headers={"Accept-Language": "nl-NL,nl" if language == "nl" else "en-GB,en"},
        accept_downloads=True,
    )
    # Bounded: a missing element fails the test within seconds, not after Playwright's 30 s.
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def make_page(browser) -> Iterator:
    """``make_page(viewport=PHONE, language="nl")``: pages closed after the test."""
    pages = []

    def factory(viewport=PHONE, language: str = "nl"):
        pages.append(new_page(browser, viewport, language))
        return pages[-1]

    yield factory
    for page in pages:
        page.context.close()


@pytest.fixture
def phone_page(make_page):
    return make_page(PHONE)


@pytest.fixture
def desktop_page(make_page):
    return make_page(DESKTOP)


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


def assert_accessible(page, label: str = "") -> None:
    """No serious or critical axe-core violation, and nothing wider than the viewport."""
    where = label or page.url
    assert serious_violations(page) == [], where
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where} scrolls"


def download(page, click) -> tuple[str, bytes]:
    """Run ``click()`` (which starts a download) and return the file's name and bytes."""
    with page.expect_download() as started:
        click()
    file = started.value
    return file.suggested_filename, Path(file.path()).read_bytes()


@dataclass
class SignedUp:
    """An attendee made directly through the services (no browser), with their links."""

    email: str
    confirm_url: str
    manage_token: str | None


def sign_up_directly(live_site: LiveSite, email: str, language: str, confirm: bool = True):
    """Sign up for the first two sessions (and confirm) without the browser: for tests of
    the pages that come after, such as the accessibility checks."""
    from eventsite.programme.models import ProgrammeSession
    from eventsite.registration import services
    from eventsite.registration.links import confirm_url

    with live_site.database() as session:
        sessions = [
            session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
            for slug in live_site.slugs[:2]
        ]
        edition = sessions[0].edition
        data = services.SignUp(name="Anna de Vries", email=email, organisation="De Vries Metaal")
        data.language = language
        services.sign_up(edition, data, sessions)
        attendee = services.find_attendee(edition, email)
        link = confirm_url(attendee)
        token = services.confirm_attendee(attendee, "127.0.0.1").manage_token if confirm else None
    return SignedUp(email, link, token)
