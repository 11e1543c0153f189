"""Organisers manage speakers (with photos), videos and their hub in the browser's forms;
the public session page shows them at once, and the audit log says each step in words."""

from __future__ import annotations

import pytest
from flask import current_app

from eventsite.core.models import StoredImage
from eventsite.extensions import db
from eventsite.organisers.audit_sentences import describe
from eventsite.organisers.models import AuditLog
from eventsite.programme.models import ProgrammeSession, Region, SessionVideo, Speaker
from tests.helpers import csrf_token
from tests.media_helpers import log_in_as, png_bytes, post_multipart, speaker_form


@pytest.fixture
def noord(make_edition, make_organiser, client):
    """The 2027 noord session (two example speakers), its hub organiser logged in."""
    edition = make_edition(2027)
    session = next(s for s in edition.sessions if s.region.slug == "noord")
    log_in_as(client, make_organiser, "noord@example.org", "region", "noord", "Noord Organisator")
    return session


def speakers_of(session_id: int) -> list[Speaker]:
    db.session.expire_all()
    return db.session.get(ProgrammeSession, session_id).speakers


def sentences() -> list[str]:
    """The audit log's media entries as a Dutch reader sees them."""
    entries = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
    with current_app.test_request_context("/?lang=nl"):
        return [
            describe(e) for e in entries if e.action.split(".")[0] in ("speaker", "video", "hub")
        ]


def post(client, page: str, action: str, **fields):
    return client.post(action, data={"csrf_token": csrf_token(client, page), **fields})


def test_a_speaker_with_photo_and_bio_is_added_moved_edited_and_removed(client, noord):
    edit_page = f"/organiser/sessions/{noord.slug}/edit"
    response = speaker_form(
        client,
        f"/organiser/sessions/{noord.slug}/speakers/new",
        png_bytes((600, 600)),
        name="Ine Ingenieur",
        company="Robot BV",
        role="CTO",
        bio="Bouwt cobots voor het mkb.",
        bio_en="Builds cobots for SMEs.",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#speakers")
    names = [s.name for s in speakers_of(noord.id)]
    assert names == ["Voorbeeldspreker A", "Voorbeeldspreker B", "Ine Ingenieur"]
    ine = speakers_of(noord.id)[-1]
    assert ine.photo is not None and ine.photo.width == 600

    page = client.get(f"/sessions/{noord.slug}").get_data(as_text=True)
    assert f'src="/media/{ine.photo.filename}"' in page and 'alt="Foto van Ine Ingenieur"' in page
    assert "CTO, Robot BV" in page and "Bouwt cobots voor het mkb." in page
    english = client.get(f"/sessions/{noord.slug}?lang=en").get_data(as_text=True)
    assert "Builds cobots for SMEs." in english

    # Up twice: first place; the public page lists her first.
    move = f"/organiser/sessions/{noord.slug}/speakers/{ine.id}/move"
    post(client, edit_page, move, direction="up")
    post(client, edit_page, move, direction="up")
    assert [s.name for s in speakers_of(noord.id)][0] == "Ine Ingenieur"
    page = client.get(f"/sessions/{noord.slug}?lang=nl").get_data(as_text=True)
    assert page.index("Ine Ingenieur") < page.index("Voorbeeldspreker A")

    # Edit: a new role, the photo removed (and gone from the database: nobody else uses it).
    url = f"/organiser/sessions/{noord.slug}/speakers/{ine.id}/edit"
    form_page = client.get(url).get_data(as_text=True)
    assert 'value="Robot BV"' in form_page and "Bouwt cobots" in form_page
    fingerprint = form_page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    response = speaker_form(
        client, url, name="Ine Ingenieur", company="Robot BV", role="Directeur",
        bio="Bouwt cobots voor het mkb.", bio_en="", remove_photo="y", fingerprint=fingerprint,
    )  # fmt: skip
    assert response.status_code == 302
    ine = db.session.get(Speaker, ine.id)
    assert ine.role == "Directeur" and ine.photo_sha256 is None and ine.bio_en is None
    assert db.session.scalars(db.select(StoredImage)).all() == []

    # Remove: the others close the gap.
    post(client, url, f"/organiser/sessions/{noord.slug}/speakers/{ine.id}/remove",
         **{"remove-csrf_token": csrf_token(client, url)})  # fmt: skip
    assert [(s.position, s.name) for s in speakers_of(noord.id)] == [
        (0, "Voorbeeldspreker A"),
        (1, "Voorbeeldspreker B"),
    ]
    assert "Ine Ingenieur" not in client.get(f"/sessions/{noord.slug}").get_data(as_text=True)
    who, session = "Noord Organisator heeft spreker Ine Ingenieur", f"de sessie '{noord.title}'"
    assert sentences() == [
        f"{who} toegevoegd aan {session}",
        f"{who} naar plaats 2 in {session} verplaatst",
        f"{who} naar plaats 1 in {session} verplaatst",
        f"{who} van {session} gewijzigd",
        f"{who} verwijderd uit {session}",
    ]
    entry = db.session.scalars(db.select(AuditLog).filter_by(action="speaker.add")).one()
    assert entry.edition_id == noord.edition_id and entry.region_id == noord.region_id


def test_a_speaker_without_a_name_is_refused_and_a_stale_save_too(client, noord):
    url = f"/organiser/sessions/{noord.slug}/speakers/new"
    response = speaker_form(client, url, name="", company="Zonder Naam BV")
    assert response.status_code == 200 and 'value="Zonder Naam BV"' in response.get_data(
        as_text=True
    )
    assert len(speakers_of(noord.id)) == 2

    first = speakers_of(noord.id)[0]
    edit = f"/organiser/sessions/{noord.slug}/speakers/{first.id}/edit"
    stale = speaker_form(client, edit, name="Mijn versie", fingerprint="0" * 32)
    assert stale.status_code == 200
    assert "Iemand anders heeft deze spreker opgeslagen" in stale.get_data(as_text=True)
    assert 'value="Mijn versie"' in stale.get_data(as_text=True)
    assert speakers_of(noord.id)[0].name == "Voorbeeldspreker A"


def test_a_speaker_of_another_session_is_not_found_under_this_one(client, noord, make_edition):
    other = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-oost"))
    url = f"/organiser/sessions/{noord.slug}/speakers/{other.speakers[0].id}/edit"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://www.youtube.com/watch?v=dQw4w9WgXcQ", "beginnend met https://"),
        ("javascript:alert(1)", "beginnend met https://"),
        ("https://www.youtube.com/watch?v=kort", "verwijst niet naar een video"),
        ("https://vimeo.com/about", "verwijst niet naar een video"),
        ("https://user:pw@example.org/film.mp4", "gebruikersnaam of wachtwoord"),
    ],
)
def test_bad_video_addresses_are_refused_with_the_reason(client, noord, url, message):
    page = f"/organiser/sessions/{noord.slug}/videos"
    response = post(client, page, page, title="Onze robotcel", url=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html and 'value="Onze robotcel"' in html
    assert db.session.scalars(db.select(SessionVideo)).all() == []


def test_videos_are_added_in_order_shown_moved_and_removed(client, noord):
    page = f"/organiser/sessions/{noord.slug}/videos"
    for title, url in [
        ("Robotcel bij Jansen", "https://youtu.be/dQw4w9WgXcQ"),
        ("Sensoren in de fabriek", "https://vimeo.com/76979871"),
        ("Rondleiding", "https://media.example.org/rondleiding.mp4"),
    ]:
        assert post(client, page, page, title=title, url=url).status_code == 302
    public = client.get(f"/sessions/{noord.slug}").get_data(as_text=True)
    assert '<a href="https://youtu.be/dQw4w9WgXcQ" rel="noopener">Robotcel bij Jansen</a>' in public
    assert "(op YouTube)" in public and "(op Vimeo)" in public and "(videobestand)" in public
    videos = db.session.get(ProgrammeSession, noord.id).videos
    post(client, page, f"{page}/{videos[2].id}/move", direction="up")
    post(client, page, f"{page}/{videos[0].id}/remove")
    db.session.expire_all()
    titles = [v.title for v in db.session.get(ProgrammeSession, noord.id).videos]
    assert titles == ["Rondleiding", "Sensoren in de fabriek"]
    assert [v.position for v in db.session.get(ProgrammeSession, noord.id).videos] == [0, 1]
    assert "heeft de video 'Robotcel bij Jansen' verwijderd uit de sessie" in sentences()[-1]


def test_the_recording_link_is_set_in_the_session_form_and_shown(client, noord):
    url = f"/organiser/sessions/{noord.slug}/edit"
    html = client.get(url).get_data(as_text=True)
    assert 'name="recording_url"' in html
    assert "Video's beheren" in html and "Spreker toevoegen" in html


def test_hubs_a_region_organiser_edits_their_own_with_a_logo(client, noord):
    listing = client.get("/organiser/hubs").get_data(as_text=True)
    assert "/organiser/hubs/noord/edit" in listing and "/organiser/hubs/zuid/edit" not in listing
    assert client.get("/organiser/hubs/zuid/edit").status_code == 403
    assert client.get("/organiser/hubs/nergens/edit").status_code == 404
    url = "/organiser/hubs/noord/edit"
    page = client.get(url).get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    fields = {
        "csrf_token": csrf_token(client, url),
        "fingerprint": fingerprint,
        "name": "Smart Industry Hub Noord",
        "name_en": "Smart Industry Hub North",
        "description": "Fieldlabs en kennis voor de maakindustrie in het noorden.",
        "website": "https://hubnoord.example.org",
        "contact_email": "info@hubnoord.example.org",
    }
    bad = post_multipart(client, url, {**fields, "contact_email": "geen adres"})
    assert bad.status_code == 200 and "Vul een geldig e-mailadres in" in bad.get_data(as_text=True)
    response = post_multipart(client, url, fields, {"logo": ("logo.png", png_bytes((800, 300)))})
    assert response.status_code == 302
    region = db.session.scalar(db.select(Region).filter_by(slug="noord"))
    assert region.logo is not None and region.website == "https://hubnoord.example.org"

    public = client.get(f"/sessions/{noord.slug}").get_data(as_text=True)
    assert f'src="/media/{region.logo.filename}"' in public
    assert 'alt="Logo van Smart Industry Hub Noord"' in public
    assert "Fieldlabs en kennis" in public and "mailto:info@hubnoord.example.org" in public
    assert sentences() == [
        "Noord Organisator heeft de gegevens van hub Smart Industry Hub Noord gewijzigd"
    ]


def test_an_admin_sees_and_edits_every_hub(client, make_edition, make_organiser):
    make_edition(2027)
    log_in_as(client, make_organiser, "admin@example.org")
    listing = client.get("/organiser/hubs").get_data(as_text=True)
    for slug in ("noord", "oost", "zuid", "zuidwest"):
        assert f"/organiser/hubs/{slug}/edit" in listing
    assert client.get("/organiser/hubs/zuid/edit").status_code == 200


def test_every_change_shows_on_the_cached_session_page_at_once(client, noord):
    """Speakers, videos and hubs change the page's version: a fresh ETag, the new content."""
    public = f"/sessions/{noord.slug}"
    visitor = client.application.test_client()  # anonymous: the shared, cached page
    etags = [visitor.get(public).headers["ETag"]]
    speaker_form(client, f"/organiser/sessions/{noord.slug}/speakers/new", name="Nieuwe Naam")
    etags.append(visitor.get(public).headers["ETag"])
    page = f"/organiser/sessions/{noord.slug}/videos"
    post(client, page, page, title="Film", url="https://youtu.be/dQw4w9WgXcQ")
    etags.append(visitor.get(public).headers["ETag"])
    url = "/organiser/hubs/noord/edit"
    post_multipart(client, url, {"csrf_token": csrf_token(client, url), "name": "Hub Noord Nieuw"})
    response = visitor.get(public, headers={"If-None-Match": etags[-1]})
    assert response.status_code == 200 and "Hub Noord Nieuw" in response.get_data(as_text=True)
    etags.append(response.headers["ETag"])
    assert len(set(etags)) == 4
