"""Production serving: the gunicorn config, the request log, and `make serve` (bin/serve)."""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config

from eventsite.observability import REDACTED, RequestIdFilter, redact_path, request_id_from
from tests.testapp import free_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"


def load_gunicorn_config(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "PORT", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONFIG))


# --- gunicorn configuration ---------------------------------------------------------------


def test_gunicorn_accepts_every_setting_in_the_config_file(monkeypatch):
    settings = load_gunicorn_config(monkeypatch)
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validators
    assert config.worker_class_str == "gthread"
    assert config.workers == settings["default_workers"]()
    assert config.threads >= 2
    assert config.timeout > config.graceful_timeout > 0
    assert config.bind == ["127.0.0.1:8000"]
    assert config.forwarded_allow_ips == ["127.0.0.1"]
    assert config.accesslog is None  # the app writes the (redacted) access line itself
    assert config.logconfig_dict["loggers"]["eventsite.request"]["handlers"] == ["stdout"]


def test_workers_from_cores_capped_and_overridable(monkeypatch):
    default_workers = load_gunicorn_config(monkeypatch)["default_workers"]
    assert default_workers(cores=1, environ={}) == 3
    assert default_workers(cores=2, environ={}) == 5
    assert default_workers(cores=64, environ={}) == 12
    assert default_workers(cores=2, environ={"WEB_CONCURRENCY": "7"}) == 7
    with pytest.raises(ValueError):
        default_workers(cores=2, environ={"WEB_CONCURRENCY": "0"})


def test_environment_sets_port_concurrency_and_trusted_proxies(monkeypatch):
    settings = load_gunicorn_config(
        monkeypatch, WEB_CONCURRENCY="2", PORT="9001", FORWARDED_ALLOW_IPS="10.0.0.5"
    )
    assert settings["workers"] == 2
    assert settings["bind"] == ["127.0.0.1:9001"]
    assert settings["forwarded_allow_ips"] == "10.0.0.5"


# --- the request log ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def request_logger_enabled():
    """Alembic's fileConfig (tests/test_migrations.py) disables loggers that exist by then."""
    logger = logging.getLogger("eventsite.request")
    was_disabled, logger.disabled = logger.disabled, False
    yield
    logger.disabled = was_disabled


def request_lines(caplog) -> list[dict]:
    """The request log lines; requests must be made with ``buffered=True`` (see below)."""
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "eventsite.request"]


def test_one_line_per_request_with_status_duration_and_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="eventsite.request")
    # buffered=True: the test client then closes the body, as a server does after sending it,
    # and closing is when the line is written.
    response = client.get("/healthz?x=1", headers={"X-Request-ID": "lb-42.abc"}, buffered=True)
    assert response.headers["X-Request-ID"] == "lb-42.abc"
    [line] = request_lines(caplog)
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == "lb-42.abc"


def test_insane_request_id_is_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="eventsite.request")
    forged = 'x" status=200 "forged'
    response = client.get("/does-not-exist", headers={"X-Request-ID": forged}, buffered=True)
    generated = response.headers["X-Request-ID"]
    assert generated != forged and len(generated) == 32
    [line] = request_lines(caplog)
    assert line["request_id"] == generated and line["status"] == 404


def test_tokens_in_paths_and_query_strings_are_never_logged(app, client, caplog):
    app.add_url_rule("/confirm/<token>", "confirm_test", lambda token: "ok")
    app.add_url_rule("/my/<token>", "my_test", lambda token: "ok")
    caplog.set_level(logging.INFO, logger="eventsite.request")
    client.get("/confirm/plain-secret-word?token=query-secret", buffered=True)
    client.get("/my/abc", buffered=True)
    client.get(
        "/unknown/IjEyMyI.Zk3x9Q.aBcDeFgHiJ1234567890", buffered=True
    )  # no route: looks like a token
    paths = [line["path"] for line in request_lines(caplog)]
    assert paths == [f"/confirm/{REDACTED}", f"/my/{REDACTED}", f"/unknown/{REDACTED}"]
    everything = " ".join(r.getMessage() for r in caplog.records)
    for secret in ("plain-secret-word", "query-secret", "IjEyMyI"):
        assert secret not in everything


def test_failed_request_is_logged_with_status_500(app, client, caplog):
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    caplog.set_level(logging.INFO, logger="eventsite.request")
    assert client.get("/boom", buffered=True).status_code == 500
    assert [line["status"] for line in request_lines(caplog)] == [500]


def test_app_log_records_carry_the_request_id(app, client):
    seen = []

    @app.get("/warn")
    def warn():
        record = logging.LogRecord("eventsite", logging.WARNING, __file__, 1, "x", None, None)
        RequestIdFilter().filter(record)
        seen.append(record.request_id)
        return "ok"

    client.get("/warn", headers={"X-Request-ID": "trace-7"})
    assert seen == ["trace-7"]
    outside = logging.LogRecord("eventsite", logging.WARNING, __file__, 1, "x", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_redact_path_keeps_slugs_and_cuts_long_paths():
    assert redact_path("/sessions/2027-brainport-eindhoven-region") == (
        "/sessions/2027-brainport-eindhoven-region"
    )
    assert redact_path("/x/" + "a" * 1000).endswith("...")
    assert request_id_from("") != request_id_from(None)  # each generated id is new


def test_generated_request_ids_are_unique_across_forked_workers():
    """gunicorn forks its workers from one process: each must make ids of its own."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the forked worker
        os.write(write, request_id_from(None).encode())
        os._exit(0)
    os.waitpid(child, 0)
    theirs = os.read(read, 64).decode()
    mine = {request_id_from(None) for _ in range(1000)}
    assert len(mine) == 1000 and theirs not in mine
    assert all(re.fullmatch(r"[0-9a-f]{32}", id_) for id_ in (*mine, theirs))
    assert theirs[:16] not in {id_[:16] for id_ in mine}  # not the parent's prefix


# --- make serve ---------------------------------------------------------------------------


def get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
        return r.status, dict(r.headers), r.read()


def test_serve_runs_the_production_configuration(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "VENV": sys.prefix,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "EVENTSITE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serve.db'}",
    }
    env.pop("EVENTSITE_SECRET_KEY", None)
    with open(tmp_path / "stdout", "w") as out:
        server = subprocess.Popen(
            [str(ROOT / "bin" / "serve")], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = get(f"{base}/healthz", {"X-Request-ID": "serve-test"})
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "stdout").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}
        assert headers["X-Request-ID"] == "serve-test"
        assert "max-age=31536000" in headers["Strict-Transport-Security"]  # production config
        # Dutch first: the installed site has its compiled catalogue.
        _, _, page = get(f"{base}/", {"Accept-Language": "nl"})
        assert '<html lang="nl">' in page.decode() and "Programma" in page.decode()
        _, headers, _ = get(f"{base}/?lang=en")
        cookie = headers["Set-Cookie"]
        assert cookie.startswith("session=") and "Secure" not in cookie  # the local relaxation
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    output = (tmp_path / "stdout").read_text()
    assert "throwaway secret" in output and "SESSION_COOKIE_SECURE=false" in output
    # raw_decode: honcho may print its own "SIGTERM received" right after the last line.
    decode = json.JSONDecoder().raw_decode
    lines = [decode(x)[0] for x in output.splitlines() if x.startswith('{"event":"request"')]
    assert any(x["request_id"] == "serve-test" and x["status"] == 200 for x in lines)


# --- compiled translations ----------------------------------------------------------------


def copy_catalogues(tmp_path: Path) -> Path:
    import shutil

    from eventsite.catalogues import TRANSLATIONS

    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, target)
    return target


def test_compiled_catalogues_are_accepted(tmp_path):
    from eventsite.catalogues import catalogue_problems

    folder = copy_catalogues(tmp_path)
    po = folder / "nl" / "LC_MESSAGES" / "messages.po"
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime + 1,) * 2)
    assert catalogue_problems(folder) == []


@pytest.mark.parametrize("damage", ["missing", "stale"])
def test_production_refuses_to_start_without_compiled_catalogues(tmp_path, monkeypatch, damage):
    """Failed before: production started and served English to Dutch visitors."""
    from eventsite import catalogues, create_app

    folder = copy_catalogues(tmp_path)
    mo = folder / "nl" / "LC_MESSAGES" / "messages.mo"
    if damage == "missing":
        mo.unlink()
    else:
        po = mo.with_suffix(".po")
        os.utime(mo, (po.stat().st_mtime - 60,) * 2)
    monkeypatch.setattr(catalogues, "TRANSLATIONS", folder)
    monkeypatch.setenv("EVENTSITE_SECRET_KEY", "p" * 64)
    with pytest.raises(SystemExit) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}, env="production")
    message = str(refused.value)
    assert "without compiled translations" in message and "nl: messages.mo" in message
    assert "make translations" in message
    # Development and the tests never need the check.
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}, env="development")


def test_keepalive_outlasts_the_proxys_idle_upstream_connections(monkeypatch):
    """Failed before (5 s): the proxy (Caddy 60 s, nginx 60 s) reused connections gunicorn
    had closed. The server must close an idle connection after the client would."""
    settings = load_gunicorn_config(monkeypatch)
    caddyfile = (ROOT / "config" / "Caddyfile").read_text()
    proxy_idle = int(re.search(r"^\s*keepalive (\d+)s$", caddyfile, re.MULTILINE).group(1))
    assert settings["keepalive"] > proxy_idle >= 30
    monkeypatch.setenv("GUNICORN_KEEPALIVE", "90")
    assert load_gunicorn_config(monkeypatch)["keepalive"] == 90
