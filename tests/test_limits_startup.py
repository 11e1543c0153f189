"""Refusals at start: weak secrets in production, per-process rate limits under several workers."""

from __future__ import annotations

import secrets

import pytest

from config import per_process_limits_problem, secret_key_problem
from eventsite import create_app


@pytest.mark.parametrize(
    "key",
    ["x", "changeme", "CHANGEME", "secret", "dev-only-insecure-secret-key", "a" * 31, "é" * 15],
)
def test_production_refuses_short_and_well_known_secrets(monkeypatch, tmp_path, key):
    monkeypatch.setenv("EVENTSITE_SECRET_KEY", key)
    monkeypatch.setenv("EVENTSITE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    with pytest.raises(SystemExit) as refused:
        create_app(env="production")
    message = str(refused.value)
    assert "refusing to start in production" in message and "EVENTSITE_SECRET_KEY" in message
    assert "secrets.token_hex(32)" in message
    assert repr(key) not in message  # the secret itself is never printed


def test_production_starts_with_a_secret_of_32_bytes(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSITE_SECRET_KEY", secrets.token_urlsafe(24))  # 32 characters
    monkeypatch.setenv("EVENTSITE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    assert create_app(env="production").config["ENV_NAME"] == "production"


def test_secret_key_problem_names_the_length():
    assert "31 bytes" in secret_key_problem("b" * 31)
    assert secret_key_problem("b" * 32) is None
    assert secret_key_problem(b"\x00" * 32) is None
    assert "placeholder" in secret_key_problem(" changeme ")


def test_development_keeps_working_with_its_placeholder(tmp_path, monkeypatch):
    monkeypatch.delenv("EVENTSITE_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}, env="development")
    assert app.config["SECRET_KEY"]


def limits(**config):
    return per_process_limits_problem(
        {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"} | config
    )


def test_per_process_limits_are_refused_only_with_several_processes():
    assert limits(WORKER_PROCESSES=1) is None
    problem = limits(WORKER_PROCESSES=5)
    assert "5 workers" in problem and "5 times" in problem and "redis://" in problem
    assert limits(WORKER_PROCESSES=5, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0") is None
    assert limits(WORKER_PROCESSES=5, RATELIMIT_ENABLED=False) is None  # benchmarks


def test_the_app_refuses_to_start_with_memory_limits_in_several_workers(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSITE_WORKER_PROCESSES", "3")  # as config/gunicorn.py sets it
    monkeypatch.delenv("EVENTSITE_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("EVENTSITE_RATELIMIT_ENABLED", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}
    with pytest.raises(SystemExit, match="gunicorn runs 3 workers"):
        create_app(config, env="development")
    monkeypatch.setenv("EVENTSITE_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert create_app(config, env="development").config["WORKER_PROCESSES"] == 3
