"""Open to other systems: the public and organiser API under /api/v1/, its OpenAPI
description, personal access tokens, webhooks, and the embeddable programme.

The top layer: it reads every feature below it and learns of their changes through their
blinker signals (webhooks.py), as organisers do.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """The API, console and embed blueprints, the webhook receivers and job, the audit
    log's sentences, and JSON errors under /api/."""
    from ..core.jobs import registry_of
    from ..errors import answer_errors_in_json
    from ..extensions import csrf
    from ..security import allow_framing, exempt_from_origin_check
    from . import (  # noqa: F401 (their routes)
        console,
        embed,
        organiser_api,
        organiser_webhooks,
        public,
        reference,
        sentences,
        webhooks,
    )
    from .blueprint import bp
    from .jobs import register_jobs

    csrf.exempt(bp)  # no cookies count here: a token in a header is the authority
    app.register_blueprint(bp)
    for endpoint in ("api.add_webhook", "api.remove_webhook"):
        exempt_from_origin_check(endpoint)  # no cookie counts: the token carries the authority
    app.register_blueprint(console.bp)
    app.register_blueprint(embed.bp)
    answer_errors_in_json(app, bp.url_prefix + "/")
    for endpoint in ("api_embed.edition", "api_embed.hub_day"):
        allow_framing(endpoint)
    webhooks.connect()
    sentences.register()
    register_jobs(registry_of(app))
