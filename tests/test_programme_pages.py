"""The public pages: programme, session, archive, in Dutch and English, in Dutch time."""

import re
from datetime import date

from eventsite.extensions import db
from eventsite.programme.models import CANCELLED, ProgrammeSession


def visible_text(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return text.replace(" ,", ",")  # a tag just before a comma is not a space on screen


def test_home_shows_the_current_editions_five_days_in_dutch(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    make_edition()
    make_edition(2027, starts_on=date(2027, 5, 31))

    text = visible_text(client.get("/"))

    assert "Smart Industry Jaarevent 2027" in text
    # Dutch times the Dutch way: short day, a full stop in the time, "uur", no zone name.
    for day in ("ma 31 mei", "di 1 jun", "wo 2 jun", "do 3 jun", "vr 4 jun"):
        assert f"{day}, 15.00–16.30 uur" in text
    assert "CEST" not in text and "Europe/Amsterdam" not in text
    assert "Smart Industry Hub Noord" in text
    assert "Dagvoorzitter" in text and "Mark Beumer" in text
    assert text.count("Plaatsen vrij") == 5
    assert "voorbeelden" in text  # the invented values are marked as examples


def test_accept_language_english_gives_english(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    make_edition(2027)
    text = visible_text(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    # British dates; the zone for visitors abroad.
    assert "Mon 31 May, 15:00–16:30 CEST" in text and "May 31" not in text
    assert "Smart Industry Hub North" in text
    assert "Digitalisation starts with your people" in text
    assert "Programme" in text and "Programma" not in text


def page_language(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True))[1]


def test_no_header_gives_dutch_and_lang_parameter_sticks(client, make_edition):
    make_edition()
    assert page_language(client.get("/editions/2021")) == "nl"
    assert page_language(client.get("/editions/2021?lang=en")) == "en"
    # The choice sticks for the next page, even against the browser's header.
    assert page_language(client.get("/editions/", headers={"Accept-Language": "nl"})) == "en"
    assert page_language(client.get("/editions/?lang=nl")) == "nl"
    assert page_language(client.get("/editions/", headers={"Accept-Language": "en"})) == "nl"


def test_accept_language_decides_without_a_choice(app, make_edition):
    make_edition()
    assert page_language(app.test_client().get("/", headers={"Accept-Language": "en"})) == "en"
    assert page_language(app.test_client().get("/", headers={"Accept-Language": "de"})) == "nl"
    assert page_language(app.test_client().get("/")) == "nl"


def test_edition_2021_lists_five_sessions_from_31_may_to_4_june(client, make_edition):
    make_edition()
    text = visible_text(client.get("/editions/2021"))
    assert text.count("Smart Industry Hub") == 5
    assert "ma 31 mei, 15.00–16.30 uur" in text and "vr 4 jun, 15.00–16.30 uur" in text
    assert text.count("Afgelopen") == 5


def test_a_summer_session_shows_cest_and_a_winter_one_cet(client, make_edition, runner):
    make_edition()
    runner.invoke(args=["programme", "rollover", "2030", "--starts-on", "2030-11-25"])
    db.session.execute(db.update(db.metadata.tables["edition"]).values(published=True))
    db.session.commit()
    summer = visible_text(client.get("/sessions/2021-noord"))
    winter = visible_text(client.get("/sessions/2030-noord"))
    assert "15.00–16.30 uur" in summer and "15.00–16.30 uur" in winter
    summer = visible_text(client.get("/sessions/2021-noord?lang=en"))
    winter = visible_text(client.get("/sessions/2030-noord?lang=en"))
    assert "15:00–16:30 CEST" in summer
    assert "15:00–16:30 CET" in winter and "CEST" not in winter


def test_session_page_shows_details_and_not_the_stream_link(client, make_edition):
    make_edition()
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-oost"))
    session.stream_url = "https://stream.example/secret-room"
    session.recording_url = "https://video.example/recording-oost"
    db.session.commit()
    html = client.get("/sessions/2021-oost").get_data(as_text=True)
    assert "Slim produceren met data" in html
    assert "Voorbeeldspreker C" in html
    assert "https://video.example/recording-oost" in html
    assert "secret-room" not in html
    assert "secret-room" not in client.get("/editions/2021").get_data(as_text=True)


def test_archive_lists_editions_with_recordings(client, make_edition):
    make_edition()
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-zuid"))
    session.recording_url = "https://video.example/zuid"
    db.session.commit()
    assert "Smart Industry Jaarevent 2021" in visible_text(client.get("/editions/"))
    assert "https://video.example/zuid" in client.get("/editions/2021").get_data(as_text=True)


def test_cancelled_session_is_shown_as_cancelled(client, make_edition, clock):
    clock.at(2026, 11, 25, 12)
    make_edition(2027)
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-west"))
    session.status = CANCELLED
    db.session.commit()
    assert "Geannuleerd" in visible_text(client.get("/sessions/2027-west"))


def test_unpublished_edition_and_unknown_pages_are_404(client, make_edition, runner):
    make_edition()
    runner.invoke(args=["programme", "rollover", "2022", "--starts-on", "2022-05-30"])
    assert client.get("/editions/2022").status_code == 404
    assert client.get("/sessions/2022-noord").status_code == 404
    response = client.get("/sessions/nothing-here")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in visible_text(response)


def test_home_without_editions_says_the_programme_follows(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "verschijnt hier binnenkort" in visible_text(response)


def test_about_the_event_says_it_once(client, make_edition, clock):
    """Under "Over het evenement" the edition's own introduction was followed by a stock
    sentence saying the same again ("Tijdens de Dutch Technology Week organiseert elke dag
    ..." twice)."""
    clock.at(2026, 11, 25, 12)
    edition = make_edition(2027)
    for language, opening, chair in (
        ("nl", "Tijdens de Dutch Technology Week", "Dagvoorzitter: Mark Beumer"),
        ("en", "During Dutch Technology Week", "Day chair: Mark Beumer"),
    ):
        text = visible_text(client.get(f"/?lang={language}"))
        assert text.count(opening) == 1 and chair in text
    # Without an introduction of its own the page still says what the event is.
    edition.intro = edition.intro_en = ""
    db.session.commit()
    text = visible_text(client.get("/?lang=nl"))
    assert text.count("Tijdens de Dutch Technology Week") == 1 and "Mark Beumer" in text
