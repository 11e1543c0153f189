"""/readyz: the database takes a write and its schema is the newest migration; /healthz
stays the liveness check (the database answers)."""

from __future__ import annotations

import pytest
from flask_migrate import stamp, upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from eventsite.core.models import ReadinessProbe
from eventsite.core.readiness import migration_heads
from eventsite.extensions import db
from tests.fault_helpers import ReadOnlyFile
from tests.testapp import make_test_app


@pytest.fixture
def at_head(app):
    """The test database marked as migrated to the newest revision (its tables come from
    create_all, which matches the migrations: see test_migrations.py)."""
    stamp()
    yield app
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def ready(client):
    response = client.get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_ready_when_migrated_and_writable(at_head, client):
    response = ready(client)
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "database": "writable",
        "schema": ", ".join(sorted(migration_heads())),
    }
    ready(client)
    # Each check leaves one heartbeat row, not one per check.
    assert db.session.scalar(db.select(db.func.count()).select_from(ReadinessProbe)) == 1


def test_ready_after_flask_db_upgrade(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/migrated.db")
    with app.app_context():
        upgrade()
    assert ready(app.test_client()).status_code == 200


def test_not_ready_when_the_schema_is_not_migrated(app, client):
    response = ready(client)
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert "schema at revision none" in response.json["reason"]
    assert "flask db upgrade" in response.json["reason"]
    assert int(response.headers["Retry-After"]) > 0
    # Liveness is another question: the process runs and the database answers.
    assert client.get("/healthz").status_code == 200


def test_not_ready_when_the_schema_is_behind(at_head, client):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'messages_01'"))
    response = ready(client)
    assert response.status_code == 503
    assert "schema at revision messages_01" in response.json["reason"]


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_not_ready_when_sqlite_is_full(at_head, client):
    assert ready(client).status_code == 200
    pages = db.session.execute(text("PRAGMA page_count")).scalar()
    db.session.remove()

    # SQLITE_FULL, as on a full disk: the file may not grow by a single page.
    @event.listens_for(db.engine, "connect")
    def no_more_pages(dbapi_connection, record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    response = ready(client)
    assert response.status_code == 503
    assert response.json["reason"] == "database full"
    assert client.get("/healthz").status_code == 200  # SELECT 1 still answers
    event.remove(db.engine, "connect", no_more_pages)
    db.engine.dispose()
    assert ready(client).status_code == 200


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_not_ready_when_sqlite_is_read_only_and_ready_again_without_restart(
    at_head, client, tmp_path
):
    assert ready(client).status_code == 200
    read_only = ReadOnlyFile(tmp_path / "test.db")
    read_only.set()
    try:
        db.session.remove()
        db.engine.dispose()  # connections opened from now on are read-only
        response = ready(client)
        assert response.status_code == 503
        assert response.json["reason"] == "database read-only"
        assert client.get("/healthz").status_code == 200
    finally:
        read_only.clear()
    assert ready(client).status_code == 200


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_not_ready_when_postgresql_is_read_only(at_head, client, database_uri):
    assert ready(client).status_code == 200
    name = make_url(database_uri).database
    admin = create_engine(make_url(database_uri).set(database="postgres"))
    with admin.begin() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        db.session.remove()
        db.engine.dispose()
        response = ready(client)
        assert response.status_code == 503
        assert response.json["reason"] == "database read-only"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()
    assert ready(client).status_code == 200


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/missing-dir/none.db")
    response = ready(app.test_client())
    assert response.status_code == 503
    assert response.json["reason"] == "database unreachable"
