"""Honest under faults: a 503 with Retry-After and true words when the database is away,
and cached pages served meanwhile. Timeouts and a pool that recovers from read-only
connections: test_faults_timeouts.py.

Every fault is real: a database that refuses connections, a server that is not there.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from eventsite.extensions import db
from tests import fault_helpers
from tests.fault_helpers import (
    NOT_SAVED_EN,
    NOT_SAVED_NL,
    assert_503,
    database_away,
    sign_up_form,
    stored_addresses,
)
from tests.testapp import free_port, make_test_app

another_app = fault_helpers.another_app  # the fixture: a second app on the same database


# --- 503 with Retry-After and true words ------------------------------------------------


def test_signup_while_the_database_is_away_is_503_not_saved(
    app, client, open_edition, database_uri
):
    form = sign_up_form(client, "anna@example.nl")
    with database_away(app, database_uri):
        response = client.post("/register", data=form)
        assert_503(response, NOT_SAVED_NL, "Tijdelijk niet beschikbaar")
        english = client.post("/register?lang=en", data={**form, "email": "bob@example.nl"})
        assert_503(english, NOT_SAVED_EN, "Temporarily unavailable")
    assert stored_addresses() == set()
    # Back again: the same form now works, without a restart.
    assert client.post("/register", data=form).status_code == 302
    assert stored_addresses() == {"anna@example.nl"}


def test_page_while_the_database_is_away_is_503_without_talk_of_saving(
    app, client, open_edition, database_uri
):
    with database_away(app, database_uri):
        body = assert_503(client.get("/register?lang=en"), "Temporarily unavailable")
        assert "saved" not in body
        assert "niet beschikbaar" in assert_503(client.get("/register?lang=nl"))


def test_unreachable_postgresql_server_is_503():
    app = make_test_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    response = app.test_client().get("/register")
    assert_503(response, "Tijdelijk niet beschikbaar")


def test_500_page_does_not_claim_that_nothing_was_lost(app, client):
    app.add_url_rule("/boom", "boom", lambda: 1 / 0, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    body = client.post("/boom").get_data(as_text=True)
    assert "niet verloren" not in body
    assert "misschien niet opgeslagen" in body
    body = client.post("/boom?lang=en").get_data(as_text=True)
    assert "was lost" not in body and "may not have been saved" in body


def test_errors_that_are_not_about_availability_stay_500(app, client):
    def missing_table():
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.add_url_rule("/missing", "missing", missing_table)
    assert client.get("/missing").status_code == 500


def test_classification_of_sqlite_faults(tmp_path):
    from eventsite.database import unavailable_reason

    connection = sqlite3.connect(tmp_path / "c.db")
    connection.execute("CREATE TABLE t (x)")
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM nothing")
    wrapped = OperationalError("SELECT", {}, missing.value)
    assert unavailable_reason(wrapped) is None
    connection.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as read_only:
        connection.execute("INSERT INTO t VALUES (1)")
    assert unavailable_reason(OperationalError("INSERT", {}, read_only.value)) == "read-only"


# --- Cached pages while the database is away ----------------------------------------------


@pytest.mark.parametrize("url", ["/", "/sessions/2027-noord", "/editions/2027"])
def test_cached_pages_are_served_while_the_database_is_away(
    app, client, open_edition, database_uri, url
):
    before = client.get(url)
    assert before.status_code == 200
    with database_away(app, database_uri):
        during = client.get(url)
        assert during.status_code == 200
        assert during.data == before.data
        assert during.headers["ETag"] == before.headers["ETag"]
        etag = before.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        # A page never rendered before has nothing to fall back on: an honest 503.
        assert_503(client.get(url + "?lang=en", headers={"Accept-Language": "en"}))
    assert client.get(url).status_code == 200


def test_a_failed_version_lookup_is_remembered_for_page_version_ttl(
    open_edition, database_uri, another_app
):
    """A database that does not answer is asked once per TTL, not by every request."""
    from sqlalchemy import event

    app = another_app(database_uri, PAGE_VERSION_TTL=0.5)
    client = app.test_client()
    assert client.get("/").status_code == 200
    attempts = []
    with app.app_context():
        event.listen(db.engine, "do_connect", lambda *args: attempts.append(1))
    with database_away(app, database_uri):
        time.sleep(0.6)  # the version read while all was well has expired
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert len(attempts) == 1
    time.sleep(0.6)
    assert client.get("/").status_code == 200
