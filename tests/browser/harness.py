"""The browser tests' tools: the served site, pages in a language and on a device,
axe-core, screenshots, downloads, and attendees made without the browser.

Playwright and Chromium may be missing (conftest.py then skips the tests, saying why), so
nothing here needs them at import time.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import icalendar

from eventsite.clock import utcnow
from eventsite.extensions import db
from tests.helpers import ORGANISER_PASSWORD

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.smtp_server import SMTPServer

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the tests skip; see conftest.py
    expect = sync_playwright = None

CHROMIUM = os.environ.get("EVENTSITE_CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network: no name resolves (the site is on 127.0.0.1), no updates,
# no background requests. Tests must not depend on the internet, and this machine has none.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
# Bounded: a missing element fails a test within seconds, not after Playwright's 30 s.
TIMEOUT_MS = 10_000


@dataclass
class TlsFiles:
    """A test certificate authority (trustme) and the proxy's certificate for 127.0.0.1."""

    ca: Path
    cert: Path
    key: Path
    # base64(SHA-256(SubjectPublicKeyInfo)) of the certificate: Chromium trusts this one
    # key (--ignore-certificate-errors-spki-list) and still checks everything else.
    spki_pin: str


def make_certificates(folder: Path) -> TlsFiles:
    """A fresh CA and a server certificate for 127.0.0.1 and localhost, as PEM files."""
    import base64
    import hashlib

    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(folder / "ca.pem", folder / "cert.pem", folder / "key.pem", "")
    ca.cert_pem.write_to_path(str(files.ca))
    issued.private_key_pem.write_to_path(str(files.key))
    for blob in issued.cert_chain_pems:
        blob.write_to_path(str(files.cert), append=True)
    leaf = x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes())
    spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    files.spki_pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return files


def parity_unavailable(reason: str) -> None:
    """The HTTPS parity stage cannot run here: skip, saying why; in CI (.ci/run sets
    EVENTSITE_REQUIRE_PARITY=1) fail instead, so the stage is never silently absent."""
    import pytest

    if os.environ.get("EVENTSITE_REQUIRE_PARITY") == "1":
        pytest.fail(f"the parity stage cannot run: {reason}")
    pytest.skip(reason)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if sync_playwright is None:
        return "Playwright is not installed: browser tests skip"
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (EVENTSITE_CHROMIUM): browser tests skip"
    return None


class LiveSite:
    """The app served on a free port, its database and its mail server."""

    def __init__(self, app, url: str, smtp: SMTPServer, slugs: list[str]):
        self.app, self.url, self.smtp = app, url, smtp
        # The open edition's sessions, in programme order.
        self.slugs = slugs

    def __call__(self, path: str) -> str:
        return self.url + path

    def mails(self, address: str, count: int) -> list[EmailMessage]:
        """The mails to ``address``, waiting (bounded) until ``count`` have arrived; when they
        do not, the failure lists the outbox (what was queued, its state, the last error)."""
        try:
            return self.smtp.wait_for(address, count)
        except AssertionError as error:
            from eventsite.mail.models import OutboxMessage

            with self.database() as session:
                rows = session.scalars(db.select(OutboxMessage).filter_by(recipient=address))
                outbox = [(m.id, m.kind, m.state, m.attempts, m.last_error) for m in rows]
            raise AssertionError(f"{error}; outbox: {outbox}") from None

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


def demo_edition() -> list[str]:
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


def new_page(browser, viewport=PHONE, language: str = "nl"):
    """A page in a fresh browser context (its own cookies) that speaks ``language``."""
    context = browser.new_context(
        viewport=viewport,
        locale="nl-NL" if language == "nl" else "en-GB",
        extra_http_headers={"Accept-Language": "nl-NL,nl" if language == "nl" else "en-GB,en"},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


def loaded_size(image) -> list[int]:
    """[naturalWidth, naturalHeight] of an <img> once it has loaded: the pictures are
    ``loading="lazy"``, so one below the fold starts loading only when scrolled to, and a
    visible one may still be on its way (0 x 0). A picture that cannot load raises."""
    image.scroll_into_view_if_needed()
    return image.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])")


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Keep a screenshot (the whole page, or the first screen) under test-artifacts/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


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


def invites(mail: EmailMessage, method: str) -> list:
    """The calendar parts of a mail with ``Content-Type: text/calendar; method=<method>``."""
    return [
        icalendar.Calendar.from_ical(part.get_content())
        for part in mail.walk()
        if part.get_content_type() == "text/calendar" and part.get_param("method") == method
    ]


def log_in(page, site: LiveSite, email: str, password: str = ORGANISER_PASSWORD) -> None:
    """Log in on the organiser login page; waits for the dashboard."""
    page.goto(site("/organiser/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(site("/organiser/"))


def create_organiser(site: LiveSite, email: str, *options: str) -> str:
    """An organiser account made as the README says: ``flask organisers create``, with the
    password piped in."""
    with site.database():
        result = site.app.test_cli_runner().invoke(
            args=["organisers", "create", email, *options], input=ORGANISER_PASSWORD + "\n"
        )
    assert result.exit_code == 0, result.output
    return email


@dataclass
class SignedUp:
    """An attendee made directly through the services (no browser), with their links."""

    email: str
    confirm_url: str
    manage_token: str | None


def sign_up_directly(
    live_site: LiveSite,
    email: str,
    language: str = "nl",
    *,
    confirm: bool = True,
    slugs: list[str] | None = None,
    name: str = "Anna de Vries",
    organisation: str = "De Vries Metaal B.V.",
) -> SignedUp:
    """Sign up (for the first two sessions unless ``slugs``) and confirm, through the
    services and without the browser: for tests of the pages that come after. The mails are
    queued, not sent (sending follows a request)."""
    from eventsite.core.unit_of_work import unit_of_work
    from eventsite.programme.models import ProgrammeSession
    from eventsite.registration import signup
    from eventsite.registration.attendees import find_attendee
    from eventsite.registration.links import confirm_url

    with live_site.database() as session:
        sessions = [
            session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
            for slug in slugs or live_site.slugs[:2]
        ]
        edition = sessions[0].edition
        data = signup.SignUp(name, email, organisation, language=language)
        with unit_of_work():
            signup.sign_up(edition, data, sessions)
        attendee = find_attendee(edition, email)
        link = confirm_url(attendee)
        token = None
        if confirm:
            with unit_of_work():
                token = signup.confirm_attendee(attendee, "127.0.0.1").manage_token
    return SignedUp(email, link, token)
