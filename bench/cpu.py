"""CPU time per request, in one process, one request at a time: figures a busy machine
does not move much (unlike requests per second).

    .venv/bin/python bench/cpu.py

Runs the site (testing configuration, a fresh SQLite file, the demo edition, no mail sent)
and the two ceilings with Flask's test client, and prints the median process CPU time of
400 requests each: hello, the write ceiling's POST, the programme page, GET /register and
the sign-up POST (with its CSRF token, a new address each time).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COUNT = 400


def median_cpu_ms(call, count: int = COUNT) -> float:
    for number in range(20):  # warm: templates, caches, connections
        call(number)
    times = []
    for number in range(20, 20 + count):
        started = time.process_time()
        call(number)
        times.append(time.process_time() - started)
    return round(sorted(times)[count // 2] * 1000, 2)


def demo_site(tmp: Path):
    """The site in testing configuration on a fresh SQLite file in ``tmp``, with the demo
    edition; CSRF on, no mail sent."""
    from flask_migrate import upgrade

    from eventsite import create_app

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'site.db'}",
            "WTF_CSRF_ENABLED": True,
            "MAIL_SEND_AFTER_COMMIT": False,
            "RATELIMIT_ENABLED": False,
            "PAGE_VERSION_TTL": 1.0,
        }
    )
    with app.app_context():
        upgrade()
        app.test_cli_runner().invoke(args=["programme", "demo"])
    return app


def site_figures(tmp: Path) -> dict[str, float]:
    app = demo_site(tmp)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    slug = re.search(r'name="sessions" value="([^"]+)"', page)[1]

    def sign_up(number: int):
        form = {"csrf_token": token, "name": "A", "organisation": "B", "consent": "y"}
        form.update(email=f"cpu-{number}@example.nl", sessions=[slug], website="")
        assert client.post("/register", data=form).status_code == 302

    return {
        "programme `/`": median_cpu_ms(lambda n: client.get("/")),
        "`GET /register`": median_cpu_ms(lambda n: client.get("/register")),
        "sign-up `POST /register`": median_cpu_ms(sign_up),
    }


def ceiling_figures(tmp: Path) -> dict[str, float]:
    os.environ["EVENTSITE_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'write.db'}"
    from bench.hello_app import app as hello
    from bench.write_app import app as write

    hello_client, write_client = hello.test_client(), write.test_client()
    return {
        "hello": median_cpu_ms(lambda n: hello_client.get("/")),
        "write ceiling `POST`": median_cpu_ms(
            lambda n: write_client.post("/", data={"email": f"{n}@x", "name": "A"})
        ),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="eventsite-cpu-") as name:
        figures = {**ceiling_figures(Path(name)), **site_figures(Path(name))}
    for label, value in figures.items():
        print(f"{label:<28} {value:>6.2f} ms CPU (median of {COUNT})")


if __name__ == "__main__":
    main()
