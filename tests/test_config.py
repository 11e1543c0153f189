"""Configuration: classes per environment, EVENTSITE_* overrides, production safety."""

import pytest

from eventsite import create_app


def test_environment_variables_override_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSITE_MAIL_PORT", "2525")
    monkeypatch.setenv("EVENTSITE_SITE_URL", "https://jaarevent.example.nl")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}, env="development")
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SITE_URL"] == "https://jaarevent.example.nl"


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("EVENTSITE_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app(env="development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/eventsite.db")


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("EVENTSITE_SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        create_app(env="production")
    message = str(exit_info.value)
    assert "EVENTSITE_SECRET_KEY" in message
    assert "\n" not in message


def test_production_starts_with_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSITE_SECRET_KEY", "a" * 64)
    monkeypatch.setenv("EVENTSITE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    app = create_app(env="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_unknown_environment_is_named(monkeypatch):
    monkeypatch.setenv("EVENTSITE_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        create_app()
