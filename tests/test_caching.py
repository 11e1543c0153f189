"""Conditional GET and the rendering cache of the programme pages (eventsite.caching)."""

from __future__ import annotations

import gzip
from datetime import date

import brotli
import pytest
from flask import render_template_string
from sqlalchemy import text

from eventsite.caching import RenderCache, cached_response
from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession, Speaker
from eventsite.programme.page_versions import edition_version
from tests.testapp import make_test_app

EN = {"Accept-Language": "en"}
PAGES = ("/", "/sessions/2027-noord", "/editions/2027")


@pytest.fixture
def edition(make_edition, clock):
    clock.at(2027, 5, 1, 12)
    return make_edition(2027, starts_on=date(2027, 5, 31), capacity=2)


def noord() -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))


@pytest.mark.parametrize("url", PAGES)
def test_public_page_has_validators_and_a_short_public_lifetime(client, edition, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert response.cache_control.public and response.cache_control.max_age == 60
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", PAGES)
def test_matching_etag_gives_304_without_rendering(client, edition, renders, url):
    etag = client.get(url).headers["ETag"]
    renders.clear()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert renders == []


def test_second_visitor_gets_the_stored_rendering(app, client, edition, renders):
    first = client.get("/", headers=EN)
    renders.clear()
    second = app.test_client().get("/", headers=EN)  # another visitor: no cookies
    assert renders == []
    assert second.data == first.data


def test_organiser_edit_gives_new_etag_and_fresh_content(client, edition, clock):
    before = client.get("/sessions/2027-noord", headers=EN)
    clock.at(2027, 5, 1, 12, 5)
    noord().apply_changes(title="Robots on the shop floor", title_en="Robots on the shop floor")
    db.session.commit()

    after = client.get(
        "/sessions/2027-noord", headers={**EN, "If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Robots on the shop floor" in after.get_data(as_text=True)
    assert after.last_modified > before.last_modified
    # The programme page shows the session too, so it changes with it.
    assert "Robots on the shop floor" in client.get("/", headers=EN).get_data(as_text=True)


def test_confirmed_count_reaching_capacity_shows_full(client, edition):
    before = client.get("/", headers=EN)
    assert "Full: waiting list" not in before.get_data(as_text=True)
    # Raw SQL, as a bulk update might do: no ORM event, no updated_at, still seen.
    db.session.execute(
        text("UPDATE programme_session SET confirmed_count = capacity WHERE capacity > 0")
    )
    db.session.commit()
    after = client.get("/", headers={**EN, "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Full: waiting list" in after.get_data(as_text=True)


def test_speaker_change_touches_the_session(client, edition, clock):
    before = client.get("/sessions/2027-noord")
    clock.at(2027, 5, 1, 13)
    session = noord()
    session.speakers.append(Speaker(position=9, name="Ada Lovelace", company="Analytical BV"))
    db.session.commit()
    after = client.get("/sessions/2027-noord")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Ada Lovelace" in after.get_data(as_text=True)

    clock.at(2027, 5, 1, 14)
    session.speakers.clear()
    db.session.commit()
    cleared = client.get("/sessions/2027-noord")
    assert cleared.headers["ETag"] != after.headers["ETag"]
    assert "Ada Lovelace" not in cleared.get_data(as_text=True)


def test_state_changes_with_the_clock_alone(client, edition, clock):
    open_page = client.get("/sessions/2027-noord", headers=EN)
    assert "Almost full" in open_page.get_data(as_text=True)  # 2 places left of 2
    clock.at(2027, 5, 31, 23)  # after the first session started: its sign-up is closed
    closed = client.get(
        "/sessions/2027-noord", headers={**EN, "If-None-Match": open_page.headers["ETag"]}
    )
    assert closed.status_code == 200
    assert "Took place" in closed.get_data(as_text=True)
    assert "Almost full" not in closed.get_data(as_text=True)


def test_languages_are_separate_variants(client, edition):
    dutch = client.get("/")
    english = client.get("/", headers=EN)
    assert dutch.headers["ETag"] != english.headers["ETag"]
    assert 'lang="nl"' in dutch.get_data(as_text=True)
    assert 'lang="en"' in english.get_data(as_text=True)
    # A Dutch validator does not validate the English page.
    response = client.get("/", headers={**EN, "If-None-Match": dutch.headers["ETag"]})
    assert response.status_code == 200


def test_language_choice_sets_a_cookie_so_the_response_is_private(client, edition):
    response = client.get("/?lang=en")
    assert "Set-Cookie" in response.headers
    assert response.cache_control.private and not response.cache_control.public
    # The stored choice then gives the English variant, shareable again.
    follow = client.get("/")
    assert 'lang="en"' in follow.get_data(as_text=True)
    assert follow.cache_control.public


def test_flashed_message_bypasses_the_cache(app, client, edition):
    with client.session_transaction() as sess:
        sess["_flashes"] = [("success", "Thanks for signing up")]
    response = client.get("/")
    assert "Thanks for signing up" in response.get_data(as_text=True)
    assert response.cache_control.private and "ETag" not in response.headers
    # The message is gone from the next page, which is cacheable again.
    again = client.get("/")
    assert "Thanks for signing up" not in again.get_data(as_text=True)
    assert again.cache_control.public


def test_page_with_a_csrf_form_is_never_stored(app, client, edition):
    @app.get("/form-page")
    def form_page():
        return cached_response(
            "test.form",
            lambda: edition_version(edition.id),
            lambda: render_template_string("{{ csrf_token() }}"),
        )

    first = client.get("/form-page")
    second = client.get("/form-page")
    assert first.cache_control.private and second.cache_control.private
    assert "ETag" not in first.headers
    assert len(app.extensions["eventsite.render_cache"]) == 0


def test_another_instance_sees_an_edit_at_its_next_request(app, edition, database_uri, clock):
    """Two app instances on one database: no shared memory, no invalidation message."""
    other = make_test_app(database_uri)
    first = other.test_client().get("/sessions/2027-noord", headers=EN)
    clock.at(2027, 5, 1, 12, 30)
    noord().apply_changes(title_en="Changed by another instance")
    db.session.commit()
    second = other.test_client().get("/sessions/2027-noord", headers=EN)
    with other.app_context():
        db.engine.dispose()
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "Changed by another instance" in second.get_data(as_text=True)


def test_busy_process_reuses_the_version_for_page_version_ttl(app, client, edition, clock):
    """In production a process asks the database at most once per TTL: an edit shows late
    by at most that long (1 s by default)."""
    app.config["PAGE_VERSION_TTL"] = 3600
    app.extensions.pop("eventsite.versions", None)
    before = client.get("/", headers=EN)
    clock.at(2027, 5, 1, 12, 1)
    noord().apply_changes(title_en="Not yet visible")
    db.session.commit()
    assert client.get("/", headers=EN).headers["ETag"] == before.headers["ETag"]
    app.extensions["eventsite.versions"].ttl = 0  # the TTL has passed
    after = client.get("/", headers=EN)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Not yet visible" in after.get_data(as_text=True)


def test_missing_pages_are_404_and_not_cached(client, edition):
    for url in ("/sessions/nope", "/editions/1999"):
        response = client.get(url)
        assert response.status_code == 404 and "ETag" not in response.headers


def test_version_is_none_for_a_missing_edition(app):
    assert edition_version(12345) is None


def test_render_cache_is_bounded():
    cache = RenderCache(max_entries=2)
    for key in "abc":
        cache.put(key, key)
    assert len(cache) == 2 and cache.get("a") is None and cache.get("c") == "c"


def test_calendar_files_are_built_once_per_version_and_language(app, client, edition, clock):
    url = "/editions/2027/calendar.ics"
    first = client.get(url)
    stored = len(app.extensions["eventsite.render_cache"])
    second = client.get(url)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(app.extensions["eventsite.render_cache"]) == stored  # not built again
    assert second.headers["Content-Disposition"].endswith('.ics"')
    assert second.cache_control.public and second.cache_control.max_age == 300

    english = client.get(f"{url}?lang=en")
    assert english.headers["ETag"] != first.headers["ETag"]
    assert "Set-Cookie" not in english.headers  # a calendar app gets no language cookie

    clock.at(2027, 5, 1, 12, 10)
    noord().apply_changes(title="Nieuwe titel")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Nieuwe titel" in changed.get_data(as_text=True)


def test_logged_in_organiser_gets_a_fresh_private_page(app, client, edition):
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
    response = client.get("/")
    assert response.cache_control.private and "ETag" not in response.headers


# --- Compressed once per version -------------------------------------------------------------

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.fixture
def compressions(monkeypatch):
    """How many bodies are compressed (brotli or gzip), whoever does it."""
    calls: list[str] = []

    def counting(name, real):
        def compress(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        return compress

    monkeypatch.setattr(brotli, "compress", counting("br", brotli.compress))
    monkeypatch.setattr(gzip, "compress", counting("gzip", gzip.compress))
    return calls


@pytest.mark.parametrize("url", (*PAGES, "/editions/2027/calendar.ics"))
def test_a_cached_page_is_compressed_once_for_every_browser(
    app, client, edition, compressions, url
):
    plain = client.get(url)
    first = client.get(url, headers=BROWSER)
    second = app.test_client().get(url, headers=BROWSER)  # another visitor
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "br"
    assert brotli.decompress(second.data) == plain.data
    assert len(second.data) < len(plain.data) / 2
    assert compressions == ["br"]  # the second visitor got the stored bytes
    assert second.headers["ETag"] == f'{plain.headers["ETag"][:-1]}:br"'
    assert second.headers["Vary"].count("Accept-Encoding") == 1
    again = client.get(url, headers={**BROWSER, "If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == second.headers["ETag"]


def test_an_edit_gives_a_new_compressed_page(client, edition, clock):
    before = client.get("/sessions/2027-noord", headers={**EN, **BROWSER})
    clock.at(2027, 5, 1, 12, 5)
    noord().apply_changes(title="Robots on the shop floor", title_en="Robots on the shop floor")
    db.session.commit()
    after = client.get(
        "/sessions/2027-noord", headers={**EN, **BROWSER, "If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert b"Robots on the shop floor" in brotli.decompress(after.data)


@pytest.mark.parametrize(
    "accepts, coding",
    [
        ("gzip", "gzip"),  # a calendar app fetching the feed
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.8", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("deflate", None),
    ],
)
def test_the_client_chooses_the_coding(client, edition, accepts, coding):
    plain = client.get("/")
    response = client.get("/", headers={"Accept-Encoding": accepts})
    assert response.headers.get("Content-Encoding") == coding
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding]
    assert decoded(response.data) == plain.data
