"""Webhooks: events written with the change, signed (checked here with the Standard Webhooks
reference library), retried with backoff while the receiver is down, each delivered once,
no redirects, no private addresses unless allowed, and a delivery log for the organisers."""

from datetime import UTC, datetime, timedelta

import pytest

from eventsite.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from eventsite.core.jobs import registry_of
from eventsite.extensions import db
from eventsite.organisers.editing import cancel_session
from eventsite.programme.models import ProgrammeSession
from tests.api_helpers import Receiver, form_token, log_in_as
from tests.helpers import post_button, signed_up_and_confirmed

EVENTS = ["registration.confirmed", "registration.cancelled", "session.cancelled"]


@pytest.fixture
def now_edition(make_edition, clock):
    """The 2027 edition open for sign-up, with the clock at the real time: the receiver's
    library checks the signature's timestamp against its own clock (5 minutes' leeway)."""
    clock.set(datetime.now(UTC).replace(microsecond=0))
    return make_edition(2027)


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def add_webhook(client, url: str, events=EVENTS, lang: str = "en"):
    token = form_token(client, f"/organiser/api/webhooks?lang={lang}")
    return client.post(
        "/organiser/api/webhooks", data={"csrf_token": token, "url": url, "events": events}
    )


def deliver(app) -> str:
    """One run of the worker's webhooks job."""
    job = next(job for job in registry_of(app).jobs if job.name == "webhooks")
    outcome = job.function(lambda: False)
    db.session.remove()
    return outcome.summary


def test_a_loopback_address_is_refused_at_the_field_unless_a_setting_allows_it(
    app, client, now_edition, make_organiser
):
    make_organiser("noord@example.org", "region", "noord")
    log_in_as(client, "noord@example.org")
    for url, message in (
        ("http://127.0.0.1:9/hooks", "must start with https://"),
        ("https://127.0.0.1/hooks", "private or local network"),
        ("https://[::1]/hooks", "private or local network"),
        ("https://169.254.169.254/latest", "private or local network"),
        ("https://10.1.2.3/hooks", "private or local network"),
        ("https://user:pw@example.org/hooks", "not a web address we can call"),
    ):
        page = add_webhook(client, url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and message in text, (url, text[:2000])
        assert f'value="{url}"' in text  # the input is kept
    dutch = add_webhook(client, "https://127.0.0.1/hooks", lang="nl").get_data(as_text=True)
    assert "privé- of lokaal netwerk" in dutch
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEndpoint)) == 0
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_ALLOW_HTTP=True)
    assert add_webhook(client, "http://127.0.0.1:9/hooks").status_code == 302


def test_events_arrive_signed_and_exactly_once_though_the_receiver_was_down(
    app, client, now_edition, make_organiser, receiver
):
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_ALLOW_HTTP=True)
    make_organiser("noord@example.org", "region", "noord")
    log_in_as(client, "noord@example.org")
    saved = add_webhook(client, receiver.url)
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    endpoint = db.session.scalar(db.select(WebhookEndpoint))
    assert endpoint.secret in detail and endpoint.region.slug == "noord"
    receiver.secret, endpoint_id = endpoint.secret, endpoint.id

    visitor = app.test_client()
    signed_up_and_confirmed(visitor, "anna@example.nl", ["2027-noord", "2027-zuid"])
    # Written in the confirmation's own transaction: one event for the hub's session only.
    assert db.session.scalars(db.select(WebhookEvent.type)).all() == ["registration.confirmed"]
    assert deliver(app) == "delivered 1, to retry 0, given up 0"
    assert receiver.types() == ["registration.confirmed"]
    payload = receiver.received[0]["payload"]
    assert payload["data"]["session"] == "2027-noord"
    assert payload["data"]["attendee"]["email"] == "anna@example.nl"

    receiver.stop()  # down for a while: three more events meanwhile
    personal = signed_up_and_confirmed(visitor, "bram@example.nl", ["2027-noord"])
    post_button(visitor, f"{personal}/cancel", f"{personal}/cancel")
    signed_up_and_confirmed(visitor, "cor@example.nl", ["2027-noord"])
    assert "to retry 3" in deliver(app)
    delivery = db.session.scalars(db.select(WebhookDelivery).filter_by(state="due")).first()
    assert delivery.attempts == 1 and delivery.last_status is None
    assert "Connection refused" in delivery.last_response or "Error" in delivery.last_response
    assert deliver(app) == ""  # not due yet: the backoff holds
    app_clock_forward(seconds=11)
    assert "to retry 3" in deliver(app)  # still down: the second attempt
    receiver.start()  # back on the same port
    app_clock_forward(seconds=31)
    assert deliver(app) == "delivered 3, to retry 0, given up 0"
    # The delivery log shows each with its last response.
    log = client.get(f"/organiser/api/webhooks/{endpoint_id}?lang=en").get_data(as_text=True)
    assert log.count("delivered") >= 4 and "204" in log
    app_clock_forward(seconds=3600)
    assert deliver(app) == ""  # nothing is sent twice

    event_ids = db.session.scalars(db.select(WebhookEvent.msg_id)).all()
    assert sorted(receiver.ids()) == sorted(event_ids) and len(event_ids) == 4
    assert receiver.refused == []
    assert sorted(receiver.types()) == sorted(
        ["registration.confirmed"] * 3 + ["registration.cancelled"]
    )


def app_clock_forward(seconds: int) -> None:
    from eventsite import clock

    clock.set_frozen(clock.utcnow() + timedelta(seconds=seconds))


def test_each_hub_gets_its_own_sessions_events_and_an_admin_every_hubs(
    app, client, now_edition, make_organiser, receiver
):
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_ALLOW_HTTP=True)
    zuid_organiser = make_organiser("zuid@example.org", "region", "zuid")
    make_organiser("admin@example.org", "admin")
    log_in_as(client, "zuid@example.org")
    add_webhook(client, receiver.url + "?hub=zuid", events=["session.cancelled"])
    admin = app.test_client()
    log_in_as(admin, "admin@example.org")
    add_webhook(admin, receiver.url + "?hub=all", events=["session.cancelled"])
    zuid_hook, all_hook = db.session.scalars(db.select(WebhookEndpoint).order_by("id")).all()
    sessions = {s.region.slug: s for s in db.session.scalars(db.select(ProgrammeSession))}
    for slug in ("noord", "zuid"):
        cancel_session(sessions[slug], zuid_organiser)
        db.session.commit()
    deliveries = db.session.scalars(db.select(WebhookDelivery)).all()
    assert sorted((d.endpoint_id, d.event.data["hub"]["slug"]) for d in deliveries) == sorted(
        [(all_hook.id, "noord"), (all_hook.id, "zuid"), (zuid_hook.id, "zuid")]
    )
    # The zuid organiser cannot see or remove the admin's endpoint.
    assert client.get(f"/organiser/api/webhooks/{all_hook.id}").status_code == 403
    token = form_token(client, "/organiser/api/webhooks")
    removed = client.post(
        f"/organiser/api/webhooks/{all_hook.id}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 403


def test_a_redirect_is_not_followed_and_a_private_address_is_refused_at_delivery(
    app, client, now_edition, make_organiser, receiver
):
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_ALLOW_HTTP=True)
    make_organiser("noord@example.org", "region", "noord")
    log_in_as(client, "noord@example.org")
    add_webhook(client, receiver.url)
    receiver.secret = db.session.scalar(db.select(WebhookEndpoint.secret))
    receiver.status = 302
    signed_up_and_confirmed(app.test_client(), "anna@example.nl", ["2027-noord"])
    assert "to retry 1" in deliver(app)
    delivery = db.session.scalar(db.select(WebhookDelivery))
    assert delivery.last_status == 302 and "not followed" in delivery.last_response
    assert len(receiver.received) == 1  # the redirect's target got nothing

    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False  # e.g. a name now on 127.0.0.1
    app_clock_forward(seconds=11)
    receiver.status = 204
    assert "to retry 1" in deliver(app)
    delivery = db.session.scalar(db.select(WebhookDelivery))
    assert delivery.last_response.startswith("refused: 127.0.0.1 is a loopback address")
    assert len(receiver.received) == 1


def test_two_workers_at_once_send_each_event_once(
    app, client, now_edition, make_organiser, receiver
):
    from eventsite.api.delivery import deliver_due
    from tests.helpers import run_at_once

    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_ALLOW_HTTP=True)
    make_organiser("noord@example.org", "region", "noord")
    log_in_as(client, "noord@example.org")
    add_webhook(client, receiver.url)
    receiver.secret = db.session.scalar(db.select(WebhookEndpoint.secret))
    visitor = app.test_client()
    for number in range(6):
        signed_up_and_confirmed(visitor, f"persoon{number}@example.nl", ["2027-noord"])
    db.session.remove()
    reports = run_at_once(app, [deliver_due, deliver_due, deliver_due])
    assert sum(report.delivered for report in reports) == 6
    assert len(receiver.ids()) == 6 and len(set(receiver.ids())) == 6
    assert receiver.refused == []


def test_an_event_is_written_with_its_change_and_rolls_back_with_it(
    app, now_edition, make_organiser, make_registration
):
    from eventsite.api import endpoints
    from eventsite.registration.signals import registration_confirmed

    endpoints.add_endpoint(
        make_organiser("admin@example.org", "admin"),
        "https://crm.example.org/hooks",
        ["registration.confirmed"],
    )
    db.session.commit()
    noord = next(s for s in now_edition.sessions if s.region.slug == "noord")
    registration = make_registration(noord, state="pending")
    registration.state = "confirmed"
    registration_confirmed.send(registration.attendee, confirmed=[registration], waiting=[])
    db.session.rollback()  # the change failed: its event goes with it
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent)) == 0
    registration.state = "confirmed"
    registration_confirmed.send(registration.attendee, confirmed=[registration], waiting=[])
    db.session.commit()
    event = db.session.scalar(db.select(WebhookEvent))
    assert event.type == "registration.confirmed" and event.msg_id.startswith("msg_")
    assert db.session.scalar(db.select(WebhookDelivery.state)) == "due"
