"""Bad input never gives a server error: control characters, huge numbers, big bodies,
unsafe ``next=`` values. Each gets a clear answer in the visitor's language and changes
nothing."""

import pytest

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.helpers import ORGANISER_PASSWORD, attendees, csrf_token, log_in, outbox, sign_up

CONTROL_NL = "onzichtbare stuurtekens"
CONTROL_EN = "invisible control characters"


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "Anna\x00de Vries"),
        ("organisation", "De Vries\x1bMetaal"),
        ("name", "Anna\r\nBcc: x@example.org"),
        ("role", "Eigenaar\x7f"),
        ("name", "Anna\x85"),  # a C1 control (NEXT LINE)
    ],
)
def test_control_characters_in_a_form_field_are_refused_at_the_field(
    client, open_edition, field, value
):
    response = sign_up(client, **{field: value})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert CONTROL_NL in body
    # The message sits with its field (the field's error block names the field id).
    assert f'id="{field}-error"' in body or f'aria-describedby="{field}-error' in body
    assert attendees() == [] and outbox() == []


def test_the_message_follows_the_visitors_language(client, open_edition):
    response = sign_up(client, lang="en", name="Anna\x00")
    assert CONTROL_EN in response.get_data(as_text=True)
    assert attendees() == []


def test_ordinary_unicode_is_accepted(client, open_edition):
    response = sign_up(client, name="Zoë Ağaoğlu – 日本", organisation="Café ‘t Hoekje")
    assert response.status_code == 302
    assert attendees()[0].name == "Zoë Ağaoğlu – 日本"


def test_a_textarea_refuses_nul(client, make_edition, make_organiser):
    """(Line breaks in a textarea stay accepted: a description has paragraphs.)"""
    edition = make_edition(2027)
    make_organiser()
    log_in(client, "admin@example.org")
    session = edition.sessions[0]
    url = f"/organiser/sessions/{session.slug}/edit"
    before = session.description
    form = {"csrf_token": csrf_token(client, url), "title": "Titel", "description": "Een\x00"}
    refused = client.post(url, data=form)
    assert refused.status_code == 200 and CONTROL_NL in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).description == before


@pytest.mark.parametrize(
    "url",
    ["/sessions/2027-noord%00", "/my/abc%00def", "/confirm/x%00y", "/editions/%00"],
)
def test_control_characters_in_the_path_are_not_found(client, open_edition, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "niet gevonden" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("url", ["/?lang=nl%00", "/register?session=2027-noord%00", "/?x%01=1"])
def test_control_characters_in_the_query_are_a_bad_request(client, open_edition, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Dit is niet gelukt" in response.get_data(as_text=True)


def test_search_with_nul_is_a_bad_request_for_an_organiser(client, open_edition, make_organiser):
    make_organiser()
    log_in(client, "admin@example.org")
    response = client.get("/organiser/sessions/2027-noord/attendees?q=a%00b")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/editions/99999999999999999999", "/editions/99999999999999999999/calendar.ics"]
)
def test_huge_numbers_in_the_path_are_not_found(client, open_edition, url):
    assert client.get(url).status_code == 404


def test_a_huge_page_number_is_a_bad_request(client, open_edition, make_organiser):
    make_organiser()
    log_in(client, "admin@example.org")
    base = "/organiser/sessions/2027-noord/attendees"
    assert client.get(f"{base}?page=2").status_code == 200
    assert client.get(f"{base}?page=abc").status_code == 200  # not a number: page 1
    assert client.get(f"{base}?page=99999999999999999999").status_code == 400
    assert client.get(f"{base}?page=-99999999999999999999").status_code == 400


@pytest.mark.parametrize(
    "next_value",
    [
        "/organiser/audit%0d%0aSet-Cookie:%20x=1",
        "/organiser/%0aevil",
        "/organiser/audit%00",
        "https://evil.example/organiser/",
        "//evil.example/organiser/",
        "/organiser/ x",
    ],
)
def test_an_unsafe_next_value_is_ignored(client, make_organiser, next_value):
    make_organiser()
    login_url = f"/organiser/login?next={next_value}"
    assert client.get(login_url).status_code == 200
    token = csrf_token(client, login_url)
    response = client.post(
        login_url,
        data={"csrf_token": token, "email": "admin@example.org", "password": ORGANISER_PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/organiser/", "http://localhost/organiser/")
    assert "Set-Cookie" not in "".join(response.headers.getlist("Location"))


def test_a_safe_next_value_still_works(client, make_organiser):
    make_organiser()
    login_url = "/organiser/login?next=/organiser/audit"
    token = csrf_token(client, login_url)
    response = client.post(
        login_url,
        data={"csrf_token": token, "email": "admin@example.org", "password": ORGANISER_PASSWORD},
    )
    assert response.headers["Location"].endswith("/organiser/audit")


def test_a_too_large_body_gets_a_friendly_413_and_changes_nothing(client, open_edition):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={"csrf_token": token, "name": "A" * (2 * 1024 * 1024), "email": "a@example.nl"},
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "Te veel gegevens" in body and "1024 kB" in body
    assert attendees() == []


def test_the_413_page_in_english(client, open_edition):
    client.get("/?lang=en")
    response = client.post("/register", data={"name": "A" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)
