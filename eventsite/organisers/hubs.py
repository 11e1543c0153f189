"""The hubs' own details: name, short description, website, contact address and logo.

Admins add a hub (``create_hub``) and edit every hub; a region organiser only their own
(``may_edit_hub``). A change raises
the hub's ``updated_at``, which is part of the programme pages' version, so its sessions'
pages show the new name or logo at once.
"""

from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core import unit_of_work
from ..core.media import ImageRefused, has_upload, store_upload
from ..extensions import db
from ..programme.models import Region
from ..programme.pictures import release_picture
from . import audit
from .models import Organiser
from .speakers import Outcome

HUB_FIELDS = ("name", "name_en", "description", "description_en", "website", "contact_email")


def visible_hubs(organiser: Organiser) -> list[Region]:
    """The hubs an organiser may edit: all for an admin, their own for a region organiser."""
    query = select(Region).order_by(Region.name)
    if not organiser.is_admin:
        query = query.where(Region.id == organiser.region_id)
    return list(db.session.scalars(query))


def may_edit_hub(organiser: Organiser, region: Region) -> bool:
    return organiser.is_admin or organiser.region_id == region.id


def _hub_values(data: dict) -> dict:
    """The form's hub fields, trimmed; an empty one is None."""
    return {name: (data.get(name) or "").strip() or None for name in HUB_FIELDS}


def slug_taken(slug: str) -> str:
    message = _l(
        "There is already a hub with the short name %(slug)s: choose another one.", slug=slug
    )
    return str(message)


def create_hub(organiser: Organiser, data: dict) -> tuple[Region | None, Outcome]:
    """A new hub from the validated new-hub form; refused with a message at the slug when
    a hub has it already. The unique constraint decides, not a look-up first: a double
    submit's second request waits for the first one's commit and is refused the same way."""
    slug = data["slug"]
    region = Region(slug=slug, **_hub_values(data))
    db.session.add(region)
    try:
        db.session.flush()
    except IntegrityError:
        unit_of_work.rollback()  # nothing of this request is kept
        return None, Outcome(False, {"slug": slug_taken(slug)})
    audit.record(organiser, "hub.add", slug, region=region, data={"name": region.name})
    return region, Outcome(True)


def hub_fingerprint(region: Region) -> str:
    """A hash of what the hub form shows, to notice someone else's save in between."""
    values = [repr(getattr(region, name)) for name in (*HUB_FIELDS, "logo_sha256")]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def update_hub(
    region: Region, organiser: Organiser, data: dict, upload=None, fingerprint=None
) -> Outcome:
    """Save the hub form's values and logo; refuse a stale form and a refused picture."""
    region = db.session.scalar(
        select(Region)
        .filter_by(id=region.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if fingerprint and fingerprint != hub_fingerprint(region):
        message = _l(
            "Someone else saved this hub while you were editing. The form still holds your "
            "changes: check them and save again to overwrite, or reload the page."
        )
        return Outcome(False, {"_form": str(message)})
    try:
        logo = store_upload(upload).sha256 if has_upload(upload) else region.logo_sha256
    except ImageRefused as refused:
        return Outcome(False, {"logo": refused.message})
    if data.get("remove_logo") and not has_upload(upload):
        logo = None
    changes = _hub_values(data)
    changes["name"] = changes["name"] or region.name
    changes["logo_sha256"] = logo
    changed = [k for k, v in changes.items() if getattr(region, k) != v]
    if not changed:
        return Outcome(True)
    old_logo = region.logo_sha256
    for name, value in changes.items():
        setattr(region, name, value)
    db.session.flush()
    if old_logo != logo:
        release_picture(old_logo)
    audit.record(
        organiser,
        "hub.update",
        region.slug,
        "changed: " + ", ".join(changed),
        region=region,
        data={"name": region.name},
    )
    return Outcome(True)
