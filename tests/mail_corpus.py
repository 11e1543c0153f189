"""A corpus of the mails the site sends, built by driving the real flows, as received over SMTP."""

from email.message import EmailMessage

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.organisers.accounts import queue_password_mail
from eventsite.programme.models import Edition
from eventsite.registration.interest import announce
from tests.registration_helpers import confirm, csrf_from, sign_up
from tests.test_registration_mail import manage_path, path_to


def build_corpus(client, smtp, make_organiser) -> list[EmailMessage]:
    """Confirm request, welcome (one PUBLISH file) and an invite mail per session (REQUEST),
    already signed up (an accented name), a dropped session (CANCEL), the cancelled
    registration, organiser welcome and reset, "keep me posted" confirmation and announcement."""
    sign_up(client, email="anna@example.nl", sessions=["2027-noord", "2027-oost"])
    confirm(client, path_to(smtp.wait_for("anna@example.nl", 1)[0], "/confirm/"))
    welcome = smtp.wait_for("anna@example.nl", 4)[1]
    sign_up(client, email="anna@example.nl", sessions=["2027-noord"], name="Anna Ëlsbeth")
    smtp.wait_for("anna@example.nl", 5)
    personal = manage_path(welcome)
    client.post(f"{personal}/drop/2027-noord", data={"csrf_token": csrf_from(client, personal)})
    smtp.wait_for("anna@example.nl", 6)
    cancel_page = f"{personal}/cancel"
    client.post(cancel_page, data={"csrf_token": csrf_from(client, cancel_page)})
    smtp.wait_for("anna@example.nl", 7)
    organiser = make_organiser(email="olga@example.nl")
    queue_password_mail(organiser, "welcome", "nl")
    queue_password_mail(organiser, "reset", "en")
    db.session.commit()
    send_queued()
    smtp.wait_for("olga@example.nl", 2)
    # "Keep me posted": the confirmation link, then the edition's announcement (bulk mail).
    asked = "/keep-me-posted?lang=en"
    data = {"csrf_token": csrf_from(client, asked), "email": "kees@example.nl", "consent": "y"}
    client.post(asked, data=data)
    confirm(client, path_to(smtp.wait_for("kees@example.nl", 1)[0], "/keep-me-posted/confirm/"))
    with unit_of_work():
        announce(db.session.scalar(db.select(Edition).filter_by(year=2027)))
    send_queued()
    smtp.wait_for("kees@example.nl", 2)
    return list(smtp.messages)
