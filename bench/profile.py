"""Profile one endpoint of the site under load: where a request's time goes.

    .venv/bin/python bench/profile.py                 # GET /register
    .venv/bin/python bench/profile.py --signup        # POST /register (the full sign-up)
    .venv/bin/python bench/profile.py --path /        # any GET

The site runs as in bench/run.py (gunicorn with config/gunicorn.py, production settings, a
fresh SQLite database with the demo edition, mail to a local sink), but with one worker and
one thread, wrapped by bench/profiled_app.py, while bench/loadgen.py keeps 8 clients busy.
It prints pyinstrument's call tree of the profiled requests (wall time, each request alone).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fill import add_attendees  # noqa: E402
from bench.ports import free_port  # noqa: E402
from bench.processes import Gunicorn, SmtpSink, flask, site_env  # noqa: E402
from bench.run import loadgen  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/register")
    parser.add_argument("--signup", action="store_true", help="profile the sign-up POST")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--database", default=None, help="a database URI (default: SQLite)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    match = f"{'POST' if args.signup else 'GET'} {args.path}"
    with tempfile.TemporaryDirectory(prefix="eventsite-profile-") as tmp_name:
        tmp = Path(tmp_name)
        uri = args.database or f"sqlite:///{tmp / 'profile.db'}"
        port, mail_port = free_port(), free_port()
        out = tmp / "profile.txt"
        env = site_env(
            uri,
            port,
            mail_port,
            WEB_CONCURRENCY="1",
            GUNICORN_THREADS="1",
            EVENTSITE_PROFILE_MATCH=match,
            EVENTSITE_PROFILE_OUT=str(out),
            **dict(item.split("=", 1) for item in args.set),
        )
        flask(env, "db", "upgrade")
        flask(env, "programme", "demo")
        add_attendees(uri, 2_000)
        with (
            SmtpSink(mail_port, tmp / "mail.txt"),
            Gunicorn("bench.profiled_app:app", port, env, tmp / "site.log", "/healthz"),
        ):
            timing = {"duration": args.seconds, "warmup": 1.0}
            figures = loadgen(port, 8, timing, path=args.path, signup=args.signup)
            time.sleep(1.0)
        print(f"{match}: {figures['rps']} req/s, p50 {figures['p50_ms']} ms (1 thread, profiled)")
        print(out.read_text() if out.exists() else "no profile written (too few requests)")


if __name__ == "__main__":
    main()
