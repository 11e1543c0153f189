"""The edition's sign-up questions: list, add, edit, reorder, retire, delete.

Admins change every question; a hub's organisers see them all and change only the questions
limited to their hub alone (``questions.may_change``); anything else is a 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...programme.models import Edition
from ...registration.question_models import Question
from ...registration.questions import edition_questions, has_answers
from .. import questions as service
from .. import services
from ..blueprint import bp
from ..forms import ConfirmForm
from ..signup_forms import KIND_LABELS, QuestionForm


def edition_or_404(year: int) -> Edition:
    edition = db.session.scalar(db.select(Edition).filter_by(year=year))
    if edition is None:
        abort(404)
    return edition


def organisers_edition(year: int) -> Edition:
    """Admins: any edition; a hub's organisers: those their dashboard offers (the current
    one and later ones, to prepare the next edition)."""
    edition = edition_or_404(year)
    if not current_user.is_admin:
        if edition.id not in {e.id for e in services.editions_for(current_user)}:
            abort(404)
    return edition


def question_or_404(edition: Edition, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.edition_id != edition.id:
        abort(404)
    return question


def own_question(edition: Edition, question_id: int) -> Question:
    """The question, if the organiser may change it (a hub's: limited to their hub alone)."""
    question = question_or_404(edition, question_id)
    if not service.may_change(current_user, question):
        abort(403)
    return question


@bp.route("/editions/<int:year>/questions", methods=["GET", "POST"])
def questions(year: int):
    """The questions in form order, and the form to add one (a hub's: for their hub)."""
    edition = organisers_edition(year)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            service.add_question(edition, form.question_data(), current_user)
        except service.NotYours:
            abort(403)
        except service.QuestionRefused as refused:
            form[refused.field].errors.append(refused.message)
        else:
            flash(_("Question added."), "success")
            return redirect(url_for("organisers.questions", year=year))
    items = edition_questions(edition, include_retired=True)
    return render_template(
        "organisers/questions.html",
        edition=edition,
        form=form,
        items=items,
        answered={q.id for q in items if has_answers(q)},
        changeable={q.id for q in items if service.may_change(current_user, q)},
        kinds=KIND_LABELS,
        regions=service.regions(),
        action=ConfirmForm(),
    )


@bp.route("/editions/<int:year>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(year: int, question_id: int):
    """Change a question's texts, choices, required and hubs."""
    edition = organisers_edition(year)
    question = own_question(edition, question_id)
    form = QuestionForm(obj=question if request.method == "GET" else None)
    form.kind.data = question.kind  # the kind stays: the answers depend on it
    if request.method == "GET":
        form.choices.data = service.choices_text(question)
        form.regions.data = [str(i) for i in question.region_id_list]
    if form.validate_on_submit():
        try:
            service.edit_question(question, form.question_data(), current_user)
        except service.NotYours:
            abort(403)
        except service.QuestionRefused as refused:
            db.session.rollback()
            question = own_question(edition, question_id)
            form[refused.field].errors.append(refused.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("organisers.questions", year=year))
    return render_template(
        "organisers/question_edit.html",
        edition=edition,
        question=question,
        form=form,
        kinds=KIND_LABELS,
        regions=service.regions(),
    )


@bp.post(
    "/editions/<int:year>/questions/<int:question_id>"
    "/<any(up, down, retire, restore, delete):change>"
)
def change_question(year: int, question_id: int, change: str):
    """Move a question, retire it (or bring it back), or delete it if nobody answered."""
    edition = organisers_edition(year)
    question = own_question(edition, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if change in ("up", "down"):
        service.move_question(question, -1 if change == "up" else 1, current_user)
    elif change in ("retire", "restore"):
        service.retire_question(question, current_user, retire=change == "retire")
        flash(
            _("Question retired: it is off the form, its answers stay in the exports.")
            if change == "retire"
            else _("Question back on the form."),
            "success",
        )
    elif service.delete_question(question, current_user):
        flash(_("Question deleted."), "success")
    else:
        flash(_("This question has answers: it cannot be deleted, only retired."), "error")
    return redirect(url_for("organisers.questions", year=year))
