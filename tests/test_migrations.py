"""`flask db upgrade` builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from eventsite.extensions import db
from tests.testapp import make_test_app


def schema_differences(app) -> list:
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def test_upgrade_on_a_fresh_sqlite_database_matches_the_models(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/migrated.db")
    with app.app_context():
        upgrade()
    assert schema_differences(app) == []


def test_upgrade_on_postgresql_matches_the_models(pg_database_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    # A database of its own: the shared test database has its schema from create_all().
    url = make_url(pg_database_url)
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = make_test_app(url.set(database=name).render_as_string(hide_password=False))
        with app.app_context():
            upgrade()
            assert schema_differences(app) == []
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
