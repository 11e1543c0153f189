"""Audit sentences of the after-the-session actions: feedback and "keep me posted".

Imported by the organisers' ``init_app`` (registering at import time of this module only).
"""

from flask_babel import lazy_gettext as _l

from .audit_sentences import sentence


def register() -> None:
    sentence(
        "feedback.question",
        _l('%(actor)s set the feedback question of %(session)s to "%(question)s"'),
    )
    sentence(
        "feedback.export",
        _l("%(actor)s downloaded the feedback on %(session)s (%(format)s)"),
    )
    sentence(
        "interest.announce",
        _l("%(actor)s sent the announcement of %(edition)s to %(count)s address(es)"),
    )
