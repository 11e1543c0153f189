"""An edition's sessions for the programme office (admins): the order of the programme page,
adding one, removing one nobody signed up for. Editing stays on the session's own page, which
hub organisers use too (``management.edit_session``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...programme.models import Region
from .. import edition_sessions
from ..auth import admin_required
from ..blueprint import bp
from ..edition_forms import NewSessionForm, ReorderForm
from ..forms import ConfirmForm
from .common import session_or_abort
from .editions import edition_or_404


@bp.get("/editions/<int:year>/sessions")
@admin_required
def edition_sessions_page(year: int):
    """The sessions in programme order, with up/down buttons and the links to each."""
    edition = edition_or_404(year)
    sessions = edition_sessions.ordered_sessions(edition)
    form = ReorderForm(order=",".join(str(s.id) for s in sessions))
    return render_template(
        "organisers/edition_sessions.html", edition=edition, sessions=sessions, form=form
    )


@bp.route("/editions/<int:year>/sessions/new", methods=["GET", "POST"])
@admin_required
def session_new(year: int):
    """Add a session to the edition (at the end of the programme)."""
    edition = edition_or_404(year)
    form = NewSessionForm()
    regions = list(db.session.scalars(select(Region).order_by(Region.name)))
    form.region.choices = [(r.id, r.name) for r in regions]
    if form.validate_on_submit():
        day = form.start_at.data.date()
        if not edition.starts_on <= day <= edition.ends_on:
            form.start_at.errors.append(
                _(
                    "Choose a day of the edition: %(first)s to %(last)s.",
                    first=edition.starts_on.isoformat(),
                    last=edition.ends_on.isoformat(),
                )
            )
        else:
            session = edition_sessions.add_session(edition, current_user, form.data)
            flash(_("Session added. Add its speakers and links here."), "success")
            return redirect(url_for("organisers.edit_session", slug=session.slug))
    return render_template("organisers/session_new.html", edition=edition, form=form)


@bp.route("/sessions/<slug>/remove", methods=["GET", "POST"])
@admin_required
def session_remove(slug: str):
    """Remove a session after a confirmation page; refused when it has registrations."""
    session = session_or_abort(slug)
    year = session.edition.year
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = edition_sessions.remove_session(session, current_user)
        if outcome.done:
            flash(_("The session is removed."), "success")
            return redirect(url_for("organisers.edition_sessions_page", year=year))
        flash(outcome.message, "error")
    return render_template("organisers/session_remove.html", session=session, form=form)


@bp.post("/sessions/<slug>/move/<any(up, down):direction>")
@admin_required
def session_move(slug: str, direction: str):
    """Move a session one place up or down on the programme page."""
    session = session_or_abort(slug)
    form = ReorderForm()
    if form.validate_on_submit():
        step = -1 if direction == "up" else 1
        outcome = edition_sessions.move_session(session, current_user, step, form.order.data)
        if not outcome.done:
            flash(outcome.message, "error")
    else:
        flash(_("The form expired; please try again."), "error")
    year = session.edition.year
    return redirect(url_for("organisers.edition_sessions_page", year=year) + f"#s-{session.slug}")
