"""A programme file's lists inside a session: speakers (with their short bios) and videos.

Read with the loader's checks (a bad item names its session, place and field) and applied so
that an unchanged list changes nothing. Photos are pictures, not text: a file does not carry
them, and a speaker who is rewritten keeps the photo of the speaker with the same name.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..extensions import db
from .models import ProgrammeSession, SessionVideo, Speaker
from .videos import BadVideoUrl, check_video_url

SPEAKER_FIELDS = ("name", "company", "role", "bio", "bio_en")


def read_speaker(checker_class, session_check, index: int, table: Any) -> dict[str, str | None]:
    place = (*session_check.place, _l("speaker %(n)d", n=index + 1))
    check = checker_class(session_check.filename, place, table)
    return {
        "name": check.text("name", max_length=120),
        "company": check.text("company", required=False, max_length=120),
        "role": check.text("role", required=False, max_length=120),
        "bio": check.text("bio", required=False, max_length=2000),
        "bio_en": check.text("bio_en", required=False, max_length=2000),
    }


def read_video(checker_class, session_check, index: int, table: Any) -> dict[str, str]:
    place = (*session_check.place, _l("video %(n)d", n=index + 1))
    check = checker_class(session_check.filename, place, table)
    title = check.text("title", max_length=200)
    try:
        url = check_video_url(check.text("url", max_length=500))
    except BadVideoUrl as error:
        raise check.fail("url", error.args[0]) from None
    return {"title": title, "url": url}


def apply_speakers(session: ProgrammeSession, speakers: list[dict]) -> None:
    """Make the session's speakers those of the file (in its order), if they differ."""
    current = [tuple(getattr(s, f) for f in SPEAKER_FIELDS) for s in session.speakers]
    if current == [tuple(s[f] for f in SPEAKER_FIELDS) for s in speakers]:
        return
    photos = {s.name: s.photo_sha256 for s in session.speakers}
    session.speakers.clear()
    db.session.flush()  # delete the old rows before new ones take their positions
    session.speakers.extend(
        Speaker(position=i, photo_sha256=photos.get(s["name"]), **s) for i, s in enumerate(speakers)
    )


def apply_videos(session: ProgrammeSession, videos: list[dict] | None) -> None:
    """Make the session's videos those of the file; a file without `videos` leaves them."""
    if videos is None:
        return
    current = [(v.title, v.url) for v in session.videos]
    if current == [(v["title"], v["url"]) for v in videos]:
        return
    session.videos.clear()
    db.session.flush()
    session.videos.extend(SessionVideo(position=i, **v) for i, v in enumerate(videos))
