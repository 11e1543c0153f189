"""Absolute links for mails, built from SITE_URL (never from the request's host)."""

from __future__ import annotations

from ..clock import utcnow
from ..core.urls import external_url
from ..extensions import db
from ..programme.models import ProgrammeSession
from .models import PENDING, Attendee, ManageToken, SignupRequest
from .signup_requests import new_request, open_request
from .tokens import hash_token, make_confirm_token, new_manage_token


def issue_manage_token(attendee: Attendee, token: str | None = None) -> str:
    """A new personal management token for a mail (or ``token``, made by ``new_manage_token``
    for a mail rendered before); only its hash is stored."""
    if token is None:
        token, token_hash = new_manage_token()
    else:
        token_hash = hash_token(token)
    attendee.manage_token_hash = token_hash
    db.session.add(ManageToken(attendee=attendee, token_hash=token_hash))
    return token


def manage_url(token: str, language: str | None = None) -> str:
    """The personal page; with ``language`` (the mail's), it opens in that language also on a
    phone whose mail app opens links in a browser of its own (no language chosen there)."""
    return external_url("registration.manage", token=token, lang=language or None)


def confirm_url(attendee: Attendee, request: SignupRequest | None = None) -> str:
    """The link that confirms ``request`` (by default the attendee's open request, or a new
    one for everything pending)."""
    if request is None:
        request = open_request(attendee)
    if request is None:
        pending = [r.session for r in attendee.registrations if r.state == PENDING]
        request = new_request(attendee, pending, None, attendee.signup_ip, utcnow())
    db.session.flush()  # the attendee and the request need their ids
    token = make_confirm_token(attendee.id, attendee.email, request.id)
    # In the mail's language, as the personal page (``manage_url``).
    return external_url("registration.confirm", token=token, lang=attendee.language)


def join_url(token: str, session: ProgrammeSession, language: str | None = None) -> str:
    """The personal link that leads to the session's stream (never the stream link itself).
    Its waiting page ("opens at 14.45") speaks ``language``: the link is opened from a
    calendar app, whose browser knows nothing of the language the person chose."""
    return external_url("registration.join", token=token, slug=session.slug, lang=language or None)
