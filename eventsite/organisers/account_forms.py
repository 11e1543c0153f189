"""Forms for accounts: inviting and changing an organiser (admins), one's own profile and
password. The hub choices are filled in by the view (`set_hub_choices`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..i18n import localized
from ..inputs import SafeForm as FlaskForm
from . import accounts
from .models import ADMIN, REGION
from .passwords import MAX_LENGTH, password_problem

ROLE_LABELS = {
    ADMIN: _l("Programme office (admin): every hub, the accounts and the audit log"),
    REGION: _l("Hub organiser: the sessions of one hub"),
}
LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS))
    region = SelectField(_l("Hub"), choices=[], validate_choice=False)

    def set_hub_choices(self, regions) -> None:
        self.region.choices = [SelectChoice("", _l("No hub (programme office)"))] + [
            SelectChoice(r.slug, localized(r, "name")) for r in regions
        ]

    def validate_region(self, field) -> None:
        known = {choice.value for choice in field.choices if choice.value}
        if self.role.data == REGION and field.data not in known:
            raise ValidationError(_l("Choose the hub this organiser works for."))
        if self.role.data != REGION:
            field.data = ""  # an admin belongs to no hub


class InviteForm(RoleForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(
        _l("Language of the mails"),
        choices=choices(LANGUAGE_LABELS),
        description=_l("The invitation and later mails go out in this language."),
    )

    def validate_email(self, field) -> None:
        try:
            address = accounts.normalise_email(field.data or "")
        except accounts.AccountError:
            raise ValidationError(_l("Enter an email address such as name@example.nl.")) from None
        if accounts.find(address) is not None:
            raise ValidationError(_l("There is an account with this address already."))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(
        _l("Language"),
        choices=choices(LANGUAGE_LABELS),
        description=_l("Of the mails we send you; saving it switches these pages too."),
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)
