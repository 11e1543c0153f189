"""The organiser's message form and the recording button (Flask-WTF, CSRF on both)."""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..inputs import SafeForm as FlaskForm  # every text field refuses control characters
from .compose import Draft
from .models import CONFIRMED, JOINED, NOT_JOINED, WAITING

GROUP_LABELS = {
    CONFIRMED: _l("Everyone with a confirmed place"),
    WAITING: _l("The waiting list"),
    JOINED: _l("Those who joined (used their join link)"),
    NOT_JOINED: _l("Those with a place who did not join"),
}
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_key() -> str:
    """A one-time key for a form: the same key posted twice sends once."""
    return secrets.token_urlsafe(24)


def valid_key(form, field) -> None:
    if not KEY_PATTERN.match(field.data or ""):
        raise ValidationError(_l("This form is out of date; please reload the page."))


def one_line(form, field) -> None:
    field.data = " ".join((field.data or "").split()) or None


class SendOnceForm(FlaskForm):
    """A form that sends mail: its hidden key makes a repeated post harmless."""

    key = HiddenField(validators=[DataRequired(), valid_key])


class RecordingForm(SendOnceForm):
    """"The recording is online"; once it went out, sending it again must be ticked."""

    again = BooleanField(_l("Send again: everyone with a place gets this mail once more"))


class MessageForm(SendOnceForm):
    group = RadioField(
        _l("To"),
        choices=[SelectChoice(value, label) for value, label in GROUP_LABELS.items()],
        default=CONFIRMED,
        validators=[DataRequired()],
    )
    subject_nl = StringField(_l("Subject (Dutch)"), validators=[one_line, Length(max=200)])
    body_nl = TextAreaField(_l("Message (Dutch)"), validators=[Optional(), Length(max=10000)])
    subject_en = StringField(_l("Subject (English)"), validators=[one_line, Length(max=200)])
    body_en = TextAreaField(_l("Message (English)"), validators=[Optional(), Length(max=10000)])

    def validate(self, extra_validators=None) -> bool:
        """At least one language, and each language written has a subject and a text."""
        if not super().validate(extra_validators):
            return False
        ok = True
        for lang in ("nl", "en"):
            subject, body = self[f"subject_{lang}"], self[f"body_{lang}"]
            has_body = bool((body.data or "").strip())
            if subject.data and not has_body:
                body.errors.append(_l("Write the message, or empty the subject."))
                ok = False
            elif has_body and not subject.data:
                subject.errors.append(_l("Write a subject for this message."))
                ok = False
        if ok and not (self.subject_nl.data or self.subject_en.data):
            self.subject_nl.errors.append(_l("Write the message in Dutch, in English, or both."))
            ok = False
        return ok

    def draft(self) -> Draft:
        def body(lang: str) -> str | None:
            text = (self[f"body_{lang}"].data or "").strip()
            return text.replace("\r\n", "\n") or None

        return Draft(self.subject_nl.data, body("nl"), self.subject_en.data, body("en"))
