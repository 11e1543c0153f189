"""Keep me posted: ask (`/keep-me-posted`), confirm by POST, one-click unsubscribe."""

from __future__ import annotations

import json

from flask import Response, abort, redirect, render_template, request, url_for

from ...core import unit_of_work
from ...extensions import csrf
from ...i18n import current_language
from ...security import exempt_from_origin_check
from .. import interest
from ..feedback_forms import InterestForm
from ..forms import ActionForm
from .blueprint import bp, manage_limit, per_email, per_ip, private


@bp.route("/keep-me-posted", methods=["GET", "POST"])
@per_ip
@per_email
def interest_ask():
    """An address to mail when the next edition opens; the same answer for every address."""
    form = InterestForm()
    if form.validate_on_submit():
        if not form.website.data:
            unit_of_work.retry_on_conflict(
                interest.ask, form.email.data, current_language(), request.remote_addr
            )
        return redirect(url_for(".interest_sent"))
    return render_template("registration/interest.html", form=form)


@bp.get("/keep-me-posted/sent")
def interest_sent():
    """Check your mailbox."""
    return render_template("registration/interest_sent.html")


@bp.route("/keep-me-posted/confirm/<token>", methods=["GET", "POST"])
@manage_limit
def interest_confirm(token: str):
    """GET: what it confirms and a button (mail scanners open links); POST: confirm."""
    pending = interest.pending_for_token(token)
    if pending is None:
        page = render_template("registration/interest_invalid.html")
        return private(Response(page, status=404))
    form = ActionForm()
    if form.validate_on_submit():
        interest.confirm(pending, request.remote_addr)
        return private(Response(render_template("registration/interest_done.html")))
    page = render_template("registration/interest_confirm.html", form=form, email=pending.email)
    return private(Response(page))


@bp.get("/keep-me-posted/unsubscribe/<token>")
def interest_unsubscribe(token: str):
    """A page with a button: opening the link alone removes nothing."""
    found = interest.for_unsubscribe(token)
    page = render_template(
        "registration/interest_unsubscribe.html", token=token, removed=found is None
    )
    return private(Response(page))


@bp.get("/keep-me-posted/unsubscribe/<token>/data.json")
def interest_data(token: str):
    """Download what the list holds about the address (the link of the announcement mail)."""
    found = interest.for_unsubscribe(token)
    if found is None:
        abort(404)
    body = json.dumps(interest.download(found), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="keep-me-posted.json"'
    return private(response)


@bp.post("/keep-me-posted/unsubscribe/<token>")
@manage_limit
def interest_unsubscribe_one_click(token: str):
    """Remove the address at once (RFC 8058 one-click POST, or the page's button)."""
    found = interest.for_unsubscribe(token)
    if found is not None:
        interest.remove(found)
    page = render_template("registration/interest_unsubscribe.html", token=token, removed=True)
    return private(Response(page))


csrf.exempt(interest_unsubscribe_one_click)
exempt_from_origin_check("registration.interest_unsubscribe_one_click")
