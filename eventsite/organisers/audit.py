"""Writing and reading the audit log."""

from __future__ import annotations

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


def latest_entries(page: int, per_page: int = 50):
    """The audit log, newest first, one page at a time."""
    query = db.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
