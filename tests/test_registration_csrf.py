"""The sign-up form sent without its session cookie (cookies blocked, or discarded by the
browser): the form again with what was typed and a fresh token, not the generic 400 page;
nothing stored. A forged post from another site still registers nothing."""

import re

from tests.helpers import CSRF_RE, attendees, outbox, path_to, sign_up, states

OWN_PAGE = {"Origin": "http://localhost"}  # what a browser sends with our form

TYPED = {
    "name": "Anna de Vries",
    "email": "anna@example.nl",
    "organisation": "De Vries Metaal B.V.",
    "role": "Eigenaar",
    "sessions": ["2027-oost"],
    "consent": "y",
    "newsletter": "y",
}


def cookieless_post(app, path="/register", headers=OWN_PAGE, **data):
    """The form as a browser sends it when it lost the session cookie: a new client."""
    client = app.test_client()
    data = {"csrf_token": "from-a-lost-session", **data}
    response = client.post(path, data=data, headers=headers)
    return client, response


def ticked(page: str, field: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page)
    return tag is not None and "checked" in tag.group(0)


def value_of(page: str, field: str) -> str | None:
    match = re.search(rf'id="{field}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def test_the_form_comes_back_with_what_was_typed_and_a_way_on(app, open_edition):
    client, response = cookieless_post(app, **TYPED, website="http://spam.example")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Je sessie was verlopen of je browser stuurde geen cookie mee" in page
    assert "druk nogmaals op Aanmelden" in page and "sta dan cookies toe" in page
    assert value_of(page, "name") == "Anna de Vries"
    assert value_of(page, "email") == "anna@example.nl"
    assert value_of(page, "organisation") == "De Vries Metaal B.V."
    assert ticked(page, "session-2027-oost") and not ticked(page, "session-2027-noord")
    assert ticked(page, "consent") and ticked(page, "newsletter")
    assert "spam.example" not in page  # never the honeypot
    assert attendees() == [] and outbox() == []
    # The answer set a new session cookie with the page's token: pressing again signs up.
    token = CSRF_RE.search(page).group(1)
    again = client.post("/register", data={"csrf_token": token, **TYPED}, headers=OWN_PAGE)
    assert again.status_code == 302 and again.headers["Location"] == "/register/sent"
    assert states() == ["pending"] and len(outbox("confirm")) == 1


def test_the_message_speaks_the_visitors_language(app, open_edition):
    _client, response = cookieless_post(app, path="/register?lang=en", **TYPED)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session had expired or your browser sent no cookie" in page
    assert "press Sign up again" in page and value_of(page, "name") == "Anna de Vries"


def test_a_forged_post_from_another_site_registers_nothing_and_is_not_echoed(app, open_edition):
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        _client, response = cookieless_post(app, headers=headers, **TYPED)
        assert response.status_code in (400, 403)
        page = response.get_data(as_text=True)
        assert "Anna de Vries" not in page and "De Vries Metaal" not in page
    assert attendees() == [] and outbox() == []


def test_asking_for_the_link_again_keeps_the_address(app, open_edition):
    client, response = cookieless_post(app, path="/register/resend", email="anna@example.nl")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "druk nogmaals op Versturen" in page and value_of(page, "email") == "anna@example.nl"
    token = CSRF_RE.search(page).group(1)
    again = client.post(
        "/register/resend", data={"csrf_token": token, "email": "anna@example.nl"}, headers=OWN_PAGE
    )
    assert again.status_code == 302


def test_the_confirm_button_without_its_cookie_leads_back_to_the_button(app, client, open_edition):
    """The link opened in one browser, the button pressed after its cookie went: the page
    again with why, and the next press confirms; a forged post confirms nothing."""
    assert sign_up(client).status_code == 302
    link = path_to(outbox("confirm")[-1], "/confirm/")
    for headers in ({"Origin": "https://evil.example"}, {}):
        _client, forged = cookieless_post(app, path=link, headers=headers)
        assert forged.status_code in (400, 403) and states() == ["pending"]
    browser, response = cookieless_post(app, path=link)
    assert response.status_code == 303 and response.headers["Location"] == link
    page = browser.get(link).get_data(as_text=True)
    assert "druk nogmaals op Mijn aanmelding bevestigen" in page
    assert states() == ["pending"]
    token = CSRF_RE.search(page).group(1)
    pressed = browser.post(link, data={"csrf_token": token}, headers=OWN_PAGE)
    assert pressed.status_code == 302 and pressed.headers["Location"].startswith("/my/")
    assert states() == ["confirmed"]
