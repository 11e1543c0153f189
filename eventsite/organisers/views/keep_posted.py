"""Admins: the "keep me posted" list in numbers, and sending the announcement at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...clock import utcnow
from ...programme import queries
from ...registration import interest
from .. import audit
from ..auth import admin_required
from ..blueprint import bp
from ..forms import ConfirmForm


@bp.route("/keep-me-posted", methods=["GET", "POST"])
@admin_required
def keep_posted():
    """How many addresses wait for the next edition; send its announcement now, or let the
    worker send it when sign-up opens."""
    edition = queries.current_edition()
    form = ConfirmForm()
    if edition is not None and form.validate_on_submit():
        queued = interest.announce(edition)
        audit.record(
            current_user,
            "interest.announce",
            edition.slug,
            str(queued),
            edition=edition,
            data={"edition": edition.name, "count": queued},
        )
        flash(_("Announcement queued for %(n)d address(es).", n=queued), "success")
        return redirect(url_for("organisers.keep_posted"))
    return render_template(
        "organisers/keep_posted.html",
        counts=interest.counts(),
        edition=edition,
        announced=interest.announced_count(edition) if edition else 0,
        open_now=edition.registration_open_at(utcnow()) if edition else False,
        form=form,
    )
