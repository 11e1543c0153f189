"""Sign-ups under a burst (registration/intake.py): stored as they came, answered with the same
page, registered moments later by the process's intake thread or else by the worker, and
never lost: not when the thread is gone, not when registering fails, not when registration
closes in between.

``burst`` makes every sign-up count as one of many (SIGNUP_DIRECT_MAX_CONCURRENT = 0)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.programme.models import CANCELLED, ProgrammeSession
from eventsite.registration import intake
from eventsite.registration.intake import WORKER_GRACE, intake_for
from eventsite.registration.intake_models import SignupIntake
from eventsite.registration.jobs import register_stored_signups
from tests.helpers import (
    attendees,
    confirm,
    link_to,
    log_in,
    outbox,
    sign_up,
    signed_up_and_confirmed,
    states,
)


@pytest.fixture
def burst(app, open_edition):
    app.config["SIGNUP_DIRECT_MAX_CONCURRENT"] = 0
    return open_edition


def stored() -> list[SignupIntake]:
    db.session.rollback()
    return list(db.session.scalars(db.select(SignupIntake).order_by(SignupIntake.id)))


def run_worker_job() -> str:
    return register_stored_signups(lambda: False).summary


def test_a_stored_sign_up_gets_the_same_answer_its_mail_and_can_be_confirmed(client, burst):
    response = sign_up(client, sessions=["2027-noord", "2027-zuid"], email="Anna@Example.NL")
    assert response.status_code == 302 and response.headers["Location"] == "/register/sent"
    assert "anna@example.nl" in client.get("/register/sent").get_data(as_text=True).lower()
    # The intake thread registered it (the test client waits for it, as a visitor's mail
    # arrives a moment after the answer): nothing is left stored.
    assert stored() == []
    [attendee] = attendees()
    assert (attendee.email, attendee.name, attendee.signup_ip) == (
        "anna@example.nl",
        "Anna de Vries",
        "127.0.0.1",
    )
    assert states() == ["pending", "pending"]
    [mail] = outbox("confirm")
    assert "15.00–16.30 uur" in mail.text_body and mail.language == "nl"
    response = confirm(client, link_to(mail, "/confirm/"))
    assert response.status_code == 302
    assert states() == ["confirmed", "confirmed"]


def test_a_stored_sign_up_keeps_language_answers_and_source(client, burst):
    client.get("/?via=nieuwsbrief")
    sign_up(client, lang="en", newsletter="y", email="bo@example.nl")
    [attendee] = attendees()
    assert (attendee.language, attendee.newsletter, attendee.source) == ("en", True, "nieuwsbrief")
    [mail] = outbox("confirm")
    assert mail.language == "en" and mail.subject == "Please confirm your registration"


def test_a_known_confirmed_address_gets_the_same_answer_and_its_usual_mail(client, burst):
    signed_up_and_confirmed(client, "cor@example.nl")
    response = sign_up(client, sessions=["2027-oost"], email="cor@example.nl")
    assert response.headers["Location"] == "/register/sent"
    assert [m.kind for m in outbox(to="cor@example.nl")][-1] == "already"
    assert sorted(states()) == ["confirmed", "pending"]


def test_a_double_click_stores_twice_and_registers_one_person(client, burst):
    sign_up(client, email="dirk@example.nl")
    sign_up(client, email="dirk@example.nl")
    assert len(attendees()) == 1 and states() == ["pending"]
    assert len(outbox("confirm", to="dirk@example.nl")) == 2  # as a direct double click
    assert stored() == []


def test_a_bot_in_the_honeypot_stores_nothing(client, burst):
    response = sign_up(client, website="http://spam.example")
    assert response.headers["Location"] == "/register/sent"
    assert stored() == [] and attendees() == [] and outbox() == []


def test_when_the_thread_is_gone_the_worker_registers_the_stored_sign_up(
    app, client, burst, clock
):
    intake_for(app).queue.stop()  # the process is stopping: it takes nothing more
    sign_up(client, email="els@example.nl")
    [row] = stored()
    assert attendees() == [] and outbox() == []
    assert run_worker_job() == ""  # the worker leaves fresh rows to their own process a moment
    clock.set(utcnow() + WORKER_GRACE)
    assert run_worker_job() == "registered 1 stored sign-up(s)"
    assert stored() == [] and [a.email for a in attendees()] == ["els@example.nl"]
    assert [m.recipient for m in outbox("confirm")] == ["els@example.nl"]


def test_postgresql_two_processes_claiming_the_same_rows_do_not_deadlock(
    app, client, burst, caplog
):
    """A thread's ids come in the order their requests committed; the worker claims in id
    order. Claimed in different orders, the two transactions deadlocked (seen under a
    burst on PostgreSQL: one of them aborted, its batch registered again one by one)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes one write lock")
    intake_for(app).queue.stop()  # the test hands the rows over itself
    sign_up(client, email="een@example.nl")
    sign_up(client, email="twee@example.nl")
    first, second = [row.id for row in stored()]
    # Another process (the worker, in id order) has claimed the first and goes on.
    with db.engine.connect() as other:
        other.execute(delete(SignupIntake).where(SignupIntake.id == first))

        def this_process():  # its thread got the ids in the order they committed
            with app.app_context():
                intake.register([second, first])
                db.session.remove()

        thread = threading.Thread(target=this_process)
        with caplog.at_level(logging.INFO, logger="eventsite"):
            thread.start()
            time.sleep(0.5)  # this process now waits for the other's first row
            other.execute(delete(SignupIntake).where(SignupIntake.id == second))
            other.commit()
            thread.join(timeout=30)
    assert not thread.is_alive()
    assert "one by one" not in caplog.text
    assert stored() == []


def test_a_sign_up_that_fails_to_register_is_kept_and_retried_until_it_works(
    app, client, burst, clock
):
    """A row that does not register (here: stored by a newer version of the form, with a
    field this version does not know) is kept with the error and retried with backoff."""
    intake_for(app).queue.stop()
    sign_up(client, email="fay@example.nl")
    [row] = stored()
    row.details = {**row.details, "field_of_a_newer_form": "x"}
    db.session.commit()
    clock.set(utcnow() + WORKER_GRACE)
    assert run_worker_job() == ""
    [row] = stored()
    assert row.attempts == 1 and "field_of_a_newer_form" in row.last_error
    assert row.next_attempt_at > utcnow() and attendees() == []
    assert run_worker_job() == ""  # not due yet: nothing tried
    assert stored()[0].attempts == 1
    clock.set(row.next_attempt_at)
    run_worker_job()
    [row] = stored()
    assert row.attempts == 2  # still failing, still kept, the wait doubled
    assert row.next_attempt_at - utcnow() == timedelta(seconds=20)
    details = dict(row.details)
    del details["field_of_a_newer_form"]
    row.details = details  # the newer version is deployed (here: the row mended)
    db.session.commit()
    clock.set(row.next_attempt_at)
    assert run_worker_job() == "registered 1 stored sign-up(s)"
    assert stored() == [] and [a.email for a in attendees()] == ["fay@example.nl"]


def test_a_session_cancelled_in_between_is_left_out(app, client, burst, clock):
    intake_for(app).queue.stop()
    sign_up(client, sessions=["2027-noord", "2027-zuid"], email="gijs@example.nl")
    noord, zuid = (
        db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        for slug in ("2027-noord", "2027-zuid")
    )
    titles = noord.title, zuid.title
    zuid.status = CANCELLED
    db.session.commit()
    clock.set(utcnow() + WORKER_GRACE)
    run_worker_job()
    assert states() == ["pending"] and states("2027-noord") == ["pending"]
    [mail] = outbox("confirm")
    assert titles[0] in mail.text_body and titles[1] not in mail.text_body


def test_when_every_chosen_session_was_cancelled_in_between_nothing_is_registered(
    app, client, burst, clock
):
    intake_for(app).queue.stop()
    sign_up(client, sessions=["2027-zuid"], email="hans@example.nl")
    db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-zuid")).status = CANCELLED
    db.session.commit()
    clock.set(utcnow() + WORKER_GRACE)
    run_worker_job()
    assert stored() == [] and attendees() == [] and outbox() == []


def test_a_deadline_passed_while_it_waited_does_not_swallow_the_sign_up(
    app, client, burst, clock
):
    """Sent a minute before registration closed, registered after: the person was told a
    mail comes, so it comes, as for a sign-up registered in its request a minute before;
    confirming after the deadline then says the session has closed."""
    intake_for(app).queue.stop()
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))
    noord.registration_closes_at = utcnow() + timedelta(minutes=1)
    db.session.commit()
    sign_up(client, sessions=["2027-noord"], email="karin@example.nl")
    clock.set(utcnow() + WORKER_GRACE + timedelta(minutes=1))
    assert run_worker_job() == "registered 1 stored sign-up(s)"
    assert [a.email for a in attendees()] == ["karin@example.nl"] and states() == ["pending"]
    [mail] = outbox("confirm")
    assert mail.recipient == "karin@example.nl"
    confirm(client, link_to(mail, "/confirm/"))
    assert states() == ["cancelled"]


def test_a_quiet_process_registers_in_the_request(app, client, open_edition):
    """One sign-up at a time: registered in the request itself (nothing stored), so a session
    that has just closed is still said on the form."""
    intake_for(app).queue.stop()  # the thread is not needed, and nothing waits for the worker
    sign_up(client, email="ines@example.nl")
    assert stored() == [] and [a.email for a in attendees()] == ["ines@example.nl"]


def test_a_sign_up_right_after_another_is_stored(app, client, open_edition):
    """Each answered before the next arrives, but within SIGNUP_BURST_WINDOW: a burst."""
    app.config["SIGNUP_BURST_WINDOW"] = 30.0
    intake_for(app).queue.stop()  # to look at what was stored (the worker would register it)
    sign_up(client, email="oma@example.nl")
    assert stored() == [] and [a.email for a in attendees()] == ["oma@example.nl"]
    sign_up(client, email="piet@example.nl")
    assert [row.details["email"] for row in stored()] == ["piet@example.nl"]
    assert [a.email for a in attendees()] == ["oma@example.nl"]


def test_with_its_queue_full_a_busy_process_registers_in_the_request(app, client, burst):
    app.config["SIGNUP_INTAKE_QUEUE_MAX"] = 0
    sign_up(client, email="jan@example.nl")
    assert stored() == [] and [a.email for a in attendees()] == ["jan@example.nl"]


def test_the_thread_holds_back_while_sign_ups_are_answered_at_most_the_max_delay(
    app, client, burst
):
    """A burst is answered first: while a sign-up is being answered in the process, stored
    ones wait, but never longer than SIGNUP_INTAKE_MAX_DELAY."""
    app.config["SIGNUP_INTAKE_MAX_DELAY"] = 1.0
    intake = intake_for(app)
    client.wait_for_mail = False
    with intake.answering():  # another sign-up is being answered, and goes on being
        sign_up(client, email="kees@example.nl")
        held_from = time.monotonic()
        assert stored() != [] and attendees() == []
        assert intake.queue.wait_idle(timeout=10)
        held = time.monotonic() - held_from
    assert stored() == [] and [a.email for a in attendees()] == ["kees@example.nl"]
    assert 0.5 < held < 5


def test_the_thread_registers_as_soon_as_the_answers_are_done(app, client, burst):
    intake = intake_for(app)
    client.wait_for_mail = False
    with intake.answering():
        sign_up(client, email="lot@example.nl")
        time.sleep(0.3)
        assert attendees() == []  # held back (SIGNUP_INTAKE_MAX_DELAY is 30 s)
    assert intake.queue.wait_idle(timeout=10)
    assert [a.email for a in attendees()] == ["lot@example.nl"]


def test_admins_see_stored_sign_ups_and_why_one_does_not_register(
    app, client, burst, clock, make_organiser
):
    intake_for(app).queue.stop()
    sign_up(client, email="mia@example.nl")
    sign_up(client, email="noor@example.nl")
    make_organiser("admin@example.org", "admin")
    log_in(client, "admin@example.org")
    page = client.get("/organiser/mail?lang=nl").get_data(as_text=True)
    assert 'id="stored-signups" data-count="2" data-failed="0"' in page
    assert "2 aanmeldingen kwamen binnen tijdens een piek" in page
    first = stored()[0]
    first.details = {**first.details, "field_of_a_newer_form": "x"}
    db.session.commit()
    clock.set(utcnow() + WORKER_GRACE)
    run_worker_job()
    page = client.get("/organiser/mail?lang=en").get_data(as_text=True)
    assert 'data-count="1" data-failed="1"' in page
    assert "1 of them could not be registered yet" in page and "field_of_a_newer_form" in page
    first = stored()[0]
    first.details = {k: v for k, v in first.details.items() if k != "field_of_a_newer_form"}
    db.session.commit()
    clock.set(first.next_attempt_at)
    run_worker_job()
    page = client.get("/organiser/mail?lang=en").get_data(as_text=True)
    assert "Every sign-up received has been registered." in page


def test_flask_registrations_register_stored_registers_everything_now(app, client, burst, runner):
    """After an outage: no waiting for the worker's grace or backoff."""
    intake_for(app).queue.stop()
    sign_up(client, email="quinn@example.nl")
    sign_up(client, email="rosa@example.nl")
    first = stored()[0]
    first.attempts, first.next_attempt_at = 3, utcnow() + timedelta(hours=1)  # retried later
    db.session.commit()
    result = runner.invoke(args=["registrations", "register-stored"])
    assert result.exit_code == 0, result.output
    assert "Registered 2 stored sign-up(s); 0 could not be registered yet." in result.output
    assert stored() == [] and len(attendees()) == 2 and len(outbox("confirm")) == 2
