"""Under gunicorn (config/gunicorn.py, two worker processes, four threads each): a burst of
sign-ups, every one stored as it came (SIGNUP_DIRECT_MAX_CONCURRENT = 0), is registered by
the processes' intake threads and mailed, with no worker running: every sign-up answered
with a redirect becomes one person with one confirmation mail, and nothing stays stored.
On a SQLite file and on a private PostgreSQL database."""

from __future__ import annotations

import pytest

from bench.ports import free_port
from bench.processes import Gunicorn, PrivatePostgres, flask, site_env
from eventsite.extensions import db
from eventsite.registration.intake_models import SignupIntake
from eventsite.registration.models import Attendee
from tests.helpers import signups
from tests.smtp_server import SMTPServer
from tests.testapp import NO_PG, PG_URL, make_test_app

SIGNUPS = 60


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'site.db'}"
        return
    if not PG_URL:
        pytest.skip(NO_PG)
    with PrivatePostgres(PG_URL, prefix="eventsite_intake") as uri:
        yield uri


def test_a_burst_of_stored_sign_ups_is_registered_and_mailed_by_the_processes(
    database, tmp_path
):
    port, mail_port = free_port(), free_port()
    env = site_env(
        database,
        port,
        mail_port,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        EVENTSITE_SIGNUP_DIRECT_MAX_CONCURRENT="0",
    )
    flask(env, "db", "upgrade")
    flask(env, "programme", "demo")
    smtp = SMTPServer(mail_port)
    smtp.start()
    try:
        with Gunicorn("wsgi:app", port, env, tmp_path / "site.log", ready_path="/healthz"):
            result = signups(port, SIGNUPS, concurrency=8, duration=60)
            answered = result["requests"]  # each client finishes its last one: a few more
            assert answered >= SIGNUPS and result["errors"] == 0, result
            # No `flask worker` runs: only the processes' own threads register and send.
            mails = smtp.wait_for("bench-", answered, timeout=60)
    finally:
        smtp.stop()
    assert len({m["To"] for m in mails}) == answered
    app = make_test_app(database)
    with app.app_context():
        emails = list(db.session.scalars(db.select(Attendee.email)))
        left = db.session.scalar(db.select(db.func.count(SignupIntake.id)))
        db.session.remove()
        db.engine.dispose()
    assert len(emails) == len(set(emails)) == answered and left == 0
    assert {m["To"] for m in mails} == set(emails)
