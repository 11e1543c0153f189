"""Rate limits hold as documented under gunicorn with several workers (real processes).

Against a started gunicorn (config/gunicorn.py, production configuration, three workers):
with Redis the documented number of failed logins and of sign-ups is allowed, exactly, and no
more; with per-process storage (memory://) gunicorn does not start; `make serve` without
Redis runs one worker.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.ports import free_port
from bench.processes import BIN, GUNICORN_CONFIG, ROOT, Gunicorn, flask, site_env
from tests.helpers import CSRF_RE
from tests.testapp import NO_REDIS, REDIS_URL

WORKERS = 3


class Browser:
    """One visitor: a fresh connection per request (so any worker may answer), own cookies."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), text
        finally:
            connection.close()

    def post_form(self, path: str, form: dict):
        _, _, page = self.request("GET", path)
        token = CSRF_RE.search(page)
        assert token, f"no form on {path}"
        return self.request("POST", path, {"csrf_token": token.group(1), **form})


def documented_sign_ups_per_ip() -> int:
    """The per-hour number of REGISTRATION_LIMIT_PER_IP in config and the README."""
    from config import ProductionConfig

    number, per, unit = ProductionConfig.REGISTRATION_LIMIT_PER_IP.split()
    assert (per, unit) == ("per", "hour")
    readme = (ROOT / "README.md").read_text()
    assert f"| `REGISTRATION_LIMIT_PER_IP` | `{number} per hour` |" in readme
    return int(number)


def production_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = site_env(
        f"sqlite:///{tmp_path / 'site.db'}",
        port,
        free_port(),  # nothing listens: mails stay queued, which is not what is tested here
        EVENTSITE_RATELIMIT_ENABLED="true",
        # Plain http on 127.0.0.1 (as `make serve`): no Secure/__Host- cookie.
        EVENTSITE_SESSION_COOKIE_SECURE="false",
        EVENTSITE_SESSION_COOKIE_NAME="session",
        WEB_CONCURRENCY=str(WORKERS),
    )
    env.update(extra)
    return env


@pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
def test_several_workers_on_redis_allow_exactly_the_documented_limits(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path,
        port,
        EVENTSITE_RATELIMIT_STORAGE_URI=REDIS_URL,
        # A private key prefix: other test runs share this Redis; nothing is flushed.
        EVENTSITE_RATELIMIT_KEY_PREFIX=f"eventsite-limits-{secrets.token_hex(6)}",
    )
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    email = "owner@example.org"
    subprocess.run(
        [str(BIN / "flask"), "organisers", "create", email, "--role", "admin"],
        cwd=ROOT,
        env=env,
        input="a long owner passphrase\n",
        text=True,
        check=True,
        capture_output=True,
    )
    with Gunicorn(
        "wsgi:app", port, env, tmp_path / "gunicorn.log", ready_path="/healthz"
    ) as server:
        assert len(server.worker_pids()) == WORKERS
        # Failed logins: ORGANISER_LOGIN_LIMIT_ACCOUNT = 10 per 15 minutes, whichever worker.
        codes = [
            Browser(port).post_form("/organiser/login", {"email": email, "password": "guess"})[0]
            for _ in range(12)
        ]
        assert codes == [200] * 10 + [429] * 2
        # Sign-ups: REGISTRATION_LIMIT_PER_IP (each with its own address), as documented.
        allowed = documented_sign_ups_per_ip()
        _, _, page = Browser(port).request("GET", "/register")
        slug = re.search(r'name="sessions"[^>]*value="([^"]+)"', page).group(1)
        codes = []
        for n in range(allowed + 2):
            status, headers, _ = Browser(port).post_form(
                "/register",
                {
                    "name": "Anna de Vries",
                    "email": f"anna{n}@example.nl",
                    "organisation": "De Vries Metaal B.V.",
                    "role": "Eigenaar",
                    "sessions": [slug],
                    "consent": "y",
                },
            )
            codes.append(status)
            assert not any(h.lower().startswith("x-ratelimit") for h in headers)
        assert codes == [302] * allowed + [429] * 2


def test_gunicorn_with_several_workers_refuses_per_process_limits(tmp_path):
    port = free_port()
    env = production_env(tmp_path, port)  # RATELIMIT_STORAGE_URI left at memory://
    flask(env, "db", "upgrade")
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "wsgi:app"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        status = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("gunicorn started with per-process rate limits and three workers")
    output = log.read_text()
    assert status != 0
    assert (
        f"gunicorn runs {WORKERS} workers" in output and "EVENTSITE_RATELIMIT_STORAGE_URI" in output
    )
    assert "Worker failed to boot" in output


def test_make_serve_without_redis_runs_one_worker(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EVENTSITE_", "WEB_CONCURRENCY", "GUNICORN_"))
    }
    env.update(
        VENV=str(BIN.parent),
        PORT=str(port),
        EVENTSITE_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'serve.db'}",
    )
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(ROOT / "bin" / "serve")], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "Booting worker" not in log.read_text():
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(2)  # a second worker, if any, would have booted by now
        output = log.read_text()
        assert "running 1 worker" in output
        assert output.count("Booting worker") == 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
