"""Calendar invites by mail (iTIP over iMIP, RFC 5546 and 6047), and keeping them current.

One iTIP object per mail (RFC 6047 2.4; Gmail and Outlook act on one invite per message):
an invite mail carries one session's iCalendar twice, as a ``text/calendar; method=...``
part beside the text and HTML bodies, which Outlook and Gmail turn into "add to calendar",
and as a file named after the session (``jaarevent-2027-noord.ics``) for every other
client. The welcome mail carries no iTIP part: one ``METHOD:PUBLISH`` file with all its
sessions; each session's REQUEST follows as a small mail of its own (and each place given
up as its own CANCEL). When the organisers change or cancel a session (the programme's
signals), every attendee with a confirmed place gets the updated invite or the
cancellation through the outbox, in the transaction of the change.
"""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..formatting import first_name
from ..mail.models import OutboxMessage
from ..mail.outbox import Attachment, queue_mail
from ..programme.models import ProgrammeSession, what_sessions_show
from ..programme.signals import session_cancelled, session_changed
from ..registration.links import issue_manage_token, join_url
from ..registration.models import CONFIRMED, Attendee, Registration
from ..registration.signals import calendar_parts_wanted, invite_mails_wanted
from . import addresses, builders, lookups


def session_filename(session: ProgrammeSession) -> str:
    """The file name that says the session: ``jaarevent-2027-noord.ics``."""
    return f"jaarevent-{session.slug}.ics"


def invite_attachments(
    session: ProgrammeSession,
    attendee: Attendee,
    method: str = "REQUEST",
    *,
    join_url: str | None = None,
    whole_session: bool = True,
    sequence: int | None = None,
) -> list[Attachment]:
    """The invite as a calendar body part and as a file, for ``queue_mail(attachments=...)``.

    ``join_url``: the attendee's personal join link, when the caller has the token (the
    confirmation mail); without it the event says where to find the link.
    ``whole_session=False`` with CANCEL: only this attendee drops out.
    ``sequence``: the attendee's ``Registration.calendar_sequence``.
    """
    name, address = lookups.organizer(attendee.language)
    content = builders.invite(
        session,
        attendee,
        method,
        organizer_email=address,
        organizer_name=name,
        page_url=addresses.page_url(session),
        stamp=utcnow(),
        join_url=join_url,
        whole_session=whole_session,
        sequence=sequence,
    )
    filename = session_filename(session)
    return [
        # The METHOD in the body must equal the content type's method (RFC 6047 2.4).
        Attachment(
            filename=filename,
            content_type=f"text/calendar; method={method}; charset=UTF-8",
            content=content,
            disposition="alternative",
        ),
        Attachment(
            filename=filename,
            content_type="application/ics",
            content=content,
            disposition="attachment",
        ),
    ]


def confirmed_registrations(session: ProgrammeSession) -> list[tuple[Attendee, Registration]]:
    """Everyone with a confirmed place in ``session`` (not pending, waiting or cancelled),
    with their registration (whose ``calendar_sequence`` their invites carry).

    ``messages_opt_out`` does not count here: a changed time is about their appointment, not
    an organiser's message.
    """
    rows = db.session.execute(
        db.select(Attendee, Registration)
        .join(Registration, Registration.attendee_id == Attendee.id)
        .where(Registration.session_id == session.id, Registration.state == CONFIRMED)
        .options(selectinload(Attendee.edition))
        .order_by(Attendee.id)
    )
    return [(attendee, registration) for attendee, registration in rows]


def _queue(
    session: ProgrammeSession,
    attendee: Attendee,
    *,
    kind: str,
    method: str,
    attachments: list[Attachment] | None = None,
    join_url: str | None = None,
    sequence: int | None = None,
) -> OutboxMessage:
    """``join_url``: the personal join link, shown in the mail's text too (not only inside the
    calendar file, which some clients never open). The templates greet with ``greeting``."""
    personal = {"greeting": first_name(attendee.name)}
    if join_url:
        personal["join_url"] = join_url
    return queue_mail(
        kind=kind,
        recipient=attendee.email,
        language=attendee.language,
        template=kind.replace("-", "_"),
        context={
            "session": session,
            "attendee": attendee,
            "method": method,
            "filename": session_filename(session),
            "zone": session.edition.timezone,
            "page_url": addresses.page_url(session),
        },
        attachments=attachments
        or invite_attachments(session, attendee, method, join_url=join_url, sequence=sequence),
        # Rendered once per session, method and language (every confirmation sends one);
        # the greeting and the join link are filled in per mail.
        same_for=(what_sessions_show(session.edition, [session]), method),
        personal=personal,
    )


def _first_time(session: ProgrammeSession, method: str) -> bool:
    """False if this transaction already queued ``method`` for this revision of ``session``.

    The organiser code may send both signals for one cancellation, or the same signal twice;
    attendees get one mail per change all the same.
    """
    transaction = db.session().get_transaction()
    seen = db.session.info.get("ical_notified")
    if seen is None or seen[0] is not transaction:
        seen = (transaction, set())
        db.session.info["ical_notified"] = seen
    key = (session.id, session.revision, method)
    if key in seen[1]:
        return False
    seen[1].add(key)
    return True


def queue_session_update(
    session: ProgrammeSession, languages: frozenset[str] | None = None
) -> list[OutboxMessage]:
    """An updated invite (same UID, SEQUENCE raised with the revision) to every confirmed
    attendee (``languages``: reading one of these), with their personal join link: the update
    replaces the event in their calendar, and the link they had there must not go with it (a
    new token each, as every mail)."""
    places = confirmed_registrations(session)
    if not _first_time(session, "REQUEST"):
        return []
    queued = []
    for attendee, registration in places:
        if languages is not None and attendee.language not in languages:
            continue
        queued.append(
            _queue(
                session,
                attendee,
                kind="ical-update",
                method="REQUEST",
                sequence=registration.calendar_sequence,
                join_url=join_url(issue_manage_token(attendee), session, attendee.language),
            )
        )
    return queued


def queue_session_cancel(session: ProgrammeSession) -> list[OutboxMessage]:
    """A METHOD:CANCEL with STATUS:CANCELLED to every confirmed attendee.

    Send the signal before setting the registrations to cancelled, or nobody is told.
    """
    places = confirmed_registrations(session)
    if not _first_time(session, "CANCEL"):
        return []
    return [
        _queue(session, a, kind="ical-cancel", method="CANCEL", sequence=r.calendar_sequence)
        for a, r in places
    ]


def on_session_changed(
    session: ProgrammeSession,
    *,
    was_cancelled: bool = False,
    languages: frozenset[str] | None = None,
    **_extra,
) -> None:
    """Receiver of ``session_changed``: an update, or a cancellation if that is the change.
    A cancelled session corrected afterwards mails nothing: its attendees had the CANCEL,
    and a second "Cancelled:" mail reads as news."""
    if not session.is_cancelled:
        queue_session_update(session, languages)
    elif not was_cancelled:
        queue_session_cancel(session)


def on_session_cancelled(session: ProgrammeSession, **_extra) -> None:
    """Receiver of ``session_cancelled``."""
    queue_session_cancel(session)


def _registration_invite(
    attendee: Attendee, registration: Registration, method: str, join_links
) -> list[Attachment] | None:
    """One registration's REQUEST (with the personal join link) or CANCEL for this attendee
    only; None for a CANCEL of a session that is itself cancelled (its attendees had the
    session's own CANCEL)."""
    session = registration.session
    if method == "REQUEST":
        join_url = (join_links or {}).get(session.id)
        return invite_attachments(
            session,
            attendee,
            "REQUEST",
            join_url=join_url,
            sequence=registration.calendar_sequence,
        )
    if session.is_cancelled:
        return None
    return invite_attachments(
        session,
        attendee,
        "CANCEL",
        whole_session=False,
        sequence=registration.calendar_sequence,
    )


def publish_attachment(
    attendee: Attendee, registrations: list[Registration], join_links
) -> list[Attachment]:
    """All these sessions in one ``METHOD:PUBLISH`` file, each with the personal join link:
    a plain file to import, no iTIP part (the invites go as mails of their own)."""
    sessions = [r.session for r in registrations]
    if not sessions:
        return []
    sequences = {r.session_id: r.calendar_sequence for r in registrations}
    content = builders.sessions_calendar(
        attendee,
        sessions,
        lambda session: (join_links or {}).get(session.id),
        page_url_for=addresses.page_url,
        sequence_for=lambda session: sequences.get(session.id),
    )
    if len(sessions) == 1:
        filename = session_filename(sessions[0])
    else:
        filename = f"jaarevent-{attendee.edition.year}.ics"
    return [Attachment(filename=filename, content_type="application/ics", content=content)]


def registration_calendar_parts(
    attendee: Attendee,
    registrations: list[Registration],
    method: str,
    join_links: dict[int, str] | None = None,
    **_extra,
) -> list[Attachment]:
    """Receiver of registration's ``calendar_parts_wanted``: PUBLISH, one file with all the
    sessions; REQUEST or CANCEL, one registration's invite (a mail carries one iTIP object)."""
    if method == "PUBLISH":
        return publish_attachment(attendee, registrations, join_links)
    if len(registrations) > 1:
        raise ValueError("one iTIP object per mail: ask invite_mails_wanted for several")
    parts: list[Attachment] = []
    for registration in registrations:
        parts += _registration_invite(attendee, registration, method, join_links) or []
    return parts


def queue_registration_invites(
    attendee: Attendee,
    registrations: list[Registration],
    method: str,
    join_links: dict[int, str] | None = None,
    **_extra,
) -> list[OutboxMessage]:
    """Receiver of registration's ``invite_mails_wanted``: per registration a small mail
    with its one REQUEST or CANCEL."""
    queued = []
    for registration in registrations:
        parts = _registration_invite(attendee, registration, method, join_links)
        if parts:
            queued.append(
                _queue(
                    registration.session,
                    attendee,
                    kind="ical-invite",
                    method=method,
                    attachments=parts,
                    join_url=(join_links or {}).get(registration.session_id)
                    if method == "REQUEST"
                    else None,
                )
            )
    return queued


def connect_signals() -> None:
    """Listen to the programme's and registration's signals (connecting twice is harmless)."""
    session_changed.connect(on_session_changed)
    session_cancelled.connect(on_session_cancelled)
    calendar_parts_wanted.connect(registration_calendar_parts)
    invite_mails_wanted.connect(queue_registration_invites)
