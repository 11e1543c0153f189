"""Helpers for the organiser-message tests: join links, the message form."""

from __future__ import annotations

import re
from datetime import timedelta

from tests import factories
from tests.helpers import csrf_token


def join(client, clock, registration, minutes_after_start: int = 5):
    """Use the attendee's personal join link ``minutes_after_start`` into the session."""
    session = registration.session
    token = factories.manage_token(registration.attendee)
    clock.set(session.start_at + timedelta(minutes=minutes_after_start))
    return client.get(f"/my/{token}/join/{session.slug}")


def key_from(html: str) -> str:
    found = re.search(r'name="key" type="hidden" value="([^"]+)"', html)
    assert found, "no one-time key in the form"
    return found.group(1)


def message_form(client, slug: str, **fields) -> dict:
    """The message form's fields, with its CSRF token and one-time key, and ``fields``."""
    url = f"/organiser/sessions/{slug}/messages"
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, url),
        "key": key_from(html),
        "group": "confirmed",
        "subject_nl": "",
        "body_nl": "",
        "subject_en": "",
        "body_en": "",
    }
    data.update(fields)
    return data


def send(client, slug: str, data: dict):
    """Preview, then press Send (as the organiser does); returns the send's response."""
    url = f"/organiser/sessions/{slug}/messages"
    preview = client.post(url, data={**data, "preview": "1"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    return client.post(url, data={**data, "send": "1"})
