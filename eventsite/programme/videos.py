"""Video links: which addresses are taken, and what the session page says about them.

Videos are shown as links, not embedded: an embedded player would load the platform's
scripts and cookies for every visitor of the page. The page names the platform, so a
visitor knows where the link goes.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from flask_babel import lazy_gettext as _l

YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtu.be",
    "www.youtube-nocookie.com",
}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_PATH = re.compile(r"^/(?:video/)?(\d{1,12})(?:/[0-9a-f]{0,20})?/?$")


class BadVideoUrl(ValueError):
    """An address that is not taken; the argument is the message for the organiser."""


def video_platform(url: str) -> str:
    """``youtube``, ``vimeo`` or ``file`` for an address ``check_video_url`` accepted."""
    host = (urlsplit(url).hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        return "youtube"
    if host in VIMEO_HOSTS:
        return "vimeo"
    return "file"


def check_video_url(value: str) -> str:
    """``value`` stripped if it is an https address of a YouTube or Vimeo video or of a
    file; BadVideoUrl with the reason otherwise."""
    url = (value or "").strip()
    if not url or any(c.isspace() for c in url):
        raise BadVideoUrl(_l("Enter the video's web address, starting with https://."))
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise BadVideoUrl(_l("Enter the video's web address, starting with https://."))
    if parts.username or parts.password:
        raise BadVideoUrl(_l("A video address cannot contain a user name or password."))
    platform = video_platform(url)
    if platform == "youtube" and _youtube_id(parts) is None:
        raise BadVideoUrl(_l("This YouTube address does not point to a video."))
    if platform == "vimeo" and not VIMEO_PATH.match(parts.path):
        raise BadVideoUrl(_l("This Vimeo address does not point to a video."))
    return url


def _youtube_id(parts) -> str | None:
    host = parts.hostname.lower()
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif parts.path == "/watch":
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    else:
        match = re.match(r"^/(?:embed|shorts|live|v)/([^/]+)/?$", parts.path)
        candidate = match.group(1) if match else ""
    return candidate if YOUTUBE_ID.match(candidate) else None
