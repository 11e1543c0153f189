"""The organisers' questions as fields of the sign-up form, validated like the fixed ones.

A required question is required only when it is asked: when it concerns every session, or
a chosen session is hosted by one of its hubs (checked here on the server; the page's
script only shows and hides). Answers to questions not asked are dropped. Adding a session
from the personal page asks the questions new to the person (``answers_form_class``).
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from ..i18n import localized
from ..inputs import SafeForm
from .forms import MultiCheckboxField, RegistrationForm
from .question_models import LONG, MULTIPLE, NUMBER, SHORT, SINGLE, YESNO, Question
from .questions import number_value

REQUIRED_MESSAGE = _l("Please answer this question.")
CHOICE_MESSAGE = _l("Please choose one of the options.")


class ChoiceRadioField(RadioField):
    """Radio buttons whose wrong value gets our own message, not WTForms' English one."""

    def pre_validate(self, form) -> None:
        if self.data not in (None, "") and self.data not in {c.value for c in self.choices}:
            raise ValidationError(CHOICE_MESSAGE)


class ChoiceCheckboxField(MultiCheckboxField):
    def pre_validate(self, form) -> None:
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(CHOICE_MESSAGE)


def _number(form, field) -> None:
    if number_value(field.data or "") is None:
        raise ValidationError(_l("Please enter a number, like 25."))


def field_for(question: Question):
    """The WTForms field for one question, labelled in the visitor's language."""
    label = localized(question, "label")
    if not question.required:
        label = gettext("%(label)s (optional)", label=label)
    help_text = localized(question, "help")
    kwargs = {"label": label, "description": help_text}
    if question.kind == SHORT:
        return StringField(validators=[Optional(), Length(max=200)], **kwargs)
    if question.kind == LONG:
        return TextAreaField(validators=[Optional(), Length(max=2000)], **kwargs)
    if question.kind == NUMBER:
        return StringField(
            validators=[Optional(), Length(max=30), _number],
            render_kw={"inputmode": "decimal"},
            **kwargs,
        )
    if question.kind == YESNO:
        yes_no = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
        return ChoiceRadioField(choices=yes_no, **kwargs)
    choices = [SelectChoice(str(c.id), localized(c, "label")) for c in question.choices]
    if question.kind == SINGLE:
        return ChoiceRadioField(choices=choices, **kwargs)
    assert question.kind == MULTIPLE
    return ChoiceCheckboxField(choices=choices, **kwargs)


def field_name(question: Question) -> str:
    return f"q_{question.id}"


class QuestionsMixin:
    """What a form with the organisers' questions does: a required question asked and left
    empty gets its message at the field; ``answers`` gives the asked ones' values."""

    asked_questions: list[Question]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for question in self.questions_asked():
            field = self[field_name(question)]
            if question.required and not field.errors and not _value(field):
                field.errors = [*field.errors, REQUIRED_MESSAGE]
                valid = False
        return valid

    def questions_asked(self) -> list[Question]:
        return list(self.asked_questions)

    def answers(self) -> dict[int, str]:
        return {q.id: _value(self[field_name(q)]) for q in self.questions_asked()}


def _with_fields(form_class: type, questions: list[Question]) -> type:
    for question in questions:
        setattr(form_class, field_name(question), field_for(question))
    return form_class


def registration_form_class(questions: list[Question]) -> type[RegistrationForm]:
    """The sign-up form with a field per question, in order."""

    class QuestionsForm(QuestionsMixin, RegistrationForm):
        asked_questions = questions

        def questions_asked(self) -> list[Question]:
            chosen = set(self.sessions.data or [])
            regions = {region for slug, region in self.session_regions.items() if slug in chosen}
            return [q for q in self.asked_questions if q.asked_for(regions)]

    return _with_fields(QuestionsForm, questions)


def answers_form_class(questions: list[Question]) -> type[SafeForm]:
    """A form of just these questions, every one asked: those that adding a session from
    the personal page asks (``self_service.questions_on_adding``)."""

    class AnswersForm(QuestionsMixin, SafeForm):
        asked_questions = questions

    return _with_fields(AnswersForm, questions)


def _value(field) -> str:
    """A field's answer as stored: text, a number as typed, or the chosen ids joined."""
    data = field.data
    if isinstance(data, list):
        return ",".join(str(v) for v in data)
    return (data or "").strip() if isinstance(data, str) else ""
