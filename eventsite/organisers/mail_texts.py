"""Organisers' own mail texts: save with checks, reset, preview with sample data, test mail.

The kinds, placeholders and rendering live in ``registration.mail_texts`` (the mails are
registration's); here the organiser's actions, each in the audit log.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..formatting import local_datetime
from ..i18n import localized
from ..mail.outbox import queue_rendered
from ..mail.placeholders import TextProblem
from ..programme.models import Edition
from ..registration import mail_texts
from . import audit

LANGUAGE_NAMES = {"nl": _l("Dutch"), "en": _l("English")}


def problem_message(problem: TextProblem) -> str:
    """What is wrong with a text, in the organiser's language, naming it."""
    if problem.code == "line_break":
        return _("The subject must be one line: remove the line break.")
    if problem.code == "unknown":
        return _("Unknown placeholder {%(name)s}: use one from the list.", name=problem.name)
    if problem.code == "missing":
        return _(
            "The text must contain {%(name)s}: without it the mail does not work.",
            name=problem.name,
        )
    return _(
        "Broken placeholder near “%(text)s”: write placeholders as {name}, "
        "with a name from the list.",
        text=problem.name,
    )


def sample_values(edition: Edition, kind: str, language: str) -> dict[str, str]:
    """Example values for a preview or test mail (no real person's data)."""
    site = current_app.config["SITE_URL"].rstrip("/")
    with force_locale(language):
        sessions = sorted(edition.sessions, key=lambda s: s.start_at)[:2]
        values = mail_texts.values_for(_SamplePerson(edition), language, {"sessions": sessions})
        first = sessions[0] if sessions else None
        values.update(
            session_title=localized(first, "title", language) if first else "",
            position="3",
            recording_link="https://video.example.nl/opname",
            organiser_name="Programmabureau Smart Industry",
            confirm_link=f"{site}/confirm/example",
            manage_link=f"{site}/my/example",
            join_link=f"{site}/my/example/join/{first.slug if first else 'session'}",
        )
        if first is not None:
            values["session_date_time"] = local_datetime(first.start_at, edition.timezone)
    return values


class _SamplePerson:
    """Stands in for an attendee in previews."""

    name = "Anna de Vries"

    def __init__(self, edition: Edition) -> None:
        self.edition = edition


def preview(edition: Edition, kind: str, language: str, subject: str, body: str):
    """Subject, text and HTML of the text with sample data."""
    values = sample_values(edition, kind, language)
    return mail_texts.render(subject, body, language, values)


def current_text(edition: Edition, kind: str, language: str) -> tuple[str, str, bool]:
    """The text in use: (subject, body, own) where own says the organisers wrote it."""
    text = mail_texts.text_for(edition, kind, language)
    if text is not None:
        return text.subject, text.body, True
    subject, body = mail_texts.default_text(kind, language)
    return subject, body, False


def save(edition: Edition, kind: str, language: str, subject: str, body: str, actor) -> None:
    """Store the text (raises TextProblem first) and log it."""
    mail_texts.save(edition, kind, language, subject, body)
    audit.record(
        actor,
        "mailtext.update",
        f"{kind}/{language}",
        edition=edition,
        data={"mail": kind, "language": language, "subject": subject[:200]},
    )


def reset(edition: Edition, kind: str, language: str, actor) -> bool:
    if not mail_texts.reset(edition, kind, language):
        return False
    audit.record(
        actor,
        "mailtext.reset",
        f"{kind}/{language}",
        edition=edition,
        data={"mail": kind, "language": language},
    )
    return True


def send_test(edition: Edition, kind: str, language: str, subject: str, body: str, actor) -> None:
    """The text with sample data to the organiser's own address, through the outbox."""
    subject_text, text, html = preview(edition, kind, language, subject, body)
    queue_rendered(
        kind="mailtext-test",
        recipient=actor.email,
        language=language,
        subject=f"[TEST] {subject_text}",
        text=text,
        html=html,
    )
    audit.record(
        actor,
        "mailtext.test",
        f"{kind}/{language}",
        edition=edition,
        data={"mail": kind, "language": language},
    )
