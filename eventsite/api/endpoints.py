"""Webhook endpoints: registered by organisers for their hub (admins: for every hub)."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import select

from ..extensions import db
from ..organisers import audit
from ..organisers.models import Organiser
from .models import WebhookDelivery, WebhookEndpoint


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def add_endpoint(owner: Organiser, url: str, events: list[str]) -> WebhookEndpoint:
    """A new endpoint for the owner's hub (all hubs for an admin); the URL is checked."""
    endpoint = WebhookEndpoint(
        organiser=owner,
        region_id=None if owner.is_admin else owner.region_id,
        url=url.strip(),
        events=" ".join(events),
        secret=new_secret(),
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        owner, "webhook.add", endpoint.url, region=owner.region, data={"url": endpoint.url}
    )
    return endpoint


def visible_endpoints(organiser: Organiser) -> list[WebhookEndpoint]:
    """Active endpoints this organiser may see: an admin all, a hub organiser the hub's."""
    query = select(WebhookEndpoint).filter_by(active=True).order_by(WebhookEndpoint.id)
    if not organiser.is_admin:
        query = query.filter_by(region_id=organiser.region_id)
    return list(db.session.scalars(query))


def may_manage(organiser: Organiser, endpoint: WebhookEndpoint) -> bool:
    return organiser.is_admin or (
        endpoint.region_id is not None and endpoint.region_id == organiser.region_id
    )


def switch_off(organiser: Organiser, endpoint: WebhookEndpoint) -> None:
    """Stop an endpoint: nothing more is sent to it (its delivery log stays)."""
    if endpoint.active:
        endpoint.active = False
        audit.record(
            organiser,
            "webhook.remove",
            endpoint.url,
            region=endpoint.region,
            data={"url": endpoint.url},
        )


def delivery_log(endpoint: WebhookEndpoint, limit: int = 100) -> list[WebhookDelivery]:
    """The latest deliveries to an endpoint, newest first, with their last response."""
    query = (
        select(WebhookDelivery)
        .filter_by(endpoint_id=endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
