"""DKIM: sign each mail just before it is sent, when MAIL_DKIM_* is configured.

For a relay that does not sign the organisers' mail itself. `flask mail dkim-keygen` makes
the key pair and prints the DNS record (see the README, "Deliverability").
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app

# The headers that say who sent what to whom, when; List-* ones only where a mail has them.
SIGNED_HEADERS = (
    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
    "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
)  # fmt: skip


@lru_cache(maxsize=4)
def _private_key(path: str) -> bytes:
    return Path(path).read_bytes()


def dkim_configured(config) -> bool:
    return bool(
        config.get("MAIL_DKIM_DOMAIN")
        and config.get("MAIL_DKIM_SELECTOR")
        and config.get("MAIL_DKIM_PRIVATE_KEY")
    )


def dkim_sign(data: bytes) -> bytes:
    """``data`` (a whole message, CRLF line ends) with a DKIM-Signature header in front."""
    config = current_app.config
    if not dkim_configured(config):
        return data
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    present = [
        h.encode() for h in SIGNED_HEADERS
        if head.startswith(h.lower().encode() + b":") or b"\r\n" + h.lower().encode() + b":" in head
    ]  # fmt: skip
    signature = dkim.sign(
        data,
        config["MAIL_DKIM_SELECTOR"].encode(),
        config["MAIL_DKIM_DOMAIN"].encode(),
        _private_key(config["MAIL_DKIM_PRIVATE_KEY"]),
        include_headers=present,
        linesep=b"\r\n",
    )
    return signature + data


def generate_key_pair(out: Path) -> str:
    """Write a new RSA 2048 private key to ``out`` (PEM, mode 600); return the TXT record value."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    out.touch(mode=0o600)
    out.write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


def dns_record(selector: str, domain: str, value: str) -> str:
    """The zone-file line; DNS strings hold at most 255 characters, so the value is split."""
    chunks = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
    return f"{selector}._domainkey.{domain}. IN TXT ( {chunks} )"
