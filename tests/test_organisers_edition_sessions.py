"""The programme office adds, removes and reorders an edition's sessions; hub organisers edit
their own hub's sessions but do none of these; every new URL answers each kind of visitor as
it should."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.editions_helpers import audit_actions, logged_in, post_form, token_on

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_SESSION = {
    "title": "Afsluiting: de beste ideeën van de week",
    "title_en": "Closing: the week's best ideas",
    "theme": "Terugblik",
    "start_at": "2027-06-04T17:00",
    "end_at": "2027-06-04T17:45",
    "capacity": "200",
    "stream_url": "https://stream.example.nl/afsluiting",
}


def titles_on_programme(client, year: int = 2027) -> list[str]:
    html = client.get(f"/editions/{year}").get_data(as_text=True)
    return re.findall(r'class="card-title">\s*<a[^>]*>([^<]+)</a>', html)


def region_id(edition, slug: str) -> str:
    return str(next(s.region_id for s in edition.sessions if s.region.slug == slug))


def sessions_of(edition) -> list[ProgrammeSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(ProgrammeSession)
            .filter_by(edition_id=edition.id)
            .order_by(ProgrammeSession.position, ProgrammeSession.start_at)
        )
    )


def test_admin_adds_a_session_at_the_end_of_the_programme(
    app, client, make_edition, make_organiser
):
    edition = make_edition(2027)
    logged_in(client, make_organiser)
    data = {**NEW_SESSION, "region": region_id(edition, "noord")}
    response = post_form(client, "/organiser/editions/2027/sessions/new", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/sessions/2027-noord-2/edit"
    added = sessions_of(edition)[-1]
    assert (added.slug, added.title, added.capacity) == ("2027-noord-2", NEW_SESSION["title"], 200)
    assert added.start_at == datetime(2027, 6, 4, 17, tzinfo=AMSTERDAM)
    assert added.region.slug == "noord" and added.stream_url.endswith("/afsluiting")
    assert titles_on_programme(app.test_client())[-1] == NEW_SESSION["title"]
    assert audit_actions() == ["session.add"]


def test_a_new_session_with_bad_times_is_refused_with_the_input_kept(
    app, client, make_edition, make_organiser
):
    edition = make_edition(2027)
    logged_in(client, make_organiser)
    url = "/organiser/editions/2027/sessions/new"
    data = {**NEW_SESSION, "region": region_id(edition, "oost"), "end_at": "2027-06-04T16:00"}
    html = post_form(client, url, data).get_data(as_text=True)
    assert "De sessie moet eindigen na het begin." in html
    assert NEW_SESSION["title"] in html and 'value="2027-06-04T16:00"' in html

    data.update(start_at="2027-07-01T15:00", end_at="2027-07-01T16:00")  # after the edition
    html = post_form(client, url, data).get_data(as_text=True)
    assert "Kies een dag van de editie: 2027-05-31 tot en met 2027-06-04." in html
    assert len(sessions_of(edition)) == 5 and audit_actions() == []


def test_removing_is_refused_for_a_session_with_registrations(
    app, client, make_edition, make_organiser, make_registration
):
    edition = make_edition(2027)
    noord, oost = sessions_of(edition)[:2]
    removed_title = oost.title
    make_registration(noord, state="cancelled")
    logged_in(client, make_organiser)
    refused = post_form(client, f"/organiser/sessions/{noord.slug}/remove", {})
    html = refused.get_data(as_text=True)
    assert "1 aanmelding(en)" in html and "annuleer haar in plaats daarvan" in html
    assert db.session.get(ProgrammeSession, noord.id) is not None

    removed = post_form(client, f"/organiser/sessions/{oost.slug}/remove", {})
    assert removed.headers["Location"] == "/organiser/editions/2027/sessions"
    assert [s.slug for s in sessions_of(edition)] == [
        "2027-noord",
        "2027-zuid",
        "2027-west",
        "2027-zuidwest",
    ]
    assert removed_title not in titles_on_programme(app.test_client())
    assert audit_actions() == ["session.remove"]


def move(client, slug: str, direction: str, order: str | None = None):
    page = "/organiser/editions/2027/sessions"
    html = client.get(page).get_data(as_text=True)
    shown = re.search(r'name="order" value="([^"]*)"', html).group(1)
    data = {"csrf_token": token_on(client, page), "order": order or shown}
    return client.post(f"/organiser/sessions/{slug}/move/{direction}", data=data)


def test_reordering_changes_the_programme_page_and_refuses_a_stale_page(
    app, client, make_edition, make_organiser
):
    edition = make_edition(2027)
    logged_in(client, make_organiser)
    before = titles_on_programme(client)
    stale = ",".join(str(s.id) for s in sessions_of(edition))
    assert move(client, "2027-zuidwest", "up").status_code == 302
    move(client, "2027-zuidwest", "up")
    after = titles_on_programme(app.test_client())
    assert after == [before[0], before[1], before[4], before[2], before[3]]

    # A page showing the old order: nothing moves, and the message says why.
    response = move(client, "2027-noord", "down", order=stale)
    assert titles_on_programme(app.test_client()) == after
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De volgorde is intussen gewijzigd." in html
    assert audit_actions() == ["session.reorder", "session.reorder"]


# --- Who may do what: every URL of the edition pages, for each kind of visitor -------------

EDITION_ENDPOINTS = (
    "organisers.editions_list",
    "organisers.edition_new",
    "organisers.edition_edit",
    "organisers.edition_publish",
    "organisers.edition_unpublish",
    "organisers.edition_download",
    "organisers.edition_load",
    "organisers.edition_sessions_page",
    "organisers.session_new",
    "organisers.session_remove",
    "organisers.session_move",
)


def edition_urls(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of the edition pages, read from the URL map, for zuid's 2027
    session; each method a rule allows."""
    values = {"year": "2027", "slug": "2027-zuid", "direction": "up"}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in EDITION_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^<>:]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        urls += [(rule.endpoint, m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert {u[0] for u in urls} == set(EDITION_ENDPOINTS)
    # Removing comes last: the admin's POST does remove the session the other URLs name.
    return sorted(urls, key=lambda u: u[0] == "organisers.session_remove")


@pytest.mark.parametrize("visitor", ["anonymous", "other_hub", "own_hub", "admin"])
def test_every_edition_url_answers_each_visitor(app, client, make_edition, make_organiser, visitor):
    edition = make_edition(2027)
    zuid = next(s for s in edition.sessions if s.region.slug == "zuid")
    before = (zuid.title, zuid.position, edition.published, edition.name)
    accounts = {
        "other_hub": ("noord@example.org", "region", "noord"),
        "own_hub": ("zuid@example.org", "region", "zuid"),
        "admin": ("beheer@example.org", "admin", None),
    }
    if visitor != "anonymous":
        logged_in(client, make_organiser, *accounts[visitor])
    token = token_on(client, "/organiser/login" if visitor == "anonymous" else "/organiser/")
    for _endpoint, method, url in edition_urls(app):
        if method == "GET":
            response = client.get(url)
        else:  # a valid CSRF token but no form: only the authorisation can refuse
            response = client.post(url, data={"csrf_token": token})
        where = f"{visitor} {method} {url}: {response.status_code}"
        if visitor == "anonymous":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/organiser/login"), where
        elif visitor in ("other_hub", "own_hub"):
            assert response.status_code == 403, where
        elif method == "GET":
            assert response.status_code == 200, where
        else:  # the admin's empty forms: shown again with errors, or done (publish, move)
            assert response.status_code in (200, 302), where
    if visitor != "admin":
        db.session.expire_all()
        assert (zuid.title, zuid.position, edition.published, edition.name) == before
        assert audit_actions() == []
    if visitor == "own_hub":  # the hub's own session stays editable on its page
        assert client.get(f"/organiser/sessions/{zuid.slug}/edit").status_code == 200
