"""The public programme: editions, regions, sessions and speakers."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The public pages, `flask programme`, and the listener that keeps page versions true."""
    from . import display, page_versions
    from .cli import register_commands
    from .views import bp

    register_commands(bp.cli)
    app.register_blueprint(bp)
    page_versions.init_app(app)
    app.add_template_global(display.card_state, "card_state")
