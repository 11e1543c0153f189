"""Organisers edit an edition's sign-up questions: add, edit, reorder, retire, delete.

The questions and answers belong to registration; this module only changes them, with an
audit entry per change. A question with answers is never deleted (retired instead), and a
choice keeps its id when its text changes, so the answers that chose it stay.

Admins change every question; a hub's organisers only the questions limited to their hub
alone (``may_change``), and what they add or save stays limited to it (``NotYours``
otherwise). An entry about a question of one hub names that hub, so its log shows it.
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


class NotYours(PermissionError):
    """A hub organiser's change to a question not of their hub alone, or one widening it."""


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
    """A line with a choice's exact Dutch text keeps that choice (and its answers), wherever
    the line moved to; the other lines edit the remaining choices in order (a changed text
    keeps its answers), extra lines add; choices left over are removed if nobody chose them
    (else refused, naming the choice)."""
    if not choices:
        raise QuestionRefused("choices", _l("Please give at least one choice."))
    existing = list(question.choices)
    kept = _matching_choices(existing, [dutch for dutch, _english in choices])
    for removed in (c for c in existing if c not in kept):
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
    for position, ((dutch, english), choice) in enumerate(zip(choices, kept, strict=True)):
        if choice is None:
            choice = QuestionChoice()
            question.choices.append(choice)
        choice.position, choice.label, choice.label_en = position, dutch, english or None


def _matching_choices(existing: list[QuestionChoice], lines: list[str]) -> list:
    """Per line, the existing choice it edits (None: a new one): same text first, then the
    choices not matched yet, in order."""
    kept: list[QuestionChoice | None] = [None] * len(lines)
    free = list(existing)
    for n, text in enumerate(lines):
        same = next((c for c in free if c.label == text), None)
        if same is not None:
            kept[n] = same
            free.remove(same)
    for n in range(len(lines)):
        if kept[n] is None and free:
            kept[n] = free.pop(0)
    return kept


def may_change(actor, question: Question) -> bool:
    """Admins (and the command line) change every question; a hub's organisers only the
    questions limited to their hub alone."""
    if actor is None or actor.is_admin:
        return True
    return question.region_id_list == [actor.region_id]


def _check(actor, question: Question) -> None:
    if not may_change(actor, question):
        raise NotYours(question.id)


def _scoped(data: QuestionData, actor) -> QuestionData:
    """A hub organiser's question is limited to their hub: none posted means theirs, any
    other hub is refused (a forged form never widens a question)."""
    if actor is None or actor.is_admin:
        return data
    if not set(data.region_ids) <= {actor.region_id}:
        raise NotYours(data.region_ids)
    data.region_ids = [actor.region_id]
    return data


def _record(actor, action: str, question: Question) -> None:
    """The audit entry of a change; a question of one hub names the hub (its log shows it)."""
    hubs = question.region_id_list
    audit.record(
        actor,
        action,
        question.label,
        edition=question.edition,
        region=db.session.get(Region, hubs[0]) if len(hubs) == 1 else None,
        data=_facts(question),
    )


def _facts(question: Question) -> dict:
    return {"label": question.label, "kind": question.kind}


def add_question(edition: Edition, data: QuestionData, actor) -> Question:
    """A new question at the end of the form."""
    _scoped(data, actor)
    last = max((q.position for q in edition_questions(edition, include_retired=True)), default=0)
    question = Question(edition_id=edition.id, kind=data.kind, position=last + 1)
    question.edition = edition
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    _record(actor, "question.add", question)
    return question


def edit_question(question: Question, data: QuestionData, actor) -> None:
    """Change texts, choices, required and hubs (the kind stays: answers depend on it)."""
    _check(actor, question)
    _scoped(data, actor)
    _apply(question, data)
    db.session.flush()
    _record(actor, "question.update", question)


def move_question(question: Question, step: int, actor) -> None:
    """One place up (-1) or down (+1) among the questions ``actor`` may change (an admin:
    all of the edition's; a hub's organisers: their hub's own, the others keep their place)."""
    _check(actor, question)
    questions = edition_questions(question.edition, include_retired=True)
    peers = [q for q in questions if may_change(actor, q)]
    other = peers.index(question) + step
    if not 0 <= other < len(peers):
        return
    here, there = questions.index(question), questions.index(peers[other])
    questions[here], questions[there] = questions[there], questions[here]
    for position, item in enumerate(questions, start=1):
        item.position = position
    _record(actor, "question.reorder", question)


def retire_question(question: Question, actor, retire: bool = True) -> None:
    """Off the form (its answers stay in the exports), or back on it."""
    _check(actor, question)
    question.retired_at = utcnow() if retire else None
    _record(actor, "question.retire" if retire else "question.restore", question)


def delete_question(question: Question, actor) -> bool:
    """Delete a question nobody answered; False (nothing changed) when it has answers."""
    _check(actor, question)
    if has_answers(question):
        return False
    _record(actor, "question.remove", question)
    db.session.delete(question)
    db.session.flush()
    return True


def regions() -> list[Region]:
    return list(db.session.scalars(db.select(Region).order_by(Region.name)))
