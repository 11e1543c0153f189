"""Organisers: accounts with roles, the dashboard, attendee lists, exports and session editing."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Login, the organiser pages, `flask organisers`, the rules that mail organisers, and
    how the audit log reads."""
    from ..inputs import accept_uploads
    from . import (
        audit_texts,
        edition_sentences,
        followup_sentences,
        media_sentences,
        receivers,
        signup_audit,
    )
    from .auth import init_app as init_login
    from .cli import register_commands
    from .views import bp, hubs, speakers

    init_login(app)
    register_commands(bp.cli)
    app.register_blueprint(bp)
    receivers.connect()
    audit_texts.register()
    edition_sentences.register()
    media_sentences.register()
    followup_sentences.register()
    signup_audit.register()
    for endpoint in (*speakers.UPLOAD_ENDPOINTS, *hubs.UPLOAD_ENDPOINTS):
        accept_uploads(endpoint)
