"""The write ceiling: a bare Flask + Flask-SQLAlchemy app that stores one row per POST.

    EVENTSITE_SQLALCHEMY_DATABASE_URI=... gunicorn -c config/gunicorn.py bench.write_app:app

Served by the same gunicorn settings as the site, on the same kind of database (SQLite in
WAL mode with the site's pragmas, or PostgreSQL with psycopg), it does the least a sign-up
must do: read a form, insert a row, commit, redirect. bench/run.py gives every write figure
(sign-up, confirm) as a ratio to it too: whatever the site does beyond that one durable
write is what that ratio shows.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["EVENTSITE_SQLALCHEMY_DATABASE_URI"]
db = SQLAlchemy(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """The site's SQLite settings (eventsite.tune_sqlite), and its busy timeout."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class BenchWrite(db.Model):
    """One POST."""

    __tablename__ = "bench_write_ceiling"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(db.String(254))
    name: Mapped[str] = mapped_column(db.String(120))
    created_at: Mapped[datetime]


with app.app_context():
    try:  # every worker tries; the first creates the table
        db.create_all()
    except DBAPIError:  # another worker's CREATE TABLE won the race (on PostgreSQL: a
        db.session.rollback()  # unique violation in pg_type, or "already exists")


@app.get("/")
def form():
    """The smallest form page: a session cookie-less GET for the load generator."""
    return '<form method="post" action="/"><input name="email"></form>'


@app.post("/")
def store():
    """Insert one row and commit: the one durable write a sign-up needs."""
    db.session.add(
        BenchWrite(
            email=request.form.get("email", ""),
            name=request.form.get("name", ""),
            created_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    return redirect("/", code=303)
