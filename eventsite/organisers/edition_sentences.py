"""How the audit log reads the programme office's edition and session changes (see
``audit_sentences``). Imported by the organisers' ``init_app``."""

from flask_babel import lazy_gettext as _l

from .audit_sentences import sentence


def register() -> None:
    """Register one sentence per kind of entry that ``editions`` and ``edition_sessions`` write."""
    sentence("edition.create", _l("%(actor)s created the edition %(name)s from %(source)s"))
    sentence("edition.update", _l("%(actor)s edited the edition %(name)s"))
    sentence("edition.publish", _l("%(actor)s published the edition %(name)s"))
    sentence("edition.unpublish", _l("%(actor)s unpublished the edition %(name)s"))
    sentence("edition.load", _l("%(actor)s loaded the programme file %(file)s into %(name)s"))
    sentence("edition.download", _l("%(actor)s downloaded the programme file of %(name)s"))
    sentence("session.add", _l("%(actor)s added the session '%(title)s' to %(edition)s"))
    sentence("session.remove", _l("%(actor)s removed the session '%(title)s' from %(edition)s"))
    sentence(
        "session.reorder",
        _l("%(actor)s moved the session '%(title)s' to place %(place)s of %(edition)s"),
    )
