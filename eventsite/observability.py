"""Request logs: one JSON line per request with a request id; personal tokens never logged.

The line is written when the server has sent the whole body, so ``duration_ms`` includes a
streamed CSV export, not only the time to the first byte. The request id comes from a sane
``X-Request-ID`` header set by a proxy (so one id follows a request through every layer) or
is made here; it is echoed in the response's ``X-Request-ID`` and kept in ``g.request_id``.

Only the path is logged, never the query string, and path segments that are tokens (a URL
variable whose name contains "token", or anything that looks like one) become ``<redacted>``.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from time import perf_counter
from typing import Any

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_REQUEST_ID = "eventsite.request_id"
ENVIRON_VIEW_ARGS = "eventsite.view_args"
REDACTED = "<redacted>"

logger = logging.getLogger("eventsite.request")

# What a proxy's request id may look like; anything else (too long, odd characters that
# could forge log fields) is replaced by our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=@-]{0,127}")
# Long random-looking segments: mixed case and digits (slugs are lowercase, so never match).
_TOKEN_LIKE = re.compile(r"(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9._~=-]{20,}")
# Paths longer than this are cut: a log line must stay a line.
_MAX_PATH = 300


class _RequestIds:
    """New request ids: 32 hex digits, a random half per process and a counter (no system
    call per request, as uuid4 makes; an id needs to be unique, not secret)."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.prefix, self.counter = secrets.token_hex(8), itertools.count(1)

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


_request_ids = _RequestIds()
os.register_at_fork(after_in_child=_request_ids.start)  # a forked worker draws its own half


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is sane, else a new unique one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return _request_ids.new()


def redact_path(path: str, view_args: Mapping[str, Any] | None = None) -> str:
    """``path`` with token segments replaced by ``<redacted>``."""
    secrets_in_path = {
        str(value) for name, value in (view_args or {}).items() if "token" in name.lower()
    }
    segments = [
        REDACTED if segment in secrets_in_path or _TOKEN_LIKE.fullmatch(segment) else segment
        for segment in path.split("/")
    ]
    redacted = "/".join(segments)
    return redacted if len(redacted) <= _MAX_PATH else redacted[:_MAX_PATH] + "..."


def log_line(fields: Mapping[str, Any]) -> str:
    """One request as one compact JSON line."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=True, default=str)


class RequestLogMiddleware:
    """WSGI middleware: assign the request id, echo it, log the request when it is done."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_REQUEST_ID] = request_id
        seen: dict[str, int] = {}

        def start_with_id(status: str, headers: list, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info)

        def done() -> None:
            self.log(environ, seen.get("status", 500), started)

        try:
            body = self.wsgi_app(environ, start_with_id)
        except BaseException:
            done()
            raise
        return LoggedBody(body, done)

    @staticmethod
    def log(environ: Mapping[str, Any], status: int, started: float) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        fields = {
            "event": "request",
            "method": environ.get("REQUEST_METHOD"),
            "path": redact_path(path, environ.get(ENVIRON_VIEW_ARGS)),
            "status": status,
            "duration_ms": round((perf_counter() - started) * 1000, 2),
            "request_id": environ.get(ENVIRON_REQUEST_ID),
        }
        logger.info(log_line(fields))


class LoggedBody:
    """The response body; closing it (the server has sent it all) first writes the log line.

    Logged before the app's own close callbacks, so work done after the response (sending
    mail) is not counted as the visitor's waiting time.
    """

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body, self.done = body, done

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            self.done()
        finally:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()


class RequestIdFilter(logging.Filter):
    """Give every log record a ``request_id`` (``-`` outside a request), so the app's
    warnings and errors can be matched with their request line (see config/gunicorn.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def register_request_logging(app: Flask) -> None:
    """Log every request of ``app`` as one line and give it a request id."""
    app.wsgi_app = RequestLogMiddleware(app.wsgi_app)
    # Without a configured level the line would be dropped (Python's default is WARNING).
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)

    @app.before_request
    def remember_request_id() -> None:
        g.request_id = request.environ.get(ENVIRON_REQUEST_ID) or request_id_from(None)
        # The matched URL variables tell the logger which segments are tokens.
        request.environ[ENVIRON_VIEW_ARGS] = request.view_args
