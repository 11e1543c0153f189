"""The mail blueprint: the `flask mail ...` commands and the development outbox page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ..extensions import db
from .cli import send_queued_command, status_command
from .cli_deliverability import bounces_command, dkim_keygen_command
from .models import OutboxMessage

bp = Blueprint("mail", __name__, cli_group="mail")
bp.cli.add_command(send_queued_command)
bp.cli.add_command(status_command)
bp.cli.add_command(bounces_command)
bp.cli.add_command(dkim_keygen_command)


@bp.before_request
def development_only():
    """The outbox pages exist only where DEV_OUTBOX_PAGE is set (`make run`)."""
    if not current_app.config["DEV_OUTBOX_PAGE"]:
        abort(404)


@bp.get("/dev/outbox")
def outbox():
    """The latest mails in the outbox, so a newcomer can click the links in them."""
    messages = db.session.scalars(
        db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    ).all()
    return render_template("mail/dev_outbox.html", messages=messages)


@bp.get("/dev/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One mail: its text with clickable links, and its attachments."""
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("mail/dev_outbox_message.html", message=message)
