"""The attendee list of a session: search, filter, sort, pages, and escaped input."""

import re
from datetime import UTC, datetime, timedelta

from tests.helpers import log_in


def names(html: str) -> list[str]:
    return re.findall(r'<td data-label="Naam">(.*?)</td>', html)


def four_people_and_an_admin(make_edition, make_organiser, make_registration, client):
    """A 2027 session with one person in each state; the admin logged in."""
    edition = make_edition(2027)
    session = edition.sessions[0]
    start = datetime(2027, 4, 1, 9, tzinfo=UTC)
    people = [
        ("Bram Bakker", "bram@bakker.nl", "Bakkerij Bakker", "confirmed"),
        ("Anna de Vries", "anna@vries.nl", "Vries Metaal", "pending"),
        ("Cees Jansen", "cees@jansen.nl", "Jansen_Techniek 100%", "waiting"),
        ("Dirk Smit", "dirk@smit.nl", "Smit Staal", "cancelled"),
    ]
    for i, (name, email, organisation, state) in enumerate(people):
        make_registration(
            session,
            name=name,
            email=email,
            organisation=organisation,
            state=state,
            at=start + timedelta(hours=i),
        )
    make_organiser()
    log_in(client, "admin@example.org")
    return session


def test_search_filter_and_sort(client, make_edition, make_organiser, make_registration):
    session = four_people_and_an_admin(make_edition, make_organiser, make_registration, client)
    url = f"/organiser/sessions/{session.slug}/attendees"
    assert names(client.get(url).get_data(as_text=True)) == [
        "Bram Bakker",
        "Anna de Vries",
        "Cees Jansen",
        "Dirk Smit",
    ]
    assert (
        names(client.get(url, query_string={"sort": "name"}).get_data(as_text=True))[0]
        == "Anna de Vries"
    )
    html = client.get(url, query_string={"sort": "name", "dir": "desc"}).get_data(as_text=True)
    assert names(html)[0] == "Dirk Smit"
    for q, expected in [
        ("BAKKER", ["Bram Bakker"]),  # name, any case
        ("anna@", ["Anna de Vries"]),  # email
        ("staal", ["Dirk Smit"]),  # organisation
        ("100%", ["Cees Jansen"]),  # % and _ are literal characters, not wildcards
        ("k_r", []),  # would match "Bakker" if _ were a wildcard
    ]:
        html = client.get(url, query_string={"q": q}).get_data(as_text=True)
        assert names(html) == expected, q
    html = client.get(url, query_string={"state": "waiting"}).get_data(as_text=True)
    assert names(html) == ["Cees Jansen"]
    # Unknown values are ignored, not errors.
    html = client.get(url, query_string={"state": "x", "sort": "password", "page": "-3"})
    assert html.status_code == 200 and len(names(html.get_data(as_text=True))) == 4


def test_pagination(app, client, make_edition, make_organiser, make_registration):
    app.config["ORGANISER_PAGE_SIZE"] = 3
    session = four_people_and_an_admin(make_edition, make_organiser, make_registration, client)
    url = f"/organiser/sessions/{session.slug}/attendees"
    first = client.get(url, query_string={"sort": "name"}).get_data(as_text=True)
    assert names(first) == ["Anna de Vries", "Bram Bakker", "Cees Jansen"]
    assert "Pagina 1 van 2" in first
    link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "sort=name" in link and "page=2" in link
    assert names(client.get(link).get_data(as_text=True)) == ["Dirk Smit"]
    assert names(client.get(url, query_string={"page": 99}).get_data(as_text=True)) == []


def test_registrant_input_is_escaped(client, make_edition, make_organiser, make_registration):
    edition = make_edition(2027)
    session = edition.sessions[0]
    make_registration(
        session,
        name='<script>alert("x")</script>',
        organisation='"><img src=x onerror=alert(1)>',
        role="<b>CEO</b>",
    )
    make_organiser()
    log_in(client, "admin@example.org")
    html = client.get(f"/organiser/sessions/{session.slug}/attendees").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>CEO" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;CEO&lt;/b&gt;" in html
    assert client.get("/organiser/sessions/nope/attendees").status_code == 404
