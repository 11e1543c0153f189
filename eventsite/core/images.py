"""Checking and re-encoding uploaded images (logos, speaker photos), without the database.

An upload is trusted for nothing: not its name, not its declared type. Pillow must recognise
the bytes as one of a few raster formats (PNG, JPEG, WebP, GIF; SVG and HTML are text and
never open), its size in pixels is checked from the header before anything is decoded (a
small file can claim billions of pixels), and the picture is decoded, turned upright,
shrunk to a maximum edge and written anew. What is served is only our own encoding: no
EXIF (camera, GPS position), no ICC profile, no text chunks, no trailing data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

# The formats taken in; Pillow is asked to try only these.
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
# What each is written as: a PNG or GIF (often a logo with transparency) as PNG.
OUTPUT_FORMAT = {"PNG": "PNG", "GIF": "PNG", "JPEG": "JPEG", "WEBP": "WEBP"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

MESSAGES = {
    "empty": _l("Choose a picture file."),
    "too_large": _l("The picture is larger than %(mb)d MB. Choose a smaller file."),
    "not_image": _l(
        "This file is not a picture we can use. Choose a PNG, JPEG, WebP or GIF file "
        "(SVG and other drawings are not accepted)."
    ),
    "too_many_pixels": _l(
        "The picture is too large: at most %(mp)d megapixels. Make it smaller and try again."
    ),
    "damaged": _l("The picture file is damaged or incomplete. Choose another file."),
}


class ImageRefused(ValueError):
    """An upload that is not taken; ``message`` says why, in the visitor's language."""

    def __init__(self, reason: str, **values) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values

    @property
    def message(self) -> str:
        return str(MESSAGES[self.reason]) % self.values


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded picture, named by the SHA-256 of its bytes."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean_image(data: bytes, *, max_bytes: int, max_pixels: int, max_edge: int) -> CleanImage:
    """``data`` checked and written anew, or ImageRefused.

    Pillow's own decompression-bomb guard (a warning, or an error at twice its limit) is
    caught too, whichever comes first: both mean "too many pixels".
    """
    if not data:
        raise ImageRefused("empty")
    if len(data) > max_bytes:
        raise ImageRefused("too_large", mb=max_bytes // (1024 * 1024))
    try:
        with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            source_format = probe.format
            if probe.width * probe.height > max_pixels:
                raise ImageRefused("too_many_pixels", mp=max_pixels // 1_000_000)
            probe.verify()
        with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            image.seek(0)  # an animated GIF or WebP: its first frame
            image.load()
            picture = _prepared(image, OUTPUT_FORMAT[source_format], max_edge)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("too_many_pixels", mp=max_pixels // 1_000_000) from None
    except UnidentifiedImageError:
        raise ImageRefused("not_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused("damaged") from None
    return _encoded(picture, OUTPUT_FORMAT[source_format])


def _prepared(image: Image.Image, output: str, max_edge: int) -> Image.Image:
    """Upright, in a mode the output format writes, at most ``max_edge`` wide and high."""
    picture = ImageOps.exif_transpose(image)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if output == "JPEG":
        mode = "L" if picture.mode in ("1", "L") else "RGB"
    else:
        mode = "RGBA" if has_alpha else ("L" if picture.mode in ("1", "L") else "RGB")
    picture = picture.convert(mode) if picture.mode != mode else picture.copy()
    picture.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    picture.info = {}  # nothing of the upload's metadata travels to the new file
    return picture


def _encoded(picture: Image.Image, output: str) -> CleanImage:
    buffer = BytesIO()
    if output == "JPEG":
        picture.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif output == "WEBP":
        picture.save(buffer, "WEBP", quality=85)
    else:
        picture.save(buffer, "PNG", optimize=True)
    return CleanImage(buffer.getvalue(), CONTENT_TYPES[output], picture.width, picture.height)
