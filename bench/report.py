"""The benchmark's verdict: the targets of issue 6, and the Markdown table for the README."""

from __future__ import annotations

# (name, endpoint, clients, minimum ratio to the hello ceiling)
RATIO_TARGETS = [
    ("programme page ≥ 0.5 of hello", "programme", "32", 0.5),
    ("session page ≥ 0.5 of hello", "session", "32", 0.5),
    (".ics ≥ 0.5 of hello", "calendar", "32", 0.5),
    ("GET /register ≥ 0.3 of hello", "register_form", "32", 0.3),
    ("sign-up POST ≥ 0.2 of hello", "signup", "32", 0.2),
]
# (name, endpoint, clients, minimum ratio to the write ceiling)
WRITE_TARGETS = [("sign-up POST ≥ 0.5 of the write ceiling", "signup", "32", 0.5)]
SIGNUP_P99_MS = 250
CSV_SECONDS, CSV_MB = 3.0, 150
MAILS_PER_SECOND = 200

LABELS = {
    "programme": "programme `/`",
    "session": "session page",
    "calendar": "edition `.ics`",
    "register_form": "`GET /register`",
    "signup": "sign-up `POST /register`",
    "confirm": "confirm `POST /confirm/<token>`",
}


def figure_line(f: dict) -> str:
    ratio = f" ({f['ratio']:.2f} of hello)" if "ratio" in f else ""
    if "write_ratio" in f:
        ratio += f" ({f['write_ratio']:.2f} of the write ceiling)"
    line = (
        f"{f['rps']:>8.1f} req/s{ratio}  p50 {f['p50_ms']:.1f}  p95 {f['p95_ms']:.1f}  "
        f"p99 {f['p99_ms']:.1f} ms  errors {f['errors']}"
    )
    if "drain_s" in f:
        line += "\n              " + backlog_sentence(f)
    return line


def backlog_sentence(f: dict) -> str:
    """What a sign-up burst left to do when it ended, and how long that took."""
    drained = (
        f"all registered and mailed {f['drain_s']} s later"
        if f["drain_s"] is not None
        else "not all registered and mailed within the timeout"
    )
    return (
        f"at the end {f['stored_at_end']} sign-ups stored and {f['unsent_at_end']} mails unsent; "
        f"{drained}: {f['end_to_end_rps']} sign-ups/s end to end"
    )


def targets(results: dict) -> list[dict]:
    """Every target on every database: met (True/False) or not measured (None, with why)."""
    verdicts = []
    for database, data in results["databases"].items():
        endpoints, skipped = data["endpoints"], data["skipped"]

        def add(name, value, met, why=None, database=database):
            verdicts.append(
                {"database": database, "target": name, "value": value, "met": met, "why": why}
            )

        ceiling = data.get("write_ceiling", {}).get("32", {}).get("ratio")
        for name, key, clients, minimum in RATIO_TARGETS:
            if key not in endpoints:
                add(name, None, None, skipped.get(key, "not measured in this run (--only)"))
                continue
            ratio = endpoints[key][clients]["ratio"]
            value = f"{ratio:.2f} at {clients} clients"
            if key == "signup" and ceiling is not None:
                # A sign-up writes at least one row: it cannot beat the bare insert.
                value += f" (the bare insert-and-commit reached {ceiling:.2f})"
            add(name, value, ratio >= minimum)
        for name, key, clients, minimum in WRITE_TARGETS:
            ratio = endpoints.get(key, {}).get(clients, {}).get("write_ratio")
            if ratio is None:
                add(name, None, None, skipped.get(key, "no write ceiling measured"))
                continue
            add(name, f"{ratio:.2f} at {clients} clients", ratio >= minimum)
        if "signup" in endpoints:
            f = endpoints["signup"]["32"]
            met = f["p99_ms"] < SIGNUP_P99_MS and f["errors"] == 0
            add(
                f"sign-up p99 < {SIGNUP_P99_MS} ms, no error (32 clients)",
                f"p99 {f['p99_ms']:.0f} ms, {f['errors']} errors",
                met,
            )
        csv = data.get("csv_export", {"skipped": "not measured in this run (--only)"})
        name = f"CSV {results['sizes']['csv_rows']:,} rows < {CSV_SECONDS:.0f} s, < {CSV_MB} MB"
        if "skipped" in csv:
            add(name, None, None, csv["skipped"])
        else:
            met = csv["seconds"] < CSV_SECONDS and csv["peak_rss_mb"] < CSV_MB
            add(name, f"{csv['seconds']} s, peak RSS {csv['peak_rss_mb']} MB", met)
        mail = data.get("outbox", {"skipped": "not measured in this run (--only)"})
        name = f"outbox ≥ {MAILS_PER_SECOND} mails/s"
        if "skipped" in mail:
            add(name, None, None, mail["skipped"])
        else:
            met = mail["mails_per_second"] >= MAILS_PER_SECOND and mail["duplicates"] == 0
            add(
                name,
                f"{mail['mails_per_second']} mails/s ({mail['delivered']} mails; "
                f"{mail['mails_per_second_with_startup']}/s counting the command's start-up)",
                met,
            )
    return verdicts


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started_at']}{' (--quick)' if results['quick'] else ''} on "
        f"{m['cores']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_mb']} MB, "
        f"Python {m['python']}; load average at start {m['load_average_at_start']}. "
        f"{results['timing']['duration']} s per measurement after "
        f"{results['timing']['warmup']} s warm-up; client and server share the machine. "
        "Each ratio is to the hello app at the same load: measured in turns with a page "
        "(three slices each; page GETs accept gzip and brotli as a browser does), right "
        "before and after a write (the higher of the two).",
        "",
        "Writes are also given as a ratio to the write ceiling (bench/write_app.py: insert one "
        "row and commit, same gunicorn, same database), measured right before them.",
        "",
        "| database | endpoint | clients | req/s | hello req/s | × hello | × write | p50 ms "
        "| p95 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clients in ("32", "128"):
        h = results["hello"][clients]
        lines.append(row("—", "hello ceiling", clients, h, "1.00"))
    for database, data in results["databases"].items():
        for clients in ("32", "128") if "write_ceiling" in data else ():
            w = data["write_ceiling"][clients]
            ratio = f"{w['ratio']:.2f}" if "ratio" in w else "—"
            lines.append(row(database, "write ceiling `POST`", clients, w, ratio))
        for key, measured in data["endpoints"].items():
            for clients in ("32", "128"):
                f = measured[clients]
                lines.append(row(database, LABELS.get(key, key), clients, f, f"{f['ratio']:.2f}"))
    for database, data in results["databases"].items():
        signup = data["endpoints"].get("signup", {})
        for clients in ("32", "128"):
            if "drain_s" in signup.get(clients, {}):
                lines += ["", f"Sign-up burst, {database}, {clients} clients: "]
                lines[-1] += backlog_sentence(signup[clients]) + "."
    lines += ["", "| database | target | measured | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        verdict = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['database']} | {t['target']} | {t['value'] or t['why']} | {verdict} |")
    for name, why in results.get("skipped_databases", {}).items():
        lines.append(f"| {name} | (all) | skipped: {why} | not measured |")
    return "\n".join(lines) + "\n"


def row(database: str, label: str, clients: str, f: dict, ratio: str) -> str:
    write = f"{f['write_ratio']:.2f}" if "write_ratio" in f else "—"
    hello = (
        f"{f['hello_rps']:.0f}"
        if "hello_rps" in f
        else ("—" if ratio == "—" else f"{f['rps']:.0f}")
    )
    return (
        f"| {database} | {label} | {clients} | {f['rps']:.0f} | {hello} "
        f"| {ratio} | {write} | {f['p50_ms']:.1f} | "
        f"{f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} |"
    )
