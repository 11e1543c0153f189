"""Organiser messages: who gets them, sending them once, and their progress. No requests here.

A send writes the log row first (its unique idempotency key refuses a second send of the
same form), then one outbox row per recipient in a bulk INSERT, all in one transaction.
"The recording is online" goes once the session is over, and a second time only when asked.
Attendees who stopped organiser messages (``Attendee.messages_opt_out``) are never included.
Small sends go out right after the response; large ones are left to the mail workers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..core import unit_of_work
from ..database import begin_write
from ..extensions import db
from ..mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from ..mail.outbox import queue_many
from ..programme.models import ProgrammeSession
from ..registration.attendance import window
from ..registration.models import (
    CONFIRMED,
    WAITING,
    Attendance,
    Attendee,
    ManageToken,
    Registration,
)
from ..registration.unsubscribe import list_unsubscribe
from . import compose
from .compose import Draft, Placeholders, Recipient
from .models import GROUPS, JOINED, NOT_JOINED, RECORDING, OrganiserMessage
from .signals import message_sent

MESSAGE_TEMPLATE = "messages_organiser"
RECORDING_TEMPLATES = {True: "messages_recording_joined", False: "messages_recording_missed"}


class AlreadySent(Exception):
    """The form with this idempotency key was sent before: ``message`` is that send."""

    def __init__(self, message: OrganiserMessage | None) -> None:
        super().__init__("already sent")
        self.message = message


class RecordingTooEarly(Exception):
    """The session is not over yet: the recording mail can go from ``opens_at``."""

    def __init__(self, opens_at: datetime) -> None:
        super().__init__("the recording mail cannot be sent yet")
        self.opens_at = opens_at


class RecordingSentBefore(Exception):
    """The recording mail went out before (``earlier``, the latest) and sending it again
    was not asked for: nothing was queued."""

    def __init__(self, earlier: OrganiserMessage) -> None:
        super().__init__("the recording mail was sent before")
        self.earlier = earlier


def _recipients_query(session: ProgrammeSession, group: str):
    joined = select(Attendance.id).where(Attendance.registration_id == Registration.id).exists()
    query = (
        select(Attendee.id, Attendee.email, Attendee.name, Attendee.language, joined)
        .join(Registration, Registration.attendee_id == Attendee.id)
        .where(Registration.session_id == session.id, Attendee.messages_opt_out.is_(False))
    )
    if group == WAITING:
        query = query.where(Registration.state == WAITING)
    else:
        query = query.where(Registration.state == CONFIRMED)
    if group == JOINED:
        query = query.where(joined)
    elif group == NOT_JOINED:
        query = query.where(~joined)
    return query


def recipients(session: ProgrammeSession, group: str) -> list[Recipient]:
    """The people of ``group`` in ``session`` who have not stopped organiser messages."""
    query = _recipients_query(session, group).order_by(Attendee.id)
    return [Recipient(*row) for row in db.session.execute(query)]


def group_counts(session: ProgrammeSession) -> dict[str, Counter]:
    """Per group, how many would get a message, by language: {group: Counter({lang: n})}."""
    counts = {}
    for group in GROUPS:
        people = _recipients_query(session, group).subquery()
        rows = db.session.execute(
            select(people.c.language, func.count()).group_by(people.c.language)
        )
        counts[group] = Counter(dict(rows.all()))
    return counts


def preview(session: ProgrammeSession, organiser, draft: Draft) -> dict[str, tuple]:
    """The mail as recipients will get it, per language written: {language: (subject, text)}."""
    placeholders = Placeholders.new()
    rendered = compose.render_templates(
        MESSAGE_TEMPLATE,
        draft.languages,
        placeholders,
        **_message_context(session, organiser, draft),
    )
    sample = {}
    for lang, mail in rendered.items():
        subject, text, _html = compose.personalise(mail, placeholders, "…", "https://…")
        sample[lang] = (subject, text)
    return sample


def _message_context(session: ProgrammeSession, organiser, draft: Draft) -> dict:
    return {
        "session": session,
        "organiser_name": organiser.name,
        "draft": draft,
        "body_html": compose.body_html,
    }


def _start_log(session, organiser, group, key, **fields) -> OrganiserMessage:
    """Add the log row and flush: a key used before raises AlreadySent (nothing is queued)."""
    # SQLite: take the write lock first, so a second post of the same form waits here and
    # then meets the unique key (PostgreSQL makes it wait on the unique index instead).
    begin_write()
    log = OrganiserMessage(
        session_id=session.id,
        organiser_id=organiser.id,
        sender_name=organiser.name,
        sender_email=organiser.email,
        recipient_group=group,
        idempotency_key=key,
        **fields,
    )
    db.session.add(log)
    try:
        db.session.flush()
    except IntegrityError:
        # The same form again (double click, re-post): the first send stands. Nothing else
        # is in this unit of work yet (the log comes first), so all of it is undone.
        unit_of_work.rollback()
        raise AlreadySent(find_by_key(key)) from None
    return log


def _queue(log: OrganiserMessage, kind: str, people: list[Recipient], mail_for) -> None:
    """One outbox row per recipient, personal management links, the count; bulk inserts."""
    links, token_rows = compose.personal_links(people)
    if token_rows:
        db.session.execute(insert(ManageToken), token_rows)
    rows = []
    for person in people:
        template_mail, placeholders, language = mail_for(person)
        subject, text, html = compose.personalise(
            template_mail, placeholders, person.name, links[person.attendee_id]
        )
        rows.append(
            {
                "kind": kind,
                "recipient": person.email,
                "language": language,
                "subject": subject[:300],
                "text_body": text,
                "html_body": html,
                "organiser_message_id": log.id,
                "list_unsubscribe": list_unsubscribe(person.attendee_id, person.email),
            }
        )
    at_once = len(rows) <= current_app.config["MESSAGES_SEND_AT_ONCE_MAX"]
    log.recipient_count = queue_many(rows, send_after_commit=at_once)


def send_message(
    session: ProgrammeSession, organiser, group: str, draft: Draft, key: str
) -> OrganiserMessage:
    """Log and queue a message to ``group``, each in the recipient's language (the
    caller's unit of work commits)."""
    log = _start_log(
        session,
        organiser,
        group,
        key,
        languages=",".join(draft.languages),
        subject_nl=draft.subject_nl,
        body_nl=draft.body_nl if draft.subject_nl else None,
        subject_en=draft.subject_en,
        body_en=draft.body_en if draft.subject_en else None,
    )
    people = recipients(session, group)
    placeholders = Placeholders.new()
    # Only the languages written: a reader of the other language gets the whole mail in
    # the written one, rather than an English frame around a Dutch text.
    rendered = compose.render_templates(
        MESSAGE_TEMPLATE,
        draft.languages,
        placeholders,
        **_message_context(session, organiser, draft),
    )

    def mail_for(person: Recipient):
        language = draft.language_for(person.language)
        return rendered[language], placeholders, language

    _queue(log, "organiser-message", people, mail_for)
    message_sent.send(
        log, organiser=organiser, action="message.send", detail=f"{group}: {log.recipient_count}"
    )
    db.session.flush()
    return log


def recording_opens_at(session: ProgrammeSession) -> datetime:
    """From when the recording mail can go: when the session is over and a join no longer
    counts (JOIN_WINDOW_MINUTES_AFTER the end), so who joined and who missed it is final."""
    _opens, closes = window(session)
    return closes


def recording_sends(session: ProgrammeSession) -> list[OrganiserMessage]:
    """The times "the recording is online" went out for ``session``, newest first."""
    return list(
        db.session.scalars(
            select(OrganiserMessage)
            .filter_by(session_id=session.id, recipient_group=RECORDING)
            .order_by(OrganiserMessage.created_at.desc(), OrganiserMessage.id.desc())
        )
    )


def _may_send_recording(session: ProgrammeSession, key: str, again: bool) -> None:
    """Refuse a recording mail before the session is over, or a second one not asked for.
    Takes the session's lock first, so two organisers pressing at once send it once."""
    opens_at = recording_opens_at(session)
    if utcnow() < opens_at:
        raise RecordingTooEarly(opens_at)
    begin_write()
    db.session.execute(
        select(ProgrammeSession.id).filter_by(id=session.id).with_for_update(key_share=True)
    )
    repeated = find_by_key(key)
    if repeated is not None:  # the same form again: its send stands, as in _start_log
        raise AlreadySent(repeated)
    earlier = recording_sends(session)
    if earlier and not again:
        raise RecordingSentBefore(earlier[0])


def send_recording(
    session: ProgrammeSession, organiser, key: str, *, again: bool = False
) -> OrganiserMessage:
    """ "The recording is online" to every confirmed attendee: one text for those who
    joined, another for those who did not; in each one's language (the caller's
    unit of work commits). Only once the session is over (RecordingTooEarly); when it was
    sent before, only with ``again`` (RecordingSentBefore)."""
    if not session.recording_url:
        raise ValueError("the session has no recording link")
    _may_send_recording(session, key, again)
    placeholders = Placeholders.new()
    context = {"session": session, "organiser_name": organiser.name}
    rendered = {
        joined: compose.render_templates(template, compose.LANGUAGES, placeholders, **context)
        for joined, template in RECORDING_TEMPLATES.items()
    }
    compose.own_recording_texts(rendered, session, organiser, placeholders)
    log = _start_log(
        session,
        organiser,
        RECORDING,
        key,
        languages="nl,en",
        subject_nl=rendered[True]["nl"][0][:200],
        subject_en=rendered[True]["en"][0][:200],
    )
    people = recipients(session, CONFIRMED)

    def mail_for(person: Recipient):
        language = person.language if person.language in compose.LANGUAGES else "nl"
        return rendered[person.joined][language], placeholders, language

    _queue(log, "recording", people, mail_for)
    joined = sum(person.joined for person in people)
    message_sent.send(
        log,
        organiser=organiser,
        action="message.recording",
        detail=f"joined: {joined}, missed: {len(people) - joined}",
        joined=joined,
        missed=len(people) - joined,
    )
    db.session.flush()
    return log


def find_by_key(key: str) -> OrganiserMessage | None:
    return db.session.scalar(select(OrganiserMessage).filter_by(idempotency_key=key))


def history(session: ProgrammeSession) -> list[OrganiserMessage]:
    """The messages sent about a session, newest first."""
    return list(
        db.session.scalars(
            select(OrganiserMessage)
            .filter_by(session_id=session.id)
            .order_by(OrganiserMessage.created_at.desc(), OrganiserMessage.id.desc())
        )
    )


@dataclass(frozen=True)
class Progress:
    queued: int = 0  # waiting for a (next) attempt, or being sent right now
    sent: int = 0
    failed: int = 0

    @property
    def done(self) -> bool:
        return self.queued == 0


def progress(message_ids: list[int]) -> dict[int, Progress]:
    """How far each send is, from its outbox rows: {message_id: Progress}."""
    counts: dict[int, Counter] = {message_id: Counter() for message_id in message_ids}
    rows = db.session.execute(
        select(OutboxMessage.organiser_message_id, OutboxMessage.state, func.count())
        .where(OutboxMessage.organiser_message_id.in_(message_ids))
        .group_by(OutboxMessage.organiser_message_id, OutboxMessage.state)
    )
    for message_id, state, n in rows:
        counts[message_id][state] = n
    return {
        message_id: Progress(queued=c[QUEUED] + c[SENDING], sent=c[SENT], failed=c[FAILED])
        for message_id, c in counts.items()
    }
