"""Organiser login and logout: neutral errors, a fresh session, counters, timeouts."""

from datetime import timedelta

from eventsite.extensions import db
from eventsite.organisers.models import Organiser
from eventsite.organisers.passwords import password_problem
from tests.helpers import ORGANISER_PASSWORD, csrf_token, log_in

WRONG = "The email address or password is not right."


def test_login_and_logout(client, make_organiser, clock):
    clock.at(2027, 5, 1, 12)
    make_organiser("Admin@Example.org".lower())
    assert client.get("/organiser/").status_code == 302
    response = log_in(client, "ADMIN@example.org ")  # case and spaces do not matter
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/"
    assert client.get("/organiser/").status_code == 200
    organiser = db.session.scalar(db.select(Organiser))
    assert organiser.last_login_at == clock.at(2027, 5, 1, 12)

    token = csrf_token(client, "/organiser/")
    response = client.post("/organiser/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/login"
    assert client.get("/organiser/").status_code == 302


def test_logout_needs_post_with_csrf(client, make_organiser):
    make_organiser()
    log_in(client, "admin@example.org")
    assert client.get("/organiser/logout").status_code == 405
    assert client.post("/organiser/logout").status_code == 400  # no CSRF token
    assert client.get("/organiser/").status_code == 200  # still logged in


def test_logout_ends_copies_of_the_session_cookie(app, client, make_organiser):
    make_organiser()
    log_in(client, "admin@example.org")
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/organiser/").status_code == 200
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert stolen.get("/organiser/").status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_answer(client, make_organiser):
    make_organiser()
    client.get("/?lang=en")
    wrong = log_in(client, "admin@example.org", "not the password")
    unknown = log_in(client, "nobody@example.org", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert WRONG in response.get_data(as_text=True)
    assert client.get("/organiser/").status_code == 302


def test_error_in_dutch(client, make_organiser):
    make_organiser()
    body = log_in(client, "admin@example.org", "wrong password").get_data(as_text=True)
    assert "Het e-mailadres of wachtwoord klopt niet." in body


def test_disabled_account_and_account_without_password_cannot_log_in(client, make_organiser):
    organiser = make_organiser()
    make_organiser("new@example.org", password=None)
    organiser.active = False
    db.session.commit()
    for email in ("admin@example.org", "new@example.org"):
        response = log_in(client, email)
        assert response.status_code == 200 and "klopt niet" in response.get_data(as_text=True)


def test_login_starts_a_fresh_session_but_keeps_the_language(client, make_organiser):
    make_organiser()
    client.get("/?lang=en")
    client.get("/organiser/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        secret_before = session["csrf_token"]
    log_in(client, "admin@example.org")
    assert "Dashboard" in client.get("/organiser/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["lang"] == "en"
        assert "planted" not in session
        assert session["csrf_token"] != secret_before  # a new CSRF secret too


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, make_organiser):
    make_organiser()
    response = client.get("/organiser/audit")
    assert response.headers["Location"] == "/organiser/login?next=/organiser/audit"
    response = log_in(client, "admin@example.org", query_string={"next": "/organiser/audit"})
    assert response.headers["Location"] == "/organiser/audit"
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    for bad in ("https://evil.example/", "//evil.example/organiser/", "/\\evil.example"):
        response = log_in(client, "admin@example.org", query_string={"next": bad})
        assert response.headers["Location"] == "/organiser/"
        client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})


def test_idle_timeout_ends_the_session(app, client, make_organiser, clock):
    start = clock.at(2027, 5, 1, 12)
    make_organiser()
    log_in(client, "admin@example.org")
    idle = app.config["ORGANISER_IDLE_MINUTES"]
    clock.set(start + timedelta(minutes=idle - 1))
    assert client.get("/organiser/").status_code == 200  # activity resets the idle clock
    clock.set(start + timedelta(minutes=2 * idle - 2))
    assert client.get("/organiser/").status_code == 200
    clock.set(start + timedelta(minutes=3 * idle))
    response = client.get("/organiser/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je sessie is beëindigd" in page
    clock.set(start + timedelta(minutes=3 * idle + 1))
    assert client.get("/organiser/").status_code == 302  # really gone


def test_absolute_timeout_ends_even_a_busy_session(app, client, make_organiser, clock):
    start = clock.at(2027, 5, 1, 8)
    make_organiser()
    log_in(client, "admin@example.org")
    hours = app.config["ORGANISER_ABSOLUTE_HOURS"]
    moment = start
    while moment < start + timedelta(hours=hours) - timedelta(minutes=30):
        moment += timedelta(minutes=30)
        clock.set(moment)
        assert client.get("/organiser/").status_code == 200
    clock.set(start + timedelta(hours=hours, minutes=1))
    assert client.get("/organiser/").status_code == 302


def test_session_cookie_flags(client, make_organiser):
    make_organiser()
    response = log_in(client, "admin@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/organiser/").headers["Cache-Control"] == "no-store"


def test_disabling_ends_open_sessions(client, make_organiser):
    organiser = make_organiser()
    log_in(client, "admin@example.org")
    organiser.active = False
    organiser.end_sessions()
    db.session.commit()
    assert client.get("/organiser/").status_code == 302


def test_password_policy():
    assert password_problem("short") is not None
    assert password_problem("x" * 129) is not None
    assert password_problem("Wachtwoord123") is not None  # common, whatever the case
    assert password_problem("a@b.nl", "a@b.nl") is not None
    assert password_problem("paarden eten geen") is None  # no composition rules
    assert password_problem(ORGANISER_PASSWORD) is None
    assert password_problem("é" * 8) is None
