"""Stored pictures: keeping an upload (checked and re-encoded by ``images``) and serving it.

Pictures live in the database (``StoredImage``), so every app instance behind the proxy
serves the same ones, and under ``/media/<sha256>.<ext>``: the name is the hash of the bytes,
so a URL always means the same picture and browsers and proxies may keep it for a year.
A changed logo or photo is a new picture with a new URL.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, request, session
from werkzeug.datastructures import FileStorage

from ..extensions import db
from .images import EXTENSIONS, ImageRefused, clean_image
from .models import StoredImage

bp = Blueprint("media", __name__)

NAME = re.compile(r"^([0-9a-f]{64})\.(png|jpg|webp)$")
CACHE_FOREVER = "public, max-age=31536000, immutable"
CACHE_FOREVER_PRIVATE = "private, max-age=31536000, immutable"


def store_upload(upload: FileStorage | None) -> StoredImage:
    """The uploaded picture, checked, re-encoded and added to the session (flushed); or
    ImageRefused. The same picture uploaded twice is one row."""
    config = current_app.config
    limit = config["IMAGE_MAX_BYTES"]
    # One byte more than allowed is enough to know it is too large.
    data = upload.stream.read(limit + 1) if upload is not None else b""
    clean = clean_image(
        data,
        max_bytes=limit,
        max_pixels=config["IMAGE_MAX_PIXELS"],
        max_edge=config["IMAGE_MAX_EDGE"],
    )
    image = db.session.get(StoredImage, clean.sha256)
    if image is None:
        image = StoredImage(
            sha256=clean.sha256,
            content_type=clean.content_type,
            width=clean.width,
            height=clean.height,
            data=clean.data,
        )
        db.session.add(image)
        db.session.flush()
    return image


def has_upload(upload: FileStorage | None) -> bool:
    """Whether the form's file field holds a file (browsers send an empty part otherwise)."""
    return upload is not None and bool(upload.filename)


def delete_image(sha256: str | None) -> None:
    """Remove a picture nobody uses any more (the caller knows it is unused)."""
    if sha256:
        db.session.execute(db.delete(StoredImage).where(StoredImage.sha256 == sha256))


@bp.get("/media/<name>")
def media(name: str):
    """A stored picture, with its own content type, kept by browsers for a year."""
    match = NAME.match(name)
    if match is None:
        abort(404)
    sha256, extension = match.groups()
    if request.if_none_match.contains(sha256):
        response = Response(status=304)
    else:
        image = db.session.get(StoredImage, sha256)
        if image is None or EXTENSIONS[image.content_type] != extension:
            abort(404)
        response = Response(image.data, mimetype=image.content_type)
        response.set_etag(sha256)
    # A logged-in organiser's request renews the login cookie: a Set-Cookie must not reach a
    # shared cache (as in ``caching``); their own browser may still keep the picture.
    shared = not (session.modified or session.permanent)
    response.headers["Cache-Control"] = CACHE_FOREVER if shared else CACHE_FOREVER_PRIVATE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["ImageRefused", "bp", "delete_image", "has_upload", "store_upload"]
