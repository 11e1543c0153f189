"""Other programs that read our mails: libical's RFC 5546 check, Mozilla's ical.js and
SpamAssassin. Each is a Debian or npm package that .ci/run installs; where one is missing the
test skips and says why, unless EVENTSITE_REQUIRE_PARITY=1 (CI), where it fails."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

INTEROP = Path(__file__).parent / "interop"
LIBICAL_CHECK = INTEROP / "libical_check.c"
ICALJS_TIMES = INTEROP / "icaljs_times.mjs"
SPAM_STATUS = re.compile(r"^X-Spam-Status: (\w+), score=(-?[\d.]+) .*?tests=(.*?)(?:autolearn|$)")


def unavailable(reason: str) -> None:
    """Skip, saying why; fail in CI, so an interop check is never silently absent."""
    if os.environ.get("EVENTSITE_REQUIRE_PARITY") == "1":
        pytest.fail(f"an interop check cannot run: {reason}")
    pytest.skip(reason)


def build_libical_check(folder: Path) -> Path:
    """Compile tests/interop/libical_check.c against libical (Debian libical-dev)."""
    if shutil.which("cc") is None or shutil.which("pkg-config") is None:
        unavailable("no C compiler or pkg-config: the libical check skips")
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True
    )
    if flags.returncode != 0:
        unavailable("libical is not installed (apt-get install libical-dev): its check skips")
    program = folder / "libical_check"
    subprocess.run(
        ["cc", "-o", str(program), str(LIBICAL_CHECK), *flags.stdout.split()],
        check=True,
        capture_output=True,
    )
    return program


@dataclass(frozen=True)
class LibicalVerdict:
    passed: bool
    report: str


def libical_check(program: Path, calendar: bytes) -> LibicalVerdict:
    """libical's icalrestriction_check over one iTIP object, with every error it reports."""
    done = subprocess.run([str(program)], input=calendar, capture_output=True, timeout=30)
    return LibicalVerdict(done.returncode == 0, done.stdout.decode() + done.stderr.decode())


def icaljs_events(calendars: list[bytes]) -> list[list[dict]]:
    """Each calendar's events as ical.js reads them: uid, zone, start and end (Unix seconds)."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed: the ical.js check skips")
    if not (INTEROP / "node_modules" / "ical.js").is_dir():
        unavailable("ical.js is not installed (npm ci --prefix tests/interop): its check skips")
    texts = json.dumps([c.decode() for c in calendars])
    done = subprocess.run(
        [node, str(ICALJS_TIMES)], input=texts, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@dataclass(frozen=True)
class SpamScore:
    score: float
    spam: bool
    tests: str


def spamassassin_scores(raw_mails: list[bytes], folder: Path) -> dict[str, SpamScore]:
    """SpamAssassin's score of each mail (by Message-ID) with local rules only (-L: no DNS or
    network tests), all in one run over an mbox (a start takes seconds; the output comes in
    any order)."""
    if shutil.which("spamassassin") is None:
        unavailable("SpamAssassin is not installed (apt-get install spamassassin): it skips")
    mbox = folder / "corpus.mbox"
    with mbox.open("wb") as out:
        for raw in raw_mails:
            body = re.sub(rb"^(>*From )", rb">\1", raw.replace(b"\r\n", b"\n"), flags=re.M)
            out.write(b"From jaarevent@smartindustry.nl Thu Jan  1 00:00:00 2026\n")
            out.write(body.rstrip(b"\n") + b"\n\n")
    done = subprocess.run(
        ["spamassassin", "-L", "-t", "--mbox", "--cf=report_safe 0", str(mbox)],
        capture_output=True,
        timeout=600,
    )
    scores = _spam_statuses(done.stdout.decode("utf-8", "replace"))
    assert len(scores) == len(raw_mails), done.stderr.decode()
    return scores


def _spam_statuses(output: str) -> dict[str, SpamScore]:
    """Message-ID -> the X-Spam-Status of that message (headers unfolded)."""
    scores = {}
    for message in re.split(r"^From \S+ .*\n", output, flags=re.M):
        headers = re.sub(r"\n[ \t]+", " ", message.split("\n\n", 1)[0])
        message_id = re.search(r"^Message-ID: (\S+)", headers, re.M | re.I)
        status = re.search(r"^X-Spam-Status: .*", headers, re.M)
        if message_id and status:
            found = SPAM_STATUS.match(status.group(0))
            tests = found.group(3).strip().rstrip(",")
            scores[message_id.group(1)] = SpamScore(
                float(found.group(2)), found.group(1) == "Yes", tests
            )
    return scores
