"""Helpers the organiser views share: loading a session with access check, labels."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...programme.models import ProgrammeSession
from .. import exports, services

STATE_LABELS = {
    "pending": _l("pending"),
    "confirmed": _l("confirmed"),
    "waiting": _l("waiting list"),
    "cancelled": _l("cancelled"),
    exports.SESSION_CANCELLED: _l("session cancelled"),
}

COLUMN_LABELS = {
    "name": _l("Name"),
    "email": _l("Email address"),
    "organisation": _l("Organisation"),
    "role": _l("Job title"),
    "session": _l("Session"),
    "state": _l("State"),
    "registered_at": _l("Registered at"),
    "confirmed_at": _l("Confirmed at"),
    "newsletter": _l("Newsletter consent"),
    "language": _l("Language"),
    "joined": _l("Joined at"),
    "undeliverable": _l("Email undeliverable"),
    "source": _l("Source"),
}

# The funnel's steps (see funnel.py).
STEP_LABELS = {
    "signed_up": _l("Signed up"),
    "confirmed": _l("Confirmed"),
    "reminded": _l("Reminded"),
    "joined": _l("Joined"),
    "recording": _l("Sent the recording"),
    "feedback": _l("Gave feedback"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def session_or_abort(slug: str) -> ProgrammeSession:
    """The session with ``slug`` if the logged-in organiser may see it: 404 or 403 otherwise."""
    session = services.session_by_slug(slug)
    if session is None:
        abort(404)
    if not services.may_see(current_user, session):
        abort(403)
    return session


def year_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 4 else None


def show_errors(form, errors: dict[str, str]) -> None:
    """A service's refusals at their fields; one about the whole form as a flash message."""
    for name, message in errors.items():
        if name in form:
            form[name].errors.append(message)
        else:
            flash(message, "error")
