"""Ports for the servers the benchmark and the tests start, without racing other processes.

A port chosen first and bound later by another process can be taken in between (by an
outgoing connection, another test's server): hold the socket where the server can take one,
or retry on another port where it binds its own.

``free_port`` chooses below Linux's ephemeral range (32768-60999, where outgoing connections
and port 0 get theirs), from a block of its own per pytest-xdist worker, in turn: a port told
to a test's app (its mail port, often on purpose with nothing listening) is never told to a
test in the other worker, whose mail server would then receive the first test's mails.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

FIRST_PORT, BLOCK_SIZE, BLOCKS = 20000, 1000, 12  # 20000-31999


def worker_block() -> range:
    """This process's ports: block 0 outside xdist, block n + 1 for worker gw<n>."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) + 1 if worker.startswith("gw") else 0
    start = FIRST_PORT + (index % BLOCKS) * BLOCK_SIZE
    return range(start, start + BLOCK_SIZE)


_block = worker_block()
# In turn from a random place: a port comes back only after the whole block, and two runs
# side by side (or a script a test starts, same worker) rarely walk the same ports together.
_start = random.randrange(len(_block))
_next = itertools.cycle([*_block[_start:], *_block[:_start]])


def free_port() -> int:
    """A port nothing listens on right now. Another process may take it before the server
    that is told this number binds it: hold a ``listening_socket()`` instead where the server
    can take one (gunicorn's fd://), or start it ``on_free_port`` (retries)."""
    for port in itertools.islice(_next, len(_block)):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use (or closing, TIME_WAIT): the next one
            return port
    raise RuntimeError(f"no free port in {_block.start}-{_block.stop - 1}")


def listening_socket(port: int = 0, backlog: int = 2048) -> socket.socket:
    """A listening socket on 127.0.0.1 that a child process can inherit, as systemd's socket
    activation holds one; port 0: a port the system picks, held from this moment on."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(backlog)
    listener.set_inheritable(True)
    return listener


@contextmanager
def on_free_port(make: Callable[[int], AbstractContextManager], attempts: int = 5) -> Iterator:
    """Enter ``make(port)`` (a server process that binds the port itself) on a free port,
    again on another one when the first was taken between choosing and binding it."""
    for attempt in range(1, attempts + 1):
        manager = make(free_port())
        try:
            entered = manager.__enter__()
        except RuntimeError as error:
            if attempt == attempts or "address already in use" not in str(error).lower():
                raise
            continue
        try:
            yield entered
        finally:
            manager.__exit__(None, None, None)
        return
