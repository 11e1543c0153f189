"""Security headers on every response, and the origin check on every form post.

The origin check replaces Flask-WTF's ``WTF_CSRF_SSL_STRICT`` Referer check (switched off in
config): our pages with a personal token send ``Referrer-Policy: no-referrer``, so a browser
posts their forms over HTTPS without a Referer (and with ``Origin: null``), and the strict
check refused the confirm button and every personal-page form. The CSRF token is still
checked on every post; this check adds what the Referer check was for, from the headers
current browsers send on every post whatever the referrer policy:

1. ``Sec-Fetch-Site`` present (Chromium, Firefox, Safari since 2023): only ``same-origin``
   passes; ``cross-site`` and ``same-site`` (a sibling subdomain) are refused.
2. Else ``Origin`` present and not ``null``: it must be this site's origin, i.e. the
   request's own scheme and host (as ProxyFix restored them behind the proxy) or SITE_URL's.
3. Neither (older browsers, ``Origin: null`` without fetch metadata, curl, scripts): allowed;
   the CSRF token alone decides, as it always did for plain-http posts.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import Forbidden

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# Endpoints that other sites may post to by design (RFC 8058 one-click unsubscribe: the
# mail provider posts, without cookie, Origin of ours or CSRF token).
_ORIGIN_CHECK_EXEMPT: set[str] = set()


def exempt_from_origin_check(endpoint: str) -> None:
    """Let ``endpoint`` take posts from anywhere; its token must carry the authority."""
    _ORIGIN_CHECK_EXEMPT.add(endpoint)


# Endpoints other sites may show in a frame (the embeddable programme): they send their own
# CSP with ``frame-ancestors`` listing those sites, and no X-Frame-Options.
_FRAMEABLE: set[str] = set()


def allow_framing(endpoint: str) -> None:
    """Let ``endpoint``'s own ``frame-ancestors`` decide who may frame it."""
    _FRAMEABLE.add(endpoint)


class CrossSiteRequest(Forbidden):
    """A form post that came from another site."""

    description = "cross-site form post refused"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower case, without a default port."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: no origin of ours
        return ""
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def own_origins() -> set[str]:
    """This request's own origin and SITE_URL's."""
    return {origin_of(request.host_url), origin_of(current_app.config["SITE_URL"])}


def refusal_reason(method: str, fetch_site: str | None, origin: str | None) -> str | None:
    """Why a request must be refused as cross-site, or None when it may go on."""
    if method.upper() in SAFE_METHODS:
        return None
    if fetch_site:
        same = fetch_site.strip().lower() == "same-origin"
        return None if same else f"Sec-Fetch-Site {fetch_site}"
    if origin and origin.strip().lower() != "null":
        return None if origin_of(origin) in own_origins() else f"Origin {origin}"
    return None


def sent_from_this_site() -> bool:
    """Whether the request shows that a page of this site sent it: ``Sec-Fetch-Site:
    same-origin``, or else an ``Origin`` of ours (without either, it may come from anywhere)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site.strip().lower() == "same-origin"
    origin = request.headers.get("Origin")
    return bool(origin) and origin_of(origin) in own_origins()


def register_origin_check(app: Flask) -> None:
    """Refuse form posts from other sites with a 403 page that says so."""

    @app.before_request
    def check_origin() -> None:
        if request.endpoint in _ORIGIN_CHECK_EXEMPT:
            return
        reason = refusal_reason(
            request.method, request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin")
        )
        if reason:
            app.logger.warning("cross-site post to %s refused: %s", request.path, reason)
            raise CrossSiteRequest()

    @app.errorhandler(CrossSiteRequest)
    def cross_site(error: CrossSiteRequest):
        return render_template("errors/cross_site.html"), 403


def register_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, referrer policy and (in production) HSTS to every response."""
    register_origin_check(app)

    @app.after_request
    def add_headers(response: Response) -> Response:
        wanted = _default_headers(request.endpoint not in _FRAMEABLE, app.config["HSTS"])
        present = {key.lower() for key in response.headers.keys()}  # one pass, not one per header
        missing = [(key, value) for key, value in wanted if key.lower() not in present]
        if missing:
            response.headers.extend(missing)
        return response


@lru_cache(maxsize=4)
def _default_headers(deny_framing: bool, hsts: bool) -> tuple[tuple[str, str], ...]:
    """The security headers every response gets unless it set its own."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]
    if deny_framing:
        headers.append(("X-Frame-Options", "DENY"))
    if hsts:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return tuple(headers)
