"""Rate limits on sign-up, resend and the management actions, per IP and per address."""

import re
import secrets
from datetime import UTC, datetime

import pytest

from eventsite.extensions import db
from tests import factories
from tests.helpers import csrf_token, outbox, post_button, sign_up, signed_up_and_confirmed
from tests.testapp import NO_REDIS, REDIS_URL, make_test_app


def test_one_address_is_limited_with_a_friendly_page(client, open_edition):
    for _ in range(5):
        assert sign_up(client, email="target@example.nl").status_code == 302
    limited = sign_up(client, email="TARGET@example.nl")
    assert limited.status_code == 429
    assert "Nog niet verstuurd" in limited.get_data(as_text=True)
    # Another address from the same place still gets through.
    assert sign_up(client, email="other@example.nl").status_code == 302


def minutes_to_wait(page: str) -> int:
    match = re.search(r"Je kunt het over (\d+) minuten? opnieuw proberen\.", page)
    assert match, page
    return int(match.group(1))


def test_a_limited_sign_up_keeps_what_was_typed_and_says_when_to_try_again(client, open_edition):
    """Past the limit the form comes back with the input and a true wait (per hour: not
    "a few minutes"); nothing is registered or mailed for it."""
    for _ in range(5):
        assert sign_up(client, email="target@example.nl").status_code == 302
    mails = len(outbox())
    limited = sign_up(
        client,
        sessions=["2027-noord", "2027-zuid"],
        email="target@example.nl",
        name="Joris Bakker",
        organisation="Bakker Kunststoffen",
        role="Directeur",
    )
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Nog niet verstuurd" in page and "Wat je hebt ingevuld, staat er nog." in page
    assert "paar minuten" not in page
    assert 55 <= minutes_to_wait(page) <= 60  # the hour's window began with the first sign-up
    for typed in ("Joris Bakker", "target@example.nl", "Bakker Kunststoffen", "Directeur"):
        assert f'value="{typed}"' in page
    assert re.search(r'value="2027-noord"[^>]*checked', page)
    assert re.search(r'value="2027-zuid"[^>]*checked', page)
    assert len(outbox()) == mails
    # Sending the returned form again (its own CSRF token) is still refused: the limit holds.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    again = client.post(
        "/register",
        data={"csrf_token": token, "email": "target@example.nl", "name": "Joris Bakker"},
    )
    assert again.status_code == 429 and len(outbox()) == mails


def test_the_limited_page_in_english(client, open_edition):
    for _ in range(5):
        sign_up(client, email="target@example.nl", lang="en")
    page = sign_up(client, email="target@example.nl", lang="en").get_data(as_text=True)
    assert "Not sent yet" in page and "What you filled in is still here." in page
    assert re.search(r"You can try again in \d+ minutes?\.", page)


def test_the_429_page_elsewhere_says_when_too(app, client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl")
    app.config["MANAGE_LIMIT_PER_IP"] = "1 per 15 minutes"
    assert post_button(client, manage, f"{manage}/add/2027-zuid").status_code == 302
    refused = post_button(client, manage, f"{manage}/drop/2027-zuid")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Te veel pogingen" in page and 1 <= minutes_to_wait(page) <= 15


def test_one_ip_address_is_limited(app, client, open_edition):
    app.config["REGISTRATION_LIMIT_PER_IP"] = "3 per hour"
    for i in range(3):
        assert sign_up(client, email=f"p{i}@example.nl").status_code == 302
    assert sign_up(client, email="p9@example.nl").status_code == 429
    response = client.post(
        "/register",
        data={"csrf_token": csrf_token(client, "/register"), "email": "x@example.nl"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 200  # another IP: the form answers (with its errors)


def test_colleagues_behind_one_office_address_can_all_sign_up(client, open_edition):
    """After an internal mailing, 30 colleagues from one IP address (the default limit)."""
    codes = {sign_up(client, email=f"collega{n}@bedrijf.nl").status_code for n in range(30)}
    assert codes == {302}


def test_resend_is_limited_per_address(client, open_edition):
    token = csrf_token(client, "/register/resend")
    codes = [
        client.post(
            "/register/resend", data={"csrf_token": token, "email": "a@example.nl"}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [302] * 5 + [429]


def test_a_limited_resend_keeps_the_address(client, open_edition):
    for _ in range(5):
        client.post(
            "/register/resend",
            data={"csrf_token": csrf_token(client, "/register/resend"), "email": "a@example.nl"},
        )
    limited = client.post(
        "/register/resend",
        data={"csrf_token": csrf_token(client, "/register/resend"), "email": "a@example.nl"},
    )
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Nog niet verstuurd" in page and 'value="a@example.nl"' in page
    assert 55 <= minutes_to_wait(page) <= 60


def test_management_actions_are_limited(app, client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl")
    app.config["MANAGE_LIMIT_PER_IP"] = "2 per hour"
    assert post_button(client, manage, f"{manage}/add/2027-zuid").status_code == 302
    assert post_button(client, manage, f"{manage}/drop/2027-zuid").status_code == 302
    assert post_button(client, manage, f"{manage}/add/2027-zuid").status_code == 429


def test_one_personal_link_is_limited_from_any_address(app, client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl")
    app.config["MANAGE_LIMIT_PER_LINK"] = "2 per hour"
    for n, action in enumerate(("add", "drop", "add")):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        response = post_button(client, manage, f"{manage}/{action}/2027-zuid")
        assert response.status_code == (429 if n == 2 else 302)
    # Another attendee's link is not affected.
    other = signed_up_and_confirmed(client, "bob@example.nl")
    assert post_button(client, other, f"{other}/add/2027-zuid").status_code == 302


@pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
def test_limits_are_kept_in_redis_when_configured(tmp_path):
    prefix = f"eventsite-test-{secrets.token_hex(4)}"
    app = make_test_app(
        f"sqlite:///{tmp_path}/redis.db",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        REGISTRATION_LIMIT_PER_EMAIL="2 per hour",
    )
    with app.app_context():
        db.create_all()
        factories.edition(2099, opens_at=datetime(2020, 1, 1, tzinfo=UTC))
        client = app.test_client()
        codes = [
            sign_up(client, sessions=["2099-noord"], email="r@example.nl").status_code
            for _ in range(3)
        ]
        assert codes == [302, 302, 429]
        import redis

        keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
        assert keys, "the limiter kept its counters somewhere else"
        db.session.remove()
        db.engine.dispose()
