"""The registration mails: what each says and whom it goes to.

Each function queues one mail in the current unit of work (which commits); links are
absolute, from SITE_URL, never from the request's host. Mails that carry a management link
get a fresh token of their own (see ``links.issue_manage_token``). Calendar parts come
from the receivers of ``signals.calendar_parts_wanted``: registration never imports the
calendar feature.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..mail.outbox import Attachment
from ..programme.models import ProgrammeSession, what_sessions_show
from . import mail_texts
from .links import confirm_url, issue_manage_token, join_url, manage_url
from .models import Attendee, Registration, SignupRequest
from .signals import calendar_parts_wanted, invite_mails_wanted


def calendar_parts(
    attendee: Attendee,
    registrations: list[Registration],
    method: str,
    join_links: dict[int, str] | None = None,
) -> list[Attachment]:
    """The calendar parts a mail about these registrations carries: whatever the receivers
    of ``calendar_parts_wanted`` (the calendar feature) return, in their order."""
    parts: list[Attachment] = []
    replies = calendar_parts_wanted.send(
        attendee, registrations=registrations, method=method, join_links=join_links
    )
    for _receiver, attachments in replies:
        parts += attachments or []
    return parts


def _join_links(registrations: list[Registration], token: str) -> dict[int, str]:
    return {
        r.session_id: join_url(token, r.session, r.attendee.language) for r in registrations
    }


def welcome_attachments(
    attendee: Attendee, registrations: list[Registration], token: str
) -> list[Attachment]:
    """One METHOD:PUBLISH file with every confirmed session and its personal join link."""
    return calendar_parts(attendee, registrations, "PUBLISH", _join_links(registrations, token))


def send_invites(
    attendee: Attendee, registrations: list[Registration], method: str, token: str | None = None
) -> None:
    """Per registration a small mail with its one invite (REQUEST) or CANCEL: Gmail and
    Outlook act on one iTIP object per mail."""
    if registrations:
        join_links = _join_links(registrations, token) if token else None
        invite_mails_wanted.send(
            attendee, registrations=list(registrations), method=method, join_links=join_links
        )


def _queue(
    kind: str, attendee: Attendee, template: str, attachments=(), reuse=None, **context
) -> None:
    """Queue one mail, from the organisers' own text for it when they wrote one; ``reuse``:
    (same_for, personal) for ``queue_mail``'s reused rendering of the standard mail."""
    mail_texts.queue(kind, attendee, template, attachments, context, reuse=reuse)


def send_confirm_request(
    attendee: Attendee, sessions: Iterable[ProgrammeSession], request: SignupRequest | None = None
) -> None:
    """Please confirm: the link that turns this sign-up request into a registration.

    The address is unproven, so the mail carries nothing the visitor typed (no name): it is
    the same for everyone who chose the same sessions, but for the link, so its rendering is
    reused (``queue_mail``'s ``same_for``)."""
    sessions = list(sessions)
    _queue(
        "confirm",
        attendee,
        "confirm",
        reuse=(
            what_sessions_show(attendee.edition, sessions),
            # Called last: its flush starts the write (see queue_mail).
            {"confirm_link": lambda: confirm_url(attendee, request)},
        ),
        sessions=sessions,
    )


def send_already_registered(
    attendee: Attendee,
    new_sessions: list[ProgrammeSession],
    request: SignupRequest | None = None,
    asked_for_link: bool = False,
) -> None:
    """A confirmed person signed up again (or, ``asked_for_link``, asked for their link):
    their link, and a confirm link for new sessions."""
    _queue(
        "already",
        attendee,
        "already",
        asked_for_link=asked_for_link,
        manage_link=manage_url(issue_manage_token(attendee), attendee.language),
        new_sessions=new_sessions,
        confirm_link=confirm_url(attendee, request) if new_sessions else None,
    )


def send_welcome(
    attendee: Attendee,
    confirmed: list[Registration],
    waiting: list[Registration],
    token: str | None = None,
) -> None:
    """Registered: the sessions with date and time, the waiting lists, the personal link."""
    token = token or issue_manage_token(attendee)
    _queue(
        "welcome",
        attendee,
        "welcome",
        attachments=welcome_attachments(attendee, confirmed, token),
        confirmed=confirmed,
        waiting=waiting,
        manage_link=manage_url(token, attendee.language),
        join_links=_join_links(confirmed, token),
    )
    send_invites(attendee, confirmed, "REQUEST", token)


def send_waiting(attendee: Attendee, registration: Registration, position: int | None) -> None:
    """The session was full: you are on the waiting list."""
    token = issue_manage_token(attendee)
    _queue(
        "waiting",
        attendee,
        "waiting",
        registration=registration,
        position=position,
        manage_link=manage_url(token, attendee.language),
    )


def send_waiting_cancelled(attendee: Attendee, registration: Registration) -> None:
    """The organisers cancelled a session this attendee was waiting for: off the list."""
    _queue(
        "waiting-cancelled",
        attendee,
        "waiting_cancelled",
        registration=registration,
        manage_link=manage_url(issue_manage_token(attendee), attendee.language),
    )


def send_promoted(attendee: Attendee, registration: Registration) -> None:
    """A place freed up and it is yours now; the mail carries its one invite (REQUEST)."""
    token = issue_manage_token(attendee)
    _queue(
        "promoted",
        attendee,
        "promoted",
        attachments=calendar_parts(
            attendee, [registration], "REQUEST", _join_links([registration], token)
        ),
        registration=registration,
        manage_link=manage_url(token, attendee.language),
        join_link=join_url(token, registration.session, attendee.language),
    )


def send_reminder(attendee: Attendee, registration: Registration) -> None:
    """The session starts soon: the personal join link."""
    token = issue_manage_token(attendee)
    _queue(
        "reminder",
        attendee,
        "reminder",
        registration=registration,
        manage_link=manage_url(token, attendee.language),
        join_link=join_url(token, registration.session, attendee.language),
    )


def send_cancelled(
    attendee: Attendee,
    registrations: list[Registration],
    everything: bool,
    dropped_places: list[Registration] = (),
    left_waiting: list[Registration] = (),
) -> None:
    """Confirms that sessions (or the whole registration) were cancelled, saying which were
    places, which waiting lists and which not yet confirmed; the places given up leave the
    attendee's calendar by a CANCEL each: attached when it is one, else as mails of their
    own (one iTIP object per mail)."""
    token = None if everything else issue_manage_token(attendee)
    dropped = list(dropped_places)
    waiting = list(left_waiting)
    _queue(
        "cancelled",
        attendee,
        "cancelled",
        # A CANCEL for this attendee only, per place given up, so the event leaves their
        # calendar (sessions that are themselves cancelled had their own CANCEL).
        attachments=calendar_parts(attendee, dropped, "CANCEL") if len(dropped) == 1 else [],
        registrations=registrations,
        places=[r.session for r in dropped],
        left_waiting=[r.session for r in waiting],
        not_confirmed=[r.session for r in registrations if r not in dropped and r not in waiting],
        everything=everything,
        manage_link=manage_url(token, attendee.language) if token else None,
    )
    if len(dropped) > 1:
        send_invites(attendee, dropped, "CANCEL")
