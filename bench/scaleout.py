"""Scale-out check: two gunicorn instances and two outbox workers on one PostgreSQL and Redis.

    EVENTSITE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
    EVENTSITE_TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/scaleout.py

Not a timing test: many concurrent clients (each with its own address, passed through
X-Forwarded-For as a proxy would) sign up on both instances, a form fetched from one instance
posted to the other; then every confirmation link is followed, again spread over both. It
checks that every registration is stored once, every confirmation mail is delivered exactly
once (counted by Message-ID at an SMTP sink), no session takes more confirmed attendees than
its capacity, and the sign-up rate limit is shared (spent on one instance, refused on the
other). Everything runs on 127.0.0.1, in a private database and a private Redis key prefix.

Exit status: 0 all checks pass, 1 a check failed, 3 cannot run here (the reason is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scaleout_checks as checks  # noqa: E402
from bench.fill import bench_app  # noqa: E402
from bench.ports import free_port  # noqa: E402
from bench.processes import (  # noqa: E402
    BIN,
    ROOT,
    Gunicorn,
    PrivatePostgres,
    SmtpSink,
    flask,
    http_status,
    site_env,
)

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_RUN = 0, 1, 3
MAIL_WAIT_SECONDS = 120


class Workers:
    """``flask mail send-queued --loop`` processes, stopped with SIGTERM at the end."""

    def __init__(self, count: int, env: dict, log: Path) -> None:
        self.count, self.env, self.log = count, env, log
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Workers:
        with open(self.log, "ab") as log:
            for _ in range(self.count):
                command = [str(BIN / "flask"), "mail", "send-queued", "--loop", "--interval", "0.5"]
                self.processes.append(
                    subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
                )
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def environment(uri: str, ports: list[int], mail_port: int, redis: str) -> dict[str, str]:
    """One configuration for both instances and workers: same secret, database and Redis."""
    return site_env(
        uri,
        ports[0],
        mail_port,
        EVENTSITE_SECRET_KEY=secrets.token_hex(32),
        EVENTSITE_RATELIMIT_ENABLED="true",
        EVENTSITE_RATELIMIT_STORAGE_URI=redis,
        EVENTSITE_RATELIMIT_KEY_PREFIX=f"eventsite-scaleout-{secrets.token_hex(4)}",
        # As behind one proxy: the client's address comes from X-Forwarded-For.
        EVENTSITE_PROXY_FIX_X_FOR="1",
        WEB_CONCURRENCY="2",
    )


def set_capacity(uri: str, capacity: int) -> str:
    """Limit the demo edition's first session; its slug."""
    from eventsite.extensions import db
    from eventsite.programme.models import Edition

    app = bench_app(uri)
    with app.app_context():
        edition = db.session.scalar(
            db.select(Edition).filter_by(published=True).order_by(Edition.year.desc())
        )
        session = edition.sessions[0]
        session.capacity = capacity
        db.session.commit()
        slug = session.slug
        db.engine.dispose()
    return slug


def wait_for_mail(sink: SmtpSink, uri: str, expected: int) -> None:
    """Until the outbox is empty and at least ``expected`` mails arrived (bounded)."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        if len(sink.deliveries()) >= expected and checks.outbox_pending(uri) == 0:
            time.sleep(2)  # a late duplicate would show up now
            return
        time.sleep(0.5)


def read_mails(store: Path) -> list:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(store.glob("*.eml"))
    ]


def run(args) -> int:
    pg, redis = (
        os.environ.get("EVENTSITE_TEST_DATABASE_URL"),
        os.environ.get("EVENTSITE_TEST_REDIS_URL"),
    )
    if not pg or not redis:
        print("cannot run: EVENTSITE_TEST_DATABASE_URL and EVENTSITE_TEST_REDIS_URL must be set")
        return EXIT_CANNOT_RUN
    report: dict = {"checks": {}}
    with tempfile.TemporaryDirectory(prefix="eventsite-scaleout-") as tmp_name:
        tmp = Path(tmp_name)
        with PrivatePostgres(pg, prefix="eventsite_scaleout") as uri:
            ports, mail_port = [free_port(), free_port()], free_port()
            env = environment(uri, ports, mail_port, redis)
            flask(env, "db", "upgrade")
            flask(env, "programme", "demo")
            limited_slug = set_capacity(uri, args.capacity)
            store = tmp / "mail"
            with (
                SmtpSink(mail_port, tmp / "delivered.txt", store) as sink,
                Gunicorn("wsgi:app", ports[0], env, tmp / "a.log", "/healthz") as a,
                Gunicorn("wsgi:app", ports[1], env, tmp / "b.log", "/healthz"),
                Workers(2, env, tmp / "workers.log"),
            ):
                if http_status(f"{a.url}/register") != 200:
                    print("cannot run: GET /register is not 200: registration is not here yet")
                    return EXIT_CANNOT_RUN
                signed_up = asyncio.run(
                    checks.sign_up_everywhere(ports, args.clients, args.signups)
                )
                report["signed_up"] = len(signed_up.emails)
                report["signup_errors"] = signed_up.errors[:5]
                wait_for_mail(sink, uri, len(signed_up.emails))
                mails = read_mails(store)
                report["checks"]["signups_without_error"] = not signed_up.errors
                report["checks"].update(checks.stored_once(uri, signed_up.emails))
                report["checks"].update(checks.mailed_once(sink.deliveries(), signed_up.emails))
                confirmed = asyncio.run(checks.confirm_everywhere(mails, ports, args.clients))
                report["confirm_errors"] = confirmed.errors[:5]
                report["checks"]["confirmations_without_error"] = not confirmed.errors
                report["checks"]["every_mail_confirmed"] = len(confirmed.emails) == len(mails)
                # The mails that confirming sends (welcome, invites): still none twice.
                wait_for_mail(sink, uri, len(mails))
                ids = [message_id for message_id, _ in sink.deliveries()]
                report["mails_delivered_in_all"] = len(ids)
                report["checks"]["no_message_id_twice_after_confirming"] = len(ids) == len(set(ids))
                report["checks"].update(checks.capacity_kept(uri, limited_slug, args.capacity))
                report["checks"].update(asyncio.run(checks.rate_limit_shared(ports)))
    print(json.dumps(report, indent=2))
    failed = [name for name, ok in report["checks"].items() if not ok]
    if failed:
        print(f"FAILED: {', '.join(failed)}; logs were in the temp dir")
        return EXIT_FAILED
    print("scale-out: all checks passed")
    return EXIT_OK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=40, help="concurrent clients")
    parser.add_argument("--signups", type=int, default=240, help="sign-ups in all")
    parser.add_argument("--capacity", type=int, default=50, help="places in the first session")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
