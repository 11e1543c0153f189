"""Site-wide pages: health check and privacy statement."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The health checks and the privacy statement."""
    from .views import bp

    app.register_blueprint(bp)
