"""The sign-up form and the small forms of the management page (all with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import SafeForm
from ..mail.addresses import DeliverableEmail
from .signup import SignUp
from .typos import COMMON_DOMAINS, suggest


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; the values are checked by the form, not against the choices,
    so a closed session gets a message that says so instead of 'not a valid choice'."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        pass


class RegistrationForm(SafeForm):
    """Sign up for one or more sessions."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254),
            DeliverableEmail(_l("Please enter a valid email address, like name@company.nl.")),
        ],
        # The one list of common domains, for the "did you mean" shown while typing
        # (static/js/email-typo.js); the server's check below is the fallback.
        render_kw={
            "autocomplete": "email",
            "inputmode": "email",
            "data-typo-domains": " ".join(COMMON_DOMAINS),
        },
    )
    # The address a "did you mean" was shown for: sent again unchanged, it is kept as typed.
    email_as_typed = HiddenField()
    organisation = StringField(
        _l("Organisation"),
        validators=[DataRequired(_l("Please enter your organisation.")), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    role = StringField(
        _l("Job title (optional)"),
        validators=[Optional(), Length(max=120)],
        render_kw={"autocomplete": "organization-title"},
    )
    sessions = MultiCheckboxField(_l("Sessions"), choices=[])
    consent = BooleanField(
        _l("I agree that my data is processed as described in the privacy statement."),
        validators=[DataRequired(_l("Please agree to the privacy statement to sign up."))],
    )
    newsletter = BooleanField(_l("Yes, send me the Smart Industry newsletter (optional)."))
    # Bots fill every field; people never see this one.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )

    def __init__(self, *args, open_slugs: set[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_slugs = open_slugs or set()

    def validate_email(self, field) -> None:
        """A likely typo in a common domain (gmial.com) asks once before the sign-up."""
        suggestion = suggest(field.data)
        if suggestion and self.email_as_typed.data != field.data:
            self.email_as_typed.data = field.data
            raise ValidationError(
                _l(
                    "Did you mean %(suggestion)s? Correct the address, or send the form again "
                    "to keep it as typed.",
                    suggestion=suggestion,
                )
            )

    def validate_sessions(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Please choose at least one session."))
        if any(slug not in self.open_slugs for slug in field.data):
            raise ValidationError(
                _l("A session you chose is closed or cancelled and cannot be chosen any more.")
            )

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)

    def sign_up_data(self, language: str, ip: str | None) -> SignUp:
        """The submitted values for ``signup.sign_up``."""
        return SignUp(
            name=self.name.data,
            email=self.email.data,
            organisation=self.organisation.data,
            role=self.role.data or "",
            newsletter=self.newsletter.data,
            language=language,
            ip=ip,
        )


class EmailForm(SafeForm):
    """Ask for a new confirmation link or the personal link."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254),
            DeliverableEmail(_l("Please enter a valid email address, like name@company.nl.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


class ActionForm(SafeForm):
    """A button that changes something (confirm, add, drop, cancel): only the CSRF token."""


class EraseForm(SafeForm):
    """Erase my data, after ticking that I mean it."""

    really = BooleanField(
        _l("I understand that my registration and all my data will be erased."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )
