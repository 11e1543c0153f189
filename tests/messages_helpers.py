"""Helpers for the organiser-message tests: the noord session with its people (a fixture),
join links, the message form, the mails received per address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eventsite.mail.sender import send_queued
from tests import factories
from tests.helpers import csrf_token, log_in


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


PEOPLE = {
    # email: (state, language, joined)
    "wel-nl@example.nl": ("confirmed", "nl", True),
    "wel-en@example.nl": ("confirmed", "en", True),
    "niet-nl@example.nl": ("confirmed", "nl", False),
    "niet-en@example.nl": ("confirmed", "en", False),
    "wacht@example.nl": ("waiting", "en", False),
    "pending@example.nl": ("pending", "nl", False),
    "weg@example.nl": ("cancelled", "nl", False),
}
GROUPS = {
    "confirmed": {
        "wel-nl@example.nl",
        "wel-en@example.nl",
        "niet-nl@example.nl",
        "niet-en@example.nl",
    },
    "waiting": {"wacht@example.nl"},
    "joined": {"wel-nl@example.nl", "wel-en@example.nl"},
    "not_joined": {"niet-nl@example.nl", "niet-en@example.nl"},
}


@pytest.fixture
def noord(app, client, make_edition, make_organiser, make_registration, clock):
    """The noord session with PEOPLE, two of whom joined; its hub organiser is logged in."""
    clock.at(2027, 5, 1, 12)
    session = next(s for s in make_edition(2027).sessions if s.region.slug == "noord")
    for email, (state, language, joined) in PEOPLE.items():
        registration = make_registration(session, email=email, state=state, language=language)
        if joined:
            join(client, clock, registration)
    clock.set(session.end_at + timedelta(hours=1))
    make_organiser("noord@example.org", "region", "noord", name="Nora Noord")
    log_in(client, "noord@example.org")
    return session


def received(smtp) -> dict[str, list]:
    """Send the queued mail; what ``smtp`` received, by address."""
    send_queued()
    by_address: dict[str, list] = {}
    for message in smtp.messages:
        by_address.setdefault(message["To"], []).append(message)
    return by_address


def as_sent(mail, name: str) -> str:
    """Header ``name`` as it came over the wire, unfolded but not decoded: receivers do not
    decode RFC 2047 encoded-words in ``List-Unsubscribe``, so the link must be there as is."""
    [value] = [value for key, value in mail.raw_items() if key.lower() == name.lower()]
    return re.sub(r"\r?\n(?=[ \t])", "", value).strip()
