"""Logging organisers in and out: Flask-Login setup, sessions, timeouts and login limits.

A login cookie names the account and its session counter ("<id>:<counter>"); raising the
counter (logout, password change, disabling) makes every copy of the cookie worthless. On
top of that a login lasts at most ORGANISER_ABSOLUTE_HOURS and ends after
ORGANISER_IDLE_MINUTES without a request.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from limits import parse

from ..clock import utcnow
from ..extensions import db, limiter, login_manager
from ..inputs import has_control_characters
from .models import Organiser
from .passwords import check_password

SEEN_KEY = "organiser_seen_at"
STARTED_KEY = "organiser_started_at"
# Session keys that survive a new login (the visitor's language choice).
KEPT_KEYS = ("lang",)


def init_app(app: Flask) -> None:
    """Bind Flask-Login to ``app`` and enforce the organiser session timeouts."""
    login_manager.init_app(app)
    login_manager.login_view = "organisers.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(enforce_timeouts)


def load_user(user_id: str) -> Organiser | None:
    """The organiser of a login cookie, if the account is active and the counter current."""
    ident, _, counter = user_id.partition(":")
    if not (ident.isdigit() and counter.isdigit()):
        return None
    organiser = db.session.get(Organiser, int(ident))
    if organiser is None or not organiser.active or organiser.auth_counter != int(counter):
        return None
    return organiser


def unauthorized():
    """Not logged in: to the login page, and back to the page asked for afterwards."""
    if not g.get("organiser_session_expired"):
        flash(str(login_manager.login_message), login_manager.login_message_category)
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("organisers.login", next=safe_next(target)))


def enforce_timeouts() -> None:
    """End a login that was idle too long or is older than the absolute limit."""
    if "_user_id" not in session:
        return
    now = utcnow().timestamp()
    idle = current_app.config["ORGANISER_IDLE_MINUTES"] * 60
    absolute = current_app.config["ORGANISER_ABSOLUTE_HOURS"] * 3600
    seen, started = session.get(SEEN_KEY), session.get(STARTED_KEY)
    if seen is None or started is None or now - seen > idle or now - started > absolute:
        clear_session()
        g.organiser_session_expired = True
        flash(str(_l("Your session has ended; please log in again.")), "info")
        return
    session[SEEN_KEY] = now


def authenticate(email: str, password: str) -> Organiser | None:
    """The active organiser with this address and password; None otherwise.

    Always checks a password hash, also for unknown addresses, so the answer takes as long.
    """
    organiser = db.session.scalar(db.select(Organiser).filter_by(email=email.strip().lower()))
    if organiser is None or not organiser.active:
        check_password(None, password)
        return None
    if not check_password(organiser.password_hash, password):
        return None
    return organiser


def start_session(organiser: Organiser) -> None:
    """Log in with a fresh session (against session fixation), keeping the language choice."""
    clear_session()
    login_user(organiser)
    now = utcnow()
    session[SEEN_KEY] = session[STARTED_KEY] = now.timestamp()
    organiser.last_login_at = now  # the request's unit of work commits


def clear_session() -> None:
    """Forget the login in this browser, keeping the language choice."""
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    logout_user()
    session.clear()
    session.update(kept)
    # Flask-WTF caches the CSRF token of the old session in g: forget it with the session.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def end_session(organiser: Organiser) -> None:
    """Log out everywhere: this cookie and any copy of it stop working."""
    organiser.end_sessions()  # saved by the request's unit of work before the answer
    clear_session()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site's organiser pages, else None (no open redirect)."""
    if not target or has_control_characters(target) or " " in target:
        return None  # CR/LF would split the Location header; nobody's link holds these
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    if not parts.path.startswith("/organiser/") or parts.path.startswith("/organiser/login"):
        return None
    return target.rstrip("?")


def admin_required(view):
    """Only the central programme office (admins) may use this view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        # Anonymous visitors never get here: the blueprint requires a login first.
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapper.admin_only = True  # the access walk over the URL map reads this
    return wrapper


# --- Login limits (Flask-Limiter): per account and per address, counting only failures ----


def account_key() -> str:
    """The rate-limit key of the account a login or reset form names."""
    return "organiser-account:" + request.form.get("email", "").strip().lower()[:254]


def ip_key() -> str:
    return "organiser-ip:" + (get_remote_address() or "unknown")


def login_failed(response) -> bool:
    """deduct_when: only failed logins count against the limits."""
    return bool(g.get("organiser_login_failed"))


def account_limit() -> str:
    return current_app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"]


def ip_limit() -> str:
    return current_app.config["ORGANISER_LOGIN_LIMIT_IP"]


def device_limit() -> str:
    return current_app.config["ORGANISER_LOGIN_LIMIT_DEVICE"]


def reset_limit() -> str:
    return current_app.config["ORGANISER_RESET_LIMIT"]


def reset_allowed(email: str) -> bool:
    """Count a reset request for ``email``; False past ORGANISER_RESET_LIMIT (then no mail).

    A silent limit, counted in the rate-limit storage (Redis in production, shared by every
    process), never an answer of its own: the same work for every address.
    """
    if not limiter.enabled:
        return True
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    address = email.strip().lower()[:254]
    return limiter.limiter.hit(parse(reset_limit()), prefix, "organiser-reset", address)
