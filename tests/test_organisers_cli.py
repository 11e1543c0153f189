"""`flask organisers create|list|disable`."""

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.organisers.models import AuditLog, Organiser
from tests.helpers import ORGANISER_PASSWORD, csrf_token, log_in


def create(runner, *args, password=ORGANISER_PASSWORD):
    return runner.invoke(args=["organisers", "create", *args], input=f"{password}\n")


def test_there_are_no_default_accounts(app, make_edition):
    make_edition()
    assert db.session.scalar(db.select(db.func.count(Organiser.id))) == 0


def test_create_admin_and_regional_organiser_with_password_from_stdin(runner, make_edition, client):
    make_edition()
    result = create(runner, "Beheer@Example.org", "--role", "admin", "--name", "Bea Beheer")
    assert result.exit_code == 0, result.output
    assert "Created admin beheer@example.org" in result.output
    result = create(runner, "noord@example.org", "--role", "region", "--region", "noord")
    assert result.exit_code == 0, result.output
    noord = db.session.scalar(db.select(Organiser).filter_by(email="noord@example.org"))
    assert noord.region.slug == "noord" and noord.name == "noord"
    assert noord.password_hash.startswith("scrypt:")
    assert ORGANISER_PASSWORD not in result.output
    assert log_in(client, "beheer@example.org").status_code == 302
    actions = db.session.scalars(db.select(AuditLog.action)).all()
    assert actions.count("account.create") == 2


def test_create_refuses_bad_input_and_changes_nothing(runner, make_edition):
    make_edition()
    cases = [
        (["x@example.org", "--role", "region"], "needs --region"),
        (["x@example.org", "--role", "region", "--region", "atlantis"], "no region 'atlantis'"),
        (["x@example.org", "--role", "admin", "--region", "noord"], "leave out --region"),
        (["not-an-address", "--role", "admin"], "not a valid email address"),
    ]
    for args, message in cases:
        result = create(runner, *args)
        assert result.exit_code != 0 and message in result.output, result.output
    result = create(runner, "x@example.org", "--role", "admin", password="welkom123")
    assert result.exit_code != 0 and "too common" in result.output
    result = create(runner, "x@example.org", "--role", "admin", password="short")
    assert result.exit_code != 0 and "at least 8" in result.output
    assert db.session.scalar(db.select(db.func.count(Organiser.id))) == 0
    assert create(runner, "x@example.org", "--role", "admin").exit_code == 0
    result = create(runner, "X@example.org", "--role", "admin")
    assert result.exit_code != 0 and "exists already" in result.output


def test_create_with_set_password_mail(runner, make_edition, client):
    make_edition()
    result = runner.invoke(
        args=[
            "organisers",
            "create",
            "zuid@example.org",
            "--role",
            "region",
            "--region",
            "zuid",
            "--send-set-password-mail",
            "--language",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    organiser = db.session.scalar(db.select(Organiser))
    assert organiser.password_hash is None
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(kind="organiser-welcome"))
    assert mail.recipient == "zuid@example.org" and mail.language == "en"
    assert "Your organiser account" in mail.subject
    link = next(w for w in mail.text_body.split() if "/organiser/password/welcome/" in w)
    path = link.removeprefix("http://localhost")
    token = csrf_token(client, path)
    data = {
        "csrf_token": token,
        "password": "zuidelijke passphrase",
        "confirm": "zuidelijke passphrase",
    }
    assert client.post(path, data=data).status_code == 302
    assert client.get("/organiser/").status_code == 200
    assert client.get(path).status_code == 400  # used


def test_list_and_disable(runner, make_organiser, make_edition, client):
    make_edition()
    make_organiser("admin@example.org")
    make_organiser("oost@example.org", "region", "oost")
    make_organiser("new@example.org", password=None)
    output = runner.invoke(args=["organisers", "list"]).output
    lines = output.splitlines()
    assert len(lines) == 3
    assert "oost@example.org" in lines[2] and "region" in lines[2] and "oost" in lines[2]
    assert "no password yet" in lines[1]
    assert ORGANISER_PASSWORD not in output and "scrypt" not in output

    log_in(client, "oost@example.org")
    assert client.get("/organiser/").status_code == 200
    result = runner.invoke(args=["organisers", "disable", "OOST@example.org"])
    assert result.exit_code == 0 and "Disabled oost@example.org" in result.output
    assert client.get("/organiser/").status_code == 302  # the open session ended
    assert log_in(client, "oost@example.org").status_code == 200  # refused
    assert "disabled" in runner.invoke(args=["organisers", "list"]).output
    assert runner.invoke(args=["organisers", "disable", "who@example.org"]).exit_code != 0


def test_list_without_organisers(runner):
    assert "No organisers yet" in runner.invoke(args=["organisers", "list"]).output
