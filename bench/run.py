"""Benchmark eventsite's production configuration against a hello-world ceiling, in one run.

    .venv/bin/python bench/run.py            # or: make bench   (about 3 minutes)
    .venv/bin/python bench/run.py --quick    # 1-2 s per measurement, fewer rows

What it does, on 127.0.0.1 only, with everything it starts stopped again:
1. the ceiling: bench/hello_app.py under gunicorn with config/gunicorn.py;
   per database also the write ceiling, bench/write_app.py (insert one row, commit);
2. the site under the same gunicorn settings (EVENTSITE_ENV=production) on a fresh SQLite
   database in a temp dir, and again on a private PostgreSQL database when
   EVENTSITE_TEST_DATABASE_URL is set: ``flask db upgrade``, ``flask programme demo``, 20,000
   confirmed registrations by bulk insert; then bench/loadgen.py (another process) with 32
   and 128 clients against the programme, a session page, the edition's .ics, GET /register
   and the full sign-up POST (and how long until the sign-ups stored under that burst were
   registered and mailed), then the confirm POST (links from the sign-up mails); then
   a CSV export of 100,000 attendees (time, peak RSS of the
   worker) and ``flask mail send-queued`` into an SMTP sink (mails per second).
Each request rate's ratio is to the hello app at the same load, measured in turns with a page
and right before and after a write (the higher of the two), so both figures of a pair see the
same (possibly shared) machine; writes (sign-up, confirm) also to the write ceiling, measured
right before them.
A measurement whose feature does not exist on this branch is skipped and says why.
Results: bench/results/latest.json and latest.md (the table the README shows).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import extras, report  # noqa: E402
from bench.fill import add_attendees, programme_facts  # noqa: E402
from bench.loadgen import percentile  # noqa: E402
from bench.ports import free_port  # noqa: E402
from bench.processes import (  # noqa: E402
    ROOT,
    FlaskWorker,
    Gunicorn,
    PrivatePostgres,
    SmtpSink,
    flask,
    http_status,
    site_env,
)

RESULTS = ROOT / "bench" / "results"
# --set NAME=VALUE: given to the hello app, the write ceiling and the site alike.
EXTRA_ENV: dict[str, str] = {}
CONCURRENCY = (32, 128)


def machine() -> dict:
    """Where the figures come from."""
    meminfo = (
        Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    )
    memory = next((int(x.split()[1]) // 1024 for x in meminfo if x.startswith("MemTotal")), None)
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        names = [x for x in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in x]
        cpu = names[0].split(":", 1)[1].strip() if names else ""
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_mb": memory,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def loadgen(
    port: int, concurrency: int, timing: dict, path: str = "/", signup: bool = False, mode=()
):
    """One measurement by bench/loadgen.py in its own process (``mode``: extra options)."""
    command = [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port)]
    command += ["--concurrency", str(concurrency), "--path", path]
    command += ["--duration", str(timing["duration"]), "--warmup", str(timing["warmup"])]
    if signup:
        command.append("--signup")
    command += list(mode)
    out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


# A page and the hello app take turns this many times (see alternated).
ROUNDS = 3


def measure(
    port: int,
    timing: dict,
    path: str,
    signup: bool = False,
    hello_port=None,
    write_port=None,
    mode=(),
    database_uri: str | None = None,
) -> dict:
    """32 and 128 clients; each figure with its ratio to the hello ceiling at the same load:
    measured in turns with a page (see ``alternated``), right before and after a write (the
    higher of the two; the machine may be shared: paired figures drift together). A write
    (``write_port``) also gets its ratio to the write ceiling, measured right before it.
    After a sign-up burst (``database_uri``), also how long until every sign-up stored under
    it was registered and mailed (then the next measurement starts)."""
    result = {}
    for clients in CONCURRENCY:
        writes = None
        page = hello_port and not signup and not mode
        if page:  # it and hello take turns
            ceiling, figures = alternated(hello_port, port, clients, timing, path)
        else:
            ceiling = loadgen(hello_port, clients, timing) if hello_port else None
            writes = loadgen(write_port, clients, timing, mode=["--post"]) if write_port else None
            figures = loadgen(port, clients, timing, path=path, signup=signup, mode=mode)
        if signup and database_uri:
            figures.update(drain_backlog(database_uri, figures, timing))
        if ceiling and not page:
            # Once more after a write (and the registering of its burst): the ratio is to
            # the higher of the two, so a passing dip in the machine's speed under the one
            # before cannot flatter it (seen in full runs: hello at 2,300 right before a
            # sign-up, 5,000 to 6,500 in the rest of the run).
            after = loadgen(hello_port, clients, timing)
            ceiling = max(ceiling, after, key=lambda figure: figure["rps"])
        if ceiling:
            figures["hello_rps"] = ceiling["rps"]
            figures["ratio"] = round(figures["rps"] / max(ceiling["rps"], 1e-9), 3)
        if writes:
            figures["write_rps"] = writes["rps"]
            figures["write_ratio"] = round(figures["rps"] / max(writes["rps"], 1e-9), 3)
        result[str(clients)] = figures
        print(f"    {clients:>3} clients: {report.figure_line(figures)}", flush=True)
    return result


def alternated(hello_port: int, port: int, clients: int, timing: dict, path: str):
    """Hello and the page measured in turns (``ROUNDS`` slices each, the order swapped every
    round), so a change in the machine's load during the measurement hits both alike; each
    one's slices combined into one figure."""
    part = {"duration": timing["duration"] / ROUNDS, "warmup": min(timing["warmup"], 0.5)}
    slices: dict[int, list[dict]] = {hello_port: [], port: []}
    for number in range(ROUNDS):
        order = (hello_port, port) if number % 2 == 0 else (port, hello_port)
        for target in order:
            where = "/" if target == hello_port else path
            slices[target].append(loadgen(target, clients, part, path=where, mode=["--raw"]))
    return combined(slices[hello_port]), combined(slices[port])


def combined(slices: list[dict]) -> dict:
    """One figure from several measurements of the same thing: rate over their whole time,
    percentiles over all their latencies."""
    latencies = sorted(x for part in slices for x in part["latencies_ms"])
    duration = sum(part["duration_s"] for part in slices)
    return {
        "concurrency": slices[0]["concurrency"],
        "duration_s": round(duration, 3),
        "requests": len(latencies),
        "errors": sum(part["errors"] for part in slices),
        "error_samples": [e for part in slices for e in part["error_samples"]][:5],
        "rps": round(len(latencies) / max(duration, 1e-9), 1),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else 0.0,
        "slices_rps": [part["rps"] for part in slices],
    }


def drain_backlog(uri: str, figures: dict, timing: dict, timeout: float = 600.0) -> dict:
    """After a sign-up burst: how many sign-ups were still stored (registration/intake.py) and
    mails unsent when it ended, how many seconds until none was, and the sign-ups per second
    from the burst's start to the last one registered and mailed."""
    from sqlalchemy import create_engine, text

    engine = create_engine(uri)
    query = text(
        "SELECT (SELECT count(*) FROM signup_intake),"
        " (SELECT count(*) FROM outbox_message WHERE state IN ('queued', 'sending'))"
    )
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            stored, unsent = conn.execute(query).one()
            left = stored + unsent
            while left and time.perf_counter() - started < timeout:
                time.sleep(0.1)
                left = sum(conn.execute(query).one())
                conn.rollback()
    finally:
        engine.dispose()
    drain = round(time.perf_counter() - started, 1)
    burst = timing["duration"] + timing["warmup"]
    accepted = figures["rps"] * burst  # about: the warm-up at the measured rate
    return {
        "stored_at_end": stored,
        "unsent_at_end": unsent,
        "drain_s": drain if not left else None,  # None: not drained within the timeout
        "end_to_end_rps": round(accepted / (burst + drain), 1),
    }


def endpoints(facts: dict) -> list[tuple[str, str, bool, str]]:
    """(name, path, signup?, what must exist) of every measured endpoint."""
    return [
        ("programme", "/", False, "the programme page"),
        ("session", f"/sessions/{facts['session_slug']}", False, "the session page"),
        ("calendar", f"/editions/{facts['year']}/calendar.ics", False, "calendar (issue 4)"),
        ("register_form", "/register", False, "registration (issue 3)"),
        ("signup", "/register", True, "registration (issue 3)"),
    ]


def write_ceiling_uri(name: str, uri: str, tmp: Path) -> str:
    """The write ceiling's database: a SQLite file of its own, or the same PostgreSQL
    database (its own table) as the site."""
    return f"sqlite:///{tmp / f'{name}-write-ceiling.db'}" if uri.startswith("sqlite") else uri


def confirm_links(store: Path, out: Path) -> int:
    """Write the confirmation links of the mails the sink received to ``out``; how many."""
    links = []
    for path in sorted(store.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        links += re.findall(r"https?://[^/\s]+(/confirm/[A-Za-z0-9._~-]+)", text)
    out.write_text("\n".join(dict.fromkeys(links)) + "\n")
    return len(links)


def measure_confirm(port: int, timing: dict, tmp: Path, store: Path, hello_port, write_port):
    """The confirm POST: each client opens a link from the sign-up mails and presses the
    button; each link is used once."""
    time.sleep(2.0)  # the background senders deliver the last sign-ups' mails
    links = tmp / "confirm-links.txt"
    count = confirm_links(store, links)
    print(f"  confirm POST /confirm/<token> ({count} links from the sign-up mails)", flush=True)
    if count == 0:
        return None
    return measure(
        port,
        timing,
        "/confirm",
        hello_port=hello_port,
        write_port=write_port,
        mode=["--confirm-links", str(links)],
    )


def bench_database(
    name: str, uri: str, tmp: Path, timing: dict, hello_port: int, sizes: dict, only=()
):
    """Everything measured on one database (``only``: just these endpoints, while iterating)."""
    print(f"\n{name}: preparing", flush=True)
    port, mail_port = free_port(), free_port()
    env = site_env(uri, port, mail_port, **EXTRA_ENV)
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    started = time.perf_counter()
    add_attendees(uri, sizes["registrations"])
    result: dict = {"fill_seconds": round(time.perf_counter() - started, 1)}
    result["registrations"] = sizes["registrations"]
    facts = programme_facts(uri)
    result["endpoints"], result["skipped"] = {}, {}
    store = tmp / f"{name}-mails"
    write_port = free_port()
    write_env = site_env(write_ceiling_uri(name, uri, tmp), write_port, mail_port, **EXTRA_ENV)
    with (
        SmtpSink(mail_port, tmp / f"{name}-mail.txt", store=store),
        Gunicorn("bench.write_app:app", write_port, write_env, tmp / f"{name}-write.log"),
        Gunicorn("wsgi:app", port, env, tmp / f"{name}-site.log", ready_path="/healthz") as server,
        FlaskWorker(env, tmp / f"{name}-worker.log"),
    ):
        print("  write ceiling (bench/write_app.py) POST /", flush=True)
        # Against hello too: what a bare insert-and-commit reaches is the most a sign-up can.
        result["write_ceiling"] = measure(
            write_port, timing, "/", hello_port=hello_port, mode=["--post"]
        )
        for key, path, signup, feature in endpoints(facts):
            if only and key not in only:
                continue
            status = http_status(server.url + path)
            if status != 200:
                reason = f"GET {path} answers {status}: {feature} is not on this branch yet"
                print(f"  {key}: skipped ({reason})", flush=True)
                result["skipped"][key] = reason
                continue
            print(f"  {key} {'POST' if signup else 'GET'} {path}", flush=True)
            result["endpoints"][key] = {
                "path": path,
                **measure(
                    port,
                    timing,
                    path,
                    signup,
                    hello_port,
                    write_port if signup else None,
                    database_uri=uri if signup else None,
                ),
            }
        if "signup" in result["endpoints"] and (not only or "confirm" in only):
            confirm = measure_confirm(port, timing, tmp, store, hello_port, write_port)
            if confirm:
                result["endpoints"]["confirm"] = {"path": "/confirm/<token>", **confirm}
        if not only:
            result["csv_export"] = extras.csv_export(server, env, uri, sizes["csv_rows"])
    if not only:
        result["outbox"] = extras.outbox(env, uri, tmp, sizes["mails"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short measurements, fewer rows")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for every server of the run (e.g. GUNICORN_THREADS=8)",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated endpoints (e.g. signup,confirm), no extras"
    )
    parser.add_argument(
        "--readme", action="store_true", help="also put the table into README.md (Performance)"
    )
    args = parser.parse_args()
    only = tuple(filter(None, args.only.split(",")))
    EXTRA_ENV.update(item.split("=", 1) for item in args.set)
    timing = {"duration": 1.5, "warmup": 0.5} if args.quick else {"duration": 5, "warmup": 1}
    sizes = (
        {"registrations": 2_000, "csv_rows": 10_000, "mails": 300}
        if args.quick
        else {"registrations": 20_000, "csv_rows": 100_000, "mails": 2_000}
    )
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": dict(EXTRA_ENV),
        "quick": args.quick,
        "machine": machine(),
        "timing": timing,
        "sizes": sizes,
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="eventsite-bench-") as tmp_name:
        tmp = Path(tmp_name)
        hello_port = free_port()
        hello_env = site_env("sqlite://", hello_port, 25, **EXTRA_ENV)
        pg_server = os.environ.get("EVENTSITE_TEST_DATABASE_URL")
        with_postgres = bool(pg_server) and not args.no_postgres
        # The hello app runs (idle) next to the site, measured right before each figure.
        with Gunicorn("bench.hello_app:app", hello_port, hello_env, tmp / "hello.log"):
            print("hello ceiling (bench/hello_app.py)", flush=True)
            results["hello"] = measure(hello_port, timing, "/")
            sqlite_uri = f"sqlite:///{tmp / 'bench.db'}"
            results["databases"]["sqlite"] = bench_database(
                "sqlite", sqlite_uri, tmp, timing, hello_port, sizes, only
            )
            if with_postgres:
                with PrivatePostgres(pg_server) as pg_uri:
                    results["databases"]["postgresql"] = bench_database(
                        "postgresql", pg_uri, tmp, timing, hello_port, sizes, only
                    )
        if not with_postgres:
            reason = "--no-postgres" if pg_server else "EVENTSITE_TEST_DATABASE_URL is not set"
            results["skipped_databases"] = {"postgresql": reason}
    results["targets"] = report.targets(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (RESULTS / "latest.md").write_text(table)
    print("\n" + table)
    if args.readme:
        update_readme(table)


def update_readme(table: str) -> None:
    """Replace the table between the README's bench markers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        raise SystemExit("README.md has no bench markers; add the table by hand")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}{end}{tail}")


if __name__ == "__main__":
    main()
