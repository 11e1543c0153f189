"""Where a sign-up came from: ``?via=<code>`` or ``utm_*`` on any public page.

Kept first-party in the visitor's own session cookie (no third-party script, nothing in the
database), and stored on the registration only when the visitor signs up.
"""

from __future__ import annotations

import re

from flask import request, session

SESSION_KEY = "source"
CODE = re.compile(r"[A-Za-z0-9._-]{1,40}\Z")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
UTM_VALUE = re.compile(r"[\w .,:/+@-]{1,60}\Z")


def source_from_args(args) -> str | None:
    """The source the query names (a campaign code wins over utm_*), or None."""
    via = args.get("via", "")
    if CODE.match(via):
        return via
    parts = [args.get(key, "").strip() for key in UTM_KEYS]
    if parts[0] and all(not part or UTM_VALUE.match(part) for part in parts):
        return " / ".join(part for part in parts if part)[:200]
    return None


def remember_source() -> None:
    """Before every public GET: keep the newest source named in the URL (last touch)."""
    if request.method != "GET" or (request.blueprint or "").startswith("organisers"):
        return
    if not request.args:
        return
    source = source_from_args(request.args)
    if source and session.get(SESSION_KEY) != source:
        session[SESSION_KEY] = source


def current_source() -> str:
    """The source kept for this visitor, or ""."""
    value = session.get(SESSION_KEY, "")
    return value if isinstance(value, str) else ""


def forget_source() -> None:
    """After the sign-up the source is stored with it; the cookie need not keep it."""
    session.pop(SESSION_KEY, None)
