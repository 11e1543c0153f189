"""Admins: how the outbox's delivery goes, per kind of mail, with the latest errors."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from ...mail.status import COLUMNS, delivery_status, mask_address
from ...mail.undeliverable import undeliverable_overview
from ...registration import intake
from ..auth import admin_required
from ..blueprint import bp

COLUMN_LABELS = {
    "queued": _l("Queued"),
    "retrying": _l("Retrying"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}

# The outbox's kinds (see queue_mail callers); an unknown kind is shown as its code.
KIND_LABELS = {
    "confirm": _l("Confirm your sign-up"),
    "already": _l("Already signed up"),
    "welcome": _l("Welcome"),
    "waiting": _l("Waiting list"),
    "promoted": _l("Place from the waiting list"),
    "reminder": _l("Reminder"),
    "cancelled": _l("Sign-up cancelled"),
    "ical-update": _l("Calendar update"),
    "ical-invite": _l("Calendar invitation"),
    "ical-cancel": _l("Calendar cancellation"),
    "ical-drop": _l("Calendar: place given up"),
    "organiser-message": _l("Organiser message"),
    "recording": _l("Recording online"),
    "organiser-reset": _l("Organiser: password reset"),
    "organiser-welcome": _l("Organiser: new account"),
}

STATE_LABELS = {
    "queued": _l("to be retried"),
    "sending": _l("being sent"),
    "failed": _l("given up"),
}


@bp.get("/mail")
@admin_required
def mail_status():
    """Per kind of mail: queued, retrying, sending, sent and failed; the latest errors; the
    addresses that bounced for good; sign-ups stored under a burst and not yet registered
    (their confirmation mail is not queued until they are)."""
    undeliverable_count, undeliverable = undeliverable_overview()
    return render_template(
        "organisers/mail_status.html",
        status=delivery_status(),
        columns=COLUMNS,
        column_labels=COLUMN_LABELS,
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
        undeliverable_count=undeliverable_count,
        undeliverable=undeliverable,
        mask_address=mask_address,
        stored_signups=intake.waiting(),
    )
