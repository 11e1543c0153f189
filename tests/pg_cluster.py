"""A throwaway PostgreSQL cluster that a test starts, stops and starts again itself.

It lives in a temporary directory on a free port (initdb + pg_ctl), never touches the
machine's own cluster, and is removed afterwards. initdb and pg_ctl refuse to run as root,
so as root they run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

from tests.testapp import free_port


def server_binaries() -> str | None:
    """The newest directory holding initdb and pg_ctl (Debian: /usr/lib/postgresql/N/bin)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
    )
    on_path = os.path.dirname(shutil.which("initdb") or "")
    for directory in [*reversed(candidates), on_path]:
        if directory and all(
            os.access(os.path.join(directory, tool), os.X_OK) for tool in ("initdb", "pg_ctl")
        ):
            return directory
    return None


class Cluster:
    def __init__(self) -> None:
        self.bin = server_binaries()
        if self.bin is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run initdb as")
        self.dir = tempfile.mkdtemp(prefix="eventsite-faults-pg-")
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/eventsite"

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [os.path.join(self.bin, args[0]), *args[1:]],
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}{self.tail()}")

    def tail(self) -> str:
        try:
            with open(self.log) as log:
                return log.read()[-2000:]
        except OSError:
            return ""

    def init(self) -> None:
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=50"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60",
                  "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
