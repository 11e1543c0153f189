"""Organisers edit an edition's sign-up questions: add, edit, reorder, retire, delete.

The questions and answers belong to registration; this module only changes them, with an
audit entry per change. A question with answers is never deleted (retired instead), and a
choice keeps its id when its text changes, so the answers that chose it stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..clock import utcnow
from ..extensions import db
from ..programme.models import Edition, Region
from ..registration.question_models import CHOICE_KINDS, Question, QuestionChoice
from ..registration.questions import choice_has_answers, edition_questions, has_answers
from . import audit


class QuestionRefused(ValueError):
    """A change that would lose answers; ``field`` is where the message belongs."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field, self.message = field, message


@dataclass
class QuestionData:
    kind: str
    label: str
    label_en: str
    help: str
    help_en: str
    required: bool
    region_ids: list[int]
    choices: list[tuple[str, str]]  # (Dutch, English) per line


def parse_choices(text: str) -> list[tuple[str, str]]:
    """One choice per line, "Dutch | English" (the English part is optional)."""
    choices = []
    for line in (text or "").splitlines():
        if line.strip():
            dutch, _, english = line.partition("|")
            choices.append((dutch.strip()[:200], english.strip()[:200]))
    return choices


def choices_text(question: Question) -> str:
    return "\n".join(
        f"{c.label} | {c.label_en}" if c.label_en else c.label for c in question.choices
    )


def _apply(question: Question, data: QuestionData) -> None:
    question.label, question.label_en = data.label.strip(), data.label_en.strip() or None
    question.help, question.help_en = data.help.strip(), data.help_en.strip() or None
    question.required = data.required
    question.region_ids = ",".join(str(i) for i in sorted(data.region_ids))
    if question.kind in CHOICE_KINDS:
        _apply_choices(question, data.choices)


def _apply_choices(question: Question, choices: list[tuple[str, str]]) -> None:
    """Line n edits choice n (its answers stay); extra lines add, missing lines remove
    choices nobody chose (else refused, naming the choice)."""
    if not choices:
        raise QuestionRefused("choices", _l("Please give at least one choice."))
    existing = list(question.choices)
    for removed in existing[len(choices) :]:
        if removed.id is not None and choice_has_answers(question, removed.id):
            raise QuestionRefused(
                "choices",
                _l(
                    "The choice “%(choice)s” has answers and cannot be removed; "
                    "change its text instead.",
                    choice=removed.label,
                ),
            )
        question.choices.remove(removed)
    for position, (dutch, english) in enumerate(choices):
        if position < len(existing):
            choice = existing[position]
        else:
            choice = QuestionChoice()
            question.choices.append(choice)
        choice.position, choice.label, choice.label_en = position, dutch, english or None


def _facts(question: Question) -> dict:
    return {"label": question.label, "kind": question.kind}


def add_question(edition: Edition, data: QuestionData, actor) -> Question:
    """A new question at the end of the form."""
    last = max((q.position for q in edition_questions(edition, include_retired=True)), default=0)
    question = Question(edition_id=edition.id, kind=data.kind, position=last + 1)
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.add", question.label, edition=edition, data=_facts(question))
    return question


def edit_question(question: Question, data: QuestionData, actor) -> None:
    """Change texts, choices, required and hubs (the kind stays: answers depend on it)."""
    _apply(question, data)
    db.session.flush()
    audit.record(
        actor, "question.update", question.label, edition=question.edition, data=_facts(question)
    )


def move_question(question: Question, step: int, actor) -> None:
    """One place up (-1) or down (+1) among the edition's questions."""
    questions = edition_questions(question.edition, include_retired=True)
    index = questions.index(question)
    other = index + step
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions, start=1):
        item.position = position
    audit.record(
        actor, "question.reorder", question.label, edition=question.edition, data=_facts(question)
    )


def retire_question(question: Question, actor, retire: bool = True) -> None:
    """Off the form (its answers stay in the exports), or back on it."""
    question.retired_at = utcnow() if retire else None
    action = "question.retire" if retire else "question.restore"
    audit.record(actor, action, question.label, edition=question.edition, data=_facts(question))


def delete_question(question: Question, actor) -> bool:
    """Delete a question nobody answered; False (nothing changed) when it has answers."""
    if has_answers(question):
        return False
    audit.record(
        actor, "question.remove", question.label, edition=question.edition, data=_facts(question)
    )
    db.session.delete(question)
    db.session.flush()
    return True


def regions() -> list[Region]:
    return list(db.session.scalars(db.select(Region).order_by(Region.name)))
