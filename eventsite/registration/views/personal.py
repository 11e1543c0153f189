"""The attendee's personal page (``/my/<token>``) and its actions."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...clock import utcnow
from ...extensions import db
from ...programme import queries
from ...programme.models import ProgrammeSession
from .. import feedback, self_service, signup
from ..attendance import record_join
from ..attendees import ACTIVE, attendee_for_token
from ..capacity import waiting_position
from ..export import export_data
from ..forms import ActionForm, EraseForm
from ..join import join_target
from ..models import CONFIRMED
from ..question_fields import answers_form_class, field_name
from .blueprint import bp, manage_limit, private
from .signup import flash_confirmation


def _attendee_or_404(token: str):
    attendee = attendee_for_token(token)
    if attendee is None:
        abort(404)
    return attendee


@bp.get("/my/<token>")
def manage(token: str):
    """The attendee's own page: sessions, join links, add, drop, cancel, download, erase."""
    attendee = _attendee_or_404(token)
    now = utcnow()
    registrations = sorted(
        (r for r in attendee.registrations if r.state in ACTIVE),
        key=lambda r: r.session.start_at,
    )
    taken = {r.session_id for r in registrations}
    addable = [
        s
        for s in queries.edition_sessions(attendee.edition)
        if s.id not in taken and s.open_for_registration(now)
    ]
    html = render_template(
        "registration/manage.html",
        attendee=attendee,
        token=token,
        registrations=registrations,
        positions={r.id: waiting_position(r) for r in registrations},
        feedback_open=feedback.may_answer(registrations, now),
        addable=addable,
        # Anything "cancel my whole registration" would change (not started, not cancelled).
        cancellable=any(self_service.still_changeable(r, now) for r in registrations),
        form=ActionForm(),
        now=now,
        join_opens_before=timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES_BEFORE"]),
    )
    return private(Response(html))


@bp.post("/my/<token>/confirm")
@manage_limit
def manage_confirm(token: str):
    """Confirm sessions chosen later on the sign-up form, from the personal page."""
    attendee = _attendee_or_404(token)
    if ActionForm().validate_on_submit():
        result = signup.confirm_attendee(attendee, request.remote_addr)
        flash_confirmation(result, _("Your sessions are confirmed."))
    return redirect(url_for(".manage", token=token))


def _session_or_404(slug: str) -> ProgrammeSession:
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
    if session is None:
        abort(404)
    return session


@bp.post("/my/<token>/add/<slug>")
@manage_limit
def add(token: str, slug: str):
    """Add a session: a place, or the waiting list when it is full. When its hub asks
    questions the person was not asked yet, they are shown first (the Add button's POST);
    the form sent back with the answers adds it."""
    attendee = _attendee_or_404(token)
    session = _session_or_404(slug)
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".manage", token=token))
    try:
        asked = self_service.questions_on_adding(attendee, [session])
        if not asked:
            return _added(token, self_service.add_session(attendee, session))
        form = answers_form_class(asked)(meta={"csrf": False})  # the token is checked above
        if ANSWERING in request.form and form.validate():
            return _added(token, self_service.add_session(attendee, session, form.answers()))
    except signup.SessionNotOpen:  # raised before anything changed
        flash(_("This session is closed for sign-up."), "error")
        return redirect(url_for(".manage", token=token))
    html = render_template(
        "registration/add.html",
        form=form,
        token=token,
        session=session,
        questions=[(q, form[field_name(q)]) for q in asked],
        answering=ANSWERING,
    )
    return private(Response(html))


# Sent with the questions' form (not with the personal page's Add button): check the answers.
ANSWERING = "answering"


def _added(token: str, added: self_service.Added) -> Response:
    if added is self_service.Added.ATTENDEE_GONE:
        abort(404)
    if added is self_service.Added.WAITING:
        flash(_("The session is full: you are on the waiting list."))
    else:
        flash(_("The session has been added."), "success")
    return redirect(url_for(".manage", token=token))


@bp.route("/my/<token>/drop/<slug>", methods=["GET", "POST"])
@manage_limit
def drop(token: str, slug: str):
    """Drop one session, after a confirming button (as cancelling everything): the personal
    page links here, so one stray tap on a phone gives no place away. The POST drops it;
    the place goes to the first person waiting."""
    attendee = _attendee_or_404(token)
    session = _session_or_404(slug)
    form = ActionForm()
    if request.method == "POST":
        if form.validate_on_submit() and self_service.drop_session(attendee, session.id):
            flash(_("The session has been removed from your registration."), "success")
        return redirect(url_for(".manage", token=token))
    now = utcnow()
    active = [r for r in attendee.registrations if r.state in ACTIVE]
    registration = next((r for r in active if r.session_id == session.id), None)
    # Nothing (left) to remove: not held, started, or cancelled (history, as in drop_session).
    if registration is None or now >= session.start_at or session.is_cancelled:
        return redirect(url_for(".manage", token=token))
    html = render_template(
        "registration/drop.html",
        form=form,
        token=token,
        session=session,
        registration=registration,
        others=len(active) - 1,
    )
    return private(Response(html))


@bp.post("/my/<token>/messages/<any(stop, resume):action>")
@manage_limit
def messages_opt_out(token: str, action: str):
    """Stop (or resume) messages from the organisers for this edition."""
    attendee = _attendee_or_404(token)
    if ActionForm().validate_on_submit():
        self_service.set_messages_opt_out(attendee, action == "stop")
        if action == "stop":
            flash(_("You will get no more messages from the organisers."), "success")
        else:
            flash(_("You will get messages from the organisers again."), "success")
    return redirect(url_for(".manage", token=token))


@bp.route("/my/<token>/cancel", methods=["GET", "POST"])
@manage_limit
def cancel(token: str):
    """Cancel every session, after a confirming button; the data stays until erased."""
    attendee = _attendee_or_404(token)
    form = ActionForm()
    if form.validate_on_submit():
        attendee_id = attendee.id
        cancelled = self_service.cancel_all(attendee)
        if cancelled or not self_service.holds_registrations(attendee_id):
            flash(_("Your registration has been cancelled."), "success")
        else:  # only places in sessions that started or were cancelled: those stay
            flash(
                _(
                    "There was nothing to cancel: your sessions have started or were "
                    "cancelled by the organisers."
                )
            )
        return redirect(url_for(".manage", token=token))
    return private(Response(render_template("registration/cancel.html", form=form, token=token)))


@bp.get("/my/<token>/data.json")
def data(token: str):
    """Download everything stored about me, as JSON."""
    attendee = _attendee_or_404(token)
    body = json.dumps(export_data(attendee), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-registration.json"'
    return private(response)


@bp.route("/my/<token>/erase", methods=["GET", "POST"])
@manage_limit
def erase(token: str):
    """Erase my registration and all my data, after a confirming tick."""
    attendee = _attendee_or_404(token)
    form = EraseForm()
    if form.validate_on_submit():
        self_service.erase(attendee)
        return redirect(url_for(".erased"))
    now = utcnow()
    in_calendar = [
        r.session
        for r in attendee.registrations
        if r.state == CONFIRMED and not r.session.is_cancelled and r.session.end_at > now
    ]
    html = render_template(
        "registration/erase.html", form=form, token=token, in_calendar=in_calendar
    )
    return private(Response(html))


@bp.get("/erased")
def erased():
    """Your data is gone."""
    return render_template("registration/erased.html")


@bp.get("/my/<token>/join/<slug>")
def join(token: str, slug: str):
    """The personal join link: to the current stream from shortly before the start."""
    attendee = _attendee_or_404(token)
    minutes = current_app.config["JOIN_OPENS_MINUTES_BEFORE"]
    target = join_target(attendee, slug, timedelta(minutes=minutes))
    if target.registration is None and target.reason == "not-registered":
        abort(404)
    if target.registration is not None:
        record_join(target.registration)  # saved by the request's unit of work
    if target.stream_url:
        return private(redirect(target.stream_url, code=303))
    html = render_template("registration/join_wait.html", target=target, token=token)
    return private(Response(html))
