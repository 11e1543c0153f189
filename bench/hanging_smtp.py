"""A mail server that hangs: for the benchmark (bench/mailfault.py) and the tests.

    python bench/hanging_smtp.py --port 2526 --hang-at data

``--hang-at connect``: accepts each connection and never says a word (the client waits for
the greeting until its timeout). ``--hang-at data``: greets, answers EHLO/HELO, MAIL, RCPT and
RSET like a server, takes ``DATA`` and the message, and then never answers. Either way a
client holds its connection until its own timeout, as with a mail server that is overloaded
or half down. Connections are closed when the server stops (SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import socket
import socketserver
import threading

HANG_MODES = ("connect", "data")


class _Handler(socketserver.StreamRequestHandler):
    server: HangingSMTPServer

    def handle(self) -> None:
        self.server.track(self.request)
        if self.server.hang_at == "connect":
            self.server.stopped.wait()
            return
        self.reply("220 hanging.test ESMTP")
        while not self.server.stopped.is_set():
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 hanging.test")
            elif verb == b"DATA":
                self.reply("354 go ahead")
                self.server.stopped.wait()  # take the message, never answer
                return
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


class HangingSMTPServer(socketserver.ThreadingTCPServer):
    """Hangs every client at ``hang_at``; ``with HangingSMTPServer(port): ...`` runs it in a
    thread. ``connections`` counts the clients that came."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, hang_at: str = "connect") -> None:
        if hang_at not in HANG_MODES:
            raise ValueError(f"hang_at must be one of {HANG_MODES}")
        super().__init__(("127.0.0.1", port), _Handler)
        self.hang_at = hang_at
        self.stopped = threading.Event()
        self.connections = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._sockets.append(sock)
            self._lock.notify_all()

    def wait_connections(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` clients have connected; False after ``timeout`` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: self.connections >= count, timeout)

    def start(self) -> HangingSMTPServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.shutdown()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.server_close()

    def __enter__(self) -> HangingSMTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hang-at", choices=HANG_MODES, default="connect")
    args = parser.parse_args()
    server = HangingSMTPServer(args.port, args.hang_at).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    server.stop()


if __name__ == "__main__":
    main()
