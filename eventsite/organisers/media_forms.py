"""Forms for speakers, videos and hubs (CSRF on each; pictures are checked by content in
``core.images``, not here, so the form only carries the file)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, ValidationError

from ..inputs import SafeForm as FlaskForm
from ..programme.loader import SLUG
from ..programme.videos import BadVideoUrl, check_video_url
from .forms import web_url

PHOTO_HELP = _l("A PNG, JPEG, WebP or GIF file of at most 5 MB; it is resized and cleaned.")


class SpeakerForm(FlaskForm):
    # What the speaker looked like when the form was shown (speakers.speaker_fingerprint).
    fingerprint = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=120)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=120)])
    bio = TextAreaField(_l("Short bio (Dutch)"), validators=[Optional(), Length(max=2000)])
    bio_en = TextAreaField(_l("Short bio (English)"), validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Photo"), description=PHOTO_HELP)
    remove_photo = BooleanField(_l("Remove the photo"))


class VideoForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    url = StringField(
        _l("Video address"),
        description=_l("A YouTube or Vimeo link, or the https address of a video file."),
        validators=[DataRequired(), Length(max=500)],
    )

    def validate_url(self, field) -> None:
        try:
            field.data = check_video_url(field.data)
        except BadVideoUrl as bad:
            raise ValidationError(str(bad.args[0])) from None


class MoveForm(FlaskForm):
    """Up or down in a list (one button per direction)."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class HubForm(FlaskForm):
    fingerprint = HiddenField()
    name = StringField(_l("Name (Dutch)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(
        _l("Short description (Dutch)"), validators=[Optional(), Length(max=2000)]
    )
    description_en = TextAreaField(
        _l("Short description (English)"), validators=[Optional(), Length(max=2000)]
    )
    website = StringField(_l("Website"), validators=[Length(max=500), web_url])
    contact_email = EmailField(
        _l("Contact address"),
        validators=[Optional(), Length(max=254), Email(message=_l("Enter a valid email address."))],
    )
    logo = FileField(_l("Logo"), description=PHOTO_HELP)
    remove_logo = BooleanField(_l("Remove the logo"))


def hub_slug(form, field) -> None:
    """2 to 40 lowercase letters, digits and hyphens (a hyphen only between them): the
    hub's part of URLs and programme files, so the same rule as ``programme.loader``."""
    value = (field.data or "").strip()
    field.data = value
    if not (2 <= len(value) <= 40 and SLUG.fullmatch(value)):
        raise ValidationError(
            _l(
                "Use 2 to 40 lowercase letters, digits and hyphens, without spaces "
                "(for example flevoland or noord-holland)."
            )
        )


class NewHubForm(HubForm):
    """A new hub: its short name for URLs, then the edit form's fields (the logo is added
    on the edit page it opens on)."""

    fingerprint = None
    logo = None
    remove_logo = None
    slug = StringField(
        _l("Short name in web addresses"),
        description=_l(
            "Lowercase letters, digits and hyphens, for example flevoland. It appears in the "
            "addresses of the hub's pages and in programme files, and cannot be changed later."
        ),
        validators=[DataRequired(), hub_slug],
    )
