"""Ports for the servers the benchmark and the tests start, without racing other processes.

A port chosen first and bound later by another process can be taken in between (by an
outgoing connection, another test's server): hold the socket where the server can take one,
or retry on another port where it binds its own.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


def free_port() -> int:
    """A port nothing listens on right now. Another process may take it before the server
    that is told this number binds it: hold a ``listening_socket()`` instead where the server
    can take one (gunicorn's fd://), or start it ``on_free_port`` (retries)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
