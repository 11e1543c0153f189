"""One-click unsubscribe from organiser messages (RFC 8058), for bulk-mail headers.

The link carries the attendee id signed with SECRET_KEY and a salt of its own (itsdangerous):
no new secret is stored, and a forged or altered token is refused. It does not expire: an
old message's unsubscribe must still work.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..clock import utcnow
from ..core.urls import external_url
from ..extensions import db
from .models import Attendee

UNSUBSCRIBE_SALT = "eventsite.registration.one-click-unsubscribe"
ONE_CLICK = "one-click unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(attendee_id: int) -> str:
    """The https link for ``List-Unsubscribe`` that stops this person's organiser messages."""
    token = _serializer().dumps(attendee_id)
    return external_url("registration.unsubscribe", token=token)


def list_unsubscribe(attendee_id: int) -> str:
    """The ``List-Unsubscribe`` value: the one-click https link, then a mailto."""
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    return f"<{unsubscribe_url(attendee_id)}>, <mailto:{sender}?subject=unsubscribe>"


def attendee_for_unsubscribe(token: str) -> Attendee | None:
    """The attendee of a genuine token, or None (forged, damaged, or the person is erased)."""
    try:
        attendee_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(attendee_id, int):
        return None
    return db.session.get(Attendee, attendee_id)


def stop_by_one_click(attendee: Attendee) -> None:
    """Stop organiser messages at once, remembering when and how (for the data download)."""
    if attendee.messages_opt_out:
        return
    attendee.messages_opt_out = True
    attendee.messages_opt_out_at = utcnow()
    attendee.messages_opt_out_via = ONE_CLICK
