"""Work a server process does once when it starts, not in its first requests.

Jinja compiles a template the first time a request renders it, Flask-Babel loads a
language's catalogue the first time it translates into it, and Babel reads its locale data
on the first date it formats. Under gunicorn each of the five workers paid this in the
first requests of each kind, 0.1 to 0.5 s on a busy machine: the slowest answers (p99)
right after every start and every recycling (``max_requests``). ``config/gunicorn.py``
calls ``warm_up`` in each worker after it loaded the app, before it takes requests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask_babel import force_locale, format_date, format_time, gettext
from sqlalchemy.orm import configure_mappers


def warm_up(app: Flask) -> int:
    """Compile every template, load every language's catalogue and locale data; returns
    the number of templates compiled. Touches no database and changes nothing."""
    configure_mappers()  # else the first query of each worker sets up every model's mapping
    names = [n for n in app.jinja_env.list_templates() if n.endswith((".html", ".txt", ".ics"))]
    for name in names:
        app.jinja_env.get_template(name)
    moment = datetime(2027, 5, 31, 13, tzinfo=UTC)
    with app.test_request_context("/"):
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                gettext("Sign up")
                format_date(moment.date(), format="full")
                format_time(moment.time(), format="HH:mm")
    return len(names)
