"""Conditional GET and a small rendering cache for pages and feeds that change rarely.

The programme, the session pages and the calendar files are read thousands of times for every
change an organiser makes. A page here is identified by a *version* read from the database in
one small query that the feature owning the page provides (the programme's is
``programme.page_versions.edition_version``). Any change to what it reads gives a new
version, so:

- the ETag is a hash of (code build, page, path, language, version): a matching
  ``If-None-Match`` gets a 304 without rendering anything;
- the rendered body is kept in a per-process LRU under that same key. Several processes or
  machines need no shared cache and no invalidation message: the key comes from the database,
  so every instance sees an edit at its next request.

While the database is unavailable (see ``database.py``) and the version cannot be read, the
last page rendered for the same path and language is served as it is: a visitor sees the
programme as it was a moment ago rather than an error. A failed lookup is remembered for
``PAGE_VERSION_TTL`` like a successful one, so a database that does not answer is not asked
again by every request.

Only anonymous pages are shared: a visitor whose session holds anything but the language and
a CSRF token (a login, flashed messages) gets a fresh rendering marked private, and a page
that rendered a CSRF token (a form) is never stored. Responses are ``public, max-age=60``
unless they set a cookie.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import monotonic

from flask import Flask, Response, current_app, g, request, session
from werkzeug.http import http_date, is_resource_modified, quote_etag

from .content_coding import chosen_coding, compress
from .database import DatabaseUnavailable, rollback_quietly, unavailable_reason
from .extensions import db
from .i18n import current_language

# Session keys that do not change what an anonymous page shows. Flask-Login writes
# ``_fresh = False`` into any non-empty session of a visitor who is not logged in.
SHAREABLE_SESSION_KEYS = frozenset({"lang", "csrf_token", "_fresh", "source"})
MAX_ENTRIES = 256
MAX_AGE = 60
# Seconds a version read from the database is reused by one process (config PAGE_VERSION_TTL).
DEFAULT_VERSION_TTL = 1.0


@dataclass(frozen=True)
class Version:
    """What a cached page depends on: an opaque token and the last time it changed."""

    token: str
    last_modified: datetime


Rendered = str | bytes | tuple[str | bytes, dict[str, str]]


def cached_response(
    name: str,
    version_of: Callable[[], Version | None],
    render: Callable[[], Rendered],
    *,
    content_type: str = "text/html; charset=utf-8",
    language: str | None = None,
    per_language: bool = True,
    max_age: int = MAX_AGE,
) -> Response:
    """``render()``'s output with ETag and Last-Modified, reused while the version holds.

    ``name`` identifies the page or file kind (e.g. "programme.index"); the request path and,
    when ``per_language``, the language (``language``, else the visitor's) are part of the key.
    ``render()`` returns the body, or (body, extra headers) such as a Content-Disposition.
    ``version_of()`` reads the version (None: not cacheable, e.g. not found); its answer is
    reused for ``PAGE_VERSION_TTL`` seconds per process, so a busy page costs the database
    at most one small query per second and process, and an edit shows within that time.
    """
    # Choose the language first: it may store a ?lang= choice in the session. Flask-Babel
    # treats an empty ``g`` as "no request" and would answer the default language.
    g.setdefault("page_cache", name)
    if per_language:
        language = language or current_language()
    if not _shareable_session():
        return _not_shared(_response(render(), content_type))
    latest_key = (name, request.path, language or "-")
    try:
        version = _versions(current_app).get((name, request.path), version_of)
    except Exception as error:
        return _last_page_or_raise(error, latest_key, content_type, max_age)
    if version is None:
        return _not_shared(_response(render(), content_type))
    cache = _render_cache(current_app)
    key = (*latest_key, version.token)
    page = cache.get(key)
    if page is None:
        page = CachedPage.new(key, version, per_language)
    elif page.rendered:
        _latest_pages(current_app).put(latest_key, page)
    if not page.rendered and is_resource_modified(
        request.environ, etag=page.etag, last_modified=version.last_modified
    ):
        try:
            rendered = render()
        except Exception as error:  # the database went away between version and rendering
            return _last_page_or_raise(error, latest_key, content_type, max_age)
        if "csrf_token" in g:  # the page holds a form: never share or store it
            return _not_shared(_response(rendered, content_type))
        page.fill(rendered)
        cache.put(key, page)
        _latest_pages(current_app).put(latest_key, page)
    return _serve(page, version.last_modified, content_type, max_age)


def _last_page_or_raise(error: Exception, latest_key: tuple, content_type: str, max_age: int):
    """The last rendering of this page when the database is unavailable; else re-raise."""
    page = _latest_pages(current_app).get(latest_key)
    if page is None or unavailable_reason(error) is None:
        raise error
    rollback_quietly(db.session)
    current_app.logger.warning("database unavailable: serving the last %s", latest_key[0])
    return _serve(page, page.last_modified, content_type, max_age)


def _serve(page: CachedPage, modified: datetime, content_type: str, max_age: int) -> Response:
    """The page (compressed as the client accepts, once per page), or 304 when the visitor's
    copy is current."""
    coding = page.coding_for(request.headers.get("Accept-Encoding", ""), content_type)
    etag = page.etag if coding is None else f"{page.etag}:{coding}"
    # If-None-Match decides where sent; If-Modified-Since alone is honoured too (calendar apps).
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
    else:
        response = Response(page.encoded(coding), content_type=content_type)
        response.headers.extend(page.body_headers)
        if coding is not None:
            response.headers["Content-Encoding"] = coding
    response.headers["ETag"] = quote_etag(etag)
    response.headers.extend(page.headers)
    if session.modified or session.permanent:  # a Set-Cookie must not reach a shared cache
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _response(rendered: Rendered, content_type: str) -> Response:
    body, headers = rendered if isinstance(rendered, tuple) else (rendered, {})
    return Response(body, content_type=content_type, headers=headers)


class CachedPage:
    """A page's validators and headers, and its body once rendered (and compressed, per
    coding, when first asked for)."""

    __slots__ = ("etag", "headers", "body_headers", "last_modified", "_encoded")

    def __init__(self, etag: str, headers: list[tuple[str, str]], last_modified: datetime) -> None:
        self.etag, self.headers, self.last_modified = etag, headers, last_modified
        self.body_headers: list[tuple[str, str]] = []
        # The body as bytes per coding; None: as rendered. Empty until rendered.
        self._encoded: dict[str | None, bytes] = {}

    @property
    def rendered(self) -> bool:
        return None in self._encoded

    def fill(self, rendered: Rendered) -> None:
        body, extra = rendered if isinstance(rendered, tuple) else (rendered, {})
        self.body_headers = list(extra.items())
        self._encoded = {None: body.encode() if isinstance(body, str) else body}

    def coding_for(self, accept_encoding: str, content_type: str) -> str | None:
        """The coding this client gets the body in (None: as it is)."""
        plain = self._encoded.get(None)
        if plain is None:
            return None
        return chosen_coding(current_app, accept_encoding, content_type, len(plain))

    def encoded(self, coding: str | None) -> bytes:
        """The body in ``coding``, compressed on first use (two threads at once: both compress
        the same bytes, harmless)."""
        body = self._encoded.get(coding)
        if body is None:
            body = self._encoded[coding] = compress(self._encoded[None], coding)
        return body

    @classmethod
    def new(cls, key: tuple, version: Version, per_language: bool) -> CachedPage:
        text = "|".join(map(str, (build_id(current_app), *key)))
        etag = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        varies = "Accept-Language, Cookie" if per_language else "Cookie"
        return cls(
            etag,
            [
                ("Last-Modified", http_date(version.last_modified)),
                ("Vary", f"{varies}, Accept-Encoding"),
            ],
            version.last_modified,
        )


def _shareable_session() -> bool:
    return set(session.keys()) <= SHAREABLE_SESSION_KEYS


def shareable_session() -> bool:
    """Whether the visitor's session leaves an anonymous page as everyone sees it."""
    return _shareable_session()


def _not_shared(response: Response) -> Response:
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


class RenderCache:
    """A small thread-safe LRU of rendered bodies, keyed by ETag."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key, body) -> None:
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class VersionMemo:
    """Versions read from the database, reused for a few seconds (per process, bounded)."""

    def __init__(self, ttl: float, max_entries: int = 4 * MAX_ENTRIES) -> None:
        self.ttl = ttl
        self._entries = RenderCache(max_entries)

    def get(self, key: tuple, version_of: Callable[[], Version | None]) -> Version | None:
        if self.ttl <= 0:
            return version_of()
        now = monotonic()
        found = self._entries.get(key)
        if found is not None and found[0] > now:
            if isinstance(found[1], DatabaseUnavailable):
                raise DatabaseUnavailable(found[1].reason)
            return found[1]
        try:
            version = version_of()
        except Exception as error:
            reason = unavailable_reason(error)
            if reason is not None:  # ask again only after the TTL, like a success
                self._entries.put(key, (now + self.ttl, DatabaseUnavailable(reason)))
            raise
        self._entries.put(key, (now + self.ttl, version))
        return version


def _render_cache(app: Flask) -> RenderCache:
    return app.extensions.setdefault("eventsite.render_cache", RenderCache())


def render_cache(app: Flask) -> RenderCache:
    """The process's render cache (also for ``eventsite.holes``; keys must not collide)."""
    return _render_cache(app)


def version_memo(app: Flask) -> VersionMemo:
    """The process's memo of versions read from the database (``PAGE_VERSION_TTL``)."""
    return _versions(app)


def _latest_pages(app: Flask) -> RenderCache:
    """The last page rendered per (page, path, language): served while the database is away."""
    return app.extensions.setdefault("eventsite.latest_pages", RenderCache())


def _versions(app: Flask) -> VersionMemo:
    memo = app.extensions.get("eventsite.versions")
    if memo is None:
        ttl = float(app.config.get("PAGE_VERSION_TTL", DEFAULT_VERSION_TTL))
        memo = app.extensions["eventsite.versions"] = VersionMemo(ttl)
    return memo


def build_id(app: Flask) -> str:
    """A hash of the code, templates and translations: a deploy changes every ETag.

    Computed from file contents (not times), so instances of one release agree on ETags.
    """
    cached = app.extensions.get("eventsite.build_id")
    if cached is None:
        digest = hashlib.blake2b(digest_size=8)
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".mo", ".ics"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
        digest.update(repr((app.config["SITE_NAME"], app.config["SITE_URL"])).encode())
        cached = app.extensions["eventsite.build_id"] = digest.hexdigest()
    return cached
