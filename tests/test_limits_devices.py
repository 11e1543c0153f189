"""Nobody can lock an organiser out: device cookies (OWASP) and a silent reset limit."""

from datetime import timedelta

from flask import Response

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.organisers import devices
from tests.helpers import csrf_token, log_in

OWNER = "admin@example.org"
ATTACKER_IP = {"REMOTE_ADDR": "198.51.100.66"}
NEUTRAL = "Als er een organisatoraccount met dit adres bestaat"


def logged_in_before(app, client):
    """The owner logs in once (and out): the browser keeps a device cookie for the account."""
    assert log_in(client, OWNER).status_code == 302
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert client.get_cookie("organiser_device") is not None


def attack(app, email=OWNER, times=10, environ_base=ATTACKER_IP):
    attacker = app.test_client()
    return [
        log_in(attacker, email, "attacker guess", environ_base=environ_base).status_code
        for _ in range(times)
    ]


def test_owner_with_a_device_cookie_gets_in_while_the_account_is_limited(
    app, client, make_organiser
):
    make_organiser()
    logged_in_before(app, client)
    assert attack(app) == [200] * 10
    # Untrusted browsers, the attacker's and a new one of the owner's, wait out the window...
    assert attack(app, times=1) == [429]
    fresh = app.test_client()
    assert log_in(fresh, OWNER).status_code == 429
    # ... the owner's own browser does not.
    response = log_in(client, OWNER)
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/"
    assert client.get("/organiser/").status_code == 200


def test_owner_with_a_device_cookie_gets_in_from_an_address_the_attacker_exhausted(
    app, client, make_organiser
):
    """Same office, same NAT address: the per-IP limit does not hold a known device."""
    app.config["ORGANISER_LOGIN_LIMIT_IP"] = "5 per hour"
    make_organiser()
    logged_in_before(app, client)
    codes = [
        log_in(app.test_client(), f"guess{i}@example.org", "guess").status_code for i in range(6)
    ]
    assert codes == [200] * 5 + [429]
    assert log_in(client, OWNER).status_code == 302


def test_a_trusted_device_is_limited_on_its_own_counter(app, client, make_organiser):
    app.config["ORGANISER_LOGIN_LIMIT_DEVICE"] = "3 per 15 minutes"
    make_organiser()
    logged_in_before(app, client)
    codes = [log_in(client, OWNER, "typo typo").status_code for _ in range(4)]
    assert codes == [200] * 3 + [429]
    assert log_in(client, OWNER).status_code == 429  # this device waits
    # Its failures did not touch the account's counter: a new browser logs in.
    assert log_in(app.test_client(), OWNER).status_code == 302


def test_a_device_cookie_of_another_account_or_forged_is_not_trusted(app, client, make_organiser):
    app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    make_organiser()
    make_organiser("other@example.org")
    assert log_in(client, "other@example.org").status_code == 302  # cookie for "other"
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert attack(app, times=2) == [200, 200]
    assert log_in(client, OWNER).status_code == 429  # not a known device for OWNER
    forged = app.test_client()
    value = client.get_cookie("organiser_device").value
    forged.set_cookie("organiser_device", value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB"))
    assert attack(app, email="other@example.org", times=2) == [200, 200]
    assert log_in(forged, "other@example.org").status_code == 429
    assert log_in(client, "other@example.org").status_code == 302  # the genuine cookie


def test_a_device_cookie_expires(app, client, make_organiser, clock):
    app.config["ORGANISER_LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    start = clock.at(2027, 3, 1, 9)
    make_organiser()
    logged_in_before(app, client)
    clock.set(start + timedelta(days=app.config["ORGANISER_DEVICE_COOKIE_DAYS"], seconds=1))
    assert attack(app, times=2) == [200, 200]
    assert log_in(client, OWNER).status_code == 429


def test_the_device_cookie_is_http_only_and_secure_in_production(app, client, make_organiser):
    make_organiser()
    response = log_in(client, OWNER)
    cookie = ";".join(v for k, v in response.headers.items() if k == "Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=15552000" in cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    with app.test_request_context("/organiser/login", base_url="https://localhost"):
        response = Response()
        devices.issue(response, OWNER)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-organiser_device=") and "Secure" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie


def forgot(client, email, **kwargs):
    token = csrf_token(client, "/organiser/password/forgot")
    return client.post(
        "/organiser/password/forgot",
        data={"csrf_token": token, "email": email},
        follow_redirects=True,
        **kwargs,
    )


def test_reset_requests_get_the_same_answer_past_the_limit_and_no_more_mail(app, make_organiser):
    """Five reset mails per address per hour, silently: never a 429 about an address."""
    make_organiser()
    answers = []
    for i in range(8):  # from eight addresses: only the per-address limit is reached
        response = forgot(app.test_client(), OWNER, environ_base={"REMOTE_ADDR": f"192.0.2.{i}"})
        answers.append((response.status_code, NEUTRAL in response.get_data(as_text=True)))
    assert answers == [(200, True)] * 8
    sent = db.session.scalars(db.select(OutboxMessage).filter_by(kind="organiser-reset")).all()
    assert len(sent) == 5
    # An unknown address gets the very same answer, and no mail.
    response = forgot(app.test_client(), "nobody@example.org")
    assert response.status_code == 200 and NEUTRAL in response.get_data(as_text=True)
    assert (
        db.session.scalar(db.select(OutboxMessage).filter_by(recipient="nobody@example.org"))
        is None
    )


def test_the_owner_still_gets_in_after_ten_failures_and_five_resets(app, client, make_organiser):
    """The issue's attack: ten wrong passwords and five reset requests from one address."""
    make_organiser()
    logged_in_before(app, client)
    attack(app)
    attacker = app.test_client()
    for _ in range(6):
        forgot(attacker, OWNER, environ_base=ATTACKER_IP)
    assert log_in(client, OWNER).status_code == 302
    # The owner's reset request from elsewhere is answered as always (no 429).
    response = forgot(app.test_client(), OWNER, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200 and NEUTRAL in response.get_data(as_text=True)


def test_setting_a_password_from_a_reset_link_makes_the_browser_a_known_device(
    app, client, make_organiser
):
    make_organiser()
    forgot(client, OWNER)
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(kind="organiser-reset"))
    path = next(w for w in mail.text_body.split() if "/password/reset/" in w).removeprefix(
        "http://localhost"
    )
    new = "a brand new passphrase"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "password": new, "confirm": new})
    assert response.status_code == 302
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert attack(app) == [200] * 10
    assert log_in(client, OWNER, new).status_code == 302
