"""Compressed bodies for cached pages: compressed once per page version, not per request.

Flask-Compress (``core/site_assets.py``) compresses every text response after the view, so a
cached programme page was compressed again for every browser that asked for it, which cost
as much CPU as serving the page. Cached pages (``caching.py``) keep their compressed bodies
beside the plain one and answer with them directly; Flask-Compress leaves a response that
already has a ``Content-Encoding`` alone. The rules are Flask-Compress's, from the same
settings: the codings in ``COMPRESS_ALGORITHM`` in that order of preference, the client's
``q`` values, ``COMPRESS_MIMETYPES`` and ``COMPRESS_MIN_SIZE``, and the same strong ETag per
coding (``"abc:br"``). Compressed once, a cached page gets the smallest encoding (brotli's
highest quality: about 3 ms for a 10 KB page, once per version), while Flask-Compress
answers the pages made per request at a quick level (see ``site_assets``).
"""

from __future__ import annotations

import gzip
from functools import lru_cache

import brotli
from flask import Flask

CODINGS = ("br", "gzip")
BEST_BROTLI, BEST_GZIP = 11, 9


def chosen_coding(app: Flask, accept_encoding: str, content_type: str, size: int) -> str | None:
    """The coding to send a body of ``size`` bytes in to this client, or None (as it is)."""
    config = app.config
    if not accept_encoding or size < config["COMPRESS_MIN_SIZE"]:
        return None
    if content_type.split(";", 1)[0].strip() not in config["COMPRESS_MIMETYPES"]:
        return None
    offered = tuple(c for c in config["COMPRESS_ALGORITHM"] if c in CODINGS)
    return preferred(offered, accept_encoding)


@lru_cache(maxsize=256)
def preferred(offered: tuple[str, ...], accept_encoding: str) -> str | None:
    """The best of ``offered`` (in our order) that ``Accept-Encoding`` allows (RFC 9110)."""
    wanted: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.partition(";")
        name, quality = name.strip(), 1.0
        key, _, value = params.partition("=")
        if key.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if name:
            wanted[name] = quality
    best, best_quality = None, 0.0
    for coding in offered:
        quality = wanted.get(coding, wanted.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = coding, quality
    if best is not None and wanted.get("identity", 0.0) > best_quality:
        return None
    return best


def compress(body: bytes, coding: str) -> bytes:
    """``body`` in ``coding``, as small as it gets (done once per page version)."""
    if coding == "br":
        return brotli.compress(body, mode=brotli.MODE_TEXT, quality=BEST_BROTLI)
    if coding == "gzip":
        return gzip.compress(body, BEST_GZIP, mtime=0)
    raise ValueError(f"no such coding: {coding}")
