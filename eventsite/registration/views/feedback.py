"""The feedback form on a session, from the personal link (``/my/<token>/feedback/<slug>``)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...core import unit_of_work
from ...formatting import local_datetime
from ...i18n import current_language
from .. import feedback
from ..attendees import attendee_for_token
from ..feedback_forms import FeedbackForm
from .blueprint import bp, manage_limit, private


@bp.route("/my/<token>/feedback/<slug>", methods=["GET", "POST"])
@manage_limit
def feedback_form(token: str, slug: str):
    """Rate a session one was at, and say what one will do with it; change it later."""
    attendee = attendee_for_token(token)
    if attendee is None:
        abort(404)
    registration = feedback.registration_for(attendee, slug)
    if registration is None:
        abort(404)
    access = feedback.access(registration)
    session = registration.session
    question = feedback.hub_question(session, current_language())
    if access is not feedback.Access.OPEN:
        # A kind page, not a form: nothing is asked of people who were not there.
        page = render_template(
            "registration/feedback_closed.html", session=session, access=access.value, token=token
        )
        return private(Response(page, status=403))
    existing = registration.feedback
    form = FeedbackForm(obj=existing)
    if form.validate_on_submit():
        given = feedback.FeedbackAnswer(
            rating=int(form.rating.data),
            takeaway=form.takeaway.data or "",
            answer=form.answer.data or "",
        )
        # A double click that made the first answer twice: run once more on the saved one.
        unit_of_work.retry_on_conflict(feedback.save, registration, given, current_language())
        when = local_datetime(feedback.closes_at(session), session.edition.timezone)
        flash(_("Thank you! Your answer is saved; you can change it until %(when)s.", when=when))
        return redirect(url_for(".feedback_form", token=token, slug=slug))
    page = render_template(
        "registration/feedback.html",
        form=form,
        session=session,
        question=question,
        existing=existing,
        token=token,
        closes_at=feedback.closes_at(session),
    )
    return private(Response(page))
