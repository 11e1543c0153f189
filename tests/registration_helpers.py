"""Helpers for the registration tests: filling in the forms as a visitor does."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.registration.models import Attendee, Registration

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(client, url: str) -> str:
    """The CSRF token of the form on ``url``, as a browser would have it."""
    page = client.get(url).get_data(as_text=True)
    found = CSRF_RE.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_up(client, sessions=("2027-noord",), lang: str = "nl", **fields):
    """Post the sign-up form with CSRF, like a visitor; returns the response (not followed)."""
    token = csrf_from(client, f"/register?lang={lang}")
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


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """Queued mails, oldest first, optionally of one kind or to one address."""
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.filter_by(kind=kind)
    if to:
        query = query.filter_by(recipient=to)
    return list(db.session.scalars(query))


def links(message: OutboxMessage) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", message.text_body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def link_to(message: OutboxMessage, prefix: str) -> str:
    """The path of the first link in a mail whose path starts with ``prefix``."""
    for url in links(message):
        if path_of(url).startswith(prefix):
            return path_of(url)
    raise AssertionError(f"no {prefix} link in {message.text_body!r}")


def confirm(client, confirm_path: str):
    """Open the confirmation page and press its button; returns the POST's response."""
    token = csrf_from(client, confirm_path)
    return client.post(confirm_path, data={"csrf_token": token})


def post_button(client, page: str, action: str, **extra):
    """Press a button (a small CSRF form) found on ``page``."""
    return client.post(action, data={"csrf_token": csrf_from(client, page), **extra})


def attendees() -> list[Attendee]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attendee).order_by(Attendee.id)))


def states(session_slug: str | None = None) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Registration).order_by(Registration.id))
    return [r.state for r in rows if session_slug is None or r.session.slug == session_slug]


def signed_up_and_confirmed(client, email: str, sessions=("2027-noord",)) -> str:
    """Sign up and confirm; returns the path of the personal page."""
    sign_up(client, sessions=sessions, email=email)
    confirm_mail = outbox("confirm", to=email)[-1]
    response = confirm(client, link_to(confirm_mail, "/confirm/"))
    assert response.status_code == 302, response.get_data(as_text=True)
    return path_of(response.headers["Location"])


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
