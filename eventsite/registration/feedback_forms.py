"""The feedback form and the "keep me posted" form (both with CSRF, via SafeForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..inputs import SafeForm
from ..mail.addresses import DeliverableEmail

RATINGS = [
    SelectChoice("5", _l("5 – excellent")),
    SelectChoice("4", _l("4 – good")),
    SelectChoice("3", _l("3 – all right")),
    SelectChoice("2", _l("2 – poor")),
    SelectChoice("1", _l("1 – very poor")),
]


class FeedbackForm(SafeForm):
    """A rating, what the attendee will do with it, and the hub's optional question."""

    rating = RadioField(
        _l("How would you rate this session?"),
        choices=RATINGS,
        validators=[InputRequired(_l("Please choose a rating from 1 to 5."))],
    )
    takeaway = TextAreaField(
        _l("What will you do with it? (optional)"),
        validators=[Length(max=2000, message=_l("Please keep it under 2000 characters."))],
    )
    answer = TextAreaField(
        validators=[Length(max=2000, message=_l("Please keep it under 2000 characters."))]
    )


class InterestForm(SafeForm):
    """An address to mail once the next edition opens for sign-up."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254),
            DeliverableEmail(_l("Please enter a valid email address, like name@company.nl.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    consent = BooleanField(
        _l("I agree that my address is kept for this, as described in the privacy statement."),
        validators=[DataRequired(_l("Please agree to the privacy statement."))],
    )
    # Bots fill every field; people never see this one.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
