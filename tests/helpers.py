"""What a test does as a visitor or organiser would: read a form's CSRF token, log in,
fill in the sign-up form, follow a link from a mail; and small looks into the database.

The one place for these: a second CSRF scraper or link extractor elsewhere is a bug.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.mail.outbox import queue_mail
from eventsite.registration.models import Attendee, Registration

ORGANISER_PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK_RE = re.compile(r"https?://[^\s<>\"]+")
ROOT = Path(__file__).resolve().parent.parent
BOUNCES = Path(__file__).parent / "bounces"
# The session edit form's inputs that have no value attribute when empty.
EMPTY_INPUTS = ("title", "title_en", "theme", "theme_en", "stream_url", "recording_url", "capacity")


# --- Pages and forms --------------------------------------------------------------------------


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url``, as a browser would have it."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
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


def post_button(client, page: str, action: str, **extra):
    """Press a button (a small CSRF form) found on ``page``."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **extra})


def form_data(client, url) -> dict:
    """The session edit form's current values, as a browser would post them unchanged."""
    html = client.get(url).get_data(as_text=True)
    return form_data_from(html, csrf_token(client, url))


def form_data_from(html: str, token: str) -> dict:
    """The values of the session edit form in ``html``."""
    data = {"csrf_token": token}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html):
        data.setdefault(name, value)
    for name in EMPTY_INPUTS:  # inputs without a value attribute
        data.setdefault(name, "")
    for name, value in re.findall(
        r'<textarea[^>]*name="(\w+)"[^>]*>\n?(.*?)</textarea>', html, re.S
    ):
        data[name] = value.replace("&#34;", '"').replace("&amp;", "&").replace("&#39;", "'")
    return data


# --- Signing up as a visitor --------------------------------------------------------------------


def sign_up(client, sessions=("2027-noord",), lang: str = "nl", **fields):
    """Post the sign-up form with CSRF, like a visitor; returns the response (not followed)."""
    token = csrf_token(client, f"/register?lang={lang}")
    data = {
        "csrf_token": token,
        "name": "Anna de Vries",
        "email": "anna@example.nl",
        "organisation": "De Vries Metaal B.V.",
        "role": "Eigenaar",
        "sessions": list(sessions),
        "consent": "y",
    }
    data.update(fields)
    return client.post("/register", data=data)


def confirm(client, confirm_path: str):
    """Open the confirmation page and press its button; returns the POST's response."""
    return post_button(client, confirm_path, confirm_path)


def signed_up_and_confirmed(client, email: str, sessions=("2027-noord",)) -> str:
    """Sign up and confirm; returns the path of the personal page."""
    sign_up(client, sessions=sessions, email=email)
    confirm_mail = outbox("confirm", to=email)[-1]
    response = confirm(client, link_to(confirm_mail, "/confirm/"))
    assert response.status_code == 302, response.get_data(as_text=True)
    return path_of(response.headers["Location"])


# --- Mails ------------------------------------------------------------------------------------


def mail_text(message: EmailMessage | OutboxMessage) -> str:
    """The plain-text body of a received mail, or of a row in the outbox."""
    if isinstance(message, OutboxMessage):
        return message.text_body
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def links_in(message: EmailMessage | OutboxMessage) -> list[str]:
    """Every http(s) link in a mail's text body (received, or in the outbox), in order."""
    return LINK_RE.findall(mail_text(message))


def path_of(url: str) -> str:
    return urlsplit(url).path


def link_to(message: EmailMessage | OutboxMessage, prefix: str, site: str = "") -> str:
    """The path of the first link in a mail whose path starts with ``prefix``; with
    ``site``, the link must be on it (SITE_URL, not the host of the request that mailed)."""
    for url in links_in(message):
        if path_of(url).startswith(prefix):
            assert url.startswith(site), f"{url} is not on {site}"
            return path_of(url)
    raise AssertionError(f"no {prefix} link in {mail_text(message)!r}")


def path_to(message: EmailMessage | OutboxMessage, prefix: str) -> str:
    """``link_to`` on the tests' SITE_URL, http://localhost."""
    return link_to(message, prefix, site="http://localhost/")


def manage_path(message: EmailMessage | OutboxMessage) -> str:
    """The personal page's link in a mail (not a join link below it)."""
    for url in links_in(message):
        path = path_of(url)
        if path.startswith("/my/") and path.count("/") == 2:
            return path
    raise AssertionError(f"no personal link in {mail_text(message)!r}")


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """Queued mails, oldest first, optionally of one kind or to one address."""
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.filter_by(kind=kind)
    if to:
        query = query.filter_by(recipient=to)
    return list(db.session.scalars(query))


def queue_all(recipients) -> dict[str, OutboxMessage]:
    """Queue the test mail to each of ``recipients`` (in that order), committed; rows by address."""
    rows = {}
    for recipient in recipients:
        rows[recipient] = queue_mail(
            kind="test",
            recipient=recipient,
            language="nl",
            template="test_hello",
            context={"name": recipient},
        )
    db.session.commit()
    return rows


def row_of(recipient: str) -> OutboxMessage:
    """The outbox row to ``recipient``, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(db.select(OutboxMessage).filter_by(recipient=recipient))


def bounce(name: str, row, return_path: str) -> bytes:
    """``tests/bounces/<name>`` filled in for the outbox ``row`` sent with ``return_path``."""
    text = (BOUNCES / name).read_text()
    filled = Template(text).substitute(
        RETURN_PATH=return_path, RECIPIENT=row.recipient, MESSAGE_ID=row.message_id
    )
    return filled.encode()


# --- A running site -----------------------------------------------------------------------------


def signups(port: int, count: int, concurrency: int = 4, duration: int = 30) -> dict:
    """``count`` full sign-ups (form, CSRF, POST) by bench/loadgen.py on the site at ``port``,
    for at most ``duration`` seconds; its JSON figures."""
    command = [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port)]
    command += ["--signup", "--concurrency", str(concurrency), "--max-requests", str(count)]
    command += ["--warmup", "0", "--duration", str(duration)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


# --- The database -------------------------------------------------------------------------------


def attendees() -> list[Attendee]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attendee).order_by(Attendee.id)))


def states(session_slug: str | None = None) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Registration).order_by(Registration.id))
    return [r.state for r in rows if session_slug is None or r.session.slug == session_slug]


def run_at_once(app, jobs) -> list:
    """Run each job in its own thread with its own app context (and so its own database
    session), all released together; re-raise the first error."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def worker(index, job):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = job()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results
