"""`make serve` (bin/serve): honcho starts the Procfile's web server and worker together; a
sign-up's mail, left to the worker (MAIL_SEND_AFTER_COMMIT off, so the web process sends
nothing), arrives at an SMTP server with no other process running, no cron; SIGTERM stops
both."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from bench.ports import free_port
from bench.processes import BIN, ROOT, flask, http_status, site_env
from tests.helpers import signups
from tests.smtp_server import SMTPServer


def test_make_serve_runs_web_and_worker_and_the_worker_sends_the_mail(tmp_path):
    port, mail_port = free_port(), free_port()
    env = site_env(
        f"sqlite:///{tmp_path / 'site.db'}",
        port,
        mail_port,
        EVENTSITE_MAIL_SEND_AFTER_COMMIT="false",
        VENV=str(BIN.parent),
    )
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    smtp = SMTPServer(mail_port)
    smtp.start()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [str(ROOT / "bin" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one below
        )
    try:
        deadline = time.monotonic() + 60
        while http_status(f"http://127.0.0.1:{port}/healthz", timeout=2) != 200:
            assert serve.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        result = signups(port, 2, concurrency=1)
        assert (result["requests"], result["errors"]) == (2, 0), result
        # Only `flask worker`, started by honcho, can have sent these.
        assert len(smtp.wait_for("bench-", 2, timeout=30)) == 2
        deadline = time.monotonic() + 10  # its line follows the delivery by a moment
        while "outbox: sent " not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        output = log.read_text()
        assert "web.1" in output and "worker.1" in output
        assert "worker: started" in output and "outbox: sent " in output
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        assert "worker: stopped" in log.read_text()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        smtp.stop()
