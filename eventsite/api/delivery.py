"""Sending webhook deliveries: signed, retried with backoff, never twice after a success.

Each delivery is claimed by one worker first (a conditional UPDATE, committed), so two
workers never send the same one at once; a success is recorded and never sent again. A
worker that dies between the receiver's 2xx and recording it leaves the claim to expire
and the delivery is sent again with the same ``webhook-id``, which Standard Webhooks
receivers use to drop the repeat.

The request (Standard Webhooks): ``webhook-id`` (the event's id), ``webhook-timestamp``
(seconds), ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``
with the endpoint's secret). No redirect is followed: a 3xx counts as a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from ..clock import utcnow
from ..extensions import db
from .models import DELIVERED, DUE, FAILED, WebhookDelivery, WebhookEvent
from .ssrf import RefusedAddress, check_url, resolve

# Waits after the 1st, 2nd, ... failed attempt; the last repeats.
BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800)
RESPONSE_KEPT = 2000


def body_of(event: WebhookEvent) -> str:
    """The JSON body; built the same way on every attempt, so a repeat is identical."""
    payload = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``msg_id.timestamp.body`` with the whsec_ secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Answer:
    status: int | None
    text: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address, with the host name for SNI and the certificate."""

    def __init__(self, host: str, port: int, address: str, **kwargs) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, **kwargs) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Answer:
    """One POST; never raises for the receiver's sake, never follows a redirect."""
    try:
        host, port = check_url(url)
        address = resolve(host, port)
    except RefusedAddress as error:
        return Answer(None, f"refused: {error}")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            host, port, address, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTPConnection(host, port, address, timeout=timeout)
    try:
        connection.request("POST", target, body=body.encode(), headers=headers)
        response = connection.getresponse()
        text = response.read(RESPONSE_KEPT).decode("utf-8", "replace")
        if 300 <= response.status < 400:
            text = f"redirect to {response.getheader('Location', '?')} not followed"
        return Answer(response.status, text)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:RESPONSE_KEPT])
    finally:
        connection.close()


def _claim(delivery_id: int, now: datetime, hold: timedelta) -> bool:
    """Take one due delivery for this worker, committed, so no other worker sends it."""
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.state == DUE,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        )
        .values(claimed_until=now + hold)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _record(delivery: WebhookDelivery, answer: Answer, now: datetime) -> str:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = answer.status
    delivery.last_response = answer.text[:RESPONSE_KEPT]
    delivery.claimed_until = None
    if answer.ok:
        delivery.state, delivery.delivered_at = DELIVERED, now
    elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.state = FAILED
    else:
        wait = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    db.session.commit()
    return delivery.state


def send_one(delivery: WebhookDelivery) -> Answer:
    event, endpoint = delivery.event, delivery.endpoint
    body = body_of(event)
    timestamp = int(utcnow().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{current_app.config['SITE_NAME']} webhooks",
        "webhook-id": event.msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(endpoint.secret, event.msg_id, timestamp, body),
    }
    return post(endpoint.url, body, headers, current_app.config["WEBHOOK_TIMEOUT"])


@dataclass
class Report:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(batch_size: int = 50, should_stop=lambda: False) -> Report:
    """Send the deliveries that are due, each claimed first; returns what happened."""
    report = Report()
    now = utcnow()
    ids = db.session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.state == DUE,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        )
        .order_by(WebhookDelivery.id)
        .limit(batch_size)
    ).all()
    db.session.commit()
    hold = timedelta(seconds=2 * current_app.config["WEBHOOK_TIMEOUT"] + 10)
    for delivery_id in ids:
        if should_stop() or not _claim(delivery_id, utcnow(), hold):
            continue
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if not delivery.endpoint.active:
            delivery.state, delivery.claimed_until = FAILED, None
            delivery.last_response = "endpoint switched off"
            db.session.commit()
            continue
        state = _record(delivery, send_one(delivery), utcnow())
        report.delivered += state == DELIVERED
        report.failed += state == FAILED
        report.retrying += state == DUE
    return report
