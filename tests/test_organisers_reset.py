"""Password reset and welcome links: neutral answers, signed, expiring, single use."""

from datetime import timedelta

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.organisers.models import Organiser
from eventsite.organisers.tokens import make_token
from tests.helpers import csrf_token, links_in, log_in, mail_text

NEW = "a fresh long passphrase"


def ask_reset(client, email):
    token = csrf_token(client, "/organiser/password/forgot")
    return client.post("/organiser/password/forgot", data={"csrf_token": token, "email": email})


def reset_path(kind="organiser-reset") -> str:
    mail = db.session.scalars(
        db.select(OutboxMessage).filter_by(kind=kind).order_by(OutboxMessage.id.desc())
    ).first()
    link = next(w for w in mail.text_body.split() if "/organiser/password/" in w)
    return link.removeprefix("http://localhost")


def set_password(client, path, password=NEW, confirm=None):
    token = csrf_token(client, path)
    return client.post(
        path, data={"csrf_token": token, "password": password, "confirm": confirm or password}
    )


def test_same_answer_for_known_and_unknown_addresses(client, make_organiser):
    make_organiser()
    known = ask_reset(client, "admin@example.org")
    unknown = ask_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert [m.recipient for m in messages] == ["admin@example.org"]
    page = client.get("/organiser/login").get_data(as_text=True)
    assert "Als er een organisatoraccount met dit adres bestaat" in page


def test_reset_link_sets_the_password_once_and_ends_other_sessions(app, client, make_organiser):
    make_organiser()
    other_device = app.test_client()
    log_in(other_device, "admin@example.org")
    ask_reset(client, "ADMIN@example.org")
    path = reset_path()
    assert client.get(path).status_code == 200
    response = set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/"
    assert client.get("/organiser/").status_code == 200  # logged in with a fresh session
    assert other_device.get("/organiser/").status_code == 302  # old sessions ended
    # Single use: the link is dead now, whatever one does with it.
    assert client.get(path).status_code == 400
    replay = app.test_client()
    token = csrf_token(replay, "/organiser/login")
    data = {"csrf_token": token, "password": "another passphrase", "confirm": "another passphrase"}
    assert replay.post(path, data=data).status_code == 400
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert log_in(client, "admin@example.org", NEW).status_code == 302


def test_reset_link_expires(app, client, make_organiser, clock):
    start = clock.at(2027, 5, 1, 12)
    make_organiser()
    ask_reset(client, "admin@example.org")
    path = reset_path()
    minutes = app.config["ORGANISER_RESET_LINK_MINUTES"]
    clock.set(start + timedelta(minutes=minutes - 1))
    assert client.get(path).status_code == 200
    clock.set(start + timedelta(minutes=minutes + 1))
    response = client.get(path)
    assert response.status_code == 400
    assert "De link is verlopen" in response.get_data(as_text=True)


def test_forged_and_cross_purpose_tokens_are_refused(app, client, make_organiser):
    organiser = make_organiser()
    welcome = make_token(organiser, "welcome")
    assert client.get(f"/organiser/password/reset/{welcome}").status_code == 400
    reset = make_token(organiser, "reset")
    assert client.get(f"/organiser/password/reset/{reset[:-2]}xx").status_code == 400
    assert client.get("/organiser/password/reset/not-a-token").status_code == 400
    app.config["SECRET_KEY"] = "another key"
    assert client.get(f"/organiser/password/reset/{reset}").status_code == 400


def test_weak_or_mismatched_password_is_refused_and_link_stays_valid(client, make_organiser):
    make_organiser()
    ask_reset(client, "admin@example.org")
    path = reset_path()
    for password, confirm in (
        ("short", "short"),
        ("wachtwoord123", "wachtwoord123"),
        (NEW, NEW + "x"),
    ):
        response = set_password(client, path, password, confirm)
        assert response.status_code == 200
        assert "field-error" in response.get_data(as_text=True)
    assert set_password(client, path).status_code == 302


def test_disabled_account_gets_no_mail_and_its_link_dies(client, make_organiser):
    organiser = make_organiser()
    ask_reset(client, "admin@example.org")
    path = reset_path()
    organiser.active = False
    db.session.commit()
    assert client.get(path).status_code == 400
    ask_reset(client, "admin@example.org")
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 1


def test_reset_requests_are_limited(app, client, make_organiser):
    app.config["ORGANISER_RESET_LIMIT"] = "2 per hour"
    make_organiser()
    assert ask_reset(client, "admin@example.org").status_code == 302
    assert ask_reset(client, "admin@example.org").status_code == 302
    assert ask_reset(client, "admin@example.org").status_code == 429
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 2


def test_reset_mail_end_to_end_over_smtp(client, make_organiser, smtp):
    make_organiser(name="Petra Organisator")
    client.get("/?lang=en")
    ask_reset(client, "admin@example.org")
    [message] = smtp.to("admin@example.org")
    assert message["Subject"] == "Set a new password for the organiser pages"
    assert "Hello Petra," in mail_text(message)  # the first name greets
    [link] = [link for link in links_in(message) if "/password/reset/" in link]
    path = link.removeprefix("http://localhost")
    assert set_password(client, path).status_code == 302
    assert db.session.scalar(db.select(Organiser)).auth_counter == 1
