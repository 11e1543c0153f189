"""The audit log in words, filterable by edition, hub and kind.

Admins see every entry; a hub organiser sees the entries about their own hub (its sessions,
its exports, its accounts), and no filter by hub.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...extensions import db
from ...programme.models import Edition, Region
from .. import audit
from ..audit_sentences import describe, kind_choices, kind_label
from ..blueprint import bp
from .common import year_arg


def _filters() -> dict:
    """The filters asked for in the query string, unknown values ignored."""
    year = year_arg(request.args.get("edition"))
    edition = db.session.scalar(db.select(Edition).filter_by(year=year)) if year else None
    kinds = dict(kind_choices())
    kind = request.args.get("kind", "")
    filters = {
        "edition_id": edition.id if edition else None,
        "kind": kind if kind in kinds else None,
    }
    if current_user.is_admin:
        slug = request.args.get("hub", "")[:40]
        region = db.session.scalar(db.select(Region).filter_by(slug=slug)) if slug else None
        filters["region_id"] = region.id if region else None
    else:
        filters["region_id"] = current_user.region_id
    return filters


@bp.get("/audit")
def audit_log():
    """Who did what and when, as sentences in the reader's language, newest first."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = _filters()
    pagination = audit.latest_entries(page, **filters)
    hub_chosen = current_user.is_admin and filters["region_id"]
    chosen = {
        "edition": request.args.get("edition", "") if filters["edition_id"] else "",
        "hub": request.args.get("hub", "") if hub_chosen else "",
        "kind": filters["kind"] or "",
    }
    return render_template(
        "organisers/audit.html",
        pagination=pagination,
        describe=describe,
        kind_label=kind_label,
        editions=db.session.scalars(db.select(Edition).order_by(Edition.year.desc())).all(),
        regions=db.session.scalars(db.select(Region).order_by(Region.name)).all(),
        kinds=kind_choices(),
        chosen=chosen,
        pager_args={k: v for k, v in chosen.items() if v},
    )
