"""Webhooks through the API: a token that is not read-only adds and removes its owner's
webhook endpoints (the same rules as the console: the owner's hub, https, public address)."""

from __future__ import annotations

from flask import abort, request

from ..extensions import db
from . import endpoints, schemas, serialise
from .auth import current_organiser, token_required
from .blueprint import bp
from .models import WebhookEndpoint
from .spec import operation
from .ssrf import RefusedAddress, check_url, resolve
from .webhooks import EVENT_TYPES


def _webhook(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.event_list,
        "hub": endpoint.region.slug if endpoint.region else None,
        "active": endpoint.active,
        "created_at": serialise.moment(endpoint.created_at),
    }


@bp.get("/organiser/webhooks")
@operation("The webhooks of the token's hub", schemas.WebhookListSchema, token=True, tag="webhooks")
@token_required()
def webhooks():
    """Active endpoints: a hub's own, or every hub's for an admin's token."""
    items = [_webhook(e) for e in endpoints.visible_endpoints(current_organiser())]
    return serialise.dump(schemas.WebhookListSchema, {"items": items})


def _unprocessable(message: str):
    abort(422, description=message)


def _new_webhook_body() -> tuple[str, list[str]]:
    """The body's url and events, checked; a 422 that says what is wrong otherwise."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        _unprocessable("the body must be a JSON object with url and events")
    url, events = body.get("url"), body.get("events")
    if not isinstance(url, str) or not 0 < len(url) <= 500:
        _unprocessable("url must be a text of at most 500 characters")
    if not isinstance(events, list) or not events or not all(e in EVENT_TYPES for e in events):
        _unprocessable("events must be a list of: " + ", ".join(EVENT_TYPES))
    try:
        resolve(*check_url(url))
    except RefusedAddress as error:
        _unprocessable(f"url refused: {error}")
    return url, list(dict.fromkeys(events))


@bp.post("/organiser/webhooks")
@operation(
    "Add a webhook",
    schemas.WebhookCreatedSchema,
    body=schemas.NewWebhookSchema,
    errors=(422,),
    token=True,
    status=201,
    tag="webhooks",
)
@token_required(write=True)
def add_webhook():
    """Needs a token that is not read-only. The answer holds the signing secret, once."""
    url, events = _new_webhook_body()
    endpoint = endpoints.add_endpoint(current_organiser(), url, events)
    data = {**_webhook(endpoint), "secret": endpoint.secret}
    return serialise.dump(schemas.WebhookCreatedSchema, data), 201, {"Cache-Control": "no-store"}


@bp.delete("/organiser/webhooks/<int:endpoint_id>")
@operation("Remove a webhook", None, errors=(404,), token=True, status=204, tag="webhooks")
@token_required(write=True)
def remove_webhook(endpoint_id: int):
    """Nothing more is sent to it; its delivery log stays in the console."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        abort(404)
    if not endpoints.may_manage(current_organiser(), endpoint):
        abort(403, description="This webhook is another hub's.")
    endpoints.switch_off(current_organiser(), endpoint)
    return "", 204
