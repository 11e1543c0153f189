"""Helpers for the fault tests: real faults on real databases, no mocks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading

import pytest

from eventsite.extensions import db
from eventsite.registration.models import Attendee


def stored_addresses() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(db.select(Attendee.email)))


class ReadOnlyFile:
    """Make a file unwritable for this process as the OS would, and writable again.

    Not root: chmod 0444. Root may write any file, so the immutable attribute is used
    (``chattr +i``, which even root's opens respect); skip where the file system lacks it.
    """

    def __init__(self, path) -> None:
        self.path = str(path)
        self.immutable = False

    def set(self) -> None:
        if os.geteuid() != 0:
            os.chmod(self.path, 0o444)
            return
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a file read-only")
        result = subprocess.run(["chattr", "+i", self.path], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"running as root and chattr +i failed: {result.stderr.strip()}")
        self.immutable = True

    def clear(self) -> None:
        if self.immutable:
            subprocess.run(["chattr", "-i", self.path], check=True)
            self.immutable = False
        else:
            os.chmod(self.path, 0o644)


class SilentServer:
    """A TCP port that accepts connections (the kernel's backlog) and never says a word:
    a database server that stops answering."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()  # resets the connections still waiting in the backlog


def run_with_deadline(func, seconds: float, on_overrun):
    """Run ``func`` in a thread; if it is still running after ``seconds``, call
    ``on_overrun`` (which must make it return) and fail."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = func()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        on_overrun()
        thread.join(30)
        pytest.fail(f"still waiting after {seconds} s: no timeout")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
