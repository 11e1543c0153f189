"""Consent belongs to the address owner: a confirmation link confirms exactly what was
submitted with it, the page says what that is, and a used link gives no more access.
Mails to an address nobody has confirmed carry none of the visitor's free text."""

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.registration import signup
from eventsite.registration.models import Attendee, SignupRequest
from tests.helpers import attendees, confirm, csrf_token, link_to, outbox, path_of, sign_up, states

STRANGER = {
    "name": "Mallory http://evil.example/win",
    "organisation": "Evil Corp",
    "newsletter": "y",
    "sessions": ["2027-oost"],
}


def confirm_link(index: int = -1, email: str = "anna@example.nl") -> str:
    return link_to(outbox("confirm", to=email)[index], "/confirm/")


def test_a_strangers_resubmission_does_not_change_what_the_owners_link_confirms(
    client, open_edition
):
    sign_up(client)  # Anna: noord, no newsletter
    owners_link = confirm_link()
    sign_up(client, **STRANGER)  # someone else, with Anna's address
    assert len(outbox("confirm")) == 2

    response = confirm(client, owners_link)
    assert response.status_code == 302
    [anna] = attendees()
    assert anna.name == "Anna de Vries" and anna.organisation == "De Vries Metaal B.V."
    assert anna.newsletter is False
    # Only what Anna chose is confirmed; the stranger's session stays unconfirmed.
    by_slug = {r.session.slug: r.state for r in anna.registrations}
    assert by_slug == {"2027-noord": "confirmed", "2027-oost": "pending"}


def test_the_confirm_page_shows_what_is_being_confirmed(client, open_edition):
    sign_up(client, sessions=["2027-noord", "2027-oost"], newsletter="y")
    sign_up(client, **STRANGER)
    owners = client.get(confirm_link(0)).get_data(as_text=True)
    assert "Anna de Vries" in owners and "De Vries Metaal B.V." in owners
    assert "Digitaliseren begint bij je mensen" in owners  # the noord session's title
    assert "Slim produceren met data" in owners  # oost
    assert "nieuwsbrief: ja" in owners.lower()
    assert "Mallory" not in owners
    strangers = client.get(confirm_link(1)).get_data(as_text=True)
    assert "Mallory" in strangers and "Digitaliseren begint bij je mensen" not in strangers


def test_the_strangers_link_shows_the_strangers_data_before_anything_is_confirmed(
    client, open_edition
):
    sign_up(client)
    sign_up(client, **STRANGER)
    page = client.get(confirm_link(1)).get_data(as_text=True)
    assert "Mallory" in page and "Evil Corp" in page and "nieuwsbrief: ja" in page.lower()
    assert "Slim produceren met data" in page and "Digitaliseren" not in page
    assert states() == ["pending", "pending"]


def test_a_used_confirm_link_gives_no_more_access(client, open_edition, clock):
    sign_up(client)
    link = confirm_link()
    assert confirm(client, link).status_code == 302
    # Later (past a double click's REPEAT_WINDOW) the person, or anyone, signs up for
    # another session with the same address.
    clock.at(2027, 5, 1, 13)
    sign_up(client, sessions=["2027-oost"])
    # The page has no button any more; a POST with a valid token (from another form).
    again = client.post(link, data={"csrf_token": csrf_token(client, "/register/resend")})
    assert again.status_code == 200
    assert "/my/" not in again.headers.get("Location", "")
    body = again.get_data(as_text=True)
    assert "al gebruikt" in body and "/register/resend" in body
    assert "/my/" not in body
    assert sorted(states()) == ["confirmed", "pending"]
    page = client.get(link).get_data(as_text=True)
    assert "al gebruikt" in page and "button-large" not in page  # no confirm button


def test_a_double_click_on_the_button_confirms_once(client, open_edition):
    """The browser shows only the second answer: it is the personal page, as the first was."""
    sign_up(client)
    link = confirm_link()
    token = csrf_token(client, link)
    first = client.post(link, data={"csrf_token": token})
    second = client.post(link, data={"csrf_token": token})
    assert first.status_code == 302 and path_of(first.headers["Location"]).startswith("/my/")
    assert second.status_code == 302 and path_of(second.headers["Location"]).startswith("/my/")
    assert states() == ["confirmed"] and len(outbox("welcome")) == 1


def test_resend_mails_a_link_that_shows_what_it_confirms(client, open_edition):
    sign_up(client, sessions=["2027-oost"])
    token = csrf_token(client, "/register/resend")
    client.post("/register/resend", data={"csrf_token": token, "email": "anna@example.nl"})
    page = client.get(confirm_link()).get_data(as_text=True)
    assert "Anna de Vries" in page and "Slim produceren met data" in page
    assert "Digitaliseren begint bij je mensen" not in page
    assert confirm(client, confirm_link()).status_code == 302
    assert states() == ["confirmed"]


def test_the_confirmation_mail_carries_none_of_the_typed_text(client, open_edition):
    sign_up(client, name="Win een iPhone op http://evil.example", organisation="www.evil.example")
    [mail] = outbox("confirm")
    for body in (mail.text_body, mail.html_body):
        assert "evil.example" not in body and "iPhone" not in body
    assert "Hallo," in mail.text_body and "Hallo," in mail.html_body


def test_a_name_with_cr_lf_never_reaches_the_mail(app, open_edition):
    """Through the service, past the form's own check (which refuses CR/LF)."""
    data = signup.SignUp(
        name="Anna\r\n\r\nKlik op http://evil.example/login",
        email="anna@example.nl",
        organisation="Evil\r\nCorp",
    )
    with unit_of_work():
        signup.sign_up(open_edition, data, [open_edition.sessions[0]])
    [mail] = outbox("confirm")
    for body in (mail.text_body, mail.html_body, mail.subject):
        assert "evil.example" not in body and "Klik op" not in body and "Evil" not in body


def test_the_already_registered_mail_carries_none_of_the_typed_text(client, open_edition):
    sign_up(client)
    confirm(client, confirm_link())
    sign_up(client, name="Bezoek http://evil.example nu", sessions=["2027-oost"])
    [already] = outbox("already")
    for body in (already.text_body, already.html_body):
        assert "evil.example" not in body and "Anna de Vries" not in body
    assert "Hallo," in already.text_body
    # The owner's confirmation of the new session does not take the stranger's name.
    confirm(client, link_to(already, "/confirm/"))
    db.session.expire_all()
    anna = db.session.scalar(db.select(Attendee))
    assert anna.name == "Anna de Vries"
    assert sorted(states()) == ["confirmed", "confirmed"]


def test_consent_proof_is_that_of_the_confirmed_sign_up(client, open_edition, clock):
    first = clock.at(2027, 5, 1, 12)
    sign_up(client)
    owners_link = confirm_link()
    clock.at(2027, 5, 1, 13)
    sign_up(client, **STRANGER, lang="en")
    confirm(client, owners_link)
    [anna] = attendees()
    assert anna.language == "nl"
    assert anna.created_at == first


def test_purge_removes_old_sign_up_requests(client, runner, open_edition, clock):
    sign_up(client)
    confirm(client, confirm_link())
    sign_up(client, **STRANGER)  # a stranger's request for a confirmed address
    assert len(db.session.scalars(db.select(SignupRequest)).all()) == 2
    clock.at(2027, 5, 9, 12)
    result = runner.invoke(args=["registrations", "purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalars(db.select(SignupRequest)).all() == []
    assert attendees()[0].name == "Anna de Vries"


def test_the_data_download_lists_every_sign_up_request(client, open_edition):
    sign_up(client)
    owners_link = confirm_link()
    sign_up(client, **STRANGER)
    manage = path_of(confirm(client, owners_link).headers["Location"])
    data = client.get(f"{manage}/data.json").get_json()
    requests = data["sign_up_requests"]
    assert [r["name"] for r in requests] == ["Anna de Vries", STRANGER["name"]]
    assert (
        requests[0]["confirmed_with_its_link_at"] and not requests[1]["confirmed_with_its_link_at"]
    )
    assert requests[1]["sessions"] == ["Slim produceren met data"]
