"""Processes the benchmark, the scale-out check and the HTTPS parity stage start: gunicorn,
the Caddy proxy, the SMTP sink, a private PostgreSQL database. Each is a context manager
that stops what it started."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"
CADDYFILE = ROOT / "config" / "Caddyfile"
CADDY = os.environ.get("EVENTSITE_CADDY", "caddy")


def http_status(url: str, timeout: float = 10.0) -> int:
    """The status of a GET (redirects not followed); 0 when nothing answers."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def site_env(database_uri: str, port: int, mail_port: int, **extra: str) -> dict[str, str]:
    """The production configuration for a run on this machine (nothing else inherited)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EVENTSITE_", "GUNICORN_", "WEB_CONCURRENCY", "FLASK_"))
    }
    env.update(
        FLASK_APP="wsgi.py",
        EVENTSITE_ENV="production",
        EVENTSITE_SECRET_KEY=secrets.token_hex(32),
        EVENTSITE_SQLALCHEMY_DATABASE_URI=database_uri,
        EVENTSITE_SITE_URL=f"http://127.0.0.1:{port}",
        EVENTSITE_MAIL_SERVER="127.0.0.1",
        EVENTSITE_MAIL_PORT=str(mail_port),
        # The load comes from one address; the limits would measure themselves.
        EVENTSITE_RATELIMIT_ENABLED="false",
        PORT=str(port),
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run a ``flask`` command of the site; its output, or an error with the output."""
    result = subprocess.run(
        [str(BIN / "flask"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Gunicorn:
    """gunicorn with config/gunicorn.py on 127.0.0.1:<port>, until the ``with`` ends."""

    def __init__(
        self,
        app: str,
        port: int,
        env: dict[str, str],
        log: Path,
        ready_path: str = "/",
        listener: socket.socket | None = None,
    ) -> None:
        self.app, self.port, self.env, self.log, self.ready_path = app, port, env, log, ready_path
        # A listening socket held by the caller (as systemd's socket activation holds it):
        # gunicorn serves it as fd://N, and it outlives a stop, with its queued connections.
        self.listener = listener
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), self.app]
        env, pass_fds = {**self.env, "PORT": str(self.port)}, ()
        if self.listener is not None:
            env["GUNICORN_BIND"] = f"fd://{self.listener.fileno()}"
            pass_fds = (self.listener.fileno(),)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=log, pass_fds=pass_fds
            )
        deadline = time.monotonic() + 60
        while http_status(f"{self.url}{self.ready_path}", timeout=2) != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"gunicorn {self.app} did not start; see {self.log}")
            time.sleep(0.2)
        # Every worker imports the app on its own; give the last ones time to come up.
        time.sleep(1.0)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc) -> None:
        stop(self.process)


def stop(process: subprocess.Popen | None, timeout: float = 40) -> None:
    """SIGTERM (a graceful stop), then SIGKILL after ``timeout`` seconds."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class FlaskWorker:
    """``flask worker`` (the outbox, the stored sign-ups, reminders) as production runs it
    beside gunicorn, until the ``with`` ends: it registers what a recycled gunicorn worker
    (``max_requests``) stored and left."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> FlaskWorker:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "flask"), "worker"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)


class Caddy:
    """Caddy with config/Caddyfile: HTTPS on 127.0.0.1:<port> in front of ``upstream``.

    Its state (autosave, storage) goes to ``workdir``, never to the user's home; the admin
    endpoint is off in the Caddyfile, so several can run on one host."""

    def __init__(
        self, port: int, upstream: str, cert: Path, key: Path, workdir: Path, ca: Path
    ) -> None:
        self.port, self.upstream, self.cert, self.key = port, upstream, cert, key
        self.workdir, self.ca = workdir, ca
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "XDG_DATA_HOME": str(self.workdir / "data"),
            "XDG_CONFIG_HOME": str(self.workdir / "config"),
            "EVENTSITE_PUBLIC_ADDRESS": self.url,
            "EVENTSITE_UPSTREAM": self.upstream,
            "EVENTSITE_TLS_CERT": str(self.cert),
            "EVENTSITE_TLS_KEY": str(self.key),
        }

    def __enter__(self) -> Caddy:
        import ssl

        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
        with open(self.workdir / "caddy.log", "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment(), stdout=log, stderr=log
            )
        context = ssl.create_default_context(cafile=str(self.ca))
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as raw:
                    with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                        return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    log_text = (self.workdir / "caddy.log").read_text()
                    raise RuntimeError(f"caddy did not start:\n{log_text}") from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SmtpSink:
    """bench/smtp_sink.py in a subprocess; ``deliveries()`` reads what it received."""

    def __init__(self, port: int, log: Path, store: Path | None = None) -> None:
        self.port, self.log, self.store = port, log, store
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> SmtpSink:
        self.log.write_text("")
        command = [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(self.port)]
        command += ["--log", str(self.log)]
        if self.store is not None:
            self.store.mkdir(parents=True, exist_ok=True)
            command += ["--store", str(self.store)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def deliveries(self) -> list[tuple[str, str]]:
        """(Message-ID, recipient) of every message received so far."""
        return [(fields[0], fields[1]) for fields in self._lines()]

    def arrival_times(self) -> list[float]:
        return [float(fields[2]) for fields in self._lines()]

    def _lines(self) -> list[list[str]]:
        lines = self.log.read_text().splitlines()
        return [line.split("\t") for line in lines if line.count("\t") == 2]

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        if self.process and self.process.stdout:
            self.process.stdout.close()


class PrivatePostgres:
    """A database of its own on the server of ``server_url``, dropped afterwards."""

    def __init__(self, server_url: str, prefix: str = "eventsite_bench") -> None:
        from sqlalchemy.engine import make_url

        self.server = make_url(server_url).set(drivername="postgresql+psycopg")
        self.name = f"{prefix}_{secrets.token_hex(4)}"

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def __enter__(self) -> str:
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
