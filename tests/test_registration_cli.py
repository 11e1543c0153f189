"""`flask registrations purge` and `flask mail send-reminders`."""

from datetime import timedelta

from eventsite.extensions import db
from eventsite.registration import housekeeping
from eventsite.registration.jobs import queue_reminder
from tests.helpers import attendees, outbox, run_at_once, sign_up, signed_up_and_confirmed, states


def test_purge_removes_stale_pending_sign_ups_only(client, runner, open_edition, clock):
    sign_up(client, email="never@example.nl")
    signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    clock.at(2027, 5, 6, 12)
    sign_up(client, email="recent@example.nl")
    sign_up(client, email="anna@example.nl", sessions=["2027-zuid"])  # pending, but recent
    clock.at(2027, 5, 8, 13)
    result = runner.invoke(args=["registrations", "purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 unconfirmed registration(s)" in result.output
    assert "1 never-confirmed attendee(s)" in result.output
    assert [a.email for a in attendees()] == ["anna@example.nl", "recent@example.nl"]
    assert outbox(to="never@example.nl") == []
    assert sorted(states()) == ["confirmed", "pending", "pending"]


def test_purge_removes_personal_data_after_the_retention_period(
    client, runner, open_edition, clock
):
    signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    open_edition.retention_days = 30
    db.session.commit()
    last_end = open_edition.sessions[-1].end_at
    clock.set(last_end + timedelta(days=29))
    assert "No edition is past" in runner.invoke(args=["registrations", "purge"]).output
    assert len(attendees()) == 1
    clock.set(last_end + timedelta(days=30, minutes=1))
    output = runner.invoke(args=["registrations", "purge"]).output
    assert "personal data of 1 attendee(s) of Smart Industry Jaarevent 2027" in output
    assert attendees() == [] and outbox(to="anna@example.nl") == []
    db.session.expire_all()
    assert open_edition.sessions[0].confirmed_count == 1  # the anonymous figure stays


def test_reminders_skip_cancelled_sessions_and_waiting_people(client, runner, make_edition, clock):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(year=2027, capacity=1)
    signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-oost"])
    signed_up_and_confirmed(client, "bob@example.nl", ["2027-noord"])  # waiting
    oost = edition.sessions[1]
    oost.apply_changes(status="cancelled")
    db.session.commit()
    clock.set(oost.start_at - timedelta(hours=30))  # both within 48 hours
    app = runner.app
    app.config["REMINDER_HOURS_BEFORE"] = 48
    result = runner.invoke(args=["mail", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder(s) for sessions starting within 48 hours." in result.output
    [reminder] = outbox("reminder")
    assert reminder.recipient == "anna@example.nl"
    assert "Digitaliseren begint bij je mensen" in reminder.subject
    assert "/join/2027-noord" in reminder.text_body


def test_two_reminder_runs_at_once_send_each_reminder_once(app, client, open_edition, clock):
    for address in ("a@example.nl", "b@example.nl", "c@example.nl"):
        signed_up_and_confirmed(client, address, ["2027-noord"])
    clock.set(open_edition.sessions[0].start_at - timedelta(hours=2))
    due = housekeeping.due_reminders(24)
    assert len(due) == 3

    def run():
        return sum(queue_reminder(i) for i in due)

    assert sum(run_at_once(app, [run, run, run])) == 3  # three runs, three reminders in all
    assert run() == 0
    assert sorted(m.recipient for m in outbox("reminder")) == [
        "a@example.nl",
        "b@example.nl",
        "c@example.nl",
    ]


def test_a_session_moved_a_day_later_gets_its_reminder_again(client, runner, open_edition, clock):
    from eventsite.programme.signals import session_changed

    signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    noord = open_edition.sessions[0]
    clock.set(noord.start_at - timedelta(hours=20))
    assert runner.invoke(args=["mail", "send-reminders"]).exit_code == 0
    assert len(outbox("reminder")) == 1

    # A title change keeps the reminder sent; moving the session a day later re-arms it.
    noord.apply_changes(title="Nieuwe titel")
    session_changed.send(noord)
    db.session.commit()
    runner.invoke(args=["mail", "send-reminders"])
    assert len(outbox("reminder")) == 1
    noord.apply_changes(
        start_at=noord.start_at + timedelta(days=1), end_at=noord.end_at + timedelta(days=1)
    )
    session_changed.send(noord)
    db.session.commit()
    runner.invoke(args=["mail", "send-reminders"])
    assert len(outbox("reminder")) == 1  # the new time is two days away: not yet
    clock.set(noord.start_at - timedelta(hours=20))
    runner.invoke(args=["mail", "send-reminders"])
    assert len(outbox("reminder")) == 2
