"""One unit of work: a request's changes and mails are saved together after its view, or
not at all; the mails go out only once they are saved."""

import re
from pathlib import Path

import pytest

from eventsite.core.unit_of_work import note_outbox, rehearsal, unit_of_work
from eventsite.extensions import db
from eventsite.mail.background import wait_idle
from eventsite.mail.models import SENT, OutboxMessage
from eventsite.mail.outbox import new_message_id


def queue_test_mail() -> None:
    """What ``queue_mail`` does, without a template: a row, noted with the unit of work."""
    message = OutboxMessage(
        message_id=new_message_id(),
        kind="test",
        recipient="anna@example.nl",
        language="nl",
        subject="Hoi",
        text_body="Tekst",
    )
    db.session.add(message)
    note_outbox(message)


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(db.select(OutboxMessage)).all()


@pytest.fixture
def mail_page(app):
    """A page that queues a mail, then answers or fails as the test says."""
    outcome = {}

    def view():
        queue_test_mail()
        if outcome.get("fail"):
            raise RuntimeError("after queueing, before the answer")
        return "queued"

    app.add_url_rule("/test-queue-mail", "test_queue_mail", view)
    return outcome


def test_a_request_saves_its_mail_and_sends_it_after_the_commit(app, client, smtp, mail_page):
    response = client.get("/test-queue-mail")
    assert response.status_code == 200
    assert wait_idle(app)
    [row] = outbox_rows()
    assert row.state == SENT
    assert smtp.wait_for("anna@example.nl", 1)


def test_a_failing_request_saves_and_sends_nothing(app, client, smtp, mail_page):
    mail_page["fail"] = True
    response = client.get("/test-queue-mail")
    assert response.status_code == 500
    assert wait_idle(app)
    assert outbox_rows() == []
    assert smtp.messages == []


def test_a_cli_unit_of_work_commits_or_rolls_back(app):
    with unit_of_work() as work:
        queue_test_mail()
    assert len(work.outbox_ids) == 1
    with pytest.raises(RuntimeError), unit_of_work():
        queue_test_mail()
        raise RuntimeError("the command failed")
    assert [row.id for row in outbox_rows()] == work.outbox_ids


def test_a_rehearsal_forgets_its_changes_and_writes_nothing(app):
    with unit_of_work():
        queue_test_mail()
    [row] = outbox_rows()
    with unit_of_work():
        with rehearsal():
            row.subject = "Anders"
            queue_test_mail()
            # A read inside does not flush the changes (on SQLite: no write lock taken).
            assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 1
        assert row.subject == "Hoi"
    assert [r.subject for r in outbox_rows()] == ["Hoi"]


def test_a_rehearsal_after_a_write_is_refused(app):
    with pytest.raises(RuntimeError, match="before the unit of work writes"), unit_of_work():
        queue_test_mail()
        with rehearsal():
            pass
    assert outbox_rows() == []


# Where a commit outside the unit of work is right, and why. Anything else that commits is
# a service deciding for its caller: it must flush and leave the commit to the request's or
# the command's unit of work (core/unit_of_work.py).
COMMITS_ALLOWED = {
    # The one commit per request, CLI command or worker job.
    "eventsite/core/unit_of_work.py",
    # The outbox's sender: each claim and each mail's outcome is committed at once, so a
    # mail is never sent twice after a crash and never counted sent when it was not.
    "eventsite/mail/sender.py",
    "eventsite/mail/batch.py",
    # The webhook deliverer, for the same reason: each claim and each delivery's outcome at once,
    # so an event is never delivered twice for one claim and never marked delivered when it was not.
    "eventsite/api/delivery.py",
    # The worker's job lock: its own connection, committed to release the advisory lock.
    "eventsite/core/worker.py",
}
COMMIT_RE = re.compile(r"\.commit\(\)")


def commits_in_package() -> dict[str, list[int]]:
    root = Path(__file__).resolve().parents[1]
    found = {}
    for path in sorted((root / "eventsite").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("eventsite/migrations/"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        hits = [n for n, line in enumerate(lines, 1) if COMMIT_RE.search(line.split("#")[0])]
        if hits:
            found[relative] = hits
    return found


def test_only_the_unit_of_work_and_the_mail_sender_commit():
    found = commits_in_package()
    stray = {path: lines for path, lines in found.items() if path not in COMMITS_ALLOWED}
    assert stray == {}, f"commits outside the unit of work (file: lines): {stray}"
    assert "eventsite/core/unit_of_work.py" in found  # the grep does see commits
