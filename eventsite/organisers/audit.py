"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import UTC

from flask import has_request_context, request

from ..extensions import db
from .models import AuditLog, Organiser


def record(
    actor: Organiser | None,
    action: str,
    target: str = "",
    detail: str = "",
    *,
    edition=None,
    region=None,
    data: dict | None = None,
) -> AuditLog:
    """Add an audit entry to the transaction (the unit of work commits it with the action).

    `edition` and `region` (model objects) say what the entry concerns, for the filters;
    `data` holds the facts its sentence needs (JSON-serialisable: strings, numbers, ISO times).
    """
    entry = AuditLog(
        edition_id=edition.id if edition is not None else None,
        region_id=region.id if region is not None else None,
        data=data,
        organiser_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        target=target[:200],
        detail=detail,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def facts(**values) -> dict:
    """`data` for record(): None values left out, times as ISO 8601 UTC strings."""
    result = {}
    for key, value in values.items():
        if value is None:
            continue
        if hasattr(value, "astimezone"):
            value = value.astimezone(UTC).isoformat()
        result[key] = value
    return result


def session_facts(programme_session, **extra) -> dict:
    """What a sentence about a session needs: its titles and start, as they are now."""
    values = {
        "title": programme_session.title,
        "title_en": programme_session.title_en,
        "start_at": programme_session.start_at,
    }
    return facts(**{**values, **extra})


def account_facts(organiser: Organiser, **extra) -> dict:
    """What a sentence about an account needs: name, address, role (the variant) and hub."""
    region = organiser.region
    values = {
        "variant": organiser.role,
        "name": organiser.name,
        "email": organiser.email,
        "hub": region.name if region is not None else None,
        "hub_en": region.name_en if region is not None else None,
    }
    return facts(**{**values, **extra})


def latest_entries(page: int, per_page: int = 50, **filters):
    """The audit log, newest first, one page at a time; see `filtered` for the filters."""
    query = filtered(db.select(AuditLog), **filters)
    query = query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def filtered(query, edition_id=None, region_id=None, kind: str | None = None):
    """Only entries about an edition, a hub, or of a kind (the action's part before the dot)."""
    if edition_id is not None:
        query = query.where(AuditLog.edition_id == edition_id)
    if region_id is not None:
        query = query.where(AuditLog.region_id == region_id)
    if kind:
        query = query.where(AuditLog.action.like(kind.replace("%", "") + ".%"))
    return query
