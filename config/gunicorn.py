"""gunicorn settings for production: ``gunicorn -c config/gunicorn.py wsgi:app``.

Every value can be changed by an environment variable, so one file serves a laptop
(``make serve``), the benchmark and a server behind a proxy:

- ``WEB_CONCURRENCY``: worker processes (default ``2 * cores + 1``, at most ``MAX_WORKERS``).
- ``GUNICORN_THREADS``: threads per worker (gthread; default 4). A request waiting on the
  database or on SMTP blocks one thread, not the worker.
- ``GUNICORN_BIND``: address (default ``127.0.0.1:8000``; ``PORT`` alone sets the port).
- ``GUNICORN_TIMEOUT`` / ``GUNICORN_GRACEFUL_TIMEOUT`` / ``GUNICORN_KEEPALIVE``: seconds
  (keep-alive 75: longer than the proxy's upstream idle timeout, see below).
- ``FORWARDED_ALLOW_IPS``: proxies whose ``X-Forwarded-Proto`` gunicorn trusts (default
  ``127.0.0.1``). The app itself trusts ``X-Forwarded-*`` only through ProxyFix, configured by
  ``EVENTSITE_PROXY_FIX_X_FOR`` / ``_X_PROTO`` / ``_X_HOST`` (see README, "Production").

The access log is the app's own request line (``eventsite.observability``): one JSON object
per request on stdout, with the request id and tokens redacted from the path. gunicorn's own
access log is off because its ``%(U)s`` would print personal tokens in ``/confirm/<token>``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gunicorn.glogging import Logger

# More workers than this only adds memory and database connections on a small machine.
MAX_WORKERS = 12


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(cores: int | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``WEB_CONCURRENCY`` if set, else 2 * cores + 1, capped at ``MAX_WORKERS``."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("WEB_CONCURRENCY", "").strip()
    if explicit:
        value = int(explicit)
        if value < 1:
            raise ValueError(f"WEB_CONCURRENCY must be at least 1, not {value}")
        return value
    cores = cores or available_cores()
    return min(2 * cores + 1, MAX_WORKERS)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


wsgi_app = "wsgi:app"
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]
workers = default_workers()
# gthread, chosen by measurement (bench/results/worker-models.md, README "Worker model"): in
# one session of paired runs it served the cached pages 1.5 to 2.8 times as fast as sync
# workers (which close every connection: no keep-alive) and gevent, with sign-ups as fast as
# either; gevent lost sign-ups on SQLite (29 errors at 32 clients: sqlite3 blocks the whole
# process, so a writer holding the lock starves its own event loop) and was slowest on
# PostgreSQL. ``GUNICORN_WORKER_CLASS`` is for measuring again, not for production.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 4)
# A worker silent this long is killed and replaced (a stuck request, not a slow client).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (deploy, scale-in) running requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Longer than any client's idle reuse of a connection: the proxy's upstream keep-alive
# (config/Caddyfile: 60 s; nginx's keepalive_timeout: 60 s) and bench/scaleout.py's clients.
# A server that closes first races the client's next request on that connection ("0 bytes
# read", a 502 at the proxy). Idle connections wait in the worker's poller, not in a thread.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then: bounds slow leaks. Rarely: a new worker costs about 1.8 s of
# CPU (importing the app, then warm_up), and under load all workers reach the count at about
# the same time (at 20,000, five replaced at once in the benchmark's full run: about 9 s of
# CPU in a few seconds, the hello app's rate halved meanwhile). The jitter (up to a quarter
# more) spreads their restarts.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = max_requests // 4
# Bounded: a request line or header this large is an attack, not a browser.
limit_request_line = 4094
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers import the app themselves: no database connection is shared across a fork.
preload_app = False
# /dev/shm keeps the heartbeat file off a possibly slow disk (Docker's overlay, for one).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "eventsite"
# gunicorn's control socket has one default path per user, so a second instance on the same
# host (scale-out, the benchmark) would take it over; on only where a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True



def on_starting(server) -> None:
    """Tell the app how many worker processes share its rate limits: with per-process
    storage (memory://) and more than one, each worker refuses to start and gunicorn stops
    ("Worker failed to boot"), instead of allowing N times the documented limits."""
    os.environ["EVENTSITE_WORKER_PROCESSES"] = str(server.cfg.workers)


def post_worker_init(worker) -> None:
    """Compile the templates and load the languages before the first request (each worker
    would otherwise pay it in its first answers: the p99 after every start or recycling)."""
    app = getattr(worker, "wsgi", None)
    if getattr(app, "import_name", None) == "eventsite":  # not the benchmark's ceilings
        from eventsite.core.warmup import warm_up

        warm_up(app)


accesslog = None


class AppWritesTheRequestLine(Logger):
    """gunicorn's logger without its access log. With ``logconfig_dict`` set, gunicorn would
    still gather every request's fields for an access line that goes nowhere."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


logger_class = AppWritesTheRequestLine
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(message)s"},
        "server": {
            "format": "%(asctime)s [%(process)d] %(levelname)s %(name)s "
            "request_id=%(request_id)s: %(message)s"
        },
    },
    "filters": {"request_id": {"()": "eventsite.observability.RequestIdFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stdout",
        },
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        },
    },
    # Replaces gunicorn's default root logger (its "console" handler is not defined here).
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        # One JSON line per request: the access log.
        "eventsite.request": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "eventsite": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"], "propagate": False},
    },
}
