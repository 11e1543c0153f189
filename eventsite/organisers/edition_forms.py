"""Forms of the programme office's edition pages: a new edition, its texts and dates, its
sessions, a programme file upload. Every check says what is wrong at the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import SafeForm as FlaskForm
from .forms import web_url

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewEditionForm(FlaskForm):
    """The rollover: copy an edition's structure to a year and a first day."""

    # No InputRequired: a select always sends one of its options (pre_validate checks it),
    # and `required` without an empty first option is invalid HTML.
    source = SelectField(_l("Copy from edition"), coerce=int)
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2200)])
    starts_on = DateField(
        _l("First day"),
        description=_l(
            "Each session moves as many days as the first day and keeps its Dutch time; to "
            "keep the weekdays, choose the weekday of the copied edition's first day."
        ),
        validators=[InputRequired()],
    )

    def validate_starts_on(self, field) -> None:
        if field.data and self.year.data and field.data.year != self.year.data:
            raise ValidationError(_l("The first day must be in %(year)d.", year=self.year.data))


class EditionForm(FlaskForm):
    # What the edition looked like when the form was shown (editions.edition_fingerprint).
    fingerprint = HiddenField()
    name = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    intro = TextAreaField(_l("Introduction (Dutch)"), validators=[Optional(), Length(max=5000)])
    intro_en = TextAreaField(
        _l("Introduction (English)"), validators=[Optional(), Length(max=5000)]
    )
    day_chair = StringField(_l("Day chair"), validators=[Optional(), Length(max=120)])
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    move_sessions = BooleanField(
        _l("Move the sessions along when the first day changes"),
        description=_l(
            "Each session moves as many days as the first day and keeps its time (its "
            "weekday only when that is a whole number of weeks). The last day does not move "
            "by itself: every session must stay between the first and the last day. "
            "Attendees with a place get the updated calendar invite."
        ),
        default=True,
    )
    registration_opens_at = DateTimeLocalField(
        _l("Sign-up opens"),
        format=LOCAL_MINUTE,
        description=_l("Dutch time. Leave empty while the date is not planned."),
        validators=[Optional()],
    )
    registration_closes_at = DateTimeLocalField(
        _l("Sign-up closes"),
        format=LOCAL_MINUTE,
        description=_l("Dutch time. Leave empty to close each session when it starts."),
        validators=[Optional()],
    )
    retention_days = IntegerField(
        _l("Keep attendees' data for (days after the last session)"),
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
    )
    example_note = TextAreaField(
        _l("Example note (Dutch)"),
        description=_l("Shown where the programme contains invented example values."),
        validators=[Optional(), Length(max=1000)],
    )
    example_note_en = TextAreaField(
        _l("Example note (English)"), validators=[Optional(), Length(max=1000)]
    )
    example_sessions = MultiCheckboxField(_l("Sessions with example values"), coerce=int)

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_registration_closes_at(self, field) -> None:
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Sign-up must close after it opens."))


class NewSessionForm(FlaskForm):
    region = SelectField(_l("Hub"), coerce=int)
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
        _l("Starts at"), format=LOCAL_MINUTE, validators=[InputRequired()]
    )
    end_at = DateTimeLocalField(_l("Ends at"), format=LOCAL_MINUTE, validators=[InputRequired()])
    capacity = IntegerField(
        _l("Places"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    stream_url = StringField(_l("Stream link (private)"), validators=[Length(max=500), web_url])

    def validate_end_at(self, field) -> None:
        start = self.start_at.data
        if start and field.data:
            if field.data <= start:
                raise ValidationError(_l("The session must end after it starts."))
            if field.data.date() != start.date():
                raise ValidationError(_l("A session starts and ends on the same day."))


class ReorderForm(FlaskForm):
    # The order the page showed (session ids), to refuse a move on a stale page.
    order = HiddenField()


class ProgrammeFileForm(FlaskForm):
    file = FileField(
        _l("Programme file (.toml)"),
        description=_l(
            "A file downloaded from an edition's sessions page, or written by hand. Loading "
            "updates the edition of the file's year, or creates it."
        ),
        validators=[FileRequired(_l("Choose a file."))],
    )
