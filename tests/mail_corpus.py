"""A corpus of the mails the site sends, built by driving the real flows, as received over SMTP."""

from datetime import timedelta
from email.message import EmailMessage

from eventsite import clock as site_clock
from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.messaging import services as messaging
from eventsite.messaging.compose import Draft
from eventsite.organisers.accounts import queue_password_mail
from eventsite.organisers.models import Organiser
from eventsite.programme.models import CANCELLED, Edition, ProgrammeSession
from eventsite.programme.signals import session_cancelled, session_changed
from eventsite.registration.housekeeping import send_reminder
from eventsite.registration.interest import announce
from eventsite.registration.models import CONFIRMED, Registration
from tests import factories
from tests.helpers import confirm, csrf_token, manage_path, path_to, sign_up


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
    client.post(f"{personal}/drop/2027-noord", data={"csrf_token": csrf_token(client, personal)})
    smtp.wait_for("anna@example.nl", 6)
    cancel_page = f"{personal}/cancel"
    client.post(cancel_page, data={"csrf_token": csrf_token(client, cancel_page)})
    smtp.wait_for("anna@example.nl", 7)
    organiser = make_organiser(email="olga@example.nl")
    queue_password_mail(organiser, "welcome", "nl")
    queue_password_mail(organiser, "reset", "en")
    db.session.commit()
    send_queued()
    smtp.wait_for("olga@example.nl", 2)
    # "Keep me posted": the confirmation link, then the edition's announcement (bulk mail).
    asked = "/keep-me-posted?lang=en"
    data = {"csrf_token": csrf_token(client, asked), "email": "kees@example.nl", "consent": "y"}
    client.post(asked, data=data)
    confirm(client, path_to(smtp.wait_for("kees@example.nl", 1)[0], "/keep-me-posted/confirm/"))
    with unit_of_work():
        announce(db.session.scalar(db.select(Edition).filter_by(year=2027)))
    send_queued()
    smtp.wait_for("kees@example.nl", 2)
    return list(smtp.messages)


def build_full_corpus(client, smtp, make_organiser) -> list[EmailMessage]:
    """``build_corpus``, and the mails the organisers and the worker cause: a reminder, an
    updated session (REQUEST, SEQUENCE raised) and a cancelled one (CANCEL, and the mail to
    the one on its waiting list), an organiser message and the recording mail (bulk mail with
    List-Unsubscribe)."""
    corpus = build_corpus(client, smtp, make_organiser)
    sign_up(client, email="bob@example.nl", sessions=["2027-noord", "2027-oost"], lang="en")
    confirm(client, path_to(smtp.wait_for("bob@example.nl", 1)[0], "/confirm/"))
    smtp.wait_for("bob@example.nl", 4)
    noord, oost = _session("2027-noord"), _session("2027-oost")
    organiser = db.session.scalar(db.select(Organiser).filter_by(email="olga@example.nl"))
    with unit_of_work():
        reminded = db.session.scalar(
            db.select(Registration).filter_by(session_id=noord.id, state=CONFIRMED)
        )
    send_reminder(reminded.id)
    factories.registration(oost, "wim@example.nl", name="Wim Wachter", state="waiting")
    db.session.commit()
    with unit_of_work():
        noord.apply_changes(title="Digitaliseren begint bij je mensen – en je klanten")
        session_changed.send(noord)
        oost.apply_changes(status=CANCELLED)
        session_cancelled.send(oost)
    with unit_of_work():
        draft = Draft(
            subject_nl="Praktische informatie",
            body_nl="Morgen is de sessie. Neem je vragen mee; tot dan!",
            subject_en="Practical information",
            body_en="The session is tomorrow. Bring your questions; see you then!",
        )
        messaging.send_message(noord, organiser, "confirmed", draft, key="corpus-message")
    # The recording mail goes once the session is over (callers have the clock fixture).
    site_clock.set_frozen(noord.end_at + timedelta(days=1))
    with unit_of_work():
        noord.recording_url = "https://video.example/jaarevent-2027-noord"
        messaging.send_recording(noord, organiser, key="corpus-recording")
    send_queued()
    smtp.wait_for("bob@example.nl", 9)
    smtp.wait_for("wim@example.nl", 1)
    return corpus + list(smtp.messages)[len(corpus) :]


def _session(slug: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
