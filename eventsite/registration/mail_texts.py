"""Organisers' own texts for the registration mails: which mails, which placeholders, and
rendering and queueing a mail from such a text.

Without a text of their own the mail is rendered from its template in ``templates/mail/``
as before. A saved text is plain text with ``{placeholder}``s (``mail.placeholders``): the
parts that make a mail work (the confirm link, the personal link, the join link) are
required, so a text without them is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..caching import RenderCache
from ..clock import utcnow
from ..extensions import db
from ..formatting import local_datetime
from ..i18n import localized
from ..mail import placeholders
from ..mail.outbox import queue_mail, queue_rendered
from ..programme.models import Edition, ProgrammeSession
from .question_models import MailText


@dataclass(frozen=True)
class MailKind:
    """One kind of mail organisers can write: its placeholders and its default text."""

    label: object
    allowed: frozenset[str]
    required: frozenset[str]
    subject: object
    body: object


COMMON = frozenset({"edition"})
PERSON = frozenset({"first_name", "name"})
SESSION = frozenset({"session_title", "session_date_time"})
# Link placeholders and the label of the link in the HTML part.
LINK_LABELS = {
    "confirm_link": _l("Confirm my registration"),
    "manage_link": _l("My registration"),
    "join_link": _l("Join the session"),
    "recording_link": _l("Watch the recording"),
}

RECORDING = COMMON | PERSON | {"session_title", "recording_link", "manage_link", "organiser_name"}

KINDS: dict[str, MailKind] = {
    "confirm": MailKind(
        _l("Confirmation request"),
        COMMON | {"sessions", "confirm_link"},
        frozenset({"confirm_link"}),
        _l("Please confirm your registration"),
        _l(
            "Hello,\n\nThank you for signing up for {edition}. Please confirm your registration "
            "by opening this link and pressing the button:\n\n{confirm_link}\n\n"
            "You signed up for:\n{sessions}\n\nDid you not sign up? Then you can ignore this mail."
        ),
    ),
    "welcome": MailKind(
        _l("Welcome (registration confirmed)"),
        COMMON | PERSON | {"sessions", "manage_link"},
        frozenset({"manage_link"}),
        _l("You are registered for {edition}"),
        _l(
            "Hello {first_name},\n\nYour registration for {edition} is confirmed:\n{sessions}\n\n"
            "Your personal page, with your join links, is here:\n{manage_link}"
        ),
    ),
    "reminder": MailKind(
        _l("Reminder"),
        COMMON | PERSON | SESSION | {"join_link", "manage_link"},
        frozenset({"join_link", "manage_link"}),
        _l("Reminder: {session_title} starts soon"),
        _l(
            "Hello {first_name},\n\nA reminder: {session_title} starts {session_date_time}.\n\n"
            "Your join link:\n{join_link}\n\nCan you not make it? Please remove the session on "
            "your personal page:\n{manage_link}"
        ),
    ),
    "waiting": MailKind(
        _l("Waiting list"),
        COMMON | PERSON | SESSION | {"position", "manage_link"},
        frozenset({"manage_link"}),
        _l("You are on the waiting list for {session_title}"),
        _l(
            "Hello {first_name},\n\n{session_title} is full. You are number {position} on the "
            "waiting list; we mail you when a place frees up.\n\nYour personal page:\n{manage_link}"
        ),
    ),
    "promoted": MailKind(
        _l("A place from the waiting list"),
        COMMON | PERSON | SESSION | {"join_link", "manage_link"},
        frozenset({"join_link", "manage_link"}),
        _l("You have a place in {session_title}"),
        _l(
            "Hello {first_name},\n\nA place freed up: you now have a place in {session_title} "
            "({session_date_time}).\n\nYour join link:\n{join_link}\n\n"
            "Your personal page:\n{manage_link}"
        ),
    ),
    "cancelled": MailKind(
        _l("Cancellation"),
        COMMON | PERSON | {"sessions", "manage_link"},
        frozenset(),
        _l("Your registration has been cancelled"),
        _l(
            "Hello {first_name},\n\nWe have cancelled your registration for:\n{sessions}"
            "\n\n{manage_link}"
        ),
    ),
    # Sent by messaging (the organisers' "the recording is online"); bulk mail, so the
    # personal link with the opt-out is required.
    "recording_joined": MailKind(
        _l("Recording online (to those who joined)"),
        RECORDING,
        frozenset({"recording_link", "manage_link"}),
        _l("The recording of {session_title} is online"),
        _l(
            "Hello {first_name},\n\nThank you for joining {session_title}. The recording is online "
            "now:\n{recording_link}\n\nKind regards,\n{organiser_name}\n\n--\n"
            "Your registration, and to stop messages from the organisers:\n{manage_link}"
        ),
    ),
    "recording_missed": MailKind(
        _l("Recording online (to those who missed it)"),
        RECORDING,
        frozenset({"recording_link", "manage_link"}),
        _l("Missed {session_title}? The recording is online"),
        _l(
            "Hello {first_name},\n\nYou could not be there for {session_title}; the recording is "
            "online now:\n{recording_link}\n\nKind regards,\n{organiser_name}\n\n--\n"
            "Your registration, and to stop messages from the organisers:\n{manage_link}"
        ),
    ),
}

PLACEHOLDER_HELP = {
    "first_name": _l("the first name"),
    "name": _l("the full name"),
    "edition": _l("the edition's name"),
    "sessions": _l("the sessions with date and time"),
    "session_title": _l("the session's title"),
    "session_date_time": _l("the session's date and time"),
    "position": _l("the place on the waiting list"),
    "confirm_link": _l("the confirm link (a button in the HTML part)"),
    "manage_link": _l("the personal link"),
    "join_link": _l("the personal join link"),
    "recording_link": _l("the link to the recording"),
    "organiser_name": _l("the name of the organiser who sends it"),
}


def text_for(edition: Edition, kind: str, language: str) -> MailText | None:
    """The organisers' own text for this mail, if they wrote one."""
    return db.session.scalar(
        db.select(MailText).filter_by(edition_id=edition.id, kind=kind, language=language)
    )


def own_text(edition: Edition, kind: str, language: str) -> tuple[str, str] | None:
    """The subject and body of the organisers' usable own text for this mail, or None (the
    standard mail). Looked up once per process and change of the edition: every change to
    a text raises the edition's ``updated_at``
    (``questions.touch_edition_on_questions_or_mail_texts``), so a sign-up peak reads no text
    per mail."""
    if kind not in KINDS:
        return None
    cache = current_app.extensions.setdefault("registration.own_texts", RenderCache(64))
    key = (edition.id, edition.updated_at, kind, language)
    found = cache.get(key)
    if found is None:
        with db.session.no_autoflush:  # a read: it must not start the write (SQLite's lock)
            text = text_for(edition, kind, language)
        usable = text is not None and _usable(kind, text)
        found = (text.subject, text.body) if usable else ()
        cache.put(key, found)
    return found or None


def default_text(kind: str, language: str) -> tuple[str, str]:
    """The default subject and body in ``language``, as the edit form's starting point."""
    with force_locale(language):
        return str(KINDS[kind].subject), str(KINDS[kind].body)


def check(kind: str, subject: str, body: str) -> None:
    """Raise ``placeholders.TextProblem`` naming the first problem of a text."""
    spec = KINDS[kind]
    # A bulk send renders the subject once for everyone: no name in it.
    in_subject = spec.allowed - {"name"} if kind.startswith("recording") else spec.allowed
    placeholders.check_subject(subject, set(in_subject))
    placeholders.check(body, set(spec.allowed), set(spec.required))


def save(edition: Edition, kind: str, language: str, subject: str, body: str) -> MailText:
    """Store a checked text (``check`` first: an unchecked one raises here too)."""
    check(kind, subject, body)
    text = text_for(edition, kind, language)
    if text is None:
        text = MailText(edition_id=edition.id, kind=kind, language=language)
        db.session.add(text)
    text.subject, text.body, text.updated_at = subject.strip(), body.strip(), utcnow()
    db.session.flush()
    return text


def reset(edition: Edition, kind: str, language: str) -> bool:
    """Back to the default text; False when there was no own text."""
    text = text_for(edition, kind, language)
    if text is None:
        return False
    db.session.delete(text)
    db.session.flush()
    return True


def _sessions_text(sessions: list[ProgrammeSession], language: str, join_links=None) -> str:
    lines = []
    for session in sessions:
        when = local_datetime(session.start_at, session.edition.timezone)
        line = f"- {localized(session, 'title', language)}, {when}"
        if join_links and join_links.get(session.id):
            line += f"\n  {join_links[session.id]}"
        lines.append(line)
    return "\n".join(lines)


def values_for(attendee, language: str, context: dict) -> dict[str, str]:
    """The placeholders' values for one mail, from the context its template would get."""
    with force_locale(language):
        sessions = context.get("sessions")
        if sessions is None and "confirmed" in context:
            sessions = [r.session for r in context["confirmed"] + context.get("waiting", [])]
        if sessions is None and "registrations" in context:
            sessions = [r.session for r in context["registrations"]]
        registration = context.get("registration")
        session = registration.session if registration is not None else None
        return {
            "first_name": (attendee.name or "").split(" ")[0] if attendee.name else "",
            "name": attendee.name or "",
            "edition": localized(attendee.edition, "name", language),
            "sessions": _sessions_text(sessions or [], language, context.get("join_links")),
            "session_title": localized(session, "title", language) if session else "",
            "session_date_time": local_datetime(session.start_at, session.edition.timezone)
            if session
            else "",
            "position": str(context.get("position") or ""),
            "confirm_link": context.get("confirm_link") or "",
            "manage_link": context.get("manage_link") or "",
            "join_link": context.get("join_link") or "",
        }


def render(subject: str, body: str, language: str, values: dict[str, str]):
    """Subject, text and HTML of a mail written by organisers, filled in safely."""
    with force_locale(language):
        links = {name: str(label) for name, label in LINK_LABELS.items()}
        html = render_template(
            "mail/organiser_text.html",
            language=language,
            body_html=placeholders.fill_html(body, values, links, frozenset({"confirm_link"})),
        )
    return placeholders.fill_subject(subject, values), placeholders.fill_text(body, values), html


def queue(
    kind: str, attendee, template: str, attachments=(), context: dict | None = None, reuse=None
):
    """Queue a registration mail: from the organisers' own text when there is one, else the
    standard mail (``reuse``: (same_for, personal) for its reused rendering)."""
    context = {"attendee": attendee, **(context or {})}
    same_for, personal = reuse or (None, None)
    # A text stored before a rule changed is not usable: the standard mail, not a broken one.
    text = own_text(attendee.edition, kind, attendee.language)
    if text is None:
        return queue_mail(
            kind=kind,
            recipient=attendee.email,
            language=attendee.language,
            template=f"registration_{template}",
            context=context,
            attachments=attachments,
            same_for=same_for,
            personal=personal,
        )
    context.update({k: v() if callable(v) else v for k, v in (personal or {}).items()})
    values = values_for(attendee, attendee.language, context)
    subject, body, html = render(*text, attendee.language, values)
    return queue_rendered(
        kind=kind,
        recipient=attendee.email,
        language=attendee.language,
        subject=subject,
        text=body,
        html=html,
        attachments=attachments,
    )


def own_rendered(edition: Edition, kind: str, language: str, values: dict[str, str]):
    """Subject, text and HTML from the organisers' own text, or None (the standard mail)."""
    text = own_text(edition, kind, language)
    return render(*text, language, values) if text is not None else None


def _usable(kind: str, text: MailText) -> bool:
    try:
        check(kind, text.subject, text.body)
    except placeholders.TextProblem:
        return False
    return True
