"""Organiser management pages: dashboard, attendee lists, session editing."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...mail.undeliverable import undeliverable_among
from ...registration.attendance import attendance_of, joined_counts
from ...registration.models import STATES
from ...registration.questions import answer_text, answers_by_attendee
from .. import campaigns, editing, funnel, services
from .. import feedback as feedback_figures
from ..blueprint import bp
from ..charts import bar_chart
from ..forms import ConfirmForm, SessionForm
from .common import STATE_LABELS, STEP_LABELS, session_or_abort, year_arg


@bp.get("/")
def dashboard():
    """Per session of an edition: the counts, the fill, and sign-ups per day."""
    edition = services.chosen_edition(current_user, year_arg(request.args.get("edition")))
    if edition is None:
        if request.args.get("edition"):
            abort(404)
        return render_template("organisers/dashboard.html", edition=None)
    sessions = services.visible_sessions(current_user, edition)
    ids = [s.id for s in sessions]
    previous = funnel.previous_edition(edition)
    previous_sessions = services.visible_sessions(current_user, previous) if previous else []
    return render_template(
        "organisers/dashboard.html",
        edition=edition,
        editions=services.editions_for(current_user),
        sessions=sessions,
        counts=services.state_counts(ids),
        joined=joined_counts(ids),
        totals=services.totals(ids),
        undeliverable=services.undeliverable_people(ids),
        chart=bar_chart(services.signups_per_day(ids, edition.timezone)),
        state_labels=STATE_LABELS,
        funnels=funnel.funnels(ids),
        hub_funnels=funnel.hub_rows(sessions, previous_sessions),
        source_funnels=funnel.source_rows(ids, campaigns.link_names(edition)),
        previous=previous,
        steps=funnel.STEPS,
        step_labels=STEP_LABELS,
        feedback=feedback_figures.summaries(ids),
    )


@bp.get("/sessions/<slug>/attendees")
def attendees(slug: str):
    """A session's attendees: search, filter by state, sort, page."""
    session = session_or_abort(slug)
    filters = {
        "search": request.args.get("q", "")[:200],
        "state": request.args.get("state", "") if request.args.get("state") in STATES else "",
        "sort": request.args.get("sort", "registered")
        if request.args.get("sort") in services.SORTS
        else "registered",
        "descending": request.args.get("dir") == "desc",
    }
    page = request.args.get("page", 1, type=int) or 1
    choices = services.filter_choices(current_user, session.edition)
    chosen = request.args.get("choice", "")
    choice = next((c for _q, c in choices if str(c.id) == chosen), None)
    filters["choice"] = choice
    questions = services.export_questions(current_user, session.edition)
    pagination = services.attendee_page(
        session, max(page, 1), current_app.config["ORGANISER_PAGE_SIZE"], **filters
    )
    return render_template(
        "organisers/attendees.html",
        session=session,
        pagination=pagination,
        attendance=attendance_of([r.id for r in pagination.items]),
        undeliverable=undeliverable_among(r.attendee.email for r in pagination.items),
        filters=filters,
        states=STATES,
        state_labels=STATE_LABELS,
        sorts=list(services.SORTS),
        choices=choices,
        questions=questions,
        answers=answers_by_attendee([r.attendee_id for r in pagination.items], session.edition),
        answer_text=answer_text,
    )


@bp.route("/sessions/<slug>/edit", methods=["GET", "POST"])
def edit_session(slug: str):
    """Change a session's texts, times, capacity and links (speakers, videos: speakers.py)."""
    session = session_or_abort(slug)
    zone = session.edition.timezone
    form = SessionForm(obj=session if request.method == "GET" else None)
    if request.method == "GET":
        form.start_at.data = editing.local_input(session.start_at, zone)
        form.end_at.data = editing.local_input(session.end_at, zone)
        form.fingerprint.data = editing.edit_fingerprint(session)
    if form.validate_on_submit():
        result = editing.edit_session(
            session, current_user, form.data, fingerprint=form.fingerprint.data or None
        )
        if result.conflict:
            # Show the current values' fingerprint: saving again is a deliberate overwrite.
            form.fingerprint.data = editing.edit_fingerprint(session)
            flash(result.errors["_form"], "error")
        elif result.saved:
            if result.promoted:
                flash(
                    _(
                        "Places from the waiting list given: %(n)d. They get a mail.",
                        n=result.promoted,
                    ),
                    "success",
                )
            if result.calendar_changed:
                flash(
                    _("Saved. Attendees with a place get the updated calendar invite."), "success"
                )
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("organisers.edit_session", slug=session.slug))
        for name, message in result.errors.items():
            if name in form:
                form[name].errors.append(message)
    return render_template("organisers/edit_session.html", session=session, form=form)


@bp.route("/sessions/<slug>/cancel", methods=["GET", "POST"])
def cancel_session(slug: str):
    """Cancel a session after a confirmation page (POST); attendees are told by mail."""
    session = session_or_abort(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        if editing.cancel_session(session, current_user):
            flash(_("The session is cancelled. Everyone with a place gets a mail."), "success")
        else:
            flash(_("This session was already cancelled."), "info")
        return redirect(url_for("organisers.dashboard", edition=session.edition.year))
    return render_template("organisers/cancel_session.html", session=session, form=form)
