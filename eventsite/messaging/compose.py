"""Building the mails of a send: render once per language, then personalise per recipient.

A send to thousands renders each template once per language with placeholders for the
name and the personal link, and fills those in per recipient (escaped for the HTML part).
The placeholders are random per send, so text an organiser types can never match them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..clock import utcnow
from ..formatting import first_name
from ..i18n import localized
from ..mail.outbox import render_mail
from ..registration import mail_texts
from ..registration.links import manage_url
from ..registration.tokens import new_manage_token

LANGUAGES = ("nl", "en")
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@dataclass(frozen=True)
class Draft:
    """What an organiser wrote: a subject and body per language (None where not written)."""

    subject_nl: str | None
    body_nl: str | None
    subject_en: str | None
    body_en: str | None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if self.subject(lang, fallback=False))

    def subject(self, language: str, fallback: bool = True) -> str | None:
        own = getattr(self, f"subject_{language}")
        if own or not fallback:
            return own
        return self.subject_nl or self.subject_en

    def body(self, language: str) -> str:
        """The body in ``language``, or in the other language when only that was written."""
        if getattr(self, f"subject_{language}"):
            return getattr(self, f"body_{language}") or ""
        return self.body_nl if self.subject_nl else self.body_en or ""

    def language_for(self, language: str) -> str:
        """The language a recipient who reads ``language`` gets the text in."""
        return language if language in self.languages else self.languages[0]


@dataclass(frozen=True)
class Recipient:
    attendee_id: int
    email: str
    name: str
    language: str
    joined: bool = False


@dataclass(frozen=True)
class Placeholders:
    """Stand-ins rendered once per language and replaced per recipient."""

    name: str
    first_name: str
    link: str

    @classmethod
    def new(cls) -> Placeholders:
        tag = secrets.token_hex(8)
        return cls(
            name=f"@@{tag}-name@@",
            first_name=f"@@{tag}-first-name@@",
            link=f"https://placeholder.invalid/{tag}/manage",
        )

    def values(self) -> dict[str, str]:
        """The per-recipient values as the templates and the organisers' texts name them."""
        return {"name": self.name, "first_name": self.first_name, "manage_link": self.link}


def body_html(text: str) -> Markup:
    """Plain text as HTML paragraphs: escaped, line breaks kept, web addresses as links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p]
    html = []
    for paragraph in paragraphs:
        parts, last = [], 0
        for match in _URL.finditer(paragraph):
            parts.append(escape(paragraph[last : match.start()]))
            url = escape(match.group(0))
            parts.append(Markup('<a href="{0}">{0}</a>').format(url))
            last = match.end()
        parts.append(escape(paragraph[last:]))
        # Every part is escaped, so adding the <br> tags to the plain string is safe.
        inner = str(Markup("").join(parts)).replace("\n", "<br>\n")
        html.append(Markup(f"<p>{inner}</p>"))
    return Markup("\n").join(html)


def render_templates(
    template: str, languages: Iterable[str], placeholders: Placeholders, **context
) -> dict[str, tuple[str, str, str]]:
    """(subject, text, html) of ``template`` per language, with the placeholders in."""
    return {
        lang: render_mail(
            template,
            lang,
            {**placeholders.values(), **context},
        )
        for lang in languages
    }


def personalise(
    rendered: tuple[str, str, str], placeholders: Placeholders, name: str, link: str
) -> tuple[str, str, str]:
    """One recipient's subject, text and HTML."""
    subject, text, html = rendered
    values = {
        placeholders.name: name,
        placeholders.first_name: first_name(name),
        placeholders.link: link,
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
        html = html.replace(placeholder, str(escape(value)))
    return subject, text, html


def personal_links(recipients: list[Recipient]) -> tuple[dict[int, str], list[dict]]:
    """A new management link per recipient, and the ManageToken rows to insert in bulk.

    Only the tokens' hashes are stored (as ``registration.links.issue_manage_token`` does).
    """
    now = utcnow()
    links, rows = {}, []
    for recipient in recipients:
        token, token_hash = new_manage_token()
        links[recipient.attendee_id] = manage_url(token)
        rows.append(
            {"attendee_id": recipient.attendee_id, "token_hash": token_hash, "created_at": now}
        )
    return links, rows


def own_recording_texts(rendered: dict, session, organiser, placeholders) -> None:
    """Where the organisers wrote their own recording mail (per language), use it."""
    for joined in rendered:
        kind = "recording_joined" if joined else "recording_missed"
        for language in LANGUAGES:
            values = {
                **placeholders.values(),
                "edition": localized(session.edition, "name", language),
                "session_title": localized(session, "title", language),
                "recording_link": session.recording_url,
                "organiser_name": organiser.name,
            }
            own = mail_texts.own_rendered(session.edition, kind, language, values)
            if own is not None:
                rendered[joined][language] = own
