"""The console's forms for tokens and webhook endpoints (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import SafeForm as FlaskForm
from .ssrf import RefusedAddress, check_url, resolve
from .webhooks import EVENT_TYPES


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("So you know later where it is used, e.g. 'CRM of our hub'."),
        validators=[DataRequired(), Length(max=80)],
    )
    read_only = BooleanField(_l("Read only"), default=True)


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Address (https)"),
        description=_l("Where your system receives the events, e.g. https://crm.example.nl/hooks."),
        validators=[DataRequired(), Length(max=500)],
    )
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(value, label) for value, label in EVENT_TYPES.items()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired(message=_l("Choose at least one event."))],
    )

    def validate_url(self, field) -> None:
        try:
            resolve(*check_url(field.data))
        except RefusedAddress as error:
            raise ValidationError(URL_PROBLEMS[error.kind]) from error


URL_PROBLEMS = {
    "scheme": _l("The address must start with https://."),
    "form": _l("This is not a web address we can call."),
    "unknown": _l("We cannot find the server of this address."),
    "private": _l("This address is on a private or local network; we only call public ones."),
}
