"""The programme's pictures (hub logos, speaker photos): letting go of one nobody shows.

A speaker's photo is personal data: once the speaker is removed or the photo replaced, the
stored picture goes too, unless another speaker or hub shows the same picture.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.media import delete_image
from ..extensions import db
from .models import Region, Speaker


def release_picture(sha256: str | None) -> None:
    """Delete the stored picture ``sha256`` if no speaker and no hub uses it (after a flush)."""
    if not sha256:
        return
    db.session.flush()
    users = db.session.scalar(
        select(func.count()).select_from(Speaker).where(Speaker.photo_sha256 == sha256)
    ) + db.session.scalar(
        select(func.count()).select_from(Region).where(Region.logo_sha256 == sha256)
    )
    if not users:
        delete_image(sha256)
