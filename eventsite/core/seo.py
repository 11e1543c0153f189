"""Canonical and language-alternate links for public pages.

Both languages live at the same path; ``?lang=`` chooses (and sticks, see ``i18n``). Search
engines need one address per language, so every public page names its Dutch and English
version (``hreflang``), the plain path as ``x-default`` (Dutch unless the browser asks for
English), and itself as canonical (see ``canonical_url``).
"""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup, escape


def site_address(path: str, language: str | None = None) -> str:
    """``SITE_URL`` plus ``path`` and, for a language other than the first, ``?lang=``."""
    base = current_app.config["SITE_URL"].rstrip("/")
    default = current_app.config["LANGUAGES"][0]
    suffix = f"?lang={language}" if language and language != default else ""
    return f"{base}{path}{suffix}"


def canonical_url() -> str:
    """This page's canonical address: with ``?lang=`` where the address chose a language;
    the plain path (the x-default) otherwise, whatever language the browser got there.

    Pointing the plain path at ``?lang=en`` for an English browser would make the page
    canonicalise to another hreflang version, which search engines reject."""
    asked = request.args.get("lang")
    return site_address(request.path, asked if asked in current_app.config["LANGUAGES"] else None)


def page_alternates() -> Markup:
    """``<link rel=canonical>`` and one ``rel=alternate hreflang`` per language."""
    links = [f'<link rel="canonical" href="{escape(canonical_url())}">']
    for language in current_app.config["LANGUAGES"]:
        href = escape(site_address(request.path, language))
        links.append(f'<link rel="alternate" hreflang="{language}" href="{href}">')
    default = escape(site_address(request.path))
    links.append(f'<link rel="alternate" hreflang="x-default" href="{default}">')
    return Markup("\n  ".join(links))
