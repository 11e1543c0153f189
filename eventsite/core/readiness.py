"""Readiness: can this instance take sign-ups? The database takes a write, schema is current.

``/healthz`` (liveness) only asks whether the database answers a ``SELECT 1``; a database
that is full or read-only answers that and still refuses every sign-up. Readiness writes
(and commits) a heartbeat row of a few kilobytes, and compares the database's Alembic
revision with the newest migration of this code.
"""

from __future__ import annotations

import os

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import delete, insert

from ..database import rollback_quietly, unavailable_reason
from ..extensions import db
from .models import ReadinessProbe
from .unit_of_work import unit_of_work

PROBE_BYTES = 8192


class NotReady(Exception):
    """Why this instance should not get traffic; ``str()`` is the reason for the operator."""


def check_readiness() -> dict[str, str]:
    """What was checked, or raise NotReady with the reason."""
    try:
        schema = check_schema()
        # Its own unit of work, committed here and not after the view: a database that
        # refuses the commit is exactly what this check must report.
        with unit_of_work():
            write_heartbeat()
    except NotReady:
        rollback_quietly(db.session)
        raise
    except Exception as error:
        rollback_quietly(db.session)
        reason = unavailable_reason(error)
        if reason is None:
            raise
        current_app.logger.warning("readiness: database %s", reason, exc_info=True)
        raise NotReady(f"database {reason}") from error
    return {"database": "writable", "schema": schema}


def check_schema() -> str:
    """The current revision, if it is the newest migration's; else NotReady."""
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = migration_heads()
    if current != heads:
        found = ", ".join(sorted(current)) or "none"
        raise NotReady(
            f"schema at revision {found}, code expects {', '.join(sorted(heads))}: "
            "run flask db upgrade"
        )
    return ", ".join(sorted(heads))


def migration_heads() -> set[str]:
    """The newest revision(s) in eventsite/migrations (read once per process)."""
    app = current_app._get_current_object()
    heads = app.extensions.get("eventsite.migration_heads")
    if heads is None:
        config = Config()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        app.extensions["eventsite.migration_heads"] = heads
    return heads


def write_heartbeat() -> None:
    """Insert a heartbeat row and delete the older ones (the caller commits)."""
    new_id = db.session.execute(
        insert(ReadinessProbe).values(payload=os.urandom(PROBE_BYTES)).returning(
            ReadinessProbe.id
        )
    ).scalar_one()
    db.session.execute(delete(ReadinessProbe).where(ReadinessProbe.id < new_id))
