"""Lighthouse (mobile) on the programme, a session page and /register, in the production
configuration (gunicorn, compression, the fingerprinted stylesheet) with the demo edition.

    make lighthouse            # or: .venv/bin/python bench/lighthouse.py

Needs `make tools` (Lighthouse from npm in .tools/) and Debian's Chromium. Writes the four
category scores per page to bench/results/lighthouse.json and prints them as a Markdown table
(the README's). The bar: at least 95 in every category. Slow (about a minute a page), so
CI does not run it; run it after changing pages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ports import free_port  # noqa: E402
from bench.processes import ROOT, Gunicorn, flask, site_env  # noqa: E402

LIGHTHOUSE = ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("EVENTSITE_CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RESULTS = ROOT / "bench" / "results" / "lighthouse.json"
BAR = 95


def audit(url: str, out: Path) -> dict[str, int]:
    """One mobile Lighthouse run; the four category scores (0..100)."""
    subprocess.run(
        [
            str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(out.read_text())
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit_result = report["audits"][ref["id"]]
            if ref["weight"] and (audit_result.get("score") or 0) < 1:
                print(f"{url} {name}: {ref['id']}: {audit_result.get('title')}", file=sys.stderr)
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run `make tools`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = site_env(f"sqlite:///{tmp}/lighthouse.db", port, free_port())
        flask(env, "db", "upgrade")
        flask(env, "programme", "demo")
        with Gunicorn("wsgi:app", port, env, Path(tmp) / "gunicorn.log") as server:
            with urllib.request.urlopen(server.url + "/") as response:
                session = re.search(r'href="(/sessions/[^"]+)"', response.read().decode())[1]
            pages = {"programme": "/", "session": session, "register": "/register"}
            only = sys.argv[1:]
            pages = {name: path for name, path in pages.items() if not only or name in only}
            scores = {name: audit(server.url + path, Path(tmp) / f"{name}.json")
                      for name, path in pages.items()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(scores, indent=2) + "\n")
    print("| page | " + " | ".join(CATEGORIES) + " |")
    print("|---|" + "---|" * len(CATEGORIES))
    for name, row in scores.items():
        print(f"| {name} | " + " | ".join(str(row[c]) for c in CATEGORIES) + " |")
    below = [(n, c) for n, row in scores.items() for c in CATEGORIES if row[c] < BAR]
    if below:
        print(f"below {BAR}: {below}", file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    raise SystemExit(main())
