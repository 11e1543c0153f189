"""A session's speakers and videos: add, edit, remove, move up or down.

Access as for the session itself (``session_or_abort``): admins, and the organisers of the
hub that hosts it. A speaker or video of another session in the URL is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...programme.models import ProgrammeSession, SessionVideo, Speaker
from .. import speakers
from ..blueprint import bp
from ..forms import ConfirmForm
from ..media_forms import MoveForm, SpeakerForm, VideoForm
from .common import session_or_abort, show_errors

UPLOAD_ENDPOINTS = ("organisers.speaker_new", "organisers.speaker_edit")


def _child_or_404(model, item_id: int, session: ProgrammeSession):
    item = db.session.get(model, item_id)
    if item is None or item.session_id != session.id:
        abort(404)
    return item


def _back_to_session(session: ProgrammeSession):
    return redirect(url_for("organisers.edit_session", slug=session.slug) + "#speakers")


@bp.route("/sessions/<slug>/speakers/new", methods=["GET", "POST"])
def speaker_new(slug: str):
    """Add a speaker to a session, with a photo."""
    session = session_or_abort(slug)
    form = SpeakerForm()
    if form.validate_on_submit():
        outcome = speakers.add_speaker(session, current_user, form.data, request.files.get("photo"))
        if outcome.saved:
            flash(_("Speaker added."), "success")
            return _back_to_session(session)
        show_errors(form, outcome.errors)
    return render_template("organisers/speaker.html", session=session, form=form, speaker=None)


@bp.route("/sessions/<slug>/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
def speaker_edit(slug: str, speaker_id: int):
    """Change a speaker's texts and photo."""
    session = session_or_abort(slug)
    speaker = _child_or_404(Speaker, speaker_id, session)
    form = SpeakerForm(obj=speaker if request.method == "GET" else None)
    if request.method == "GET":
        form.fingerprint.data = speakers.speaker_fingerprint(speaker)
    if form.validate_on_submit():
        outcome = speakers.update_speaker(
            speaker, current_user, form.data, request.files.get("photo"), form.fingerprint.data
        )
        if outcome.saved:
            flash(_("Speaker saved."), "success")
            return _back_to_session(session)
        if "_form" in outcome.errors:
            form.fingerprint.data = speakers.speaker_fingerprint(speaker)
        show_errors(form, outcome.errors)
    return render_template(
        "organisers/speaker.html",
        session=session,
        form=form,
        speaker=speaker,
        remove_form=ConfirmForm(prefix="remove"),
    )


@bp.post("/sessions/<slug>/speakers/<int:speaker_id>/remove")
def speaker_remove(slug: str, speaker_id: int):
    """Remove a speaker (from the speaker's page)."""
    session = session_or_abort(slug)
    speaker = _child_or_404(Speaker, speaker_id, session)
    if ConfirmForm(prefix="remove").validate_on_submit():
        speakers.remove_speaker(speaker, current_user)
        flash(_("Speaker removed."), "success")
    return _back_to_session(session)


@bp.post("/sessions/<slug>/speakers/<int:speaker_id>/move")
def speaker_move(slug: str, speaker_id: int):
    """Move a speaker one place up or down."""
    session = session_or_abort(slug)
    speaker = _child_or_404(Speaker, speaker_id, session)
    form = MoveForm()
    if form.validate_on_submit():
        speakers.move_speaker(speaker, current_user, up=form.direction.data == "up")
    return _back_to_session(session)


@bp.route("/sessions/<slug>/videos", methods=["GET", "POST"])
def videos(slug: str):
    """A session's videos: the list in order, and a form to add one."""
    session = session_or_abort(slug)
    form = VideoForm()
    if form.validate_on_submit():
        outcome = speakers.add_video(session, current_user, form.data)
        if outcome.saved:
            flash(_("Video added."), "success")
            return redirect(url_for("organisers.videos", slug=session.slug))
        show_errors(form, outcome.errors)
    return render_template(
        "organisers/videos.html",
        session=session,
        form=form,
        move_form=MoveForm(),
        remove_form=ConfirmForm(),
    )


@bp.post("/sessions/<slug>/videos/<int:video_id>/remove")
def video_remove(slug: str, video_id: int):
    """Remove a video link."""
    session = session_or_abort(slug)
    video = _child_or_404(SessionVideo, video_id, session)
    if ConfirmForm().validate_on_submit():
        speakers.remove_video(video, current_user)
        flash(_("Video removed."), "success")
    return redirect(url_for("organisers.videos", slug=session.slug))


@bp.post("/sessions/<slug>/videos/<int:video_id>/move")
def video_move(slug: str, video_id: int):
    """Move a video one place up or down."""
    session = session_or_abort(slug)
    video = _child_or_404(SessionVideo, video_id, session)
    form = MoveForm()
    if form.validate_on_submit():
        speakers.move_video(video, current_user, up=form.direction.data == "up")
    return redirect(url_for("organisers.videos", slug=session.slug))
