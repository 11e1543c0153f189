"""Where webhooks may go: no server-side request forgery.

An endpoint must be https (``WEBHOOK_ALLOW_HTTP`` for development) on a public address:
loopback, private, link-local, multicast, reserved and unspecified addresses are refused
(``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` lifts that, for tests and an intranet). The name is
checked when the endpoint is saved and resolved again at every delivery, and the
connection goes to the very address that was checked (a name that later resolves to
127.0.0.1 gets nowhere). Redirects are never followed (``delivery.py``).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app


class RefusedAddress(ValueError):
    """The URL may not be called; the message says why (in English, for the log), ``kind``
    which rule refused it: scheme, form, unknown or private."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def address_problem(address: str) -> str | None:
    """Why ``address`` (an IP) is not a public one, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an acceptable webhook URL; raises ``RefusedAddress``."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in allowed:
        raise RefusedAddress("the address must start with https://", "scheme")
    if not parts.hostname or parts.username or parts.password:
        raise RefusedAddress("a host name and no user name or password, please", "form")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedAddress("the port is not a number", "form") from error
    return parts.hostname, port


def resolve(host: str, port: int) -> str:
    """The address to connect to, after checking every address the name has."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(f"{host} cannot be found", "unknown") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise RefusedAddress(f"{host} cannot be found", "unknown")
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise RefusedAddress(problem, "private")
    return addresses[0]
