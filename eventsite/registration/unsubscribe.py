"""One-click unsubscribe from organiser messages (RFC 8058), for bulk-mail headers.

The link carries the attendee id and a digest of their address, signed with SECRET_KEY and a
salt of its own (itsdangerous): no new secret is stored, and a forged or altered token is
refused. The digest keeps an erased person's link from working for whoever gets their id
next (SQLite reuses the newest row's id). It does not expire: an old message's unsubscribe
must still work (links made before the digest, with the id alone, too).
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..clock import utcnow
from ..core.urls import external_url
from ..extensions import db
from .models import Attendee
from .tokens import email_digest

UNSUBSCRIBE_SALT = "eventsite.registration.one-click-unsubscribe"
ONE_CLICK = "one-click unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(attendee_id: int, email: str) -> str:
    """The https link for ``List-Unsubscribe`` that stops this person's organiser messages."""
    token = _serializer().dumps([attendee_id, email_digest(email)])
    return external_url("registration.unsubscribe", token=token)


def list_unsubscribe(attendee_id: int, email: str) -> str:
    """The ``List-Unsubscribe`` value: the one-click https link, then a mailto."""
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    return f"<{unsubscribe_url(attendee_id, email)}>, <mailto:{sender}?subject=unsubscribe>"


def attendee_for_unsubscribe(token: str) -> Attendee | None:
    """The attendee of a genuine token, or None (forged, damaged, or the person is erased)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    digest = None
    if isinstance(data, list) and len(data) == 2:
        data, digest = data
    if not isinstance(data, int) or isinstance(data, bool):
        return None
    attendee = db.session.get(Attendee, data)
    if attendee is None or (digest is not None and email_digest(attendee.email) != digest):
        return None
    return attendee


def stop_by_one_click(attendee: Attendee) -> None:
    """Stop organiser messages at once, remembering when and how (for the data download)."""
    if attendee.messages_opt_out:
        return
    attendee.messages_opt_out = True
    attendee.messages_opt_out_at = utcnow()
    attendee.messages_opt_out_via = ONE_CLICK
