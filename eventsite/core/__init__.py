"""Site-wide pages: health check, privacy statement, stored pictures (/media/...)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The health checks, the privacy statement, and the job registry with `flask worker`
    (the features add their periodic jobs to it in their own init_app), and /media/."""
    from . import site_assets
    from .jobs import init_jobs
    from .media import bp as media_bp
    from .views import bp

    init_jobs(app)

    app.register_blueprint(bp)
    site_assets.init_app(app)
    app.register_blueprint(media_bp)
