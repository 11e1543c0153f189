"""A local SMTP sink for the benchmark and the scale-out check (aiosmtpd, 127.0.0.1 only).

    python bench/smtp_sink.py --port 2525 --log /tmp/delivered.txt

Accepts every mail and appends one line per delivered message to ``--log``: its Message-ID,
its first recipient and the time it arrived, so callers can count deliveries and find
duplicates. With ``--store DIR`` every message is also kept whole (``DIR/<n>.eml``), for
reading its links. Stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller


class RecordingHandler:
    """Write one line per accepted message; the file is flushed at once (callers poll it)."""

    def __init__(self, log_path: str, store: str | None = None) -> None:
        self.log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        self.store = Path(store) if store else None
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        headers = BytesHeaderParser().parsebytes(raw)
        message_id = (headers.get("Message-ID") or "").strip()
        recipient = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        with self.lock:
            self.count += 1
            if self.store is not None:
                (self.store / f"{self.count}.eml").write_bytes(raw)
            self.log.write(f"{message_id}\t{recipient}\t{time.time():.4f}\n")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--store", help="directory to keep every message in")
    args = parser.parse_args()
    handler = RecordingHandler(args.log, args.store)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    handler.log.close()


if __name__ == "__main__":
    main()
