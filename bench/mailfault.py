"""Sign-ups while the mail server hangs: do the pages stay as fast as with a healthy one?

    .venv/bin/python bench/mailfault.py             # or: make bench-mailfault (about 1 minute)
    .venv/bin/python bench/mailfault.py --quick     # one round of 3 s per case
    .venv/bin/python bench/mailfault.py --readme    # also put the table in README.md

On 127.0.0.1 only, two copies of the site side by side, each under gunicorn with
config/gunicorn.py (production configuration, its default workers and threads,
``MAIL_TIMEOUT`` 30 s) on its own copy of one SQLite database with the demo edition: one
mails to a healthy sink (bench/smtp_sink.py), the other to a server that hangs
(bench/hanging_smtp.py, ``--hang-at data`` by default: it greets, takes the message and
never answers). In alternating rounds (so both see the shared machine alike)
bench/loadgen.py signs up with 32 clients while 8 other clients read the programme page, for
the same seconds. No outbox worker runs, so every mail sent is the background senders' work.
It prints per endpoint req/s (mean of the rounds) and p99 (median) side by side, whether the
hanging case stays within twice the healthy figures (p99 at most twice, req/s at least
half), and the outbox afterwards.
Results: bench/results/mailfault.json and mailfault.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fill import bench_app  # noqa: E402
from bench.ports import free_port  # noqa: E402
from bench.processes import ROOT, Gunicorn, SmtpSink, flask, site_env  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SIGNUP_CLIENTS, PAGE_CLIENTS = 32, 8
MARKERS = ("<!-- mailfault:start -->", "<!-- mailfault:end -->")


class HangingSmtp:
    """bench/hanging_smtp.py in a subprocess, until the ``with`` ends."""

    def __init__(self, port: int, hang_at: str) -> None:
        self.port, self.hang_at = port, hang_at
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> HangingSmtp:
        command = [sys.executable, str(ROOT / "bench" / "hanging_smtp.py")]
        command += ["--port", str(self.port), "--hang-at", self.hang_at]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the hanging SMTP server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def loadgen(port: int, timing: dict, clients: int, path: str = "/", signup=False) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port)]
    command += ["--concurrency", str(clients), "--path", path]
    command += ["--duration", str(timing["duration"]), "--warmup", str(timing["warmup"])]
    if signup:
        command.append("--signup")
    out = subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)
    return json.loads(out.stdout)


def outbox_counts(uri: str) -> dict[str, int]:
    from eventsite.extensions import db
    from eventsite.mail.status import delivery_status

    app = bench_app(uri)
    with app.app_context():
        counts = delivery_status(errors=0).totals.counts
        db.engine.dispose()
    return dict(counts)


def start_site(name: str, mail_server, uri: str, tmp: Path, stack: ExitStack) -> int:
    """The site with ``mail_server`` on its mail port, until ``stack`` closes; its port."""
    port, mail_port = free_port(), free_port()
    env = site_env(uri, port, mail_port)
    stack.enter_context(mail_server(mail_port))
    stack.enter_context(
        Gunicorn("wsgi:app", port, env, tmp / f"{name}-site.log", ready_path="/healthz")
    )
    return port


def measure(port: int, timing: dict) -> dict:
    """Sign-up load and programme readers at once, for the same seconds."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        signup = pool.submit(loadgen, port, timing, SIGNUP_CLIENTS, "/register", True)
        page = pool.submit(loadgen, port, timing, PAGE_CLIENTS, "/")
        return {"signup": signup.result(), "programme": page.result()}


def combine(rounds: list[dict]) -> dict:
    """Per endpoint over the rounds: mean req/s, median p99, all errors."""
    out = {}
    for key in ("signup", "programme"):
        figures = [r[key] for r in rounds]
        out[key] = {
            "rps": round(statistics.mean(f["rps"] for f in figures), 1),
            "p99_ms": round(statistics.median(f["p99_ms"] for f in figures), 1),
            "errors": sum(f["errors"] for f in figures),
            "requests": sum(f["requests"] for f in figures),
            "error_samples": [e for f in figures for e in f["error_samples"]][:5],
        }
    return out


def settled_outbox(uri: str, seconds: float) -> dict[str, int]:
    """The outbox once nothing is queued or sending, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        counts = outbox_counts(uri)
        if time.monotonic() > deadline or not (counts["queued"] or counts["sending"]):
            return counts
        time.sleep(0.5)


def verdicts(healthy: dict, hanging: dict) -> dict:
    """Per endpoint: does the hanging case stay within twice the healthy figures?"""
    out = {}
    for key in ("programme", "signup"):
        good, bad = healthy[key], hanging[key]
        p99_ratio = bad["p99_ms"] / max(good["p99_ms"], 1e-9)
        rps_ratio = bad["rps"] / max(good["rps"], 1e-9)
        out[key] = {
            "p99_ratio": round(p99_ratio, 2),
            "rps_ratio": round(rps_ratio, 2),
            "within_twice": p99_ratio <= 2 and rps_ratio >= 0.5 and not bad["errors"],
        }
    return out


def markdown(results: dict) -> str:
    healthy, hanging = results["healthy"], results["hanging"]
    lines = [
        f"Run {results['started_at']} on {os.cpu_count()} cores, load average at start "
        f"{results['load_average_at_start']}; {results['timing']['rounds']} alternating rounds "
        f"of {results['timing']['duration']} s per case after {results['timing']['warmup']} s "
        f"warm-up (req/s: mean, p99: median); {SIGNUP_CLIENTS} sign-up clients and "
        f"{PAGE_CLIENTS} programme-page clients at once; the hanging server hangs at "
        f"`{results['hang_at']}`; `MAIL_TIMEOUT` 30 s; no outbox worker.",
        "",
        "| endpoint | healthy req/s | hanging req/s | healthy p99 ms | hanging p99 ms "
        "| errors (healthy / hanging) | within twice |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    names = {"programme": "programme `/`", "signup": "sign-up `POST /register`"}
    for key, name in names.items():
        good, bad, verdict = healthy[key], hanging[key], results["verdicts"][key]
        lines.append(
            f"| {name} | {good['rps']} | {bad['rps']} | {good['p99_ms']} | {bad['p99_ms']} "
            f"| {good['errors']} / {bad['errors']} "
            f"| {'yes' if verdict['within_twice'] else '**no**'} "
            f"(p99 × {verdict['p99_ratio']}, req/s × {verdict['rps_ratio']}) |"
        )
    for name in ("healthy", "hanging"):
        counts = results[name]["outbox"]
        lines.append(
            f"\nOutbox after the {name} runs (at most {results['timing']['settle']} s later): "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    return "\n".join(lines) + "\n"


def update_readme(table: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = MARKERS
    if start not in text or end not in text:
        raise SystemExit("README.md has no mailfault markers; add the table by hand")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per case")
    parser.add_argument("--hang-at", choices=("connect", "data"), default="data")
    parser.add_argument("--readme", action="store_true", help="also put the table in README")
    args = parser.parse_args()
    timing = (
        {"duration": 3, "warmup": 1, "rounds": 1}
        if args.quick
        else {"duration": 5, "warmup": 1, "rounds": 3}
    )
    timing["settle"] = 15
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "timing": timing,
        "hang_at": args.hang_at,
    }
    with tempfile.TemporaryDirectory(prefix="eventsite-mailfault-") as tmp_name:
        tmp = Path(tmp_name)
        template = tmp / "template.db"
        env = site_env(f"sqlite:///{template}", free_port(), free_port())
        print("preparing the database (db upgrade, programme demo)", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "programme", "demo")
        cases = {
            "healthy": lambda port: SmtpSink(port, tmp / "delivered.txt"),
            "hanging": lambda port: HangingSmtp(port, args.hang_at),
        }
        with ExitStack() as stack:
            ports, uris, rounds = {}, {}, {name: [] for name in cases}
            for name, mail_server in cases.items():
                shutil.copy(template, tmp / f"{name}.db")
                uris[name] = f"sqlite:///{tmp / f'{name}.db'}"
                ports[name] = start_site(name, mail_server, uris[name], tmp, stack)
            # Unmeasured: every worker process loads its templates and caches first.
            for name in cases:
                measure(ports[name], {"duration": 1, "warmup": 0})
            # Alternating rounds, so both cases see the (possibly shared) machine alike.
            for number in range(1, timing["rounds"] + 1):
                for name in cases:
                    figures = measure(ports[name], timing)
                    rounds[name].append(figures)
                    print(f"  round {number}, {name} mail server:", flush=True)
                    for key in ("signup", "programme"):
                        f = figures[key]
                        print(
                            f"    {key}: {f['rps']} req/s, p99 {f['p99_ms']} ms, "
                            f"{f['errors']} errors",
                            flush=True,
                        )
            for name in cases:
                results[name] = combine(rounds[name]) | {"rounds": rounds[name]}
                # What the background senders did (no outbox worker runs).
                results[name]["outbox"] = settled_outbox(uris[name], timing["settle"])
                print(f"  {name} outbox afterwards: {results[name]['outbox']}", flush=True)
    results["verdicts"] = verdicts(results["healthy"], results["hanging"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mailfault.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / "mailfault.md").write_text(table)
    print("\n" + table)
    if args.readme:
        update_readme(table)


if __name__ == "__main__":
    main()
