"""Organiser forms: login, passwords and session editing (Flask-WTF, CSRF on every form)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..inputs import SafeForm as FlaskForm  # every text field refuses control characters
from .passwords import MAX_LENGTH, password_problem


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    # No length rules here: a login only compares, and must not reveal the policy's details.
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: logout, cancelling a session."""


def web_url(form, field) -> None:
    """An http(s) address with a host; nothing else (no javascript:, data:, mailto:)."""
    value = (field.data or "").strip()
    field.data = value or None
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(_l("Enter a web address starting with https:// or http://."))


class SessionForm(FlaskForm):
    # What the session looked like when the form was shown (editing.edit_fingerprint).
    fingerprint = HiddenField()
    title = StringField(_l("Title (Dutch)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    theme = StringField(_l("Theme (Dutch)"), validators=[Optional(), Length(max=200)])
    theme_en = StringField(_l("Theme (English)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        _l("Description (Dutch)"), validators=[Optional(), Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=5000)]
    )
    start_at = DateTimeLocalField(
        _l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    end_at = DateTimeLocalField(
        _l("Ends at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    capacity = IntegerField(
        _l("Places"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    stream_url = StringField(_l("Stream link (private)"), validators=[Length(max=500), web_url])
    recording_url = StringField(
        _l("Recording link (public)"), validators=[Length(max=500), web_url]
    )

    def validate_end_at(self, field) -> None:
        if self.start_at.data and field.data and field.data <= self.start_at.data:
            raise ValidationError(_l("The session must end after it starts."))


class FeedbackQuestionForm(FlaskForm):
    """The hub's own optional question on a session's feedback form."""

    feedback_question = StringField(
        _l("Your own question (Dutch, optional)"),
        validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))],
    )
    feedback_question_en = StringField(
        _l("Your own question (English, optional)"),
        validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))],
    )
