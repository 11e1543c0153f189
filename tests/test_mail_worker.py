"""The worker (`flask worker`, and `flask mail send-queued --loop`) lives through a database
restart: a PostgreSQL cluster of the test's own (initdb/pg_ctl on a free port in a temporary
directory, never the machine's server) is restarted under a running worker, which goes on,
and every mail is delivered exactly once."""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from eventsite.extensions import db
from tests.smtp_server import MailCatcher, SMTPServer
from tests.testapp import TEST_TEMPLATES, free_port, make_test_app

ROOT = Path(__file__).resolve().parent.parent
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


class Cluster:
    """A throwaway PostgreSQL cluster (run as the postgres user when we are root)."""

    def __init__(self) -> None:
        self.bin = Path(PG_BINS[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="eventsite-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        os.chmod(self.dir, 0o755)

    def run(self, *args: str) -> None:
        subprocess.run(self.as_user + list(args), check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        log = str(self.dir / "log")
        pg_ctl = str(self.bin / "pg_ctl")
        self.run(pg_ctl, "-D", str(self.data), "-o", options, "-w", "start", "-l", log)

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    if not PG_BINS or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (or no runuser)")
    own = Cluster()
    try:
        own.init()
        own.start()
        yield own
    finally:
        own.remove()


def queue_mails(app, start: int, count: int) -> None:
    from eventsite.mail.outbox import queue_mail

    with app.app_context():
        for i in range(start, start + count):
            queue_mail(
                kind="test",
                recipient=f"m{i}@example.nl",
                language="nl",
                template="test_hello",
                context={"name": str(i)},
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no pooled connection may outlive the cluster's restart


def wait_until(condition, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


WORKER_COMMANDS = {
    "flask worker": ["worker"],
    "send-queued --loop": ["mail", "send-queued", "--loop", "--interval", "0.2"]
    + ["--batch-size", "10"],
}


@pytest.mark.parametrize("command", WORKER_COMMANDS)
def test_the_worker_survives_a_database_restart_and_sends_each_mail_once(
    cluster, tmp_path, command
):
    smtp_port = free_port()
    app = make_test_app(cluster.url, MAIL_PORT=smtp_port)
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([DictLoader(TEST_TEMPLATES), app.jinja_env.loader])
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    server = SMTPServer(smtp_port)
    server.catcher = MailCatcher()
    original = server.catcher.handle_DATA

    async def slow(srv, session, envelope):  # about 20 mails a second: the restart hits mid-run
        time.sleep(0.05)
        return await original(srv, session, envelope)

    server.catcher.handle_DATA = slow
    server.start()
    queue_mails(app, 0, 40)
    env = dict(
        os.environ,
        FLASK_APP="wsgi.py",
        PYTHONUNBUFFERED="1",
        EVENTSITE_ENV="testing",
        EVENTSITE_SQLALCHEMY_DATABASE_URI=cluster.url,
        EVENTSITE_MAIL_SERVER="127.0.0.1",
        EVENTSITE_MAIL_PORT=str(smtp_port),
        EVENTSITE_MAIL_TIMEOUT="2",
        EVENTSITE_MAIL_SENDING_TIMEOUT="5",
    )
    log = open(tmp_path / "worker.log", "w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", *WORKER_COMMANDS[command]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: len(server.messages) >= 5, 30, "the first mails")
        cluster.stop()  # mid-run: the worker loses its database
        time.sleep(2)
        assert worker.poll() is None, "the worker died with the database"
        cluster.start()
        queue_mails(app, 40, 20)  # and new mails keep coming
        wait_until(lambda: len(server.messages) >= 60, 60, "all 60 mails")
        time.sleep(1)  # anything sent twice would arrive now
        assert worker.poll() is None
        delivered = Counter(m["To"] for m in server.messages)
        assert set(delivered) == {f"m{i}@example.nl" for i in range(60)}
        assert max(delivered.values()) == 1, delivered.most_common(3)
        engine = create_engine(cluster.url)
        with engine.connect() as conn:
            query = text("SELECT state, count(*) FROM outbox_message GROUP BY state")
            states = dict(conn.execute(query).all())
        engine.dispose()
        assert states == {"sent": 60}
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            code = "killed"
        server.stop()
        log.seek(0)
        output = log.read()
        log.close()
    assert code == 0, output
    # The outage is logged once, and its end once (`flask worker`: once per job that met it).
    outages = output.count("retrying until it works")
    assert outages == output.count("working again"), output
    if command == "send-queued --loop":
        assert outages == 1, output
    else:
        per_job = Counter(re.findall(r"ERROR in jobs: worker: ([\w-]+):", output))
        assert "outbox" in per_job and max(per_job.values()) == 1, output
