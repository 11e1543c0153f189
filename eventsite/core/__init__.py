"""Site-wide pages: health check and privacy statement."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The health checks, the privacy statement, and the job registry with `flask worker`
    (the features add their periodic jobs to it in their own init_app)."""
    from . import site_assets
    from .jobs import init_jobs
    from .views import bp

    init_jobs(app)

    app.register_blueprint(bp)
    site_assets.init_app(app)
