"""The sign-up form: fields, errors, pending registrations, neutral answers, closed sessions."""

import re
from urllib.parse import urlsplit

from eventsite.core.privacy import PRIVACY_VERSION
from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.helpers import attendees, confirm, links_in, outbox, sign_up, states


def test_form_has_the_fields_and_preselects_a_session(client, open_edition):
    page = client.get("/register?session=2027-oost&lang=en").get_data(as_text=True)
    for name in ("name", "email", "organisation", "role", "sessions", "consent", "newsletter"):
        assert f'name="{name}"' in page
    assert 'class="honeypot"' in page and "<legend>" in page
    assert 'href="/privacy"' in page
    assert re.search(r'id="session-2027-oost"\s+checked', page)
    assert not re.search(r'id="session-2027-noord"\s+checked', page)


def test_sign_up_stores_a_pending_registration_and_queues_a_confirm_mail(client, open_edition):
    response = sign_up(client, sessions=["2027-noord", "2027-zuid"], email="Anna@Example.NL")
    assert response.status_code == 302 and response.headers["Location"] == "/register/sent"
    [attendee] = attendees()
    assert attendee.email == "anna@example.nl"
    assert attendee.consent_version == PRIVACY_VERSION
    assert attendee.signup_ip == "127.0.0.1" and attendee.created_at is not None
    assert attendee.confirmed_at is None and attendee.newsletter is False
    assert states() == ["pending", "pending"]
    [mail] = outbox()
    assert mail.kind == "confirm" and mail.recipient == "anna@example.nl"
    assert mail.language == "nl" and "Bevestig" in mail.subject
    assert "http://localhost/confirm/" in mail.text_body
    assert "Digitaliseren begint bij je mensen" in mail.text_body
    assert "15.00–16.30 uur" in mail.text_body  # Europe/Amsterdam time, the Dutch way


def test_english_sign_up_gets_english_mail(client, open_edition):
    sign_up(client, lang="en", newsletter="y")
    [mail] = outbox()
    assert mail.language == "en" and mail.subject == "Please confirm your registration"
    assert "Digitalisation starts with your people" in mail.text_body
    assert attendees()[0].newsletter is True


def test_links_in_english_mails_open_english_pages_in_any_browser(app, client, open_edition):
    """Signed up in English, the mail's links opened in a browser without that choice (a mail
    app's own browser on a phone set to Dutch) showed the confirmation and personal pages in
    Dutch; the same for Dutch mails on a phone set to English."""
    sign_up(client, lang="en", email="ben@example.com")
    sign_up(client, lang="nl", email="bas@example.nl")
    for email, language, other, heading in [
        ("ben@example.com", "en", "nl", "Confirm your registration"),
        ("bas@example.nl", "nl", "en", "Bevestig je aanmelding"),
    ]:
        phone = app.test_client()  # no cookie: nothing chosen in this browser
        link = urlsplit(mail_link(outbox("confirm", to=email)[-1], "/confirm/"))
        page = phone.get(f"{link.path}?{link.query}", headers={"Accept-Language": other})
        assert heading in page.get_data(as_text=True)
        confirm(phone, link.path)
        mail = outbox("welcome", to=email)[-1]
        assert mail.language == language
        personal = urlsplit(mail_link(mail, "/my/"))
        page = app.test_client().get(
            f"{personal.path}?{personal.query}", headers={"Accept-Language": other}
        )
        assert ("My registration" if language == "en" else "Mijn aanmelding") in page.get_data(
            as_text=True
        )


def mail_link(mail, prefix: str) -> str:
    """The first link in ``mail`` to a page at ``prefix`` (not below it: no join link)."""
    return next(
        url
        for url in links_in(mail)
        if urlsplit(url).path.startswith(prefix) and urlsplit(url).path.count("/") == 2
    )


def test_errors_are_shown_next_to_each_field_with_input_kept(client, open_edition):
    response = sign_up(client, name="", email="not-an-address", sessions=[], consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert "Vul je naam in." in page
    assert "Vul een geldig e-mailadres in" in page
    assert "Kies ten minste één sessie." in page
    assert "Ga akkoord met de privacyverklaring" in page
    assert 'value="De Vries Metaal B.V."' in page and 'value="not-an-address"' in page
    assert attendees() == [] and outbox() == []


def test_errors_in_english(client, open_edition):
    page = sign_up(client, lang="en", name="").get_data(as_text=True)
    assert "Please enter your name." in page


def test_duplicate_sign_up_shows_the_same_page_and_never_makes_a_second_person(
    client, open_edition
):
    first = sign_up(client, email="anna@example.nl")
    second = sign_up(client, email="ANNA@example.nl", sessions=["2027-oost"])
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(attendees()) == 1
    assert states() == ["pending", "pending"]
    assert [m.kind for m in outbox()] == ["confirm", "confirm"]


def test_the_sent_page_is_the_same_for_new_and_known_addresses(client, open_edition):
    sign_up(client, email="known@example.nl")
    page_new = client.get("/register/sent").get_data(as_text=True)
    sign_up(client, email="known@example.nl")
    assert client.get("/register/sent").get_data(as_text=True) == page_new


def test_honeypot_looks_like_success_but_stores_and_mails_nothing(client, open_edition):
    response = sign_up(client, website="http://spam.example")
    assert response.headers["Location"] == "/register/sent"
    assert attendees() == [] and outbox() == []


def test_csrf_less_post_changes_nothing(client, open_edition):
    response = client.post(
        "/register",
        data={
            "name": "X",
            "email": "x@example.nl",
            "organisation": "X",
            "sessions": ["2027-noord"],
            "consent": "y",
        },
    )
    assert response.status_code == 400
    assert attendees() == [] and outbox() == []


def test_closed_and_cancelled_sessions_cannot_be_chosen(client, open_edition, clock):
    noord, oost = open_edition.sessions[0], open_edition.sessions[1]
    oost.apply_changes(status="cancelled")
    db.session.commit()
    clock.set(noord.start_at)  # noord has started: closed
    page = client.get("/register").get_data(as_text=True)
    for slug in ("2027-noord", "2027-oost"):
        assert re.search(rf'id="session-{slug}"\s+disabled', page)
    assert not re.search(r'id="session-2027-zuid"\s+disabled', page)
    for slug in ("2027-noord", "2027-oost"):
        response = sign_up(client, sessions=[slug, "2027-zuid"])
        assert response.status_code == 200
        assert "is gesloten of geannuleerd" in response.get_data(as_text=True)
    assert attendees() == [] and outbox() == []


def test_unknown_session_slug_is_refused(client, open_edition):
    response = sign_up(client, sessions=["2021-noord"])
    assert "is gesloten of geannuleerd" in response.get_data(as_text=True)
    assert attendees() == []


def test_registration_closes_at_the_edition_setting(client, open_edition, clock):
    open_edition.registration_closes_at = clock.at(2027, 5, 20)
    db.session.commit()
    page = client.get("/register").get_data(as_text=True)
    assert "Aanmelden is niet geopend" in page
    assert db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))


def test_pending_person_signing_up_again_gets_a_new_confirm_mail(client, open_edition):
    sign_up(client)
    sign_up(client, name="Anna Jansen")
    assert attendees()[0].name == "Anna Jansen"  # nobody confirmed yet: the latest form wins
    assert len(outbox("confirm")) == 2


def test_mail_links_come_from_site_url_not_from_the_request_host(app, client, open_edition):
    app.config["SITE_URL"] = "https://jaarevent.example/aanmelden"
    sign_up(client)
    assert "https://jaarevent.example/aanmelden/confirm/" in outbox()[0].text_body
    assert "localhost" not in outbox()[0].text_body


def test_a_session_cancelled_while_the_form_is_sent_keeps_what_was_typed(client, open_edition):
    """The form was checked against the sessions as they were; the session was cancelled
    before the sign-up was stored (here: behind the cached offer's back). The visitor sees the
    form again with everything typed and the other session still ticked, and why."""
    client.get("/register")  # the offer of this version is worked out
    cancel = db.update(ProgrammeSession).where(ProgrammeSession.slug == "2027-zuid")
    db.session.execute(cancel.values(status="cancelled"))
    db.session.commit()
    response = sign_up(
        client, sessions=["2027-noord", "2027-zuid"], name="Ümit Öztürk", email="umit@example.nl"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    title = db.session.scalar(db.select(ProgrammeSession.title).filter_by(slug="2027-zuid"))
    assert f"{title} is net gesloten of geannuleerd." in page
    assert 'value="Ümit Öztürk"' in page and 'value="umit@example.nl"' in page
    assert re.search(r'value="2027-noord"[^>]*checked', page)
    assert not re.search(r'value="2027-zuid"[^>]*checked', page)
    assert attendees() == [] and outbox() == []
