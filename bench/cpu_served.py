"""CPU per request of the site as it is served: gunicorn with config/gunicorn.py and the
production settings, one worker process, while bench/loadgen.py keeps a few clients busy.

    .venv/bin/python bench/cpu_served.py [--signup] [--path /register] [--threads 4]

Prints requests per second and the worker's CPU time per request (user + system, read from
/proc before and after), with the background mail sender's share included: what a request
really costs the machine, which the in-process figures of bench/cpu.py leave out.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fill import add_attendees  # noqa: E402
from bench.ports import free_port  # noqa: E402
from bench.processes import Gunicorn, SmtpSink, flask, site_env  # noqa: E402
from bench.run import loadgen  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/register")
    parser.add_argument("--signup", action="store_true")
    parser.add_argument("--threads", default="4")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database", default=None, help="a database URI (default: SQLite)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--app", default="wsgi:app", help="e.g. bench.write_app:app --post")
    parser.add_argument("--post", action="store_true", help="loadgen --post (the write ceiling)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventsite-cpu-") as tmp_name:
        tmp = Path(tmp_name)
        uri = args.database or f"sqlite:///{tmp / 'cpu.db'}"
        port, mail_port = free_port(), free_port()
        extra = dict(item.split("=", 1) for item in args.set)
        env = site_env(uri, port, mail_port, WEB_CONCURRENCY="1", GUNICORN_THREADS=args.threads)
        if args.signup:
            # The request as it goes under a burst: stored, registered later. One worker
            # fills the default queue (1,000) within the run, after which sign-ups register
            # in their request; and between the warm-up and the measurement the intake thread
            # would register the warm-up's sign-ups inside the measured window.
            env.update(
                EVENTSITE_SIGNUP_INTAKE_QUEUE_MAX="1000000", EVENTSITE_SIGNUP_BURST_WINDOW="5"
            )
        env.update(extra)
        flask(env, "db", "upgrade")
        flask(env, "programme", "demo")
        add_attendees(uri, 2_000)
        with (
            SmtpSink(mail_port, tmp / "mail.txt"),
            Gunicorn(
                args.app, port, env, tmp / "site.log", "/healthz" if args.app == "wsgi:app" else "/"
            ) as server,
        ):
            [worker] = server.worker_pids()
            mode = ["--post"] if args.post else []
            warm = {"duration": 2.0, "warmup": 0.5}
            loadgen(port, args.clients, warm, args.path, args.signup, mode)
            before = cpu_seconds(worker)
            timing = {"duration": args.seconds, "warmup": 0.0}
            figures = loadgen(port, args.clients, timing, args.path, args.signup, mode)
            used = cpu_seconds(worker) - before
        count = figures["rps"] * args.seconds
        what = f"{'POST' if args.signup or args.post else 'GET'} {args.path}"
        print(
            f"{what}: {figures['rps']} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']}"
            f" ms; worker CPU {used * 1000 / max(count, 1):.2f} ms per request"
        )


if __name__ == "__main__":
    main()
