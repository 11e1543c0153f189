"""Every organiser changes their own name, language and password on /organiser/profile."""

from __future__ import annotations

import pytest

from tests.people_helpers import PASSWORD, account, actions, log_in, post_form, text

PROFILE = "/organiser/profile"
NEW = "een nieuwe lange wachtzin"


@pytest.fixture
def nina(client, make_edition, make_organiser):
    """Nina, organiser of the Noord hub, logged in."""
    make_edition(2027)
    make_organiser("nina@example.org", "region", "noord", name="Nina Noord")
    log_in(client, "nina@example.org")
    return client


def test_name_and_language_change_and_the_pages_follow_the_language(nina, app):
    response = post_form(nina, PROFILE, name="Nina van Noord", language="en")
    assert response.status_code == 302
    page = text(nina.get(PROFILE))
    assert "My profile" in page and 'value="Nina van Noord"' in page  # now in English
    organiser = account("nina@example.org")
    assert (organiser.name, organiser.language) == ("Nina van Noord", "en")
    assert actions()[-1] == "profile.update"
    # A new login on another browser speaks the organiser's language too.
    other = app.test_client()
    log_in(other, "nina@example.org")
    assert "My profile" in text(other.get(PROFILE))


def test_an_empty_name_is_refused_at_the_field_and_nothing_changes(nina):
    page = text(post_form(nina, PROFILE, name="", language="en"))
    assert "Dit veld is vereist." in page and 'value=""' in page
    assert account("nina@example.org").name == "Nina Noord"
    assert account("nina@example.org").language == "nl"


def test_the_password_changes_only_with_the_current_one(nina, app):
    other_device = app.test_client()
    log_in(other_device, "nina@example.org")
    url = PROFILE + "/password"
    page = text(post_form(nina, PROFILE, url, current="fout", password=NEW, confirm=NEW))
    assert "Dit is niet je huidige wachtwoord." in page
    page = text(
        post_form(nina, PROFILE, url, current=PASSWORD, password="password", confirm="password")
    )
    assert "Dit wachtwoord komt te vaak voor" in page
    page = text(post_form(nina, PROFILE, url, current=PASSWORD, password=NEW, confirm=NEW + "x"))
    assert "De wachtwoorden zijn niet gelijk." in page
    assert log_in(app.test_client(), "nina@example.org").status_code == 302  # unchanged

    response = post_form(nina, PROFILE, url, current=PASSWORD, password=NEW, confirm=NEW)
    assert response.status_code == 302
    assert nina.get(PROFILE).status_code == 200  # this browser stays logged in
    assert other_device.get(PROFILE).headers["Location"].startswith("/organiser/login")
    assert log_in(app.test_client(), "nina@example.org").status_code == 200  # old: refused
    assert log_in(app.test_client(), "nina@example.org", NEW).status_code == 302
    assert "password.set" in actions()
