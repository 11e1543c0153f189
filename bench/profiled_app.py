"""The site wrapped in a per-request profiler, for bench/profile.py (never for production).

    gunicorn -c config/gunicorn.py bench.profiled_app:app

Each request whose method and path match ``EVENTSITE_PROFILE_MATCH`` ("GET /register",
"POST /register", ...) is profiled by pyinstrument in its own thread, the response body
included; the sessions are combined and written as text to ``EVENTSITE_PROFILE_OUT`` every
``WRITE_EVERY`` requests. Run with one worker and one thread so the profile is one request
at a time under load, not the GIL's scheduling.
"""

from __future__ import annotations

import os
import threading

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

from wsgi import app

WRITE_EVERY = 20

_lock = threading.Lock()
_state: dict = {"session": None, "count": 0}
MATCH = os.environ.get("EVENTSITE_PROFILE_MATCH", "GET /register")
OUT = os.environ.get("EVENTSITE_PROFILE_OUT", "profile.txt")


def _write(session: Session) -> None:
    show_all = os.environ.get("EVENTSITE_PROFILE_ALL") == "1"
    text = ConsoleRenderer(unicode=True, color=False, show_all=show_all, time="percent_of_total")
    with open(OUT, "w") as out:
        out.write(f"{_state['count']} requests: {MATCH}\n")
        out.write(text.render(session))


def _profiled(wsgi_app):
    def middleware(environ, start_response):
        if f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}" != MATCH:
            return wsgi_app(environ, start_response)
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
        try:
            body = b"".join(wsgi_app(environ, start_response))
        finally:
            session = profiler.stop()
        with _lock:
            combined = _state["session"]
            _state["session"] = session if combined is None else Session.combine(combined, session)
            _state["count"] += 1
            if _state["count"] % WRITE_EVERY == 0:
                _write(_state["session"])
        return [body]

    return middleware


app.wsgi_app = _profiled(app.wsgi_app)
