"""Picture uploads: taken by content only, re-encoded without metadata, limited in size and
pixels, stored once by hash in the database, served with long cache headers."""

from __future__ import annotations

import hashlib
import os
import struct
from io import BytesIO

import pytest
from PIL import Image

from eventsite.core.images import ImageRefused, clean_image
from eventsite.core.models import StoredImage
from eventsite.extensions import db
from eventsite.programme.models import Speaker
from tests.media_helpers import (
    HTML_AS_PNG,
    SVG_WITH_SCRIPT,
    huge_png,
    jpeg_with_exif,
    log_in_as,
    png_bytes,
    speaker_form,
)


@pytest.fixture
def noord(make_edition, make_organiser, client):
    """The 2027 noord session, its hub organiser logged in; the speaker form's URL."""
    edition = make_edition(2027)
    session = next(s for s in edition.sessions if s.region.slug == "noord")
    log_in_as(client, make_organiser, "noord@example.org", "region", "noord")
    return session, f"/organiser/sessions/{session.slug}/speakers/new"


def stored() -> list[StoredImage]:
    return db.session.scalars(db.select(StoredImage)).all()


def speaker_named(name: str) -> Speaker | None:
    return db.session.scalar(db.select(Speaker).filter_by(name=name))


def fetch_picture(client, speaker: Speaker) -> tuple:
    image = db.session.get(StoredImage, speaker.photo_sha256)
    response = client.get(f"/media/{image.filename}")
    return response, Image.open(BytesIO(response.data))


def test_a_png_is_taken_resized_and_its_text_chunks_dropped(client, noord):
    session, url = noord
    upload = png_bytes((2400, 1600), text="secret note in the file")
    response = speaker_form(client, url, upload, "portret.png", name="Pim Png")
    assert response.status_code == 302
    speaker = speaker_named("Pim Png")
    served, picture = fetch_picture(client, speaker)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert picture.format == "PNG" and max(picture.size) == 1200 and picture.size == (1200, 800)
    assert "Comment" not in picture.info and b"secret note" not in served.data
    assert speaker.photo_sha256 == hashlib.sha256(served.data).hexdigest()
    # The organiser's request renews their login cookie: not for shared caches then.
    assert "Set-Cookie" in served.headers
    assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    # A visitor gets the shared, immutable copy without a cookie.
    visitor = client.application.test_client().get(served.request.path)
    assert visitor.data == served.data and "Set-Cookie" not in visitor.headers
    assert visitor.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert visitor.headers["X-Content-Type-Options"] == "nosniff"


def test_a_jpeg_is_turned_upright_and_loses_its_exif(client, noord):
    session, url = noord
    upload = jpeg_with_exif((3000, 2000))
    assert b"Secret Camera Owner" in upload
    assert speaker_form(client, url, upload, "IMG_0001.JPG", name="Jet Jpeg").status_code == 302
    served, picture = fetch_picture(client, speaker_named("Jet Jpeg"))
    assert served.mimetype == "image/jpeg" and picture.format == "JPEG"
    # Orientation 6 applied: the landscape photo is shown upright as portrait.
    assert picture.size == (800, 1200)
    assert (
        not picture.getexif() and "exif" not in picture.info and "icc_profile" not in picture.info
    )
    assert b"Secret Camera Owner" not in served.data and b"Spy Cam" not in served.data
    # Conditional GET: the hash is the ETag; nothing changes under a URL.
    again = client.get(served.request.path, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("upload", "filename", "message"),
    [
        (SVG_WITH_SCRIPT, "logo.svg", "geen afbeelding die we kunnen gebruiken"),
        (HTML_AS_PNG, "photo.png", "geen afbeelding die we kunnen gebruiken"),
        (huge_png(10_000, 10_000), "huge.png", "te groot: hoogstens 40 megapixel"),
        (png_bytes((40, 40))[:60], "cut.png", "beschadigd of onvolledig"),
    ],
    ids=["svg-with-script", "html-renamed-png", "100-megapixels", "truncated"],
)
def test_refused_pictures_say_why_keep_the_input_and_store_nothing(
    client, noord, upload, filename, message
):
    session, url = noord
    response = speaker_form(client, url, upload, filename, name="Vera Vals", company="Vals BV")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'class="field-error" id="photo-error"' in html
    assert 'value="Vera Vals"' in html and 'value="Vals BV"' in html  # the input is kept
    assert speaker_named("Vera Vals") is None and stored() == []


def test_the_huge_png_really_is_small_and_claims_100_megapixels():
    data = huge_png(10_000, 10_000)
    assert len(data) < 100_000
    assert data[12:16] == b"IHDR" and struct.unpack(">II", data[16:24]) == (10_000, 10_000)


def test_a_20_mb_file_gets_the_413_page_and_nothing_is_stored(client, noord):
    session, url = noord
    client.wait_for_mail = False
    upload = b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024)
    response = speaker_form(client, url, upload, "big.png", name="Gert Groot")
    assert response.status_code == 413
    assert "hoogstens 5 MB" in response.get_data(as_text=True)
    assert speaker_named("Gert Groot") is None and stored() == []


def test_a_file_just_over_the_picture_limit_is_refused_at_the_field(client, noord, app):
    session, url = noord
    app.config["IMAGE_MAX_BYTES"] = 1024 * 1024  # the request may still be larger
    noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
    buffer = BytesIO()
    noise.save(buffer, "PNG")
    assert 1024 * 1024 < len(buffer.getvalue()) < 5 * 1024 * 1024
    response = speaker_form(client, url, buffer.getvalue(), name="Max Maat")
    assert response.status_code == 200
    assert "De afbeelding is groter dan 1 MB. Kies een kleiner bestand." in response.get_data(
        as_text=True
    )
    assert speaker_named("Max Maat") is None and stored() == []


def test_other_forms_keep_the_small_limit(client, noord):
    """Only the upload forms take large bodies: the session form still answers 413."""
    session, url = noord
    big = {"description": "x" * (2 * 1024 * 1024)}
    response = client.post(f"/organiser/sessions/{session.slug}/edit", data=big)
    assert response.status_code == 413
    assert "ingekort" in response.get_data(as_text=True) or "kB" in response.get_data(as_text=True)


def test_the_same_picture_twice_is_stored_once_and_unknown_names_are_404(client, noord):
    session, url = noord
    upload = png_bytes((300, 200))
    speaker_form(client, url, upload, name="Een")
    speaker_form(client, url, upload, name="Twee")
    assert len(stored()) == 1
    assert speaker_named("Een").photo_sha256 == speaker_named("Twee").photo_sha256
    image = stored()[0]
    assert client.get(f"/media/{image.sha256}.jpg").status_code == 404  # wrong extension
    assert client.get(f"/media/{'0' * 64}.png").status_code == 404
    assert client.get("/media/../etc/passwd").status_code == 404


def clean(data: bytes):
    return clean_image(data, max_bytes=5 * 1024 * 1024, max_pixels=40_000_000, max_edge=1200)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_webp_stays_webp_and_an_animated_gif_becomes_its_first_frame_as_png():
    webp = clean(encoded(Image.new("RGB", (1600, 400), "navy"), "WEBP"))
    assert webp.content_type == "image/webp" and (webp.width, webp.height) == (1200, 300)
    first = Image.new("RGBA", (64, 64), (0, 0, 0, 0))  # a logo on a transparent ground
    first.paste((200, 0, 0, 255), (0, 0, 32, 32))
    second = Image.new("RGBA", (64, 64), (0, 200, 0, 255))
    result = clean(encoded(first, "GIF", save_all=True, append_images=[second]))
    assert result.content_type == "image/png"
    with Image.open(BytesIO(result.data)) as picture:
        assert picture.format == "PNG" and not getattr(picture, "is_animated", False)
        assert picture.mode == "RGBA"  # the transparency survives
        assert picture.getpixel((10, 10))[:3] == (200, 0, 0) and picture.getpixel((50, 50))[3] == 0


def test_a_cmyk_jpeg_becomes_rgb_and_a_refusal_names_its_reason():
    cmyk = clean(encoded(Image.new("CMYK", (100, 100), (0, 100, 100, 0)), "JPEG"))
    with Image.open(BytesIO(cmyk.data)) as picture:
        assert picture.mode == "RGB"
    with pytest.raises(ImageRefused) as refused:
        clean(b"")
    assert refused.value.reason == "empty"
    with pytest.raises(ImageRefused) as refused:
        clean(b"GIF89a" + b"\x00" * 20)
    assert refused.value.reason in ("damaged", "not_image")
