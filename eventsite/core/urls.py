"""The one way to build an absolute address of a page: for mails, calendar files and feeds.

Built from the URL map (the routes themselves) and ``SITE_URL``, never from the request's
host, so a mail queued from the command line, a signal receiver or behind a proxy carries
the same links as a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """``SITE_URL`` plus the path of ``endpoint`` with ``values`` (a link for a mail)."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
