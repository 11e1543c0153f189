"""Pictures made in the test (no files shipped) and the organiser steps the media tests share."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import Image

from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"


def log_in_as(client, make_organiser, email, role="admin", region=None, name=None) -> None:
    """Create an account and log in through the real form."""
    make_organiser(email, role, region, password=PASSWORD, name=name)
    token = csrf_token(client, "/organiser/login")
    response = client.post(
        "/organiser/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def png_bytes(size=(2400, 1600), text: str | None = None, mode: str = "RGB") -> bytes:
    """A PNG with a gradient (so it does not compress to nothing) and a text chunk."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    info = None
    if text:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", text)
    buffer = BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg_with_exif(size=(3000, 2000), artist: str = "Secret Camera Owner") -> bytes:
    """A JPEG whose EXIF holds an artist name and a GPS block, and an orientation tag."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x013B] = artist  # Artist
    exif[0x0110] = "Spy Cam 3000"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS latitude
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML_AS_PNG = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def huge_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` pixels that is only kilobytes: all black
    rows compress to almost nothing. Built by hand, so the test never holds the pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def post_multipart(client, url: str, fields: dict, files: dict | None = None):
    """A multipart post with the body built here, in memory: werkzeug's test builder spools
    a large body to a temporary file that it never closes (a ResourceWarning, an error here).
    ``files``: {field: (filename, bytes)}."""
    boundary = "media-test-boundary"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, data) in (files or {}).items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def speaker_form(client, url: str, photo: bytes | None = None, filename="photo.png", **fields):
    """Post the speaker form at ``url`` (new or edit) with a CSRF token and maybe a photo."""
    data = {"csrf_token": csrf_token(client, url), "name": "Ine Ingenieur", **fields}
    files = {"photo": (filename, photo)} if photo is not None else None
    return post_multipart(client, url, data, files)
