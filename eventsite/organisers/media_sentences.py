"""How the audit log reads the speaker, video and hub entries (``audit_sentences``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .audit_sentences import sentence


def register() -> None:
    """Register the sentences (called by the organisers' init_app, not at import)."""
    sentence("speaker.add", _l("%(actor)s added the speaker %(name)s to the session '%(title)s'"))
    sentence(
        "speaker.update", _l("%(actor)s changed the speaker %(name)s of the session '%(title)s'")
    )
    sentence(
        "speaker.remove",
        _l("%(actor)s removed the speaker %(name)s from the session '%(title)s'"),
    )
    sentence(
        "speaker.reorder",
        _l("%(actor)s moved the speaker %(name)s to place %(position)d in the session '%(title)s'"),
    )
    sentence("video.add", _l("%(actor)s added the video '%(name)s' to the session '%(title)s'"))
    sentence(
        "video.remove", _l("%(actor)s removed the video '%(name)s' from the session '%(title)s'")
    )
    sentence(
        "video.reorder",
        _l("%(actor)s moved the video '%(name)s' to place %(position)d in the session '%(title)s'"),
    )
    sentence("hub.add", _l("%(actor)s added the hub %(name)s"))
    sentence("hub.update", _l("%(actor)s changed the details of the hub %(name)s"))
