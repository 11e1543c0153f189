"""Email addresses: what we accept at a form, and how we write them on the wire.

One place for both, so the form never accepts an address the sender cannot deliver to:

- Domains are IDNA2008 (the ``idna`` package, with UTS #46 mapping), at the form (through
  email-validator, which uses the same package) and in the SMTP envelope and headers.
  Python's own ``"idna"`` codec is IDNA2003, which maps ``straße.de`` to ``strasse.de``:
  another domain. It is never used.
- A local part with non-ASCII characters (``jän@``) needs SMTPUTF8 (RFC 6531) from our
  mail server, so it is accepted only where ``MAIL_SMTPUTF8`` says the server offers it.
"""

from __future__ import annotations

import re

import idna
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Line breaks (and the other characters Python's str.splitlines() breaks on) that must never
# reach a header value: they would end the header or inject new ones.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


class AddressError(ValueError):
    """An address we cannot deliver to; ``needs_smtputf8`` tells the reason apart."""

    def __init__(self, message: str, needs_smtputf8: bool = False) -> None:
        super().__init__(message)
        self.needs_smtputf8 = needs_smtputf8


def smtputf8_configured() -> bool:
    return bool(current_app.config.get("MAIL_SMTPUTF8", False))


def check_address(address: str, allow_smtputf8: bool) -> str:
    """The normalised address if we can deliver to it, else AddressError."""
    try:
        valid = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise AddressError(str(error)) from None
    if valid.smtputf8 and not allow_smtputf8:
        raise AddressError(
            "a non-ASCII local part needs SMTPUTF8, which is not configured", needs_smtputf8=True
        )
    return valid.normalized


def needs_smtputf8(address: str) -> bool:
    """True when the local part (before the @) is not plain ASCII."""
    local, _, _ = address.rpartition("@")
    return not local.isascii()


def ascii_domain(domain: str) -> str:
    """The domain in A-labels by IDNA2008 (``straße.de`` -> ``xn--strae-oqa.de``)."""
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise AddressError(f"domain {domain!r} is not a valid IDNA2008 name: {error}") from None


def wire_address(address: str, smtputf8: bool) -> str:
    """``address`` as written in the SMTP envelope and the To header.

    Without SMTPUTF8 the whole address must be ASCII: the domain becomes A-labels and a
    non-ASCII local part cannot be written at all (AddressError). With SMTPUTF8 the address
    is sent as it is (UTF-8 is allowed everywhere), with the domain still in A-labels, which
    every server understands.
    """
    if any(c in address for c in "\r\n"):
        raise AddressError("the address contains a line break")
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise AddressError(f"{address!r} is not an email address")
    if not local.isascii() and not smtputf8:
        raise AddressError(
            "the address has non-ASCII characters before the @ and the mail server does not "
            "offer SMTPUTF8",
            needs_smtputf8=True,
        )
    return f"{local}@{ascii_domain(domain)}"


def header_safe(value: str) -> str:
    """A header value without line breaks (a session title edited with a newline in it)."""
    return _LINE_BREAKS.sub(" ", value or "").strip()


class DeliverableEmail:
    """WTForms validator: an address we can deliver mail to.

    Refuses malformed addresses with ``message``, and addresses with non-ASCII characters
    before the @ (unless ``MAIL_SMTPUTF8``) with a message that says what to do instead.
    """

    def __init__(self, message=None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            check_address(field.data or "", allow_smtputf8=smtputf8_configured())
        except AddressError as error:
            if error.needs_smtputf8:
                raise ValidationError(
                    _l(
                        "We cannot deliver mail to an address with special characters (such as "
                        "ä or é) before the @. Please use another address."
                    )
                ) from None
            raise ValidationError(
                self.message or _l("Please enter a valid email address, like name@company.nl.")
            ) from None
