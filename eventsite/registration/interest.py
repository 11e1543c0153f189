"""Keep me posted: double opt-in to hear when the next edition opens, and the announcement.

Asking stores a pending address and mails a confirmation link (a random token, only its
SHA-256 kept); the link opens a page whose button (a POST) confirms, as the sign-up does.
When an edition opens for sign-up, every confirmed address gets one announcement through
the outbox, with List-Unsubscribe and a one-click link that removes the address. One
``InterestAnnouncement`` row per (address, edition), unique, written in the same
transaction as the mail: a second run, or a second worker, finds the row and mails nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from ..clock import utcnow
from ..core.privacy import PRIVACY_VERSION
from ..core.urls import external_url
from ..extensions import db
from ..mail.outbox import queue_mail, queue_many, render_mail
from ..mail.undeliverable import is_undeliverable
from ..programme.models import Edition
from .attendees import normalise_email
from .interest_models import Interest, InterestAnnouncement
from .tokens import email_digest, hash_token, new_manage_token

UNSUBSCRIBE_SALT = "eventsite.registration.interest-unsubscribe"
ANNOUNCEMENT_KIND = "interest-announcement"
# Rendered once per language, then each mail gets its own unsubscribe link here.
UNSUBSCRIBE_PLACEHOLDER = "https://placeholder.invalid/interest/unsubscribe"


def ask(email: str, language: str, ip: str | None) -> None:
    """Store (or renew) a pending address and mail its confirmation link.

    The answer the visitor sees is the same for a new, pending or confirmed address; a
    confirmed one gets no mail (there is nothing to confirm).
    """
    email = normalise_email(email)
    interest = db.session.scalar(select(Interest).filter_by(email=email))
    if interest is not None and interest.confirmed_at is not None:
        return
    if interest is None:
        interest = Interest(email=email)
        db.session.add(interest)
    token, token_hash = new_manage_token()
    interest.language = language
    interest.consent_version = PRIVACY_VERSION
    interest.created_at = utcnow()
    interest.signup_ip = ip
    interest.token_hash = token_hash
    db.session.flush()
    queue_mail(
        kind="interest-confirm",
        recipient=email,
        language=language,
        template="interest_confirm",
        context={"confirm_link": external_url("registration.interest_confirm", token=token)},
    )


def pending_for_token(token: str) -> Interest | None:
    """The pending address a confirmation link belongs to, while the link is valid."""
    interest = db.session.scalar(select(Interest).filter_by(token_hash=hash_token(token)))
    if interest is None or interest.confirmed_at is not None:
        return None
    if utcnow() >= interest.created_at + timedelta(days=_pending_days()):
        return None
    return interest


def confirm(interest: Interest, ip: str | None) -> None:
    """The owner pressed the button: store when and from where; the link is spent."""
    interest.confirmed_at = utcnow()
    interest.confirm_ip = ip
    interest.token_hash = None


def _pending_days() -> int:
    return current_app.config["PENDING_RETENTION_DAYS"]


def purge_pending(now: datetime | None = None) -> int:
    """Remove addresses not confirmed within the pending retention; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=_pending_days())
    result = db.session.execute(
        db.delete(Interest)
        .where(Interest.confirmed_at.is_(None), Interest.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- Unsubscribe ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(interest_id: int, email: str) -> str:
    """The link carries a digest of the address too: SQLite gives a removed row's id to the
    next address asked, and this link must never show or remove that one."""
    token = _serializer().dumps([interest_id, email_digest(email)])
    return external_url("registration.interest_unsubscribe", token=token)


def list_unsubscribe(interest_id: int, email: str) -> str:
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    return f"<{unsubscribe_url(interest_id, email)}>, <mailto:{sender}?subject=unsubscribe>"


def for_unsubscribe(token: str) -> Interest | None:
    """The address of a genuine unsubscribe token, or None (forged, or already removed).
    Links made before the digest (the id alone) still work."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    digest = None
    if isinstance(data, list) and len(data) == 2:
        data, digest = data
    if not isinstance(data, int) or isinstance(data, bool):
        return None
    found = db.session.get(Interest, data)
    if found is None or (digest is not None and email_digest(found.email) != digest):
        return None
    return found


def download(interest: Interest) -> dict:
    """Everything the list holds about the address, for its owner (GDPR art. 15)."""

    def moment(value):
        return value.isoformat() if value is not None else None

    return {
        "email": interest.email,
        "language": interest.language,
        "privacy_statement_version": interest.consent_version,
        "asked_at": moment(interest.created_at),
        "asked_from_ip": interest.signup_ip,
        "confirmed_at": moment(interest.confirmed_at),
        "confirmed_from_ip": interest.confirm_ip,
        "announcements": [
            {"edition": _year(a.edition_id), "mailed_at": moment(a.queued_at)}
            for a in sorted(interest.announcements, key=lambda a: a.id)
        ],
    }


def _year(edition_id: int) -> int | None:
    edition = db.session.get(Edition, edition_id)
    return edition.year if edition is not None else None


def remove(interest: Interest) -> None:
    """Unsubscribe: the address is deleted, with the record of what it was sent."""
    db.session.delete(interest)
    db.session.flush()


# --- The announcement ----------------------------------------------------------------------


def counts() -> dict[str, int]:
    """Confirmed and pending addresses on the list."""
    confirmed = func.count().filter(Interest.confirmed_at.is_not(None))
    pending = func.count().filter(Interest.confirmed_at.is_(None))
    row = db.session.execute(select(confirmed, pending).select_from(Interest)).one()
    return {"confirmed": row[0], "pending": row[1]}


def announced_count(edition: Edition) -> int:
    return db.session.scalar(
        select(func.count()).select_from(InterestAnnouncement).filter_by(edition_id=edition.id)
    )


def _not_yet_announced(edition: Edition, confirmed_before: datetime | None):
    done = (
        select(InterestAnnouncement.id)
        .where(
            InterestAnnouncement.interest_id == Interest.id,
            InterestAnnouncement.edition_id == edition.id,
        )
        .exists()
    )
    query = select(Interest).where(Interest.confirmed_at.is_not(None), ~done)
    if confirmed_before is not None:
        query = query.where(Interest.confirmed_at < confirmed_before)
    return list(db.session.scalars(query.order_by(Interest.id)))


def announce(edition: Edition, confirmed_before: datetime | None = None) -> int:
    """Queue the announcement of ``edition`` to every confirmed address not yet told; flushes.

    ``confirmed_before``: only addresses confirmed before then (the worker passes the
    moment sign-up opened: who asked later could already see it was open).
    """
    people = _not_yet_announced(edition, confirmed_before)
    if not people:
        return 0
    now = utcnow()
    db.session.add_all(
        InterestAnnouncement(interest_id=p.id, edition_id=edition.id, queued_at=now) for p in people
    )
    db.session.flush()  # the unique (address, edition) refuses a second announcement here
    rendered = {}
    rows = []
    for person in people:
        if is_undeliverable(person.email):
            continue
        if person.language not in rendered:
            rendered[person.language] = render_mail(
                "interest_announcement",
                person.language,
                {
                    "edition": edition,
                    "register_link": external_url("registration.register"),
                    "unsubscribe_link": UNSUBSCRIBE_PLACEHOLDER,
                },
            )
        subject, text, html = rendered[person.language]
        link = unsubscribe_url(person.id, person.email)
        rows.append(
            {
                "kind": ANNOUNCEMENT_KIND,
                "recipient": person.email,
                "language": person.language,
                "subject": subject[:300],
                "text_body": text.replace(UNSUBSCRIBE_PLACEHOLDER, link),
                "html_body": html.replace(UNSUBSCRIBE_PLACEHOLDER, link),
                "list_unsubscribe": list_unsubscribe(person.id, person.email),
            }
        )
    return queue_many(rows)


def editions_opened(now: datetime) -> list[Edition]:
    """Published editions that take sign-ups now, for at least one session (the worker
    announces these)."""
    editions = db.session.scalars(
        select(Edition).where(
            Edition.published.is_(True),
            Edition.registration_opens_at.is_not(None),
            Edition.registration_opens_at <= now,
        )
    )
    return [
        e
        for e in editions
        if e.registration_open_at(now) and any(s.open_for_registration(now) for s in e.sessions)
    ]
