"""VERP: each mail's envelope sender names its outbox row, so a bounce says which mail failed.

``MAIL_BOUNCE_ADDRESS = "bounces@example.nl"`` gives ``bounces+<id>-<mac>@example.nl``; the
mac (an HMAC of the row id with the secret key) means nobody can forge a bounce for a row.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

MAC_LENGTH = 12  # hex digits: 48 bits, plenty against guessing one row's tag


def _mac(row_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"verp:{row_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:MAC_LENGTH]


def row_tag(row_id: int) -> str:
    return f"{row_id}-{_mac(row_id)}"


def return_path(row_id: int) -> str | None:
    """The envelope sender for outbox row ``row_id``, or None without MAIL_BOUNCE_ADDRESS."""
    bounce_address = current_app.config.get("MAIL_BOUNCE_ADDRESS")
    if not bounce_address:
        return None
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{row_tag(row_id)}@{domain}"


def row_id_in(text: str) -> int | None:
    """The outbox row id of the first correctly signed VERP address in ``text``, if any."""
    bounce_address = current_app.config.get("MAIL_BOUNCE_ADDRESS")
    if not bounce_address:
        return None
    local, _, domain = bounce_address.rpartition("@")
    pattern = rf"{re.escape(local)}\+(\d+)-([0-9a-f]{{{MAC_LENGTH}}})@{re.escape(domain)}"
    for match in re.finditer(pattern, text, re.IGNORECASE):
        row_id = int(match.group(1))
        if hmac.compare_digest(match.group(2).lower(), _mac(row_id)):
            return row_id
    return None
