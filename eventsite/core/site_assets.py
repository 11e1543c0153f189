"""Static files that are fast to fetch and safe to cache: fingerprints, icons, robots, compression.

Stylesheets, scripts and icons are linked as ``/static/<file>?v=<hash of the file>``: a
response whose ``v`` matches the file's current content is cached by browsers for a year
(``immutable``); a deploy that changes the file changes its link. Without the right ``v``
(an old page, a hand-typed link) the file is revalidated as before.

Text responses are compressed (Flask-Compress: brotli or gzip). It appends the algorithm to a
strong ETag (``"abc:gzip"``) and answers ``If-None-Match`` against that, so the render
cache's 304s (``caching.py``) keep working for compressed and plain clients alike.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_from_directory, url_for
from flask_compress import Compress

from . import seo
from .urls import external_url

YEAR = 365 * 24 * 3600
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/xml",
    "text/csv",
    "text/calendar",
    "application/json",
    "application/ld+json",
    "application/manifest+json",
    "application/xml",
    "application/javascript",
    "text/javascript",
    "image/svg+xml",
]

bp = Blueprint("site_assets", __name__)
compress = Compress()


@cache
def _fingerprint(path: str) -> str:
    """A short hash of a static file's content (cached per process: files change on deploy)."""
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


def asset_url(filename: str) -> str:
    """The fingerprinted link of a file in ``static/``, cacheable for a year."""
    path = Path(current_app.static_folder or "") / filename
    return url_for("static", filename=filename, v=_fingerprint(str(path)))


def cache_fingerprinted(response: Response) -> Response:
    """A year of caching for a static file asked for with its current fingerprint."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    wanted = request.args.get("v")
    path = Path(current_app.static_folder or "") / filename
    if wanted and path.is_file() and wanted == _fingerprint(str(path)):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.get("/favicon.ico")
def favicon():
    """The browser's default icon request, answered instead of a 404 on every page."""
    icons = Path(current_app.static_folder or "") / "icons"
    return send_from_directory(icons, "favicon.ico", max_age=86400)


@bp.get("/site.webmanifest")
def manifest():
    """Name, colours and icons for 'add to home screen'."""
    icons = [
        {"src": asset_url(f"icons/{name}"), "sizes": size, "type": "image/png", "purpose": purpose}
        for name, size, purpose in (
            ("icon-192.png", "192x192", "any"),
            ("icon-512.png", "512x512", "any"),
            ("icon-maskable-512.png", "512x512", "maskable"),
        )
    ]
    body = {
        "name": current_app.config["SITE_NAME"],
        "short_name": "Jaarevent",
        "start_url": "/",
        "display": "browser",
        "background_color": "#f6f7f9",
        "theme_color": "#003e57",
        "icons": icons,
    }
    response = current_app.response_class(
        current_app.json.dumps(body), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/robots.txt")
def robots():
    """Search engines: the public pages yes, personal and organiser pages no; the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /my/",
        "Disallow: /organiser/",
        "Disallow: /confirm/",
        "Disallow: /dev/",
        "Allow: /",
        f"Sitemap: {external_url('programme.sitemap')}",
    ]
    response = current_app.response_class("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def init_app(app: Flask) -> None:
    """Fingerprinted links, their long cache, the icons, robots.txt and compression."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)  # exports stream row by row: leave them
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Pages made per request (forms, organisers' pages) are compressed at brotli's quick
    # level: 0.1 ms less CPU per page than Flask-Compress's 4, for about 15 % more bytes
    # (some 350 on the sign-up form). Cached pages are compressed once, at the best level.
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    compress.init_app(app)
    app.after_request(cache_fingerprinted)
    app.add_template_global(asset_url, "asset_url")
    app.add_template_global(seo.page_alternates, "page_alternates")
    app.add_template_global(seo.canonical_url, "canonical_url")
    app.add_template_global(seo.site_address, "site_address")
    app.register_blueprint(bp)
