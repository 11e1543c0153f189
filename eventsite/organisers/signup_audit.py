"""The audit log's sentences for questions, mail texts and campaign links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..registration.mail_texts import KINDS as MAIL_KINDS
from .audit_sentences import kind, sentence, words


def register() -> None:
    """Called by the organisers' ``init_app``: the kinds for the log's filter, the mails'
    names (the entries keep the code, the reader sees the mail's name in their language),
    and the sentences."""
    kind("question", _l("Sign-up questions"))
    kind("mailtext", _l("Mail texts"))
    kind("campaign", _l("Campaign links"))
    words("mail", {code: mail.label for code, mail in MAIL_KINDS.items()})
    sentence("question.add", _l("%(actor)s added the sign-up question “%(label)s”"))
    sentence("question.update", _l("%(actor)s changed the sign-up question “%(label)s”"))
    sentence("question.reorder", _l("%(actor)s moved the sign-up question “%(label)s”"))
    sentence("question.retire", _l("%(actor)s retired the sign-up question “%(label)s”"))
    sentence("question.restore", _l("%(actor)s put the sign-up question “%(label)s” back"))
    sentence("question.remove", _l("%(actor)s deleted the sign-up question “%(label)s”"))
    sentence(
        "mailtext.update", _l("%(actor)s changed the text of the %(mail)s mail (%(language)s)")
    )
    sentence(
        "mailtext.reset",
        _l("%(actor)s reset the %(mail)s mail (%(language)s) to the standard text"),
    )
    sentence("mailtext.test", _l("%(actor)s sent a test of the %(mail)s mail (%(language)s)"))
    sentence("campaign.add", _l("%(actor)s made the campaign link “%(name)s” (%(code)s)"))
    sentence("campaign.remove", _l("%(actor)s removed the campaign link “%(name)s” (%(code)s)"))
