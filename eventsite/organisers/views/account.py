"""Public organiser pages: log in, log out, forgotten password, set a password from a link."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import limiter
from ...i18n import current_language
from ...mail.requested import register_handler, store_request
from .. import accounts, auth, devices
from ..blueprint import bp
from ..forms import ConfirmForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from ..tokens import organiser_for_token

PUBLIC_ENDPOINTS = {
    "organisers.login",
    "organisers.logout",
    "organisers.forgot_password",
    "organisers.reset_password",
    "organisers.welcome",
}

# Failed logins count per account and per IP address, for browsers without a device cookie
# of the account; a browser with one counts on its own (devices.py). A success costs nothing.
def failed_login_limit(limit, key_func, exempt_when):
    """A limit on the login form's POSTs that only failed logins use up."""
    return limiter.limit(
        limit,
        key_func=key_func,
        methods=["POST"],
        deduct_when=auth.login_failed,
        exempt_when=exempt_when,
    )


account_login_limit = failed_login_limit(auth.account_limit, auth.account_key, devices.is_trusted)
ip_login_limit = failed_login_limit(auth.ip_limit, auth.ip_key, devices.is_trusted)
device_login_limit = failed_login_limit(
    auth.device_limit, devices.device_key, devices.is_untrusted
)
# Reset requests per IP address get a 429; per address the limit is silent (no mail, the
# same answer), so nobody learns anything about an address or blocks its owner's answer.
ip_reset_limit = limiter.limit(auth.reset_limit, key_func=auth.ip_key, methods=["POST"])


@bp.route("/login", methods=["GET", "POST"])
@account_login_limit
@ip_login_limit
@device_login_limit
def login():
    """Log in with email address and password; the same answer for any wrong combination."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("organisers.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        organiser = auth.authenticate(form.email.data, form.password.data)
        if organiser is not None:
            auth.start_session(organiser)
            target = auth.safe_next(request.args.get("next"))
            response = redirect(target or url_for("organisers.dashboard"))
            devices.issue(response, organiser.email)
            return response
        g.organiser_login_failed = True
        current_app.logger.info("failed organiser login from %s", request.remote_addr)
        form.password.errors.append(_("The email address or password is not right."))
    return render_template("organisers/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (POST with CSRF token): this login and any copy of its cookie end."""
    if ConfirmForm().validate_on_submit() and current_user.is_authenticated:
        auth.end_session(current_user._get_current_object())
        flash(_("You are logged out."), "success")
    return redirect(url_for("organisers.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@ip_reset_limit
def forgot_password():
    """Ask for a reset link; the answer never says whether the address has an account.

    Known or not, the request only stores a mail request (the mail worker looks the address
    up and mails), so the answer takes the same work and time; past the per-address limit
    nothing is stored, and the answer is still the same.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if auth.reset_allowed(form.email.data):
            store_request(RESET_REQUEST, form.email.data, current_language())
        flash(
            _(
                "If an organiser account exists for this address, we have sent it a link to "
                "set a new password. The link works once and expires in %(n)d minutes.",
                n=current_app.config["ORGANISER_RESET_LINK_MINUTES"],
            ),
            "info",
        )
        return redirect(url_for("organisers.login"))
    return render_template("organisers/forgot_password.html", form=form)


def _set_password(token: str, purpose: str):
    """Show (GET) or use (POST) a one-time link to set a password, then log in."""
    organiser = organiser_for_token(token, purpose)
    if organiser is None:
        return render_template("organisers/link_invalid.html"), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(organiser, form.password.data)
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            auth.start_session(organiser)
            flash(_("Your password is set; you are logged in."), "success")
            response = redirect(url_for("organisers.dashboard"))
            devices.issue(response, organiser.email)  # as after a login: a known device now
            return response
    return render_template("organisers/set_password.html", form=form, organiser=organiser)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from the link in a reset mail."""
    return _set_password(token, "reset")


@bp.route("/password/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """Set the first password from the link in a welcome mail."""
    return _set_password(token, "welcome")


def _answer_reset(email: str, language: str, edition_id: int | None) -> None:
    """Mail worker: the reset link, if the address has an active account; else nothing."""
    organiser = accounts.find(email)
    if organiser is not None and organiser.active:
        accounts.queue_password_mail(organiser, "reset", language)


RESET_REQUEST = "organiser-reset"
register_handler(RESET_REQUEST, _answer_reset)
