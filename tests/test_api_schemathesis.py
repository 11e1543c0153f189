"""schemathesis against /api/v1/openapi.json on a filled database, with and without a token:
no answer is a 5xx, and every answer matches the description (status, type, body)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from eventsite.extensions import db, limiter
from eventsite.programme.models import SessionVideo, Speaker
from tests.api_helpers import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("EVENTSITE_API_FUZZ_EXAMPLES", "25"))


@pytest.fixture
def filled(app, open_edition, make_organiser, make_registration):
    """Every hub's session with people in each state, speakers and a video; two tokens."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    limiter.reset()
    states = ("confirmed", "waiting", "pending", "cancelled")
    for number, session in enumerate(open_edition.sessions):
        for index, state in enumerate(states):
            make_registration(session, name=f"Persoon {number}-{index}", state=state)
        position = len(session.speakers)
        session.speakers.append(
            Speaker(name="Mark Beumer", role="dagvoorzitter", position=position)
        )
    open_edition.sessions[0].videos.append(
        SessionVideo(title="Verhaal", url="https://youtu.be/dQw4w9WgXcQ")
    )
    db.session.commit()
    from eventsite.api import endpoints

    admin_account = make_organiser("admin@example.org", "admin")
    hub_account = make_organiser("noord@example.org", "region", "noord")
    for owner in (admin_account, hub_account):  # webhooks 1 and 2
        endpoints.add_endpoint(owner, "https://crm.example.org/hooks", ["session.changed"])
    db.session.commit()
    admin = make_token(admin_account, "admin", read_only=False)
    hub = make_token(hub_account, "noord")
    slugs = [s.slug for s in open_edition.sessions]
    known = {"year": [2021, 2027], "slug": slugs, "endpoint_id": [1, 2]}
    return {"admin": admin, "hub": hub, "known": known}


def test_every_answer_matches_the_description(app, filled):
    """Generated requests for every operation of the description, each sent three times:
    without a token, with a hub organiser's token and with an admin's."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy(), data=strategies.data())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def calls_match(case, data) -> None:
            # Random years and slugs find nothing: most cases ask for real ones instead.
            if case.path_parameters and data.draw(strategies.integers(0, 3), "known") > 0:
                case.path_parameters = {
                    name: data.draw(strategies.sampled_from(filled["known"][name]), name)
                    for name in case.path_parameters
                }
            for who in ("anonymous", "hub", "admin"):
                # The WSGI transport hands over the body as it is: no compression to undo.
                headers = {"Accept-Encoding": "identity"}
                if who != "anonymous":
                    headers["Authorization"] = f"Bearer {filled[who]}"
                case.call_and_validate(headers=headers, checks=CHECKS)

        calls_match()
