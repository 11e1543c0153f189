"""The shapes the API answers with (marshmallow), from which the OpenAPI description is made.

The views serialise with these same schemas (``dump``), so the description cannot drift
from the answers: tests/test_api_schemathesis.py checks every answer against it.
"""

from __future__ import annotations

from marshmallow import Schema, fields

STATES = ("pending", "confirmed", "waiting", "cancelled")
# The webhook event types (their descriptions: webhooks.EVENT_TYPES).
EVENT_TYPE_NAMES = (
    "registration.confirmed",
    "registration.waiting",
    "registration.promoted",
    "registration.cancelled",
    "session.changed",
    "session.cancelled",
)
PROGRAMME_STATES = ("soon", "open", "full", "closed", "cancelled")


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "e.g. not_found"})
    message = fields.String(required=True)


class PageSchema(Schema):
    """The part every paged list has."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "the next page's URL"}
    )


class HubSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)
    description = fields.String(required=True, allow_none=True)
    description_en = fields.String(required=True, allow_none=True)
    website = fields.String(required=True, allow_none=True)
    logo_url = fields.String(required=True, allow_none=True)


class HubRefSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)


class SpeakerSchema(Schema):
    name = fields.String(required=True)
    company = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, allow_none=True)
    bio = fields.String(required=True, allow_none=True)
    bio_en = fields.String(required=True, allow_none=True)
    photo_url = fields.String(required=True, allow_none=True)


class VideoSchema(Schema):
    title = fields.String(required=True)
    url = fields.String(required=True)


class SessionSchema(Schema):
    slug = fields.String(required=True)
    uid = fields.String(required=True, metadata={"description": "its calendar UID"})
    edition = fields.Integer(required=True, metadata={"description": "the edition's year"})
    hub = fields.Nested(HubRefSchema, required=True)
    title = fields.String(required=True)
    title_en = fields.String(required=True, allow_none=True)
    theme = fields.String(required=True)
    theme_en = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    description_en = fields.String(required=True, allow_none=True)
    start_at = fields.String(
        required=True, metadata={"description": "local time with offset (RFC 3339)"}
    )
    end_at = fields.String(required=True)
    timezone = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["scheduled", "cancelled"]})
    state = fields.String(required=True, metadata={"enum": list(PROGRAMME_STATES)})
    capacity = fields.Integer(required=True, allow_none=True)
    places_left = fields.Integer(required=True, allow_none=True)
    speakers = fields.List(fields.Nested(SpeakerSchema), required=True)
    videos = fields.List(fields.Nested(VideoSchema), required=True)
    recording_url = fields.String(required=True, allow_none=True)
    page_url = fields.String(required=True)
    signup_url = fields.String(required=True)
    is_example = fields.Boolean(required=True)


class EditionSchema(Schema):
    year = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)
    timezone = fields.String(required=True)
    starts_on = fields.String(required=True, metadata={"format": "date"})
    ends_on = fields.String(required=True, metadata={"format": "date"})
    registration_opens_at = fields.String(required=True, allow_none=True)
    registration_closes_at = fields.String(required=True, allow_none=True)
    day_chair = fields.String(required=True, allow_none=True)
    page_url = fields.String(required=True)
    sessions_url = fields.String(required=True)


class EditionListSchema(PageSchema):
    items = fields.List(fields.Nested(EditionSchema), required=True)


class SessionListSchema(PageSchema):
    items = fields.List(fields.Nested(SessionSchema), required=True)


class HubListSchema(Schema):
    items = fields.List(fields.Nested(HubSchema), required=True)


class MeSchema(Schema):
    name = fields.String(required=True, metadata={"description": "the token's name"})
    owner = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ["admin", "region"]})
    hub = fields.String(required=True, allow_none=True)
    read_only = fields.Boolean(required=True)


class AnswerSchema(Schema):
    """An answer to one of the organisers' sign-up questions (as in the exports' columns)."""

    question_id = fields.Integer(required=True)
    question = fields.String(required=True, metadata={"description": "the question (Dutch)"})
    answer = fields.String(
        required=True,
        metadata={"description": "as read: the choices' texts joined, ja/nee; empty: none"},
    )


class AttendeeSchema(Schema):
    """The person, with the same fields as the attendee exports."""

    name = fields.String(required=True)
    email = fields.String(required=True)
    organisation = fields.String(required=True)
    role = fields.String(required=True)
    language = fields.String(required=True)
    newsletter = fields.Boolean(required=True)
    undeliverable = fields.Boolean(required=True)
    source = fields.String(
        required=True,
        metadata={
            "description": "where the sign-up came from: a campaign link's code or "
            "'source / medium / campaign' from utm_*; empty when unknown"
        },
    )
    answers = fields.List(
        fields.Nested(AnswerSchema),
        required=True,
        metadata={"description": "one per question the token's owner may see, in form order"},
    )


class RegistrationSchema(Schema):
    id = fields.Integer(required=True)
    session = fields.String(required=True, metadata={"description": "the session's slug"})
    session_title = fields.String(required=True)
    session_cancelled = fields.Boolean(required=True)
    state = fields.String(required=True, metadata={"enum": list(STATES)})
    registered_at = fields.String(required=True)
    confirmed_at = fields.String(required=True, allow_none=True)
    cancelled_at = fields.String(required=True, allow_none=True)
    joined_at = fields.String(
        required=True, allow_none=True, metadata={"description": "first use of the join link"}
    )
    attendee = fields.Nested(AttendeeSchema, required=True)


class RegistrationListSchema(PageSchema):
    items = fields.List(fields.Nested(RegistrationSchema), required=True)


class AttendeeListSchema(PageSchema):
    items = fields.List(fields.Nested(AttendeeSchema), required=True)


class WebhookSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    hub = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.String(required=True)


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        required=True, metadata={"description": "the signing secret (whsec_...), shown once"}
    )


class NewWebhookSchema(Schema):
    """The body of a new webhook."""

    url = fields.String(required=True, metadata={"description": "https address", "maxLength": 500})
    events = fields.List(
        fields.String(metadata={"enum": list(EVENT_TYPE_NAMES)}),
        required=True,
        metadata={"minItems": 1},
    )
