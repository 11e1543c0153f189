"""Turning an outbox row into a MIME message that Outlook, Gmail and Apple Mail read well.

Structure: multipart/mixed [ multipart/alternative [ text/plain, text/html, extra
"alternative" parts such as text/calendar; method=REQUEST ], attachments ... ].
"""

from __future__ import annotations

from datetime import UTC
from email import policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from .addresses import header_safe, wire_address
from .models import OutboxMessage

TEXT_CTE = "quoted-printable"


class ListUnsubscribeHeader(UnstructuredHeader):
    """``List-Unsubscribe``: its URIs as they are, one per line (RFC 2369 folds between them).

    The standard folder turns any word longer than a line, as the ``<https://...>`` with its
    personal token is, into RFC 2047 encoded-words, and receivers never decode this header:
    Gmail, Yahoo and Apple Mail then find no https link for the one-click unsubscribe (RFC
    8058). RFC 5322 allows a line of up to 998 characters."""

    def fold(self, *, policy) -> str:
        uris = [uri.strip() for uri in str(self).split(",") if uri.strip()]
        return f"{self.name}: {f',{policy.linesep} '.join(uris)}{policy.linesep}"


def _with_list_unsubscribe(base: policy.EmailPolicy) -> policy.EmailPolicy:
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", ListUnsubscribeHeader)
    return base.clone(header_factory=registry)


# SMTP policies: CRLF line ends and folded headers, as the wire needs.
WIRE_POLICY = _with_list_unsubscribe(policy.SMTP)
WIRE_POLICY_UTF8 = _with_list_unsubscribe(policy.SMTPUTF8)


def split_content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; method=REQUEST; charset=UTF-8' -> ('text', 'calendar', {...})."""
    main, *params = [p.strip() for p in content_type.split(";")]
    maintype, _, subtype = main.partition("/")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return maintype.lower(), subtype.lower(), parsed


def list_id() -> str:
    """``<host>`` of SITE_URL, e.g. ``<jaarevent.smartindustry.nl>``."""
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "eventsite"
    return f"<{host}>"


def from_header(sender: str, language: str) -> str:
    """The From of a mail in ``language``: MAIL_DEFAULT_SENDER, whose display name, when it
    is the Dutch SITE_NAME, becomes SITE_NAME_EN in a mail that is not in Dutch. The address
    stays the same (SPF, DKIM, replies); another display name is left as configured."""
    config = current_app.config
    name, address = parseaddr(sender)
    english = config.get("SITE_NAME_EN")
    if language != "nl" and english and name and name == config["SITE_NAME"]:
        return formataddr((english, address))
    return sender


def build_mime(row: OutboxMessage, sender: str, smtputf8: bool = False) -> EmailMessage:
    """The full MIME message for ``row``, with its stable Message-ID.

    ``smtputf8``: the server takes UTF-8 headers (RFC 6531); needed for a recipient with a
    non-ASCII local part (AddressError without it). Header values lose any line break.
    """
    message = EmailMessage(policy=WIRE_POLICY_UTF8 if smtputf8 else WIRE_POLICY)
    message["Subject"] = header_safe(row.subject)
    message["From"] = header_safe(from_header(sender, row.language))
    message["To"] = wire_address(row.recipient, smtputf8)
    # "+0000": the time is known to be UTC ("-0000" would say the offset is unknown).
    message["Date"] = format_datetime(row.created_at.astimezone(UTC))
    message["Message-ID"] = header_safe(row.message_id)
    if row.list_unsubscribe:
        # Bulk mail that a person wrote (RFC 2369, RFC 8058, RFC 2919): no Auto-Submitted.
        message["List-Unsubscribe"] = header_safe(row.list_unsubscribe)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["List-Id"] = list_id()
        message["Precedence"] = "bulk"
    else:
        # Transactional mail: ask autoresponders to stay quiet.
        message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit on the wire, so no relay has to guess about 8-bit content.
    message.set_content(row.text_body, subtype="plain", charset="utf-8", cte=TEXT_CTE)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html", charset="utf-8", cte=TEXT_CTE)
    for part in row.attachments:
        if part.disposition != "alternative":
            continue
        maintype, subtype, params = split_content_type(part.content_type)
        charset = params.pop("charset", "utf-8")
        if message.get_content_type() == "text/plain":
            message.make_alternative()
        message.add_alternative(
            part.content.decode(charset),
            subtype=subtype,
            charset="utf-8",
            cte=TEXT_CTE,
            params=params,
        )
    for part in row.attachments:
        if part.disposition == "alternative":
            continue
        maintype, subtype, params = split_content_type(part.content_type)
        message.add_attachment(
            part.content, maintype=maintype, subtype=subtype, filename=part.filename, params=params
        )
    # Last: set_content(), make_alternative() and make_mixed() drop or move Content-* headers.
    message["Content-Language"] = header_safe(row.language)
    return message
