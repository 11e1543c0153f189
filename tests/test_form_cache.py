"""The sign-up page rendered once per version and language, its holes filled per visitor, and
the confirmation mail rendered once per choice of sessions (issue 18)."""

from __future__ import annotations

import re

from sqlalchemy import event

from eventsite.extensions import db
from eventsite.holes import HoledPage, hole
from eventsite.programme.models import ProgrammeSession
from tests.helpers import CSRF_RE, outbox, sign_up

CHECKED = re.compile(r'value="([^"]+)" id="session-[^"]+"\s*checked')


def test_a_hole_is_filled_escaped_or_raw_and_left_empty_without_a_value():
    page = HoledPage(f"<a href='{hole('link')}'>{hole('name')}</a>{hole('missing')}")
    assert page.names == ["link", "name", "missing"]
    assert page.fill({"link": "/x?a=1&b=2", "name": "<b>"}) == (
        "<a href='/x?a=1&amp;b=2'>&lt;b&gt;</a>"
    )
    assert page.fill({"link": "/x?a=1&b=2"}, raw=True) == "<a href='/x?a=1&b=2'></a>"


def test_form_page_is_rendered_once_and_each_visitor_gets_an_own_token(app, open_edition, renders):
    first, second = app.test_client(), app.test_client()
    page_one = first.get("/register").get_data(as_text=True)
    renders.clear()
    response = second.get("/register")
    page_two = response.get_data(as_text=True)
    assert renders == []  # served from the rendering of the first visit
    token_one, token_two = CSRF_RE.search(page_one)[1], CSRF_RE.search(page_two)[1]
    assert token_one != token_two
    assert page_one.replace(token_one, "") == page_two.replace(token_two, "")
    assert response.cache_control.private and response.cache_control.no_cache
    assert "\x1e" not in page_two  # no hole marker left


def test_each_language_has_its_own_rendering(app, open_edition, renders):
    client = app.test_client()
    dutch = client.get("/register", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    english = client.get("/register?lang=en").get_data(as_text=True)
    assert "Aanmelden" in dutch and "Sign up" in english and "Aanmelden" not in english


def test_session_in_the_query_is_ticked_for_that_visitor_only(app, open_edition):
    client = app.test_client()
    ticked = client.get("/register?session=2027-oost").get_data(as_text=True)
    plain = client.get("/register").get_data(as_text=True)
    assert CHECKED.findall(ticked) == ["2027-oost"]
    assert CHECKED.findall(plain) == []
    # A slug that is not offered ticks nothing.
    assert CHECKED.findall(client.get("/register?session=x").get_data(as_text=True)) == []


def test_an_edit_renders_the_page_anew(app, open_edition, renders, clock):
    client = app.test_client()
    client.get("/register")
    clock.at(2027, 5, 1, 13)
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-oost"))
    session.title = "Robots in het MKB, nieuw"
    db.session.commit()
    renders.clear()
    page = client.get("/register").get_data(as_text=True)
    assert "registration/register.html" in renders
    assert "Robots in het MKB, nieuw" in page


def test_form_with_errors_is_rendered_fresh_with_the_input_and_the_ticks(app, open_edition):
    client = app.test_client()
    response = sign_up(client, sessions=("2027-oost",), email="not-an-address", name="Piet")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Piet"' in page and CHECKED.findall(page) == ["2027-oost"]
    assert CSRF_RE.search(page)  # the token is filled in here too
    assert outbox() == []


def test_confirmation_mail_is_rendered_once_per_choice_and_keeps_its_own_link(
    app, open_edition, renders
):
    sign_up(app.test_client(), sessions=("2027-noord",), email="one@example.nl")
    renders.clear()
    sign_up(app.test_client(), sessions=("2027-noord",), email="two@example.nl")
    assert not any(name.startswith("mail/") for name in renders)
    one, two = outbox("confirm", "one@example.nl")[0], outbox("confirm", "two@example.nl")[0]
    link_one = re.search(r"http://localhost/confirm/\S+", one.text_body)[0]
    link_two = re.search(r"http://localhost/confirm/\S+", two.text_body)[0]
    assert link_one != link_two and link_two in two.html_body
    assert one.text_body.replace(link_one, "") == two.text_body.replace(link_two, "")
    assert one.subject == two.subject and "\x1e" not in two.html_body + two.subject
    renders.clear()
    sign_up(app.test_client(), sessions=("2027-oost",), email="three@example.nl")
    assert "mail/registration_confirm.txt" in renders  # another choice: its own rendering


def test_confirmation_link_from_a_reused_mail_confirms(app, open_edition):
    client = app.test_client()
    sign_up(client, email="one@example.nl")
    sign_up(client, email="two@example.nl")
    link = re.search(
        r"http://localhost(/confirm/\S+)", outbox("confirm", "two@example.nl")[0].text_body
    )[1]
    token = CSRF_RE.search(client.get(link).get_data(as_text=True))[1]
    response = client.post(link, data={"csrf_token": token})
    assert response.status_code == 302 and "/my/" in response.headers["Location"]


def test_warm_up_compiles_every_template_without_touching_the_database(app):
    from eventsite.core.warmup import warm_up

    statements: list[str] = []

    def record(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert warm_up(app) > 50
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []


def test_switching_language_keeps_the_sessions_chosen(app, open_edition):
    """The language link of a page opened from "Sign up" on a session keeps that session
    ticked; the shared rendering of the plain form carries no visitor's choice."""
    visitor = app.test_client()
    page = visitor.get("/register?session=2027-noord&lang=en").get_data(as_text=True)
    [switch] = re.findall(r'href="([^"]+)" lang="nl"', page)
    assert switch == "/register?session=2027-noord&amp;lang=nl"
    dutch = visitor.get(switch.replace("&amp;", "&")).get_data(as_text=True)
    assert "Aanmelden" in dutch and CHECKED.findall(dutch) == ["2027-noord"]
    plain = app.test_client().get("/register?lang=en").get_data(as_text=True)
    assert re.findall(r'href="([^"]+)" lang="nl"', plain) == ["/register?lang=nl"]
