"""eventsite: programme and free registration for the Smart Industry Jaarevent."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import (
    config_class,
    database_engine_options,
    per_process_limits_problem,
    secret_key_problem,
)


def create_app(test_config: dict[str, Any] | None = None, env: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages and headers."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config, env)
    if app.config["ENV_NAME"] == "production":
        from .catalogues import require_compiled_catalogues

        require_compiled_catalogues()
    from .inputs import register_input_safety

    register_input_safety(app)  # before the blueprints: it bounds their <int:...> converters
    from . import cookie_session

    cookie_session.init_app(app)
    register_extensions(app)
    init_features(app)
    register_template_helpers(app)
    from . import database as _database  # noqa: F401 (its engine events)
    from .errors import register_error_handlers
    from .observability import register_request_logging
    from .security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_request_logging(app)
    register_proxy_fix(app)
    return app


def load_config(app: Flask, test_config: dict[str, Any] | None, env: str | None) -> None:
    """Class defaults, then instance/config.py, then EVENTSITE_* variables, then test values."""
    cls = config_class(env or (test_config or {}).get("ENV_NAME"))
    app.config.from_object(cls)
    os.makedirs(app.instance_path, exist_ok=True)
    if cls.ENV_NAME != "testing":
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("EVENTSITE")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "eventsite.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_engine_options(app.config)
    problem = secret_key_problem(app.config["SECRET_KEY"])
    if cls.ENV_NAME == "production" and problem:
        raise SystemExit(
            f"eventsite: refusing to start in production: {problem}; "
            "set EVENTSITE_SECRET_KEY to a long random value, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    problem = per_process_limits_problem(app.config)
    if problem:
        raise SystemExit(f"eventsite: refusing to start: {problem}")


def register_extensions(app: Flask) -> None:
    """Bind the extension objects of extensions.py to this app."""
    # Imported here: the subpackage eventsite.mail would shadow a module-level `mail`.
    from .extensions import babel, csrf, db, limiter, mail, migrate
    from .i18n import select_locale

    import_models()
    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite too.
    migrations = os.path.join(os.path.dirname(__file__), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True, compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)


def import_models() -> None:
    """Import every feature's models, so the metadata (and Alembic) knows all tables."""
    from .api import models as _api  # noqa: F401
    from .core import models as _core  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .mail import requested as _mail_requested  # noqa: F401
    from .messaging import models as _messaging  # noqa: F401
    from .organisers import models as _organisers  # noqa: F401
    from .programme import models as _programme  # noqa: F401
    from .registration import intake_models as _intake  # noqa: F401
    from .registration import interest_models as _interest  # noqa: F401
    from .registration import models as _registration  # noqa: F401


def init_features(app: Flask) -> None:
    """Each feature registers its blueprint, commands, receivers and listeners, lowest layer
    first (the layers: README "What is where", checked by `lint-imports`)."""
    from . import api, core, ical, mail, messaging, organisers, programme, registration

    for feature in (core, mail, programme, registration, ical, messaging, organisers, api):
        feature.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Functions and filters the templates share."""
    from . import formatting
    from .holes import hole
    from .i18n import current_language, localized

    def has_endpoint(name: str) -> bool:
        """Whether a feature's page exists, so templates can link to it only then."""
        return name in app.view_functions

    def site_name() -> str:
        """The event's name in the page's language ("Smart Industry Annual Event" in English)."""
        if current_language() != "nl" and app.config.get("SITE_NAME_EN"):
            return app.config["SITE_NAME_EN"]
        return app.config["SITE_NAME"]

    app.jinja_env.globals.update(
        site_name=site_name,
        localized=localized,
        current_language=current_language,
        has_endpoint=has_endpoint,
        hole=hole,
        zone_label=formatting.zone_label,
        time_span=formatting.time_span,
    )
    app.jinja_env.filters.update(
        local_date=formatting.local_date,
        local_time=formatting.local_time,
        local_datetime=formatting.local_datetime,
        short_day=formatting.short_day,
        moment=formatting.moment,
        first_name=formatting.first_name,
        machine_time=formatting.machine_time,
        format_date=formatting.format_day,
    )


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* headers from as many proxies as configured (none by default)."""
    hops = {k: app.config[f"PROXY_FIX_X_{k.upper()}"] for k in ("for", "proto", "host")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, let readers and a writer work at once.

    The busy timeout (how long to wait for another writer) is the driver's ``timeout``
    argument, from ``SQLITE_BUSY_TIMEOUT`` (see ``config.database_engine_options``).
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
