"""How the audit log reads the API's entries (``organisers.audit_sentences``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..organisers.audit_sentences import sentence


def register() -> None:
    """Register the sentences (called by the api's init_app, not at import)."""
    sentence("apitoken.create", _l("%(actor)s made the API token '%(name)s'"))
    sentence("apitoken.revoke", _l("%(actor)s revoked the API token '%(name)s'"))
    sentence(
        "api.export",
        _l("%(actor)s fetched %(count)d rows of '%(title)s' with the API token '%(token)s'"),
    )
    sentence("webhook.add", _l("%(actor)s added a webhook to %(url)s"))
    sentence("webhook.remove", _l("%(actor)s removed the webhook to %(url)s"))
