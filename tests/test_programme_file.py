"""An edition downloaded as a programme file loads back unchanged: into an empty database it
gives the same file again, and over the same edition it changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog
from eventsite.programme.loader import apply_programme, read_programme_bytes
from eventsite.programme.models import CANCELLED, Edition, ProgrammeSession, SessionVideo
from tests.editions_helpers import audit_actions, logged_in, post_form, token_on

ZUID_TITLE = 'Robotisering in het mkb: "cobots" & co\nmet een tweede regel'


def edition_with_everything(make_edition) -> Edition:
    """2027, with what a file must carry beyond the seed: a cancelled session, its own closing
    time, links, no limit and a limit, quotes and line breaks, a changed order."""
    edition = make_edition(2027)
    noord, oost, zuid, west, zuidwest = edition.sessions
    zuid.title = ZUID_TITLE
    zuid.description_en = "Tab\tand unicode: café, ë, €"
    oost.status, oost.revision = CANCELLED, 1
    west.registration_closes_at = datetime(2027, 6, 2, 10, 30, tzinfo=UTC)
    west.stream_url = "https://stream.example.nl/west?x=1&y=2"
    west.recording_url = "https://video.example.nl/west"
    noord.capacity = 120
    noord.position, zuidwest.position = 4, 0
    zuid.speakers[0].bio = "Begon in 1998 met één draaibank.\nNu 40 medewerkers."
    zuid.speakers[0].bio_en = "Started in 1998 with one lathe."
    west.videos.append(
        SessionVideo(position=0, title="Onze eerste cobot", url="https://youtu.be/dQw4w9WgXcQ")
    )
    west.videos.append(
        SessionVideo(position=1, title="Rondleiding", url="https://vimeo.com/76979871")
    )
    edition.registration_opens_at = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    db.session.commit()
    return edition


def download(client, year: int) -> bytes:
    response = client.get(f"/organiser/editions/{year}/programme.toml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="jaarevent-2027.toml"'
    return response.get_data()


def empty_database() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_dump_load_into_an_empty_database_dump_gives_the_same_file(
    app, client, make_edition, make_organiser
):
    edition = edition_with_everything(make_edition)
    uids = {s.slug: s.uid for s in edition.sessions}
    logged_in(client, make_organiser)
    first = download(client, 2027)
    assert b'status = "cancelled"' in first and b"capacity = 120" in first
    assert "één draaibank".encode() in first and b"vimeo.com/76979871" in first

    empty_database()
    apply_programme(read_programme_bytes(first, "jaarevent-2027.toml"))
    db.session.commit()
    loaded = db.session.scalar(db.select(Edition).filter_by(year=2027))
    assert {s.slug: s.uid for s in loaded.sessions} == uids  # calendars keep their events
    assert loaded.sessions[0].slug == "2027-zuidwest"
    zuid = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-zuid"))
    assert zuid.title == ZUID_TITLE
    assert zuid.speakers[0].bio_en == "Started in 1998 with one lathe."
    west = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-west"))
    assert [v.title for v in west.videos] == ["Onze eerste cobot", "Rondleiding"]

    assert download(logged_in(app.test_client(), make_organiser), 2027) == first


def test_loading_the_file_over_its_own_edition_changes_nothing(
    app, client, make_edition, make_organiser
):
    edition = edition_with_everything(make_edition)
    logged_in(client, make_organiser)
    first = download(client, 2027)
    stamps = [(s.updated_at, s.revision) for s in edition.sessions] + [edition.updated_at]

    response = client.post(
        "/organiser/editions/load",
        data={"csrf_token": _token(client), "file": (_file(first), "jaarevent-2027.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    edition = db.session.scalar(db.select(Edition).filter_by(year=2027))
    assert [(s.updated_at, s.revision) for s in edition.sessions] + [edition.updated_at] == stamps
    assert download(client, 2027) == first
    assert audit_actions() == ["edition.download", "edition.load", "edition.download"]


def test_a_bad_upload_changes_nothing_and_says_what_is_wrong(
    app, client, make_edition, make_organiser
):
    make_edition(2027)
    logged_in(client, make_organiser)
    good = download(client, 2027).decode()
    bad = good.replace('title = "Digitaliseren begint bij je mensen"', 'title = "Nieuw"').replace(
        'region = "zuid"', 'region = "atlantis"'
    )
    response = client.post(
        "/organiser/editions/load",
        data={"csrf_token": _token(client), "file": (_file(bad.encode()), "kapot.toml")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Het bestand is niet ingeladen" in html
    # The whole sentence in the organiser's language, naming the place and the field.
    assert "kapot.toml: sessie &#39;2027-zuid&#39;: veld &#39;region&#39;: onbekende regio" in html
    db.session.expire_all()
    titles = db.session.scalars(db.select(ProgrammeSession.title)).all()
    assert "Nieuw" not in titles
    assert db.session.scalar(db.select(AuditLog).filter_by(action="edition.load")) is None

    empty = post_form(client, "/organiser/editions/load", {})
    assert "Kies een bestand." in empty.get_data(as_text=True)
    english = client.post(
        "/organiser/editions/load?lang=en",
        data={"csrf_token": _token(client), "file": (_file(b"[edition]\nyear = 'x'"), "x.toml")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "x.toml: [edition]: field &#39;year&#39;: expected a whole number, got" in english


def _token(client) -> str:
    return token_on(client, "/organiser/editions/load")


def _file(content: bytes):
    return io.BytesIO(content)
