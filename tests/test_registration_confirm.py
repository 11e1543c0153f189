"""Double opt-in: GET changes nothing, the POST confirms; tokens expire and resist forgery."""

import re
from datetime import timedelta

from eventsite.extensions import db
from eventsite.registration.models import Attendee
from eventsite.registration.signup import REPEAT_WINDOW
from eventsite.registration.tokens import hash_token
from tests.helpers import attendees, confirm, csrf_token, link_to, outbox, path_of, sign_up, states


def confirm_path(email="anna@example.nl") -> str:
    return link_to(outbox("confirm", to=email)[-1], "/confirm/")


def test_get_shows_one_button_and_changes_nothing(client, open_edition):
    sign_up(client)
    page = client.get(confirm_path())
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('type="submit"') == 1 and 'method="post"' in body
    assert states() == ["pending"] and attendees()[0].confirmed_at is None
    assert [m.kind for m in outbox()] == ["confirm"]


def test_post_confirms_stores_proof_and_mails_the_personal_link(client, open_edition, clock):
    sign_up(client, sessions=["2027-noord", "2027-oost"])
    confirmed_at = clock.at(2027, 5, 2, 9)
    response = confirm(client, confirm_path())
    assert response.status_code == 302
    manage = path_of(response.headers["Location"])
    assert manage.startswith("/my/")
    [attendee] = attendees()
    assert attendee.confirmed_at == confirmed_at and attendee.confirm_ip == "127.0.0.1"
    assert states() == ["confirmed", "confirmed"]
    assert [s.confirmed_count for s in open_edition.sessions[:2]] == [1, 1]
    [welcome] = outbox("welcome")
    assert welcome.subject == "Je bent aangemeld voor Smart Industry Jaarevent 2027"
    mailed_manage = link_to(welcome, "/my/")
    assert client.get(mailed_manage).status_code == 200
    assert "/my/" in welcome.text_body and "/join/2027-noord" in welcome.text_body
    assert "15.00–16.30 uur" in welcome.text_body
    # Only hashes are stored.
    token = mailed_manage.split("/")[2]
    assert len(token) >= 43 and token not in (attendee.manage_token_hash or "")
    assert db.session.scalar(db.select(Attendee).filter_by(manage_token_hash=hash_token(token)))


def test_confirming_twice_is_harmless(client, open_edition, clock):
    sign_up(client)
    path = confirm_path()
    confirm(client, path)
    clock.set(clock.at(2027, 5, 1, 12) + REPEAT_WINDOW + timedelta(seconds=1))
    # A used link shows no button any more (test_registration_consent); a replayed POST:
    again = client.post(path, data={"csrf_token": csrf_token(client, "/register/resend")})
    assert again.status_code == 200
    assert "al gebruikt" in again.get_data(as_text=True)
    assert "al bevestigd" in again.get_data(as_text=True)
    assert again.get_data(as_text=True).count("niets veranderd") == 1  # said once
    # Opened again (GET): the same page, in English too.
    assert client.get(path).get_data(as_text=True).count("niets veranderd") == 1
    assert client.get(f"{path}?lang=en").get_data(as_text=True).lower().count("nothing has") == 1
    assert states() == ["confirmed"] and open_edition.sessions[0].confirmed_count == 1
    assert len(outbox("welcome")) == 1


def test_expired_token_shows_a_clear_page_and_changes_nothing(client, open_edition, clock):
    sign_up(client)
    path = confirm_path()
    clock.set(clock.at(2027, 5, 1, 12) + timedelta(hours=48, seconds=1))
    page = client.get(path)
    assert page.status_code == 400 and "verlopen" in page.get_data(as_text=True)
    token = csrf_token(client, "/register/resend")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 400 and "/register/resend" in response.get_data(as_text=True)
    assert states() == ["pending"] and attendees()[0].confirmed_at is None


def test_token_still_works_just_before_it_expires(client, open_edition, clock):
    sign_up(client)
    clock.set(clock.at(2027, 5, 1, 12) + timedelta(hours=47, minutes=59))
    assert confirm(client, confirm_path()).status_code == 302


def test_forged_and_damaged_tokens_are_refused(client, open_edition):
    sign_up(client)
    path = confirm_path()
    forged_payload = path[:-5] + ("AAAAA" if not path.endswith("AAAAA") else "BBBBB")
    for bad in (forged_payload, "/confirm/nonsense", "/confirm/eyJhIjoxfQ.abc.def"):
        page = client.get(bad)
        assert page.status_code == 400 and "niet geldig" in page.get_data(as_text=True)
    token = csrf_token(client, "/register/resend")
    client.post(forged_payload, data={"csrf_token": token})
    assert states() == ["pending"]


def test_token_for_another_address_with_a_reused_id_is_refused(client, open_edition, app):
    sign_up(client, email="first@example.nl")
    path = confirm_path("first@example.nl")
    attendee = attendees()[0]
    attendee.email = "someone.else@example.nl"  # as if erased and the id reused
    db.session.commit()
    assert client.get(path).status_code == 400


def test_confirm_without_csrf_changes_nothing(client, open_edition):
    sign_up(client)
    response = client.post(confirm_path())
    assert response.status_code in (200, 400)
    assert states() == ["pending"]


def test_confirmed_person_signing_up_again_gets_their_link_and_confirms_new_sessions(
    client, open_edition
):
    sign_up(client)
    confirm(client, confirm_path())
    again = sign_up(client, sessions=["2027-noord", "2027-zuid"], name="Someone Else")
    assert again.headers["Location"] == "/register/sent"
    assert len(attendees()) == 1 and attendees()[0].name == "Anna de Vries"
    [already] = outbox("already")
    assert already.subject == "Je bent al aangemeld"
    assert client.get(link_to(already, "/my/")).status_code == 200
    assert "Robotisering in het mkb" in already.text_body
    assert states() == ["confirmed", "pending"]
    confirm(client, link_to(already, "/confirm/"))
    assert states() == ["confirmed", "confirmed"]
    assert open_edition.sessions[0].confirmed_count == 1


def test_resend_mails_a_new_confirm_link_and_is_neutral(client, open_edition):
    sign_up(client)
    token = csrf_token(client, "/register/resend")
    known = client.post("/register/resend", data={"csrf_token": token, "email": "anna@example.nl"})
    unknown = client.post("/register/resend", data={"csrf_token": token, "email": "who@example.nl"})
    assert known.headers["Location"] == unknown.headers["Location"] == "/register/sent"
    assert len(outbox("confirm")) == 2 and outbox(to="who@example.nl") == []
    confirm(client, confirm_path())
    client.post("/register/resend", data={"csrf_token": token, "email": "anna@example.nl"})
    assert client.get(link_to(outbox("already")[-1], "/my/")).status_code == 200


def test_asking_for_the_personal_link_is_not_called_signing_up_again(client, open_edition):
    """The button "Mail me my personal link" brought "Iemand, waarschijnlijk jij, heeft zich opnieuw
    aangemeld met dit adres": the person had only asked for their link."""
    sign_up(client)
    confirm(client, confirm_path())
    token = csrf_token(client, "/register/resend")
    client.post("/register/resend", data={"csrf_token": token, "email": "Anna@Example.nl "})
    [mail] = outbox("already")
    assert mail.subject == "Je persoonlijke link"
    assert "opnieuw aangemeld" not in mail.text_body
    assert "heeft de persoonlijke link van dit adres opgevraagd" in mail.text_body
    assert "heeft de persoonlijke link van dit adres opgevraagd" in mail.html_body
    assert client.get(link_to(mail, "/my/")).status_code == 200
    sign_up(client)  # the form again: that is signing up again
    assert "opnieuw aangemeld" in outbox("already")[-1].text_body


def test_a_session_closed_since_the_sign_up_is_not_confirmed(client, open_edition, clock):
    sign_up(client, sessions=["2027-noord", "2027-oost"])
    path = confirm_path()
    open_edition.sessions[0].registration_closes_at = clock.at(2027, 5, 1, 13)
    db.session.commit()
    clock.at(2027, 5, 1, 14)
    response = confirm(client, path)
    assert response.status_code == 302
    assert states() == ["cancelled", "confirmed"]
    # Said on the page it leads to: "Je bent aangemeld" alone read as both sessions.
    page = client.get(path_of(response.headers["Location"])).get_data(as_text=True)
    assert "Je bent aangemeld." in page
    assert (
        "Niet bevestigd: de aanmelding is gesloten of de sessie is geannuleerd: "
        "Digitaliseren begint bij je mensen." in page
    )


def test_confirm_page_names_each_sessions_day_once(client, open_edition):
    """The confirmation page said "maandag 31 mei 2027, ma 31 mei, 15.00–16.30 uur"."""
    sign_up(client, sessions=["2027-noord", "2027-oost"])
    body = client.get(confirm_path()).get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", body).split())
    assert "maandag 31 mei 2027, 15.00–16.30 uur" in text
    assert "dinsdag 1 juni 2027, 15.00–16.30 uur" in text
    assert "ma 31 mei" not in text and "di 1 jun" not in text
    sign_up(client, lang="en", email="ben@example.com", sessions=["2027-noord"])
    body = client.get(confirm_path("ben@example.com") + "?lang=en").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", body).split())
    assert "Monday, 31 May 2027, 15:00–16:30" in text and "Mon 31 May" not in text
