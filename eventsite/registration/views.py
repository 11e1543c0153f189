"""Public registration pages: sign up, confirm, and the personal management page."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..clock import utcnow
from ..extensions import db, limiter
from ..i18n import current_language
from ..mail.requested import register_handler, store_request
from ..programme import queries
from ..programme.models import Edition, ProgrammeSession
from . import services
from .attendance import record_join
from .capacity import waiting_position
from .export import export_data
from .forms import ActionForm, EmailForm, EraseForm, RegistrationForm
from .join import join_target
from .signup_requests import request_sessions
from .tokens import hash_token

bp = Blueprint("registration", __name__, cli_group="registrations")


def _config_limit(name: str):
    return lambda: current_app.config[name]


def email_key() -> str:
    """Rate-limit key: the submitted address (so one address cannot be flooded)."""
    address = services.normalise_email(request.form.get("email", ""))
    return f"email:{address}" if address else f"ip:{request.remote_addr}"


# Shared scopes: sign-up and resend both send mail, so they count together; so do all
# management actions.
per_ip = limiter.shared_limit(
    _config_limit("REGISTRATION_LIMIT_PER_IP"), scope="registration-ip", methods=["POST"]
)
per_email = limiter.shared_limit(
    _config_limit("REGISTRATION_LIMIT_PER_EMAIL"),
    scope="registration-email",
    key_func=email_key,
    methods=["POST"],
)


def link_key() -> str:
    """Rate-limit key: the personal link itself (hashed), whichever addresses use it."""
    token = (request.view_args or {}).get("token", "")
    return f"link:{hash_token(token)[:32]}"


_manage_per_ip = limiter.shared_limit(
    _config_limit("MANAGE_LIMIT_PER_IP"), scope="registration-manage", methods=["POST"]
)
_manage_per_link = limiter.shared_limit(
    _config_limit("MANAGE_LIMIT_PER_LINK"),
    scope="registration-manage-link",
    key_func=link_key,
    methods=["POST"],
)


def manage_limit(view):
    """Confirm and personal-page actions: limited per IP address and per personal link."""
    return _manage_per_ip(_manage_per_link(view))


def _private(response: Response) -> Response:
    """Pages with a personal token in the URL: never cached, never in a Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/register", methods=["GET", "POST"])
@per_ip
@per_email
def register():
    """The sign-up form; ``?session=<slug>`` ticks that session."""
    edition = queries.current_edition()
    now = utcnow()
    sessions = queries.edition_sessions(edition) if edition else []
    open_slugs = {s.slug for s in sessions if s.open_for_registration(now)}
    if not open_slugs:
        return render_template("registration/closed.html", edition=edition), 200
    form = RegistrationForm(open_slugs=open_slugs)
    form.sessions.choices = [(s.slug, s.slug) for s in sessions]
    if request.method == "GET" and request.args.get("session") in open_slugs:
        form.sessions.data = [request.args["session"]]
    if form.validate_on_submit():
        if not form.is_bot:
            chosen = [s for s in sessions if s.slug in form.sessions.data]
            data = form.sign_up_data(language=current_language(), ip=request.remote_addr)
            try:
                services.sign_up(edition, data, chosen)
            except services.SessionNotOpen:
                db.session.rollback()
                flash(_("A session you chose has just closed; please choose again."), "error")
                return redirect(url_for(".register"))
        return redirect(url_for(".sent"))
    return render_template(
        "registration/register.html", form=form, edition=edition, sessions=sessions, now=now
    )


@bp.get("/register/sent")
def sent():
    """The same answer for every sign-up: check your mailbox."""
    return render_template("registration/sent.html")


@bp.route("/register/resend", methods=["GET", "POST"])
@per_ip
@per_email
def resend():
    """Ask again for the confirmation link or the personal link."""
    form = EmailForm()
    edition = queries.current_edition()
    if form.validate_on_submit():
        # Only stored here, the same for every address; the mail worker looks it up and mails
        # (so neither the time nor the work of this answer tells a known address apart).
        store_request(
            RESEND_REQUEST,
            form.email.data,
            current_language(),
            edition.id if edition is not None else None,
        )
        return redirect(url_for(".sent"))
    return render_template("registration/resend.html", form=form)


def _answer_resend(email: str, language: str, edition_id: int | None) -> None:
    """Mail worker: the confirmation or personal link, if the address has a sign-up."""
    edition = db.session.get(Edition, edition_id) if edition_id is not None else None
    if edition is not None:
        services.resend(edition, email)


RESEND_REQUEST = "registration-resend"
register_handler(RESEND_REQUEST, _answer_resend)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@manage_limit
def confirm(token: str):
    """GET shows what the link confirms and one button (mail scanners open links); only the
    POST confirms, once: a used link opens nothing any more."""
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        result = services.confirm(token, request.remote_addr)
        if result.error == "used":
            return _used_link_page()
        if result.error:
            return render_template("registration/confirm_invalid.html", reason=result.error), 400
        if result.manage_token is None and result.closed:
            return render_template("registration/confirm_closed.html", closed=result.closed)
        if result.manage_token is None:
            return render_template("registration/already_confirmed.html")
        if result.waiting:
            flash(_("You are registered. Some sessions were full: you are on the waiting list."))
        else:
            flash(_("You are registered. We have mailed you your personal link."), "success")
        return redirect(url_for(".manage", token=result.manage_token))
    signup, error = services.request_from_confirm_token(token)
    if error:
        return render_template("registration/confirm_invalid.html", reason=error), 400
    if signup.used_at is not None:
        return _used_link_page()
    html = render_template(
        "registration/confirm.html",
        form=form,
        signup=signup,
        attendee=signup.attendee,
        sessions=request_sessions(signup),
    )
    return _private(Response(html))


def _used_link_page() -> Response:
    return _private(Response(render_template("registration/confirm_used.html")))


def _attendee_or_404(token: str):
    attendee = services.attendee_for_token(token)
    if attendee is None:
        abort(404)
    return attendee


@bp.get("/my/<token>")
def manage(token: str):
    """The attendee's own page: sessions, join links, add, drop, cancel, download, erase."""
    attendee = _attendee_or_404(token)
    now = utcnow()
    registrations = sorted(
        (r for r in attendee.registrations if r.state in services.ACTIVE),
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
        addable=addable,
        form=ActionForm(),
        now=now,
        join_opens_before=timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES_BEFORE"]),
    )
    return _private(Response(html))


@bp.post("/my/<token>/confirm")
@manage_limit
def manage_confirm(token: str):
    """Confirm sessions chosen later on the sign-up form, from the personal page."""
    attendee = _attendee_or_404(token)
    if ActionForm().validate_on_submit():
        services.confirm_attendee(attendee, request.remote_addr)
        flash(_("Your sessions are confirmed."), "success")
    return redirect(url_for(".manage", token=token))


def _session_or_404(slug: str) -> ProgrammeSession:
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
    if session is None:
        abort(404)
    return session


@bp.post("/my/<token>/add/<slug>")
@manage_limit
def add(token: str, slug: str):
    """Add a session: a place, or the waiting list when it is full."""
    attendee = _attendee_or_404(token)
    session = _session_or_404(slug)
    if ActionForm().validate_on_submit():
        try:
            registration = services.add_session(attendee, session)
        except services.SessionNotOpen:
            db.session.rollback()
            flash(_("This session is closed for sign-up."), "error")
        else:
            if registration is None:  # erased in another tab meanwhile
                abort(404)
            if registration.state == "waiting":
                flash(_("The session is full: you are on the waiting list."))
            else:
                flash(_("The session has been added."), "success")
    return redirect(url_for(".manage", token=token))


@bp.post("/my/<token>/drop/<slug>")
@manage_limit
def drop(token: str, slug: str):
    """Drop one session; the place goes to the first person waiting."""
    attendee = _attendee_or_404(token)
    session = _session_or_404(slug)
    if ActionForm().validate_on_submit() and services.drop_session(attendee, session.id):
        flash(_("The session has been removed from your registration."), "success")
    return redirect(url_for(".manage", token=token))


@bp.post("/my/<token>/messages/<any(stop, resume):action>")
@manage_limit
def messages_opt_out(token: str, action: str):
    """Stop (or resume) messages from the organisers for this edition."""
    attendee = _attendee_or_404(token)
    if ActionForm().validate_on_submit():
        services.set_messages_opt_out(attendee, action == "stop")
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
        services.cancel_all(attendee)
        flash(_("Your registration has been cancelled."), "success")
        return redirect(url_for(".manage", token=token))
    return _private(Response(render_template("registration/cancel.html", form=form, token=token)))


@bp.get("/my/<token>/data.json")
def data(token: str):
    """Download everything stored about me, as JSON."""
    attendee = _attendee_or_404(token)
    body = json.dumps(export_data(attendee), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-registration.json"'
    return _private(response)


@bp.route("/my/<token>/erase", methods=["GET", "POST"])
@manage_limit
def erase(token: str):
    """Erase my registration and all my data, after a confirming tick."""
    attendee = _attendee_or_404(token)
    form = EraseForm()
    if form.validate_on_submit():
        services.erase(attendee)
        return redirect(url_for(".erased"))
    return _private(Response(render_template("registration/erase.html", form=form, token=token)))


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
    if target.registration is not None and record_join(target.registration):
        db.session.commit()
    if target.stream_url:
        return _private(redirect(target.stream_url, code=303))
    html = render_template("registration/join_wait.html", target=target, token=token)
    return _private(Response(html))
