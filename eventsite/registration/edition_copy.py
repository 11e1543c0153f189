"""What a new edition takes over from the edition it is copied from (signal
``edition_copied``): the sign-up questions still on the form, with their choices, hubs and
order, and the organisers' own mail texts. Answers never come along: they belong to people.

Retired questions stay behind: they were taken off the form on purpose.
"""

from __future__ import annotations

from ..extensions import db
from ..programme.models import Edition
from .question_models import MailText, Question, QuestionChoice
from .questions import edition_questions

QUESTION_FIELDS = ("position", "kind", "label", "label_en", "help", "help_en", "required")
CHOICE_FIELDS = ("position", "label", "label_en")


def copy_signup_texts(source: Edition, edition: Edition, **_) -> None:
    """Copy ``source``'s questions and mail texts to the new ``edition`` (flushed only: the
    caller's unit of work commits)."""
    for old in edition_questions(source):
        question = Question(
            edition_id=edition.id,
            region_ids=old.region_ids,  # hubs stay from edition to edition
            **{name: getattr(old, name) for name in QUESTION_FIELDS},
        )
        question.choices = [
            QuestionChoice(**{name: getattr(choice, name) for name in CHOICE_FIELDS})
            for choice in old.choices
        ]
        db.session.add(question)
    for text in db.session.scalars(db.select(MailText).filter_by(edition_id=source.id)):
        db.session.add(
            MailText(
                edition_id=edition.id,
                kind=text.kind,
                language=text.language,
                subject=text.subject,
                body=text.body,
            )
        )
    db.session.flush()
