"""The personal page: sessions, add and drop, cancel, data download, erase, join links."""

import json
import re
from datetime import timedelta

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.programme.models import CANCELLED
from eventsite.registration.attendees import attendee_for_token
from tests.helpers import (
    attendees,
    csrf_token,
    outbox,
    post_button,
    sign_up,
    signed_up_and_confirmed,
    states,
)

STREAM = "https://stream.example/secret-room-123"


def test_personal_page_lists_sessions_and_is_private(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    response = client.get(manage)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Anna de Vries" in page and "Digitaliseren begint bij je mensen" in page
    # The join button only shows once it opens; until then, when it does.
    assert f"{manage}/join/2027-noord" not in page
    assert "Gaat open op maandag 31 mei 2027, 14.30 uur" in page
    assert "Robotisering in het mkb" in page  # can be added


def test_unknown_or_forged_token_is_404(client, open_edition):
    signed_up_and_confirmed(client, "anna@example.nl")
    for path in ("/my/nonsense", "/my/" + "A" * 43, "/my/" + "x" * 500):
        assert client.get(path).status_code == 404
    assert attendee_for_token("") is None


def test_add_and_drop_sessions(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    post_button(client, manage, f"{manage}/add/2027-zuid")
    assert states() == ["confirmed", "confirmed"]
    assert open_edition.sessions[2].confirmed_count == 1
    post_button(client, manage, f"{manage}/add/2027-zuid")  # double click
    assert states() == ["confirmed", "confirmed"]
    post_button(client, manage, f"{manage}/drop/2027-noord")
    db.session.expire_all()
    assert states() == ["cancelled", "confirmed"]
    assert open_edition.sessions[0].confirmed_count == 0
    assert outbox("cancelled")[-1].recipient == "anna@example.nl"
    post_button(client, manage, f"{manage}/add/2027-noord")  # and back again
    assert states() == ["confirmed", "confirmed"]


def test_removing_a_session_asks_first(client, open_edition):
    """One tap on "Deze sessie weghalen" opens a confirming page; only its button drops."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-oost"])
    page = client.get(manage).get_data(as_text=True)
    # A link to the confirming page, no form that drops at once.
    assert f'href="{manage}/drop/2027-noord"' in page
    assert f'action="{manage}/drop/' not in page
    asked = client.get(f"{manage}/drop/2027-noord")
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store"
    html = asked.get_data(as_text=True)
    assert "Deze sessie weghalen?" in html and "Digitaliseren begint bij je mensen" in html
    assert "Je geeft je plek in deze sessie op." in html
    assert "Je andere sessies blijven zoals ze zijn." in html
    assert f'href="{manage}"' in html  # "Terug"
    assert states() == ["confirmed", "confirmed"] and outbox("cancelled") == []
    done = post_button(client, f"{manage}/drop/2027-noord", f"{manage}/drop/2027-noord")
    assert done.headers["Location"] == manage
    assert "De sessie is uit je aanmelding gehaald." in client.get(manage).get_data(as_text=True)
    db.session.expire_all()
    assert states() == ["cancelled", "confirmed"]
    # Asked again for a session no longer held: back to the personal page.
    again = client.get(f"{manage}/drop/2027-noord")
    assert again.status_code == 302 and again.headers["Location"] == manage


def test_removing_a_waiting_list_place_says_so(client, open_edition):
    open_edition.sessions[0].capacity = 0
    db.session.commit()
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    assert states() == ["waiting"]
    html = client.get(f"{manage}/drop/2027-noord?lang=en").get_data(as_text=True)
    assert "You leave the waiting list of this session." in html
    assert "other sessions" not in html  # there are none


def test_the_mail_after_leaving_a_waiting_list_does_not_speak_of_a_place(client, open_edition):
    """It said "Zoals je vroeg, heb je geen plek meer in:" to someone who only waited."""
    open_edition.sessions[1].capacity = 0
    db.session.commit()
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-oost"])
    sign_up(client, sessions=["2027-zuid"], email="anna@example.nl")
    assert states() == ["confirmed", "waiting", "pending"]
    post_button(client, f"{manage}/drop/2027-oost", f"{manage}/drop/2027-oost")
    dropped = outbox("cancelled")[-1].text_body
    assert "Zoals je vroeg, sta je niet meer op de wachtlijst voor:" in dropped
    assert "geen plek" not in dropped and "Slim produceren met data" in dropped
    post_button(client, manage, f"{manage}/add/2027-oost")
    post_button(client, f"{manage}/cancel", f"{manage}/cancel")
    everything = outbox("cancelled")[-1]
    text = " ".join(everything.text_body.split())
    assert everything.subject == "Je aanmelding is geannuleerd"
    assert (
        "Zoals je vroeg, is je aanmelding geannuleerd. Je hebt geen plek meer in: "
        "- Digitaliseren begint bij je mensen" in text
    )
    assert "Je staat niet meer op de wachtlijst voor: - Slim produceren met data" in text
    assert "Nog niet bevestigd, en niet meer in je aanmelding: - Robotisering in het mkb" in text
    html = " ".join(re.sub(r"<[^>]+>", " ", everything.html_body).split())
    assert "Je staat niet meer op de wachtlijst voor:" in html


def test_a_session_cancelled_by_the_organisers_offers_no_remove(client, open_edition):
    """The personal page offered "Deze sessie weghalen" for a cancelled session; its page
    said the place would go to the waiting list, and its button silently did nothing."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-oost"])
    open_edition.sessions[0].status = CANCELLED
    db.session.commit()
    page = client.get(manage).get_data(as_text=True)
    assert "Geannuleerd door de organisatie" in page
    assert f'href="{manage}/drop/2027-noord"' not in page
    assert f'href="{manage}/drop/2027-oost"' in page
    asked = client.get(f"{manage}/drop/2027-noord")
    assert asked.status_code == 302 and asked.headers["Location"] == manage


def test_confirming_from_the_personal_page_says_what_became_of_each_session(
    client, open_edition, clock
):
    """The button said "Je sessies zijn bevestigd." also when a session was full (waiting list) or
    had closed (not signed up at all)."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    open_edition.sessions[1].capacity = 0
    db.session.commit()
    sign_up(client, sessions=["2027-oost"], email="anna@example.nl")
    post_button(client, manage, f"{manage}/confirm")
    page = client.get(manage).get_data(as_text=True)
    assert "Je sessies zijn bevestigd." not in page
    assert "Je staat op de wachtlijst: er was geen plek meer." in page
    assert states() == ["confirmed", "waiting"]
    sign_up(client, sessions=["2027-zuid"], email="anna@example.nl")
    open_edition.sessions[2].registration_closes_at = clock.at(2027, 5, 1, 13)
    db.session.commit()
    clock.at(2027, 5, 1, 14)
    post_button(client, manage, f"{manage}/confirm")
    page = client.get(manage).get_data(as_text=True)
    assert "Je sessies zijn bevestigd." not in page
    assert "Niet bevestigd: de aanmelding is gesloten of de sessie is geannuleerd:" in page
    assert states() == ["confirmed", "waiting", "cancelled"]


def test_actions_without_csrf_change_nothing(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    for action in ("/drop/2027-noord", "/cancel", "/add/2027-zuid", "/erase"):
        client.post(manage + action)
    assert states() == ["confirmed"] and len(attendees()) == 1


def test_cannot_add_a_closed_session(client, open_edition, clock):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-zuid"])
    clock.set(open_edition.sessions[0].start_at)
    response = post_button(client, manage, f"{manage}/add/2027-noord")
    assert "gesloten" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert states() == ["confirmed"]


def test_cancel_everything_keeps_data_until_erased(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-oost"])
    assert client.get(f"{manage}/cancel").status_code == 200 and states() == ["confirmed"] * 2
    post_button(client, f"{manage}/cancel", f"{manage}/cancel")
    assert states() == ["cancelled", "cancelled"]
    assert [s.confirmed_count for s in open_edition.sessions[:2]] == [0, 0]
    assert "Je aanmelding is geannuleerd" in outbox("cancelled")[-1].subject
    assert client.get(manage).status_code == 200


def test_cancelling_everything_once_the_sessions_are_past_says_nothing_changed(
    client, open_edition, clock
):
    """After the session "Mijn hele aanmelding annuleren" was still offered, and its button
    said "Je aanmelding is geannuleerd." while the place stayed (it is the record of who
    came)."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    clock.set(open_edition.sessions[0].end_at)
    assert f'href="{manage}/cancel"' not in client.get(manage).get_data(as_text=True)
    post_button(client, f"{manage}/cancel", f"{manage}/cancel")  # a page left open
    page = client.get(manage).get_data(as_text=True)
    assert "Je aanmelding is geannuleerd." not in page
    assert "Er viel niets te annuleren" in page
    assert states() == ["confirmed"] and outbox("cancelled") == []


def test_download_my_data(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    response = client.get(f"{manage}/data.json")
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["email"] == "anna@example.nl"
    assert data["consent"]["privacy_statement_version"]
    assert data["consent"]["confirmed_from_ip"] == "127.0.0.1"
    assert data["registrations"][0]["state"] == "confirmed"


def test_erase_my_data_removes_the_person_and_their_mails(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    signed_up_and_confirmed(client, "bob@example.nl", ["2027-noord"])
    refused = post_button(client, f"{manage}/erase", f"{manage}/erase")  # box not ticked
    assert refused.status_code == 200 and len(attendees()) == 2
    response = post_button(client, f"{manage}/erase", f"{manage}/erase", really="y")
    assert response.headers["Location"] == "/erased"
    assert [a.email for a in attendees()] == ["bob@example.nl"]
    assert outbox(to="anna@example.nl") == []
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) > 0
    assert open_edition.sessions[0].confirmed_count == 1
    assert client.get(manage).status_code == 404


def test_the_erase_page_says_how_to_clear_the_calendar_first(client, open_edition, clock):
    """Erasing takes the address, so no cancellation can reach the calendar: the page says
    so while a place is in it, and links to cancelling (which sends the cancellations)."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    page = client.get(f"{manage}/erase").get_data(as_text=True)
    assert "Je sessie blijft in je agenda staan" in page
    assert f'href="{manage}/cancel"' in page
    post_button(client, f"{manage}/cancel", f"{manage}/cancel")
    assert "agenda staan" not in client.get(f"{manage}/erase").get_data(as_text=True)


def test_join_link_waits_then_redirects_to_the_current_stream(client, open_edition, clock):
    noord = open_edition.sessions[0]
    noord.stream_url = STREAM
    db.session.commit()
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    join = f"{manage}/join/2027-noord"
    early = client.get(join)
    assert early.status_code == 200 and "gaat open op" in early.get_data(as_text=True)
    assert STREAM not in early.get_data(as_text=True)
    clock.set(noord.start_at - timedelta(minutes=30))
    # Now the personal page shows the join button.
    assert f'href="{join}"' in client.get(manage).get_data(as_text=True)
    opened = client.get(join)
    assert opened.status_code == 303 and opened.headers["Location"] == STREAM
    noord.stream_url = STREAM + "-new"  # organisers change the link: nobody needs a new mail
    db.session.commit()
    assert client.get(join).headers["Location"] == STREAM + "-new"
    clock.set(noord.end_at)
    assert "afgelopen" in client.get(join).get_data(as_text=True)


def test_stream_link_is_on_no_public_page(client, open_edition):
    open_edition.sessions[0].stream_url = STREAM
    db.session.commit()
    for path in ("/", "/sessions/2027-noord", "/register", "/editions/2027"):
        assert STREAM not in client.get(path).get_data(as_text=True)


def test_join_link_of_someone_without_a_place(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    assert client.get(f"{manage}/join/2027-zuid").status_code == 404
    post_button(client, manage, f"{manage}/drop/2027-noord")
    page = client.get(f"{manage}/join/2027-noord").get_data(as_text=True)
    assert "geen plek" in page


def test_manage_page_token_works_from_every_mail(client, open_edition):
    first = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    token = csrf_token(client, "/register/resend")
    client.post("/register/resend", data={"csrf_token": token, "email": "anna@example.nl"})
    assert client.get(first).status_code == 200  # older links keep working


def test_personal_calendar_feed_from_the_page_works_with_every_mailed_token(client, open_edition):
    first = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    token = csrf_token(client, "/register/resend")
    client.post("/register/resend", data={"csrf_token": token, "email": "anna@example.nl"})
    page = client.get(first).get_data(as_text=True)
    assert f"{first}/calendar.ics" in page
    feed = client.get(f"{first}/calendar.ics")
    assert feed.status_code == 200 and "/join/2027-noord" in feed.get_data(as_text=True)
