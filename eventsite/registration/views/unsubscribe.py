"""One-click unsubscribe (RFC 8058): the https link in organiser messages' List-Unsubscribe.

The mail provider POSTs ``List-Unsubscribe=One-Click`` with no cookie and no CSRF token, from
its own origin: this endpoint alone is exempt from both; the signed token is the authority.
A GET (a person, or a mail scanner opening links) changes nothing and shows a button.
"""

from __future__ import annotations

from flask import Response, render_template

from ...extensions import csrf
from ...security import exempt_from_origin_check
from ..unsubscribe import attendee_for_unsubscribe, stop_by_one_click
from .blueprint import bp, manage_limit, private


def _invalid():
    page = Response(render_template("registration/unsubscribe_invalid.html"), status=404)
    return private(page)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """A page with a button: opening the link alone stops nothing."""
    attendee = attendee_for_unsubscribe(token)
    if attendee is None:
        return _invalid()
    page = render_template(
        "registration/unsubscribe.html", token=token, stopped=attendee.messages_opt_out
    )
    return private(Response(page))


@bp.post("/unsubscribe/<token>")
@manage_limit
def unsubscribe_one_click(token: str):
    """Stop organiser messages at once (the provider's one-click POST, or the page's button)."""
    attendee = attendee_for_unsubscribe(token)
    if attendee is None:
        return _invalid()
    stop_by_one_click(attendee)
    page = render_template("registration/unsubscribe.html", token=token, stopped=True)
    return private(Response(page))


csrf.exempt(unsubscribe_one_click)
exempt_from_origin_check("registration.unsubscribe_one_click")
