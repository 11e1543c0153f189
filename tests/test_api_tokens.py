"""Personal access tokens: made and revoked in the console, a hash stored, the owner's hub
and role, read-only, rate-limited, audited; the organiser API they open."""

import hashlib
import re

from eventsite.api.models import ApiToken
from eventsite.extensions import db, limiter
from eventsite.organisers.models import AuditLog
from tests.api_helpers import bearer, form_token, log_in_as, make_token


def _sessions(edition):
    return {s.region.slug: s for s in edition.sessions}


def test_an_organiser_makes_a_token_in_the_console_sees_it_once_and_uses_it(
    client, open_edition, make_organiser, make_registration
):
    make_organiser("noord@example.org", "region", "noord")
    make_registration(_sessions(open_edition)["noord"], name="Noor Deelnemer")
    log_in_as(client, "noord@example.org")
    token = form_token(client, "/organiser/api/tokens")
    page = client.post(
        "/organiser/api/tokens", data={"csrf_token": token, "name": "Ons CRM", "read_only": "y"}
    )
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" readonly value="(evs_[^"]+)"', page.get_data(as_text=True))
    assert secret, page.get_data(as_text=True)[:3000]
    secret = secret.group(1)
    # Only the hash is stored; the list shows the start of it, never the whole.
    stored = db.session.scalar(db.select(ApiToken))
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/organiser/api/tokens").get_data(as_text=True)

    api = client.application.test_client()  # no cookies: the token alone
    me = api.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert me == {
        "name": "Ons CRM",
        "owner": me["owner"],
        "role": "region",
        "hub": "noord",
        "read_only": True,
    }
    rows = api.get(
        "/api/v1/organiser/sessions/2027-noord/registrations", headers=bearer(secret)
    ).get_json()
    assert [r["attendee"]["name"] for r in rows["items"]] == ["Noor Deelnemer"]
    assert set(rows["items"][0]["attendee"]) >= {"email", "organisation", "newsletter"}
    actions = db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["apitoken.create", "api.export"]


def test_a_token_of_one_hub_gets_403_for_another_hubs_session_and_revoked_gets_401(
    client, open_edition, make_organiser, make_registration
):
    sessions = _sessions(open_edition)
    make_registration(sessions["zuid"], name="Zuid Geheim", email="geheim@zuid.example")
    noord = make_organiser("noord@example.org", "region", "noord")
    secret = make_token(noord)
    api = client.application.test_client()
    for what in ("registrations", "attendees"):
        answer = api.get(f"/api/v1/organiser/sessions/2027-zuid/{what}", headers=bearer(secret))
        assert answer.status_code == 403
        assert b"Geheim" not in answer.data and b"geheim@zuid" not in answer.data
    assert (
        api.get(
            "/api/v1/organiser/sessions/2027-noord/registrations", headers=bearer(secret)
        ).status_code
        == 200
    )
    assert (
        api.get("/api/v1/organiser/sessions/none/registrations", headers=bearer(secret)).status_code
        == 404
    )

    log_in_as(client, "noord@example.org")
    token_id = db.session.scalar(db.select(ApiToken.id))
    revoked = client.post(
        f"/organiser/api/tokens/{token_id}/revoke",
        data={"csrf_token": form_token(client, "/organiser/api/tokens")},
    )
    assert revoked.status_code == 302
    answer = api.get("/api/v1/me", headers=bearer(secret))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert api.get("/api/v1/me", headers=bearer("evs_" + "x" * 43)).status_code == 401
    assert api.get("/api/v1/me").status_code == 401
    assert "apitoken.revoke" in db.session.scalars(db.select(AuditLog.action)).all()


def test_an_admin_token_sees_every_hub_and_filters_by_state_and_since(
    client, open_edition, make_organiser, make_registration, clock
):
    zuid = _sessions(open_edition)["zuid"]
    make_registration(zuid, name="Eerste", state="confirmed")
    clock.at(2027, 5, 3, 9)
    make_registration(zuid, name="Tweede", state="waiting")
    make_registration(zuid, name="Derde", state="pending")
    secret = make_token(make_organiser("admin@example.org", "admin"))
    api = client.application.test_client()
    url = "/api/v1/organiser/sessions/2027-zuid/registrations"

    def names(query: str) -> list[str]:
        answer = api.get(url + query, headers=bearer(secret)).get_json()
        return [r["attendee"]["name"] for r in answer["items"]]

    assert names("") == ["Eerste", "Tweede", "Derde"]
    assert names("?state=waiting") == ["Tweede"]
    assert names("?since=2027-05-03T10:00:00%2B02:00") == ["Tweede", "Derde"]
    assert names("?per_page=1&page=3") == ["Derde"]
    bad = api.get(url + "?since=yesterday", headers=bearer(secret))
    assert bad.status_code == 400 and "RFC 3339" in bad.get_json()["message"]
    assert api.get(url + "?state=gone", headers=bearer(secret)).status_code == 400


def test_tokens_are_rate_limited(client, open_edition, make_organiser):
    client.application.config["API_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    secret = make_token(make_organiser("admin@example.org", "admin"))
    api = client.application.test_client()
    codes = [api.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api.get("/api/v1/me", headers=bearer(secret)).get_json()["error"] == "too_many_requests"
    # Guessing is limited the same way: per presented token, or per address without one.
    guesses = [api.get("/api/v1/me").status_code for _ in range(4)]
    assert guesses == [401, 401, 401, 429]


def test_a_token_form_with_errors_keeps_the_input_and_makes_nothing(
    client, open_edition, make_organiser
):
    make_organiser("admin@example.org", "admin")
    log_in_as(client, "admin@example.org")
    token = form_token(client, "/organiser/api/tokens?lang=en")
    page = client.post(
        "/organiser/api/tokens", data={"csrf_token": token, "name": "", "read_only": "y"}
    )
    assert page.status_code == 200
    assert "This field is required." in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    no_csrf = client.post("/organiser/api/tokens", data={"name": "X"})
    assert no_csrf.status_code in (200, 400)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_only_a_token_that_is_not_read_only_manages_webhooks(
    app, client, open_edition, make_organiser
):
    from eventsite.api.models import WebhookEndpoint
    from eventsite.api.schemas import EVENT_TYPE_NAMES
    from eventsite.api.webhooks import EVENT_TYPES

    assert set(EVENT_TYPE_NAMES) == set(EVENT_TYPES)
    noord = make_organiser("noord@example.org", "region", "noord")
    reader, writer = make_token(noord, "lezer"), make_token(noord, "schrijver", read_only=False)
    api = client.application.test_client()
    body = {"url": "https://127.0.0.1/hooks", "events": ["registration.confirmed"]}
    refused = api.post("/api/v1/organiser/webhooks", json=body, headers=bearer(reader))
    assert refused.status_code == 403 and "read-only" in refused.get_json()["message"]
    private = api.post("/api/v1/organiser/webhooks", json=body, headers=bearer(writer))
    assert private.status_code == 422 and "loopback" in private.get_json()["message"]
    bad = api.post("/api/v1/organiser/webhooks", json={"url": 3}, headers=bearer(writer))
    assert bad.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEndpoint)) == 0

    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True)
    made = api.post("/api/v1/organiser/webhooks", json=body, headers=bearer(writer))
    assert made.status_code == 201
    assert made.get_json()["secret"].startswith("whsec_") and made.get_json()["hub"] == "noord"
    listed = api.get("/api/v1/organiser/webhooks", headers=bearer(reader)).get_json()["items"]
    assert [w["url"] for w in listed] == ["https://127.0.0.1/hooks"] and "secret" not in listed[0]
    webhook_id = made.get_json()["id"]
    zuid = make_token(make_organiser("zuid@example.org", "region", "zuid"), read_only=False)
    other = api.delete(f"/api/v1/organiser/webhooks/{webhook_id}", headers=bearer(zuid))
    assert other.status_code == 403
    assert (
        api.delete(f"/api/v1/organiser/webhooks/{webhook_id}", headers=bearer(reader)).status_code
        == 403
    )
    assert (
        api.delete(f"/api/v1/organiser/webhooks/{webhook_id}", headers=bearer(writer)).status_code
        == 204
    )
    assert api.get("/api/v1/organiser/webhooks", headers=bearer(reader)).get_json()["items"] == []
    actions = db.session.scalars(db.select(AuditLog.action)).all()
    assert actions.count("webhook.add") == 1 and actions.count("webhook.remove") == 1
