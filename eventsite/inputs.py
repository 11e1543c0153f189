"""Input safety for every route and form: no input from a visitor can cause a server error.

- Control characters (NUL and the like) are refused: in a form field with a message at the
  field (``SafeForm``), in the URL path with a 404 and in query values with a 400. PostgreSQL
  cannot store NUL, and nobody types one.
- Numbers in URLs stay within the database's integers: ``<int:...>`` converters above the
  range do not match (404), ``request.args.get(..., type=int)`` out of range is a 400.
- Request bodies above ``MAX_CONTENT_LENGTH`` get a friendly 413 page; the forms that take
  a picture (``accept_uploads``) may send up to ``UPLOAD_MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import support
from flask import Flask, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms import StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.i18n import messages_path

# PostgreSQL's integer: the widest id or number any of our columns holds.
MAX_INT = 2**31 - 1

# C0 controls, DEL and C1 controls; a textarea keeps tab, line feed and carriage return.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROLS}\t\n\r]")
CONTROL_CHARACTERS_MULTILINE = re.compile(f"[{_CONTROLS}]")

CONTROL_MESSAGE = _l(
    "This field contains invisible control characters; please type the text again without them."
)


def has_control_characters(text: str, multiline: bool = False) -> bool:
    pattern = CONTROL_CHARACTERS_MULTILINE if multiline else CONTROL_CHARACTERS
    return bool(pattern.search(text))


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class SafeForm(FlaskForm):
    """The base of every form: each text field refuses control characters (a textarea
    accepts tab and line breaks), with a message at the field."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            """WTForms' own messages in the visitor's language, loaded once per language and
            process (Flask-WTF reads the catalogue from disk for every request's first form:
            a tenth of a sign-up's time)."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_translations(str(get_locale() or "nl"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or isinstance(field, CSRFTokenField):
                continue
            if not isinstance(field.data, str):
                continue
            if has_control_characters(field.data, multiline=isinstance(field, TextAreaField)):
                field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        return valid


def bounded_int(value: str) -> int:
    """``int`` for query values: a number too large for the database is a bad request
    (anything else that is not a number still falls back to the default, as with int)."""
    number = int(value)
    if not -MAX_INT <= number <= MAX_INT:
        raise BadRequest("number out of range")
    return number


class BoundedArgs(ImmutableMultiDict):
    """Query arguments whose ``get(..., type=int)`` stays within the database's integers."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        return super().get(key, default, bounded_int if type is int else type)


class SafeRequest(Flask.request_class):
    parameter_storage_class = BoundedArgs


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers the database can hold (else 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def refuse_control_characters_in_url() -> None:
    """Before every request: control characters in the path are a 404, in the query a 400.

    ``next`` is left to its own check, which ignores an unsafe value (the login page
    must still work when a link carries a damaged one).
    """
    if has_control_characters(request.path):
        abort(404)
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or (key != "next" and has_control_characters(value)):
            abort(400)


# Endpoints whose forms carry a file upload (see ``accept_uploads``).
_UPLOAD_ENDPOINTS: set[str] = set()


def accept_uploads(endpoint: str) -> None:
    """Let ``endpoint`` take request bodies up to UPLOAD_MAX_CONTENT_LENGTH (a picture)."""
    _UPLOAD_ENDPOINTS.add(endpoint)


def is_upload_request() -> bool:
    return request.endpoint in _UPLOAD_ENDPOINTS


def raise_limit_for_uploads() -> None:
    """Before anything reads the form (the CSRF check does): the upload forms' own limit."""
    if is_upload_request():
        request.max_content_length = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]


def register_input_safety(app: Flask) -> None:
    """Wire the checks in; call before the blueprints add their routes (the converter) and
    before the CSRF check (it reads the form, so the upload limit must be set first)."""
    app.request_class = SafeRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_control_characters_in_url)
    app.before_request(raise_limit_for_uploads)

    @app.errorhandler(413)
    def too_large(error):
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return render_template(
            "errors/413.html",
            error=error,
            upload=is_upload_request(),
            size=f"{limit // 1024} kB",
            image_mb=current_app.config["IMAGE_MAX_BYTES"] // (1024 * 1024),
        ), 413
