"""Forms of the organisers' sign-up pages: questions, mail texts, campaign links (CSRF on)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..inputs import SafeForm
from ..registration.question_models import CHOICE_KINDS
from .questions import QuestionData, parse_choices

KIND_LABELS = {
    "short": _l("Short text"),
    "long": _l("Long text"),
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "yesno": _l("Yes/no"),
    "number": _l("Number"),
}


class RegionsField(SelectField):
    """Checkboxes of hubs; values checked against the hubs offered."""

    def __init__(self, *args, **kwargs) -> None:
        from .questions import regions  # the hubs at form time

        super().__init__(*args, **kwargs)
        self.choices = [SelectChoice(str(r.id), r.name) for r in regions()]

    def process_formdata(self, valuelist) -> None:
        self.data = [v for v in valuelist if v]

    def process_data(self, value) -> None:
        self.data = [str(v) for v in (value or [])]

    def pre_validate(self, form) -> None:
        allowed = {choice.value for choice in self.choices}
        if any(v not in allowed for v in self.data):
            raise ValidationError(_l("Please choose hubs from the list."))


class QuestionForm(SafeForm):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()]
    )
    label = StringField(
        _l("Question (Dutch)"),
        validators=[DataRequired(_l("Please write the question.")), Length(max=200)],
    )
    label_en = StringField(_l("Question (English)"), validators=[Optional(), Length(max=200)])
    help = StringField(_l("Help text (Dutch)"), validators=[Optional(), Length(max=300)])
    help_en = StringField(_l("Help text (English)"), validators=[Optional(), Length(max=300)])
    choices = TextAreaField(
        _l("Choices"),
        description=_l("One per line: Dutch | English. Only for single and multiple choice."),
        validators=[Optional(), Length(max=4000)],
    )
    required = BooleanField(_l("Required"))
    regions = RegionsField(
        _l("Asked only for sessions of these hubs"),
        description=_l("None ticked: asked of everyone."),
    )

    def validate_choices(self, field) -> None:
        if self.kind.data in CHOICE_KINDS and not parse_choices(field.data):
            raise ValidationError(_l("Please give at least one choice."))

    def question_data(self) -> QuestionData:
        return QuestionData(
            kind=self.kind.data,
            label=self.label.data,
            label_en=self.label_en.data or "",
            help=self.help.data or "",
            help_en=self.help_en.data or "",
            required=self.required.data,
            region_ids=[int(v) for v in self.regions.data],
            choices=parse_choices(self.choices.data),
        )


class MailTextForm(SafeForm):
    subject = StringField(
        _l("Subject"), validators=[DataRequired(_l("Please write a subject.")), Length(max=200)]
    )
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Please write the text.")), Length(max=10000)]
    )


CODE = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}\Z")


class CampaignLinkForm(SafeForm):
    name = StringField(
        _l("Name"),
        description=_l("E.g. “Newsletter May” or “LinkedIn”."),
        validators=[DataRequired(_l("Please give the link a name.")), Length(max=120)],
    )
    code = StringField(
        _l("Code in the link"),
        description=_l("Lowercase letters, digits, dots and dashes, e.g. noord-newsletter-may."),
        validators=[DataRequired(_l("Please give the link a code.")), Length(max=40)],
    )
    region = SelectField(_l("Hub"), choices=[])

    def validate_code(self, field) -> None:
        if not CODE.match(field.data or ""):
            raise ValidationError(
                _l("Use lowercase letters, digits, dots and dashes only (at most 40).")
            )
