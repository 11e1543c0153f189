"""`flask worker` (eventsite/core/worker.py): the registered jobs on their schedule with the
site's clock moved by the test, a periodic job once across two workers (threads with their
own database sessions, on SQLite and the suite's private PostgreSQL database), a failed run
tried again soon, and a clean stop on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import timedelta

from bench.ports import free_port
from bench.processes import BIN, ROOT, flask, site_env
from eventsite.core.jobs import JobRegistry, Outcome, registry_of
from eventsite.core.models import JobRun
from eventsite.core.worker import Worker
from eventsite.extensions import db
from eventsite.registration.jobs import register_jobs as register_registration_jobs
from tests.helpers import attendees, outbox, sign_up, signed_up_and_confirmed


def last_runs() -> dict[str, object]:
    db.session.rollback()
    return {run.name: run.last_run_at for run in db.session.scalars(db.select(JobRun))}


def test_the_app_registers_every_periodic_job_with_the_feature_that_owns_it(app):
    assert registry_of(app).names() == [
        "mail-requests",
        "outbox",
        "bounces",
        "signup-intake",
        "reminders",
        "purge",
        "announcements",
        "webhooks",
    ]
    assert "worker" in app.cli.commands


def test_reminders_every_five_minutes_and_the_purge_daily(app, client, open_edition, clock):
    start = open_edition.sessions[0].start_at
    signed_up_and_confirmed(client, "anna@example.nl")
    t0 = start - timedelta(hours=30)
    clock.set(t0 - timedelta(hours=1))
    sign_up(client, email="never@example.nl")  # stays unconfirmed
    registry = JobRegistry()
    register_registration_jobs(registry)
    lines: list[str] = []
    worker = Worker(registry, echo=lines.append)

    clock.set(t0)  # no session within 24 hours, nothing stale: both run, doing nothing
    worker.run_due()
    assert lines == []
    assert last_runs() == {"reminders": t0, "purge": t0, "announcements": t0}

    clock.set(t0 + timedelta(hours=7))  # the session starts within 24 hours
    worker.run_due()
    assert lines == ["reminders: queued 1 reminder(s)"]
    assert [m.recipient for m in outbox("reminder")] == ["anna@example.nl"]

    signed_up_and_confirmed(client, "bob@example.nl")
    clock.set(t0 + timedelta(hours=7, minutes=4))  # within the five minutes: not again
    worker.run_due()
    assert len(lines) == 1 and outbox("reminder", to="bob@example.nl") == []
    clock.set(t0 + timedelta(hours=7, minutes=5))
    worker.run_due()
    assert lines[1:] == ["reminders: queued 1 reminder(s)"]
    assert len(outbox("reminder", to="bob@example.nl")) == 1

    clock.set(t0 + timedelta(hours=23, minutes=59))  # the purge ran at t0: not due yet
    worker.run_due()
    assert last_runs()["purge"] == t0
    clock.set(t0 + timedelta(days=7, hours=1))  # the unconfirmed sign-up is 7 days old now
    worker.run_due()
    assert lines[-1] == (
        "purge: removed 1 unconfirmed registration(s), 1 never-confirmed attendee(s), "
        "0 attendee(s) past retention, 0 unconfirmed keep-me-posted address(es)"
    )
    assert "never@example.nl" not in [a.email for a in attendees()]


def test_two_workers_run_a_periodic_job_once_per_interval(app, clock):
    now = clock.at(2027, 5, 1, 12)
    calls: list[str] = []

    def slow_job(should_stop) -> Outcome:
        calls.append(threading.current_thread().name)
        time.sleep(0.5)  # both workers are in their pass meanwhile
        return Outcome("done")

    registry = JobRegistry()
    registry.add("probe", 300, slow_job, once_per_interval=True)
    workers = [Worker(registry, echo=lambda line: None) for _ in range(2)]

    def both_run() -> None:
        barrier = threading.Barrier(2)

        def run(worker: Worker) -> None:
            with app.app_context():
                barrier.wait()
                worker.run_due()

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

    both_run()
    assert len(calls) == 1
    workers.reverse()  # the other one first: still not again within the interval
    clock.set(now + timedelta(seconds=299))
    both_run()
    assert len(calls) == 1
    clock.set(now + timedelta(seconds=300))
    both_run()
    assert len(calls) == 2
    assert last_runs() == {"probe": now + timedelta(seconds=300)}


def test_a_periodic_run_that_fails_is_tried_again_after_the_backoff(app, clock):
    now = clock.at(2027, 5, 1, 12)
    calls: list[int] = []

    def flaky_job(should_stop) -> Outcome:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return Outcome()

    registry = JobRegistry()
    registry.add("flaky", 24 * 60 * 60, flaky_job, once_per_interval=True)
    worker = Worker(registry, echo=lambda line: None)
    worker.run_due()
    assert calls == [1] and last_runs() == {}  # no turn used up
    clock.set(now + timedelta(seconds=1))  # the first backoff
    worker.run_due()
    assert calls == [1, 1] and last_runs() == {"flaky": now + timedelta(seconds=1)}


def test_sigterm_stops_flask_worker_cleanly(tmp_path):
    env = site_env(f"sqlite:///{tmp_path / 'site.db'}", free_port(), free_port())
    flask(env, "db", "upgrade")
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "flask"), "worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        while "worker: started" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(0.5)  # into its loop
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert "reminders every 300 s" in output and "purge every 86400 s" in output
    assert output.rstrip().endswith("worker: stopped")
    assert "Traceback" not in output
