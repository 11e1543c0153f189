"""Someone's place taken or given up is not a change of the session: its calendar entries
and the mails that show it stay as they were (reused, not rendered again), while the
programme pages, which show the places left, get a newer version and Last-Modified."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.helpers import confirm, link_to, outbox, post_button, sign_up, signed_up_and_confirmed

SIGN_UP_MAIL = "mail/registration_confirm.txt"
INVITE_MAIL = "mail/ical_invite.txt"
FEED = "/editions/2027/calendar.ics"
PAGE = "/sessions/2027-noord"


@pytest.fixture
def edition_with_places(make_edition, clock):
    """The 2027 edition, 50 places a session, its sessions made at 12:00 on 1 May 2027."""
    clock.at(2027, 5, 1, 12)
    return make_edition(year=2027, capacity=50)


def noord() -> ProgrammeSession:
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))
    db.session.refresh(session)
    return session


def noord_event(feed: bytes):
    [event] = [
        e for e in Calendar.from_ical(feed).walk("VEVENT") if "2027-noord" in str(e["URL"])
    ]
    return event


def test_a_place_taken_changes_the_page_but_not_the_calendar_entry(
    app, client, edition_with_places, clock
):
    visitor = app.test_client()  # another visitor, without the sign-up's cookie
    feed_before = visitor.get(FEED).data
    page_before = visitor.get(PAGE)
    made = noord().updated_at

    clock.at(2027, 5, 1, 13)
    signed_up_and_confirmed(client, "anna@example.nl")

    session = noord()
    assert session.confirmed_count == 1
    assert session.updated_at == made
    assert session.places_changed_at == datetime(2027, 5, 1, 13, tzinfo=UTC)
    event = noord_event(visitor.get(FEED).data)
    assert event["LAST-MODIFIED"].dt == noord_event(feed_before)["LAST-MODIFIED"].dt == made
    assert event["DTSTAMP"].dt == made
    # The page shows one place less: a browser holding the old copy must not keep it.
    page = visitor.get(PAGE, headers={"If-Modified-Since": page_before.headers["Last-Modified"]})
    assert page.status_code == 200
    assert page.last_modified == datetime(2027, 5, 1, 13, tzinfo=UTC)
    assert page.headers["ETag"] != page_before.headers["ETag"]


def test_a_place_given_up_changes_the_page_but_not_the_calendar_entry(
    app, client, edition_with_places, clock
):
    manage = signed_up_and_confirmed(client, "anna@example.nl")
    made = noord().updated_at
    visitor = app.test_client()
    page_before = visitor.get(PAGE)

    clock.at(2027, 5, 2, 9)
    assert post_button(client, manage, f"{manage}/drop/2027-noord").status_code == 302

    session = noord()
    assert session.confirmed_count == 0
    assert session.updated_at == made
    assert session.places_changed_at == datetime(2027, 5, 2, 9, tzinfo=UTC)
    page = visitor.get(PAGE, headers={"If-Modified-Since": page_before.headers["Last-Modified"]})
    assert page.status_code == 200
    assert page.last_modified == datetime(2027, 5, 2, 9, tzinfo=UTC)


def test_the_sign_up_mail_and_invite_are_rendered_once_through_other_peoples_places(
    client, edition_with_places, clock, renders
):
    clock.at(2027, 5, 1, 13)
    signed_up_and_confirmed(client, "anna@example.nl")
    assert renders.count(SIGN_UP_MAIL) == 1 and renders.count(INVITE_MAIL) == 1

    clock.at(2027, 5, 1, 14)
    sign_up(client, email="bert@example.nl")
    assert renders.count(SIGN_UP_MAIL) == 1  # Anna's place changed nothing Bert reads
    [mail] = outbox("confirm", to="bert@example.nl")
    assert confirm(client, link_to(mail, "/confirm/")).status_code == 302
    assert renders.count(INVITE_MAIL) == 1

    # The reused renderings carry Bert's own link and calendar data, not Anna's.
    [anna_invite] = outbox("ical-invite", to="anna@example.nl")
    [invite] = outbox("ical-invite", to="bert@example.nl")
    assert "bert@example.nl" in invite.attachments[0].content.decode()
    assert link_to(invite, "/my/") != link_to(anna_invite, "/my/")


def test_an_edit_of_the_session_still_renders_the_mails_anew(
    client, edition_with_places, clock, renders, app
):
    signed_up_and_confirmed(client, "anna@example.nl")
    clock.at(2027, 5, 1, 14)
    session = noord()
    session.apply_changes(title="Nieuwe titel van de sessie")
    db.session.commit()

    sign_up(client, email="bert@example.nl")
    assert renders.count(SIGN_UP_MAIL) == 2
    [mail] = outbox("confirm", to="bert@example.nl")
    assert "Nieuwe titel van de sessie" in mail.text_body
