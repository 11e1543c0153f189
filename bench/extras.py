"""The two measurements beyond requests per second: the CSV export and the outbox sender.

Each returns its figures, or ``{"skipped": reason}`` when the feature is not on this branch.
"""

from __future__ import annotations

import http.client
import re
import secrets
import subprocess
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import delete, insert

from bench.fill import add_attendees, bench_app, programme_facts
from bench.loadgen import cookie_header
from bench.processes import BIN, ROOT, Gunicorn, SmtpSink, flask, rss_mb
from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage

RSS_SAMPLE_SECONDS = 0.01
LOGIN_PATH = "/organiser/login"


def export_routes(database_uri: str) -> list[str]:
    """URL rules of the organisers' CSV exports, if the feature exists."""
    app = bench_app(database_uri)
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "export" in rule.endpoint or rule.rule.endswith(".csv")
    ]
    return sorted(rules)


def csv_export(server: Gunicorn, env: dict, database_uri: str, rows: int) -> dict:
    """Time and peak worker memory of downloading ``rows`` attendees as CSV."""
    routes = export_routes(database_uri)
    if not routes:
        return {"skipped": "no organiser CSV export route on this branch yet (issue 5)"}
    login = organiser_session(server, env, database_uri)
    if isinstance(login, str):
        return {"skipped": login}
    cookie, url = login
    have = add_attendees(database_uri, 0)
    if have < rows:
        add_attendees(database_uri, rows - have, start=have)
    return download_with_rss(server, url, cookie, rows)


def organiser_session(server: Gunicorn, env: dict, database_uri: str) -> str | tuple[str, str]:
    """(session cookie, export URL) of a logged-in admin organiser, or why there is none."""
    email, password = "bench-admin@example.nl", secrets.token_urlsafe(18)
    created = subprocess.run(
        [str(BIN / "flask"), "organisers", "create", email, "--role", "admin"],
        input=password + "\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if created.returncode != 0:
        return f"`flask organisers create` failed: {created.stderr.strip()[-300:]}"
    status, headers, body = http_request(server.url + LOGIN_PATH)
    jar: dict[str, str] = {}
    cookie_header(headers.get_all("Set-Cookie") or [], jar)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or token is None:
        return f"GET {LOGIN_PATH} answered {status} without a login form"
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password})
    status, headers, _ = http_request(
        server.url + LOGIN_PATH,
        method="POST",
        body=form.encode(),
        headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    if status not in (302, 303):
        return f"organiser login answered {status}"
    cookie_header(headers.get_all("Set-Cookie") or [], jar)
    year = programme_facts(database_uri)["year"]
    return "; ".join(f"{k}={v}" for k, v in jar.items()), f"/organiser/attendees.csv?edition={year}"


def http_request(url: str, method: str = "GET", body: bytes | None = None, headers=None):
    """(status, headers, body) without following redirects or dropping Secure cookies."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def download_with_rss(server: Gunicorn, url: str, cookie: str, rows: int) -> dict:
    """GET ``url`` to the end while sampling every worker's resident memory."""
    workers = server.worker_pids()
    baseline = {pid: rss_mb(pid) for pid in workers}
    peak = dict(baseline)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_mb(pid))
            time.sleep(RSS_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    request = urllib.request.Request(server.url + url, headers={"Cookie": cookie})
    size = lines = 0
    with urllib.request.urlopen(request, timeout=120) as response:
        status = response.status
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    worker = max(workers, key=lambda pid: peak[pid] - baseline[pid])
    return {
        "url": url,
        "status": status,
        "rows": rows,
        "lines": lines,
        "bytes": size,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak[worker], 1),
        "rss_increase_mb": round(peak[worker] - baseline[worker], 1),
    }


def outbox(env: dict, database_uri: str, tmp: Path, mails: int) -> dict:
    """Mails per second that ``flask mail send-queued`` hands to a local SMTP sink."""
    try:
        commands = flask(env, "mail", "--help")
    except RuntimeError:  # no `mail` command group at all
        commands = ""
    if "send-queued" not in commands:
        return {"skipped": "`flask mail send-queued` is not on this branch yet (the lead's sender)"}
    queue_mails(database_uri, mails)
    with SmtpSink(int(env["EVENTSITE_MAIL_PORT"]), tmp / "outbox-sink.txt") as sink:
        started = time.perf_counter()
        flask(env, "mail", "send-queued")
        seconds = time.perf_counter() - started
        delivered, arrivals = sink.deliveries(), sink.arrival_times()
    ids = [message_id for message_id, _ in delivered]
    sending = max(arrivals) - min(arrivals) if len(arrivals) > 1 else seconds
    return {
        "queued": mails,
        "delivered": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "seconds": round(seconds, 2),
        # From the first mail at the sink to the last: the sender's own pace.
        "mails_per_second": round(max(len(ids) - 1, 0) / max(sending, 1e-9), 1),
        # The whole command, with Python and the app starting up.
        "mails_per_second_with_startup": round(len(ids) / seconds, 1),
    }


def queue_mails(database_uri: str, count: int) -> None:
    """An outbox of ``count`` due confirmation-sized mails (earlier rows removed)."""
    app = bench_app(database_uri)
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        due = utcnow() - timedelta(minutes=1)
        body = "Bevestig je aanmelding voor de Smart Industry Jaarevent.\n" * 12
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "message_id": f"<{secrets.token_hex(16)}@bench.eventsite>",
                    "kind": "bench",
                    "recipient": f"ontvanger-{n}@example.nl",
                    "language": "nl",
                    "subject": "Bevestig je aanmelding",
                    "text_body": body,
                    "html_body": f"<p>{body}</p>",
                    "state": "queued",
                    "next_attempt_at": due,
                    "created_at": due,
                }
                for n in range(count)
            ],
        )
        db.session.commit()
        db.engine.dispose()
