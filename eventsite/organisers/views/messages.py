"""Organiser messages: write, preview and send a message to a group of a session's people,
follow a send's progress, and send "the recording is online" after the event."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...clock import utcnow
from ...extensions import db
from ...formatting import moment
from ...messaging import services
from ...messaging.forms import GROUP_LABELS, MessageForm, RecordingForm, new_key
from ...messaging.models import RECORDING, OrganiserMessage
from ..blueprint import bp
from .common import session_or_abort


def _on_its_way(n: int) -> str:
    return ngettext(
        "The message is on its way to %(num)d person.",
        "The message is on its way to %(num)d people.",
        n,
    )


def _sent(message: OrganiserMessage | None, slug: str):
    """After a send (or a repeated one): to the message's progress page (Post/Redirect/Get)."""
    if message is None:
        return redirect(url_for("organisers.messages", slug=slug))
    return redirect(url_for("organisers.message_detail", slug=slug, message_id=message.id))


@bp.route("/sessions/<slug>/messages", methods=["GET", "POST"])
def messages(slug: str):
    """Write a message; "Preview" shows it and its recipients, "Send" sends it once."""
    programme_session = session_or_abort(slug)
    organiser = current_user._get_current_object()
    form = MessageForm()
    if request.method == "GET":
        form.key.data = new_key()
    preview = None
    if form.validate_on_submit():
        if "send" in request.form:
            try:
                message = services.send_message(
                    programme_session, organiser, form.group.data, form.draft(), form.key.data
                )
            except services.AlreadySent as already:
                flash(_("This message was sent already; it was not sent again."), "info")
                return _sent(already.message, slug)
            flash(_on_its_way(message.recipient_count), "success")
            return _sent(message, slug)
        preview = services.preview(programme_session, organiser, form.draft())
    history = services.history(programme_session)
    recording_opens_at = services.recording_opens_at(programme_session)
    return render_template(
        "organisers/messages.html",
        session=programme_session,
        form=form,
        preview=preview,
        counts=services.group_counts(programme_session),
        group_labels=GROUP_LABELS,
        history=history,
        progress=services.progress([m.id for m in history]),
        recording_form=RecordingForm(key=new_key()),
        recording_opens_at=recording_opens_at,
        recording_open=utcnow() >= recording_opens_at,
        recording_sends=[m for m in history if m.recipient_group == RECORDING],
    )


@bp.post("/sessions/<slug>/recording")
def send_recording(slug: str):
    """Send "the recording is online" to everyone with a place (joined and missed apart),
    once the session is over; a second time only with "Send again" ticked."""
    programme_session = session_or_abort(slug)
    form = RecordingForm()
    if not form.validate_on_submit():
        flash(_("This form is out of date; please reload the page."), "error")
        return redirect(url_for("organisers.messages", slug=slug))
    if not programme_session.recording_url:
        flash(_("Set the recording link first (Edit session)."), "error")
        return redirect(url_for("organisers.messages", slug=slug))
    try:
        message = services.send_recording(
            programme_session,
            current_user._get_current_object(),
            form.key.data,
            again=form.again.data,
        )
    except services.AlreadySent as already:
        flash(_("This message was sent already; it was not sent again."), "info")
        return _sent(already.message, slug)
    except services.RecordingTooEarly as early:
        zone = programme_session.edition.timezone
        flash(
            _(
                "The recording mail can be sent from %(moment)s, once the session is over;"
                " nothing was sent.",
                moment=moment(early.opens_at, zone),
            ),
            "error",
        )
        return redirect(url_for("organisers.messages", slug=slug))
    except services.RecordingSentBefore as sent_before:
        flash(_sent_before(sent_before.earlier, programme_session), "error")
        return redirect(url_for("organisers.messages", slug=slug))
    flash(_on_its_way(message.recipient_count), "success")
    return _sent(message, slug)


def _sent_before(earlier: OrganiserMessage, programme_session) -> str:
    return ngettext(
        "The recording mail was already sent on %(moment)s, to %(num)d person; nothing was"
        " sent now. To send it again, tick \"Send again\".",
        "The recording mail was already sent on %(moment)s, to %(num)d people; nothing was"
        " sent now. To send it again, tick \"Send again\".",
        earlier.recipient_count,
        moment=moment(earlier.created_at, programme_session.edition.timezone),
    )


@bp.get("/sessions/<slug>/messages/<int:message_id>")
def message_detail(slug: str, message_id: int):
    """One sent message and its progress (queued, sent, failed), refreshed while sending."""
    programme_session = session_or_abort(slug)
    message = db.session.get(OrganiserMessage, message_id)
    if message is None or message.session_id != programme_session.id:
        abort(404)
    return render_template(
        "organisers/message.html",
        session=programme_session,
        message=message,
        progress=services.progress([message.id])[message.id],
        group_labels=GROUP_LABELS,
    )
