"""Failed logins are limited per account and per IP address, without locking anyone out."""

import secrets

import pytest

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.organisers.accounts import create_organiser
from eventsite.organisers.models import Organiser
from tests.helpers import csrf_token, log_in
from tests.testapp import NO_REDIS, REDIS_URL, empty_tables, make_test_app


def test_failed_logins_are_limited_per_account(client, make_organiser, app):
    app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    make_organiser()
    for _ in range(3):
        assert log_in(client, "admin@example.org", "guess guess").status_code == 200
    response = log_in(client, "admin@example.org", "guess guess")
    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)
    # Also the right password waits out the window: the limit is on the account.
    assert log_in(client, "admin@example.org").status_code == 429
    # Another account from the same address is not affected.
    make_organiser("other@example.org")
    assert log_in(client, "other@example.org").status_code == 302


def test_successful_logins_do_not_count(client, make_organiser, app):
    app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    make_organiser()
    for _ in range(4):
        assert log_in(client, "admin@example.org").status_code == 302
        client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})


def test_failed_logins_are_limited_per_ip_address(client, make_organiser, app):
    app.config["ORGANISER_LOGIN_LIMIT_IP"] = "4 per hour"
    make_organiser()
    for i in range(4):  # a different (unknown) address each time: only the IP limit counts
        assert log_in(client, f"guess{i}@example.org", "guess guess").status_code == 200
    assert log_in(client, "admin@example.org").status_code == 429
    # Someone else, from another address, can log in.
    other = app.test_client()
    response = log_in(other, "admin@example.org", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_a_limited_organiser_still_gets_in_through_a_reset_mail(client, make_organiser, app):
    """An attacker can slow an account down, not lock its owner out."""
    app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    make_organiser()
    for _ in range(3):
        log_in(client, "admin@example.org", "attacker guess")
    assert log_in(client, "admin@example.org").status_code == 429
    token = csrf_token(client, "/organiser/password/forgot")
    client.post(
        "/organiser/password/forgot", data={"csrf_token": token, "email": "admin@example.org"}
    )
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(kind="organiser-reset"))
    link = next(word for word in mail.text_body.split() if "/password/reset/" in word)
    path = link.removeprefix("http://localhost")
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={"csrf_token": token, "password": "a new passphrase", "confirm": "a new passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/organiser/").status_code == 200
    assert db.session.scalar(db.select(Organiser)).password_hash


@pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
def test_limits_work_on_redis(database_uri):
    """The counters live in Redis (shared by every web process) when configured.

    No key prefix and no reset here: Flask-Limiter keeps a prefix for later apps, and a reset
    would wipe counters of other test runs on the same Redis. A fresh address per run instead.
    """
    import redis

    email = f"admin-{secrets.token_hex(6)}@example.org"
    app = make_test_app(
        database_uri,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        ORGANISER_LOGIN_LIMIT_ACCOUNT="2 per 15 minutes",
        ORGANISER_LOGIN_LIMIT_IP="10000 per hour",
    )
    with app.app_context():
        if database_uri.startswith("sqlite"):
            db.create_all()
        create_organiser(email, "admin", password="correct horse battery staple")
        db.session.commit()
        client = app.test_client()
        try:
            for _ in range(2):
                assert log_in(client, email, "wrong guess").status_code == 200
            assert log_in(client, email).status_code == 429
            assert redis.Redis.from_url(REDIS_URL).keys(f"*organiser-account:{email}*")
        finally:
            db.session.remove()
            if not database_uri.startswith("sqlite"):
                empty_tables()
            db.engine.dispose()
