"""The mail outbox: every mail is a database row first, sent after the commit."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The `flask mail` group, the development outbox page, sending after the commit."""
    from ..core.jobs import registry_of
    from .cli import send_queued_command, status_command
    from .cli_deliverability import bounces_command, dkim_keygen_command
    from .delivery import register_outbox_delivery
    from .jobs import register_jobs
    from .requested import register_after_response
    from .views import bp

    bp.cli.add_command(send_queued_command)
    bp.cli.add_command(status_command)
    bp.cli.add_command(bounces_command)
    bp.cli.add_command(dkim_keygen_command)
    app.register_blueprint(bp)
    register_outbox_delivery(app)  # importing delivery attaches its session listeners
    register_after_response(app)
    register_jobs(registry_of(app))
