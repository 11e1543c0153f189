"""Pages rendered once and filled in per request: a form page as cheap as a cached page.

A form page cannot be cached whole: it carries the visitor's CSRF token, and maybe a choice
from the query string. Everything else (the edition, the sessions, the labels, the language)
is the same for every visitor while the data's version holds. So the template marks the
per-request parts with ``{{ hole("name") }}``, the body is rendered once per version and
language (``cached_holed``, through ``eventsite.caching``'s version memo and render cache),
split at the holes, and each request only joins the parts with its own values
(``HoledPage.fill``): no template, no database objects, no Babel formatting per request.

A hole's marker carries a random per-process nonce, so no text from the database or a
visitor can be taken for one. A hole that gets no value is left empty; values are escaped
unless they are ``Markup``. The same template works uncached (a page with form errors is
rendered fresh and filled the same way), so a view has one code path.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping

from flask import current_app, request
from markupsafe import Markup, escape

from .caching import Version, render_cache, shareable_session, version_memo
from .i18n import current_language

_NONCE = secrets.token_hex(8)
_MARKER = re.compile(f"\x1e{_NONCE}:([^\x1e]*)\x1e")


def hole(name: str) -> Markup:
    """A template's per-request part, filled by ``HoledPage.fill`` (a Jinja global)."""
    return Markup(f"\x1e{_NONCE}:{escape(name)}\x1e")


class HoledPage:
    """A rendered body split at its holes: even items are text, odd items hole names."""

    __slots__ = ("parts",)

    def __init__(self, body: str) -> None:
        self.parts = _MARKER.split(body)

    @property
    def names(self) -> list[str]:
        return self.parts[1::2]

    def fill(self, values: Mapping[str, str], raw: bool = False) -> str:
        """The body with each hole's value (escaped unless Markup, or ``raw``: as it is,
        for plain text), or nothing."""
        parts = self.parts[:]
        for index in range(1, len(parts), 2):
            value = values.get(parts[index], "")
            parts[index] = value if raw else str(escape(value))
        return "".join(parts)


def cached_holed(
    name: str, version: Version | Callable[[], Version | None] | None, render: Callable[[], str]
) -> HoledPage:
    """``render()`` split at its holes, reused per (page, path, language, version).

    ``version`` is what the page depends on: a version the caller has read already, or a
    function reading it, as for ``caching.cached_response`` (then read at most once per
    ``PAGE_VERSION_TTL`` per process). A visitor with more than a language and a CSRF token
    in the session (a login, flashed messages) gets a fresh rendering, as does a page
    without a version.
    """
    language = current_language()  # first: ?lang= may change the session
    if not shareable_session():
        return HoledPage(render())
    if callable(version):
        version = version_memo(current_app).get((name, request.path), version)
    if version is None:
        return HoledPage(render())
    cache = render_cache(current_app)
    key = ("holed", name, request.path, language, version.token)
    page = cache.get(key)
    if page is None:
        page = HoledPage(render())
        cache.put(key, page)
    return page
