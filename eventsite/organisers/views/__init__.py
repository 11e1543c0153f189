"""Organiser pages: public login pages (account.py), management (management.py, downloads.py),
accounts (accounts.py, admins), one's own profile (profile.py), the audit log (audit.py).

Every page except the login pages needs a logged-in organiser (``require_login``); which
sessions an organiser may see is decided per object in ``services.may_see``.
"""

from flask import request
from flask_login import current_user

from ...extensions import login_manager
from ..blueprint import bp
from . import (  # noqa: F401 (routes register on import)
    account,
    accounts,
    audit,
    downloads,
    edition_sessions,
    editions,
    feedback,
    hubs,
    keep_posted,
    mail_status,
    mail_texts,
    management,
    messages,
    profile,
    questions,
    sources,
    speakers,
)


@bp.before_request
def require_login():
    """Refuse every organiser page to anonymous visitors, except the account pages."""
    if request.endpoint in account.PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@bp.after_request
def no_store(response):
    """Organiser pages show personal data: browsers and proxies must not keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["bp"]
