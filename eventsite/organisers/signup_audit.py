"""The audit log's sentences for questions, mail texts and campaign links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .audit_sentences import sentence


def register() -> None:
    """Called by the organisers' ``init_app``."""
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
