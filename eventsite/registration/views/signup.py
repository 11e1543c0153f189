"""Sign-up pages: the form, "check your mailbox", resend, and the confirmation link."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from ...clock import utcnow
from ...core import unit_of_work
from ...errors import error_page, try_again_sentence
from ...extensions import db
from ...holes import HoledPage, cached_holed
from ...i18n import current_language, localized
from ...mail.requested import register_handler, store_request
from ...programme import queries
from ...programme.models import Edition
from ...security import sent_from_this_site
from .. import intake, signup, sources
from ..forms import ActionForm, EmailForm, RegistrationForm
from ..offer import PAGE, Offer, current_offer
from ..question_fields import field_name
from ..signup_requests import request_sessions
from .blueprint import bp, manage_limit, per_email, per_ip, private


@bp.route("/register", methods=["GET", "POST"])
@per_ip
@per_email
def register():
    """The sign-up form; ``?session=<slug>`` ticks that session.

    The page is rendered once per version of the edition's data and language
    (``eventsite.holes``); per request only its holes are filled (``FORM_HOLES``). A POST
    loads only the sessions it chose; a form with errors is rendered fresh with the input.
    """
    offer = current_offer()
    if request.method == "GET" and not (request.args.get("session") or request.args.get("correct")):
        page = cached_holed(PAGE, offer.version, lambda: _render_form(offer))
        return _form_response(page, [])
    if request.method == "GET":  # sessions or an address to prefill: this visitor's own page
        form = _form(offer, meta={"csrf": False})
        _prefill(form, offer.open_slugs)
        page = HoledPage(_render_form(offer, form))
        return _form_response(page, form.sessions.data or [])
    if not offer.open_slugs:
        return render_template("registration/closed.html", edition=_edition(offer)), 200
    # CSRFProtect checked the token before this view (g.csrf_valid); the page's token is a
    # hole filled per response: the form's own CSRF field would only sign a token again.
    form = _form(offer, meta={"csrf": not g.get("csrf_valid", False)})
    if form.validate_on_submit():
        if not form.is_bot:
            data = form.sign_up_data(language=current_language(), ip=request.remote_addr)
            data.answers = form.answers()
            data.source = sources.current_source()
            with intake.intake_for(current_app).answering() as busy:
                if busy:  # a burst: one row, the same for every address; registered later
                    intake.store(offer.edition_id, data, offer.ids_of(form.sessions.data))
                else:
                    closed = _sign_up_now(offer, data, form.sessions.data)
                    if closed is not None:
                        return _closed_meanwhile(offer, form, closed)
        _remember_sent_to(form.email.data, form.sessions.data, _typed_details(form))
        return redirect(url_for(".sent"))
    page = HoledPage(_render_form(offer, form))
    return _form_response(page, [s for s in form.sessions.data or [] if s in offer.open_slugs])


def _sign_up_now(offer: Offer, data: signup.SignUp, slugs: list[str]) -> str | None:
    """Register the sign-up in this request; None, or the slug of a chosen session that
    closed (or was cancelled) since the form was checked: then nothing changed."""
    chosen = offer.load(slugs)
    if not chosen:
        return slugs[0]
    try:
        unit_of_work.retry_on_conflict(signup.sign_up, chosen[0].edition, data, chosen)
    except signup.SessionNotOpen as error:  # raised before anything changed
        return error.session.slug if error.session is not None else slugs[0]
    return None


def _closed_meanwhile(offer: Offer, form: RegistrationForm, slug: str) -> Response:
    """The form again with everything typed, that session unticked, and why at the sessions."""
    closed = next((s for s in offer.load([slug])), None)
    title = localized(closed, "title") if closed is not None else slug
    message = _(
        "%(title)s has just closed or been cancelled. Everything you typed is still in the "
        "form: check the sessions you chose and send it again.",
        title=title,
    )
    form.sessions.data = [s for s in form.sessions.data if s != slug]
    form.sessions.errors = [message]
    page = HoledPage(_render_form(offer, form))
    return _form_response(page, form.sessions.data)


# The per-request parts of the sign-up page (``{{ hole(...) }}`` in register.html): the CSRF
# token, "checked" for each ticked session (``checked:<slug>``), and the link to the page in
# the other language, which keeps the sessions chosen (``language_switch``). A new field whose value
# differs per visitor needs a hole of its own here; anything else in the page must follow
# from the edition's version (programme.page_versions) and the language.
FORM_HOLES = ("csrf_token", "checked:<slug>", "language_switch")


def _form_response(page: HoledPage, ticked: list[str]) -> Response:
    values = {"csrf_token": generate_csrf(), "language_switch": _language_switch(ticked)}
    values.update({f"checked:{slug}": "checked" for slug in ticked})
    response = Response(page.fill(values))
    response.cache_control.private = True  # a CSRF token: never in a shared cache
    response.cache_control.no_cache = True
    return response


def _language_switch(ticked: list[str]) -> str:
    """This page in the other language, with the sessions ticked and the rest of the query
    (``correct``, a campaign's source): a visitor who switches keeps their choice."""
    other = "en" if current_language() == "nl" else "nl"
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "session")]
    query += [("session", slug) for slug in ticked] + [("lang", other)]
    return f"{request.path}?{urlencode(query)}"


def _edition(offer: Offer) -> Edition | None:
    return db.session.get(Edition, offer.edition_id) if offer.edition_id is not None else None


def _form(offer: Offer, **kwargs) -> RegistrationForm:
    """The sign-up form with the edition's own questions (``question_fields``); which of
    them are asked follows from the hubs of the sessions chosen."""
    form = offer.form_class()(open_slugs=offer.open_slugs, **kwargs)
    form.session_regions = dict(offer.session_regions)
    return form


def _render_form(
    offer: Offer,
    form: RegistrationForm | None = None,
    limited: str | None = None,
    refused: str | None = None,
) -> str:
    """The form page (or the closed page) with holes; without ``form``: an empty form;
    ``limited``: past a rate limit, when to try again (``too_many_attempts``); ``refused``:
    why its CSRF check failed (``not_verified``).

    The questions are part of the page rendered once per version: a change to them raises
    the edition's version (``questions.touch_edition_on_questions_or_mail_texts``)."""
    edition = _edition(offer)
    if not offer.open_slugs:
        return render_template("registration/closed.html", edition=edition)
    if form is None:  # the token is a hole: no CSRF work while rendering the shared page
        form = _form(offer, formdata=None, meta={"csrf": False})
    form.sessions.choices = [(slug, slug) for slug in offer.slugs]
    return render_template(
        "registration/register.html",
        form=form,
        edition=edition,
        sessions=queries.edition_sessions(edition),
        now=utcnow(),
        questions=[(q, form[field_name(q)]) for q in form.asked_questions],
        limited=limited,
        refused=refused,
    )


@bp.errorhandler(429)
def too_many_attempts(error: HTTPException):
    """Past a sign-up or resend limit (``per_ip``, ``per_email``): the form again with what
    was typed, when to try again at the top, status 429. The limit refused the request
    before the view: nothing was registered, stored or mailed, nor is it here. Any other page
    of the blueprint gets the site's 429 page."""
    if (
        request.method != "POST"
        or not g.get("csrf_valid", False)  # only a form this site gave echoes its input
        or request.endpoint not in ("registration.register", "registration.resend")
    ):
        return error_page(error)
    if request.endpoint == "registration.resend":
        form = EmailForm(meta={"csrf": False})
        html = render_template("registration/resend.html", form=form, limited=try_again_sentence())
        return html, 429
    offer = current_offer()
    if not offer.open_slugs:
        return error_page(error)
    return _form_again(offer, 429, limited=try_again_sentence())


@bp.errorhandler(CSRFError)
def not_verified(error: CSRFError):
    """The sign-up or resend form without a valid CSRF token: mostly the session cookie was
    gone (cookies blocked, or discarded by the browser). Sent from a page of this site: the
    form again with what was typed (never the honeypot), why at the top, a fresh token and
    its cookie (the next press works), status 400. CSRFProtect refused the request before
    the view: nothing is stored or mailed. A post that does not show it came from here
    (a forged one) gets the site's 400 page: no other site puts its text in our form."""
    if request.endpoint not in CSRF_RETRIED or not sent_from_this_site():
        return error_page(error)
    if request.endpoint == "registration.confirm":
        # Nothing typed to keep: the page with its button again, the reason above it (the
        # flash sets a new cookie, so the next press works).
        flash(_cookie_reason(_("Confirm my registration")), "error")
        return redirect(request.path, code=303)
    button = _("Sign up") if request.endpoint == "registration.register" else _("Send")
    why = _cookie_reason(button)
    if request.endpoint == "registration.resend":
        form = EmailForm(meta={"csrf": False})
        return render_template("registration/resend.html", form=form, refused=why), 400
    offer = current_offer()
    if not offer.open_slugs:
        return error_page(error)
    return _form_again(offer, 400, refused=why)


# Forms whose CSRF failure (mostly a lost session cookie) gets a way on, not the 400 page.
CSRF_RETRIED = ("registration.register", "registration.resend", "registration.confirm")


def _cookie_reason(button: str) -> str:
    return _(
        "Your session had expired or your browser sent no cookie. Check your details and "
        "press %(button)s again. If that does not work, allow cookies for this site.",
        button=button,
    )


def _form_again(offer: Offer, status: int, **notice: str) -> Response:
    """The sign-up form with what was sent (but the honeypot: a person never filled it in)
    and a notice at the top (``_render_form``), with ``status``."""
    form = _form(offer, meta={"csrf": False})
    form.website.data = ""
    page = HoledPage(_render_form(offer, form, **notice))
    response = _form_response(page, [s for s in form.sessions.data or [] if s in offer.open_slugs])
    response.status_code = status
    return response


def _prefill(form: RegistrationForm, open_slugs: set[str]) -> None:
    """``?session=a&session=b`` ticks sessions; ``?correct=1`` brings back the last address
    and sessions sent from this browser, to fix a mistyped address."""
    chosen = [slug for slug in request.args.getlist("session") if slug in open_slugs]
    if request.args.get("correct") and session.get("sent_to"):
        form.email.data = session["sent_to"]
        chosen = [slug for slug in session.get("sent_sessions", []) if slug in open_slugs]
        details = session.get("sent_details") or {}
        for name in TYPED_DETAILS:
            if details.get(name):
                form[name].data = details[name]
    if chosen:
        form.sessions.data = chosen


# What else the sign-up form had, for correcting a mistyped address without typing it all
# again; consent is not among them: it is given again with the corrected address.
TYPED_DETAILS = ("name", "organisation", "role", "newsletter")


def _typed_details(form: RegistrationForm) -> dict:
    return {name: form[name].data for name in TYPED_DETAILS if form[name].data}


def _remember_sent_to(
    email: str, slugs: list[str] | None = None, details: dict | None = None
) -> None:
    """This browser's last address, for the check-your-mail page (only the visitor sees it:
    the same page follows whether the address was new, known or confirmed), and what else
    was typed with it, for "correct it"."""
    session["sent_to"] = email
    session["sent_sessions"] = list(slugs or [])
    if details:
        session["sent_details"] = details
    else:
        session.pop("sent_details", None)


@bp.get("/register/sent")
def sent():
    """The same answer for every sign-up: check your mailbox, at the address typed."""
    html = render_template(
        "registration/sent.html",
        sent_to=session.get("sent_to"),
        from_resend=not session.get("sent_sessions"),
    )
    return private(Response(html))


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
        _remember_sent_to(form.email.data)
        return redirect(url_for(".sent"))
    return render_template("registration/resend.html", form=form)


def _answer_resend(email: str, language: str, edition_id: int | None) -> None:
    """Mail worker: the confirmation or personal link, if the address has a sign-up."""
    edition = db.session.get(Edition, edition_id) if edition_id is not None else None
    if edition is not None:
        signup.resend(edition, email)


RESEND_REQUEST = "registration-resend"
register_handler(RESEND_REQUEST, _answer_resend)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@manage_limit
def confirm(token: str):
    """GET shows what the link confirms and one button (mail scanners open links); only the
    POST confirms, once: a used link opens nothing any more."""
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        result = signup.confirm(token, request.remote_addr)
        if result.error is signup.LinkProblem.USED:
            return _used_link_page()
        if result.error:
            return render_template("registration/confirm_invalid.html", reason=result.error), 400
        if result.manage_token is None and result.closed:
            return render_template("registration/confirm_closed.html", closed=result.closed)
        if result.manage_token is None:
            return render_template("registration/already_confirmed.html")
        flash_confirmation(result, _("You are signed up. We have mailed you your personal link."))
        return redirect(url_for(".manage", token=result.manage_token))
    request_, problem = signup.request_from_confirm_token(token)
    if problem:
        return render_template("registration/confirm_invalid.html", reason=problem), 400
    if request_.used_at is not None:
        return _used_link_page()
    html = render_template(
        "registration/confirm.html",
        form=form,
        signup=request_,
        attendee=request_.attendee,
        sessions=request_sessions(request_),
    )
    return private(Response(html))


def flash_confirmation(result: signup.Confirmation, all_placed: str) -> None:
    """Say what confirming did (the link, or the personal page's button): places, waiting
    lists, and the sessions left out because they closed or were cancelled meanwhile."""
    if result.waiting and not result.confirmed:
        _flash_once(
            _(
                "Your registration is confirmed. You are on the waiting list: there were "
                "no places left. We will mail you as soon as a place comes free."
            )
        )
    elif result.waiting:
        _flash_once(_("You are signed up. Some sessions were full: you are on the waiting list."))
    elif result.confirmed:
        _flash_once(all_placed, "success")
    if result.closed:
        titles = ", ".join(localized(r.session, "title") for r in result.closed)
        flash(
            _(
                "Not confirmed: sign-up has closed or the session was cancelled: %(titles)s.",
                titles=titles,
            ),
            "error",
        )


def _flash_once(message: str, category: str = "message") -> None:
    """A double click's second answer (``signup.REPEAT_WINDOW``) says what the first said;
    said once if the browser kept the first answer's cookie, with its message waiting."""
    if (category, message) not in [tuple(f) for f in session.get("_flashes", ())]:
        flash(message, category)


def _used_link_page() -> Response:
    return private(Response(render_template("registration/confirm_used.html")))
