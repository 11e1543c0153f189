"""CPU time of the confirmation POST (``/confirm/<token>``), in one process, one at a time.

    .venv/bin/python bench/confirm_cpu.py                  # median of 200 confirms
    .venv/bin/python bench/confirm_cpu.py --sessions 3     # sign-ups with three sessions
    .venv/bin/python bench/confirm_cpu.py --profile        # pyinstrument's call tree
    .venv/bin/python bench/confirm_cpu.py --dump out.txt   # the queued mails, to compare

Runs the site as bench/cpu.py does (testing configuration, a fresh SQLite file, the demo
edition, no mail sent), signs up ``--count`` addresses with the test client, then POSTs
each confirmation link (with its CSRF token) and prints the median process CPU time of a
confirm. ``--dump`` writes the mails the confirms queued (subjects, bodies, attachments),
with the parts that differ per run (tokens, stamps, Message-IDs) masked, so two versions of
the code can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cpu import demo_site  # noqa: E402

WARM = 10  # confirms not counted: templates, caches, connections


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def _confirm_links(app, client, count: int, sessions: int) -> list[str]:
    from eventsite.extensions import db
    from eventsite.mail.models import OutboxMessage

    page = client.get("/register").get_data(as_text=True)
    token = _csrf(page)
    slugs = list(dict.fromkeys(re.findall(r'name="sessions" value="([^"]+)"', page)))
    for number in range(count):
        form = {"csrf_token": token, "name": f'Zoë{number}&<i>"x" de Vries', "organisation": "B"}
        form.update(consent="y", email=f"confirm-{number}@example.nl", website="")
        form["sessions"] = slugs[:sessions]
        assert client.post("/register", data=form).status_code == 302
    with app.app_context():
        bodies = db.session.scalars(
            db.select(OutboxMessage.text_body).filter_by(kind="confirm").order_by(OutboxMessage.id)
        ).all()
    return [re.search(r"https?://\S+/confirm/\S+", body)[0] for body in bodies]


MASKS = (
    (re.compile(r"/(confirm|my)/[A-Za-z0-9_.\-]{16,}"), r"/\1/TOKEN"),
    (re.compile(r"UID:[0-9a-f-]{36}@"), "UID:UUID@"),
    (re.compile(r"(DTSTAMP|LAST-MODIFIED):\d{8}T\d{6}Z"), r"\1:STAMP"),
    (re.compile(r"<[0-9a-f]{32}@[^>]+>"), "<MESSAGE-ID>"),
)


def _mask(text: str) -> str:
    # iCalendar folds long lines: unfold before masking, so a token split over lines is found.
    text = text.replace("\r\n ", "")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def dump(app, path: Path) -> None:
    """The queued mails after the sign-ups' confirmation mails, masked, in queue order."""
    from eventsite.extensions import db
    from eventsite.mail.models import OutboxMessage

    lines = []
    with app.app_context():
        messages = db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind != "confirm")
            .order_by(OutboxMessage.id)
        ).all()
        for message in messages:
            lines += [f"=== {message.kind} {message.recipient} {message.language}"]
            lines += [message.subject, message.text_body, message.html_body]
            for part in message.attachments:
                lines += [f"--- {part.filename} {part.content_type} {part.disposition}"]
                lines.append(part.content.decode())
    path.write_text(_mask("\n".join(lines)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=1, help="sessions per sign-up")
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's tree")
    parser.add_argument("--dump", type=Path, help="write the queued mails (masked) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventsite-confirm-") as name:
        app = demo_site(Path(name))
        client = app.test_client()
        links = _confirm_links(app, client, args.count, args.sessions)
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        times = []
        for number, link in enumerate(links):
            token = _csrf(client.get(link).get_data(as_text=True))
            if profiler and number == WARM:
                profiler.start()
            started = time.process_time()
            response = client.post(link, data={"csrf_token": token})
            elapsed = time.process_time() - started
            assert response.status_code == 302, response.status_code
            if number >= WARM:
                times.append(elapsed)
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.dump:
            dump(app, args.dump)
    times.sort()
    print(
        f"confirm POST: {times[len(times) // 2] * 1000:.2f} ms CPU median "
        f"({times[len(times) // 10] * 1000:.2f} p10, {times[len(times) * 9 // 10] * 1000:.2f} "
        f"p90) of {len(times)}, {args.sessions} session(s) each"
    )


if __name__ == "__main__":
    main()
