"""Personal access tokens: made, named and revoked by their owner; only a hash is kept.

A token is ``evs_`` followed by 43 characters from ``secrets`` (256 bits); the database
holds its SHA-256 (ASVS v5 11.5.1), so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from ..organisers import audit
from ..organisers.models import Organiser
from .models import ApiToken

PREFIX = "evs_"


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is shown to its owner once and never again."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(owner: Organiser, name: str, read_only: bool) -> NewToken:
    """A new token for ``owner``, recorded in the audit log (in the caller's unit of work)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organiser=owner,
        name=name.strip(),
        token_hash=token_hash(secret),
        prefix=secret[:10],
        read_only=read_only,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        owner,
        "apitoken.create",
        token.name,
        region=owner.region,
        data={"name": token.name, "access": "read" if read_only else "write"},
    )
    return NewToken(token, secret)


def tokens_of(owner: Organiser) -> list[ApiToken]:
    query = select(ApiToken).filter_by(organiser_id=owner.id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke(owner: Organiser, token_id: int) -> ApiToken | None:
    """Revoke one of the owner's own tokens (None: not theirs, or unknown)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organiser_id != owner.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            owner, "apitoken.revoke", token.name, region=owner.region, data={"name": token.name}
        )
    return token


def organiser_for(secret: str) -> tuple[ApiToken, Organiser] | None:
    """The token and its owner for a presented secret; None if unknown, revoked or the owner
    may no longer log in."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).filter_by(token_hash=token_hash(secret)))
    if token is None or token.revoked_at is not None or not token.organiser.active:
        return None
    return token, token.organiser
