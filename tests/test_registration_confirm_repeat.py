"""A double click on "confirm": the browser shows only the second answer, so within
``REPEAT_WINDOW`` of its use the link answers as it did (the personal page); later, or when
its use opened no personal page, "already used"."""

from datetime import timedelta

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.registration import signup
from eventsite.registration.models import ManageToken
from eventsite.registration.signup import REPEAT_WINDOW
from tests.helpers import (
    confirm,
    csrf_token,
    link_to,
    outbox,
    path_of,
    run_at_once,
    sign_up,
    signed_up_and_confirmed,
    states,
)


def confirm_link(email: str = "anna@example.nl") -> str:
    return link_to(outbox("confirm", to=email)[-1], "/confirm/")


def press_again(client, link: str):
    """The second POST of a double click: the token of the page the button was on."""
    return client.post(link, data={"csrf_token": csrf_token(client, "/register/resend")})


def test_a_second_press_soon_after_lands_on_the_personal_page(client, open_edition, clock):
    sign_up(client)
    link = confirm_link()
    first = confirm(client, link)
    mails = len(outbox())
    clock.set(clock.at(2027, 5, 1, 12) + REPEAT_WINDOW - timedelta(seconds=1))
    second = press_again(client, link)
    assert second.status_code == 302
    page_path = path_of(second.headers["Location"])
    assert page_path.startswith("/my/") and page_path != path_of(first.headers["Location"])
    page = client.get(page_path).get_data(as_text=True)
    assert "al gebruikt" not in page and "Slim produceren met data" in page
    assert page.count('class="flash flash-success"') == 1  # the first answer's message, once
    # Nothing confirmed or mailed twice; the new personal link is one more of the person's.
    assert states() == ["confirmed"] and open_edition.sessions[0].confirmed_count == 1
    assert len(outbox("welcome")) == 1 and len(outbox()) == mails
    assert db.session.query(ManageToken).count() == 2


def test_after_the_window_the_link_is_used(client, open_edition, clock):
    sign_up(client)
    link = confirm_link()
    assert confirm(client, link).status_code == 302
    clock.set(clock.at(2027, 5, 1, 12) + REPEAT_WINDOW + timedelta(seconds=1))
    again = press_again(client, link)
    assert again.status_code == 200 and "/my/" not in again.headers.get("Location", "")
    body = again.get_data(as_text=True)
    assert "al gebruikt" in body and "/my/" not in body
    assert db.session.query(ManageToken).count() == 1 and len(outbox("welcome")) == 1


def test_a_link_whose_use_opened_no_personal_page_opens_none_when_pressed_again(
    client, open_edition, clock
):
    """Its sessions were confirmed on the personal page before: the link said "already
    confirmed" and a second press, however soon, gives no personal page either."""
    manage = signed_up_and_confirmed(client, "anna@example.nl")
    sign_up(client, sessions=["2027-oost"])
    link = link_to(outbox("already")[-1], "/confirm/")
    client.post(f"{manage}/confirm", data={"csrf_token": csrf_token(client, manage)})
    assert states() == ["confirmed", "confirmed"]
    clock.at(2027, 5, 1, 12, 1)  # a minute later, the link in the mail
    first = confirm(client, link)
    assert first.status_code == 200 and "al bevestigd" in first.get_data(as_text=True)
    second = press_again(client, link)
    assert second.status_code == 200 and "al gebruikt" in second.get_data(as_text=True)
    assert "/my/" not in second.headers.get("Location", "")


def test_a_second_press_after_dropping_the_session_is_used(client, open_edition):
    """What the first use gave is gone: nothing to show a second time."""
    sign_up(client)
    link = confirm_link()
    manage = path_of(confirm(client, link).headers["Location"])
    client.post(f"{manage}/drop/2027-noord", data={"csrf_token": csrf_token(client, manage)})
    assert states() == ["cancelled"]
    assert "al gebruikt" in press_again(client, link).get_data(as_text=True)


def test_two_presses_at_once_confirm_once_and_both_open_the_personal_page(
    app, client, open_edition
):
    """The second waits on the first's lock, then reads the link used: the same answer."""
    sign_up(client)
    token = confirm_link().rsplit("/", 1)[1]

    def press():
        with unit_of_work():
            result = signup.confirm(token, "127.0.0.1")
            return result.error, result.manage_token is not None, len(result.confirmed)

    assert run_at_once(app, [press, press]) == [(None, True, 1), (None, True, 1)]
    assert states() == ["confirmed"] and open_edition.sessions[0].confirmed_count == 1
    assert len(outbox("welcome")) == 1
