"""What the API's cached answers depend on, beyond an edition (``page_versions``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select

from ..caching import Version
from ..extensions import db
from ..programme.models import Edition, Region

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _version(rows) -> Version:
    parts = "|".join(":".join(str(value) for value in row) for row in rows)
    changes = [row[-1] for row in rows if row[-1] is not None]
    digest = hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()
    return Version(digest, max(changes, default=EPOCH))


def editions_version() -> Version:
    """The list of published editions: which there are and when each changed."""
    rows = db.session.execute(
        select(Edition.id, Edition.published, Edition.updated_at).order_by(Edition.id)
    ).all()
    return _version(rows)


def hubs_version() -> Version:
    rows = db.session.execute(select(Region.id, Region.updated_at).order_by(Region.id)).all()
    return _version(rows)
