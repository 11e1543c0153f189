"""Organisers' own mail texts: refused without the parts that make a mail work or with an
unknown or broken placeholder; never run as a template; no header injection; preview, test
mail, reset and the audit log; the edited confirmation mail goes out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventsite.extensions import db
from eventsite.mail import placeholders
from eventsite.organisers.models import AuditLog
from eventsite.registration import mail_texts
from eventsite.registration.question_models import MailText
from tests.helpers import confirm, outbox, path_to, sign_up
from tests.questions_helpers import organiser_logs_in, organiser_logs_out, save_mail_text

CONFIRM_BODY = "Goedendag,\n\nBevestig hier uw plaats bij {edition}:\n{confirm_link}\n\n{sessions}"


@pytest.fixture
def admin(client, open_edition, make_organiser):
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    return open_edition


def stored() -> list[MailText]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(MailText)))


def test_a_text_without_its_confirm_link_is_refused_naming_it(client, admin):
    body = "Goedendag,\n\nBevestig uw plaats bij {edition}."
    response = save_mail_text(client, 2027, "confirm", "nl", subject="Bevestig", body=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "De tekst moet {confirm_link} bevatten: zonder werkt de mail niet." in page
    assert "Bevestig uw plaats bij {edition}." in page  # the input is kept
    assert stored() == []


def test_an_unknown_placeholder_is_refused_naming_it(client, admin):
    body = CONFIRM_BODY + "\n{voornaam}"
    response = save_mail_text(client, 2027, "confirm", "nl", subject="Bevestig", body=body)
    assert "Onbekende invulplek {voornaam}: gebruik er een uit de lijst." in response.get_data(
        as_text=True
    )
    # The confirmation mail carries nothing the visitor typed: no name there.
    named = save_mail_text(
        client, 2027, "confirm", "nl", subject="Hoi {first_name}", body=CONFIRM_BODY
    )
    assert "Onbekende invulplek {first_name}" in named.get_data(as_text=True)
    assert stored() == []
    # So the page's hint gives an example this mail takes, not {first_name}.
    page = named.get_data(as_text=True)
    assert "Schrijf ze tussen accolades, bijvoorbeeld {confirm_link}." in page


@pytest.mark.parametrize(
    "code",
    ["{{ config.SECRET_KEY }}", "{% for x in y %}", "{first_name.__class__}", "{ 7*7 }", "open {"],
)
def test_template_code_is_refused_as_broken_syntax(client, admin, code):
    response = save_mail_text(
        client, 2027, "welcome", "nl", subject="Welkom", body=f"{code}\n{{manage_link}}"
    )
    assert "Onjuiste invulplek bij" in response.get_data(as_text=True)
    assert stored() == []


def test_a_subject_with_a_line_break_is_refused(client, admin):
    response = save_mail_text(
        client, 2027, "confirm", "nl", subject="Bevestig\r\nBcc: x@evil.example", body=CONFIRM_BODY
    )
    assert response.status_code == 200 and stored() == []
    with pytest.raises(placeholders.TextProblem) as problem:
        placeholders.check_subject("Hallo\nBcc: x@evil.example", {"first_name"})
    assert problem.value.code == "line_break"


def test_values_are_text_never_template_code_and_never_a_second_header(app, open_edition):
    values = {
        "first_name": "{{ config.SECRET_KEY }}\r\nBcc: x@evil.example",
        "name": "<script>alert(1)</script>",
        "manage_link": "https://site.example/my/abc",
    }
    with app.test_request_context():
        subject, text, html = mail_texts.render(
            "Welkom {first_name}", "Hallo {name} {first_name}\n\n{manage_link}", "nl", values
        )
    assert "\n" not in subject and "\r" not in subject
    assert subject == "Welkom {{ config.SECRET_KEY }} Bcc: x@evil.example"
    assert app.config["SECRET_KEY"] not in text + html
    assert "<script>alert(1)</script>" in text  # the plain text part is plain text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://site.example/my/abc">' in html


def test_the_edited_confirmation_mail_goes_out_and_its_link_works(client, admin):
    response = save_mail_text(
        client, 2027, "confirm", "nl", subject="Nog één klik voor {edition}", body=CONFIRM_BODY
    )
    assert response.status_code == 302
    organiser_logs_out(client)  # a visitor below
    sign_up(client)
    [mail] = outbox("confirm")
    assert mail.subject.startswith("Nog één klik voor ")
    assert mail.text_body.startswith("Goedendag,\n\nBevestig hier uw plaats bij")
    assert ">Mijn aanmelding bevestigen</a>" in mail.html_body  # the button
    assert confirm(client, path_to(mail, "/confirm/")).status_code == 302
    # English visitors still get the standard English mail.
    sign_up(client, lang="en", email="bob@example.nl")
    assert outbox("confirm", to="bob@example.nl")[0].subject == "Please confirm your registration"


def test_preview_in_both_languages_test_mail_reset_and_audit(client, admin):
    page = "/organiser/editions/2027/mails/confirm/nl"
    preview = save_mail_text(
        client, 2027, "confirm", "nl", action="preview", subject="Klik {edition}", body=CONFIRM_BODY
    ).get_data(as_text=True)
    assert "Preview (Nederlands)" in preview or "Voorbeeld (Nederlands)" in preview
    assert "/confirm/example" in preview and "Please confirm your registration" in preview
    save_mail_text(client, 2027, "confirm", "nl", action="test", subject="Klik", body=CONFIRM_BODY)
    [test_mail] = outbox("mailtext-test")
    assert test_mail.recipient == "admin@example.org" and test_mail.subject == "[TEST] Klik"
    assert stored() == []  # a test saves nothing

    save_mail_text(client, 2027, "confirm", "nl", subject="Klik", body=CONFIRM_BODY)
    assert [t.subject for t in stored()] == ["Klik"]
    assert "Eigen tekst" in client.get("/organiser/editions/2027/mails").get_data(as_text=True)
    save_mail_text(client, 2027, "confirm", "nl", action="reset", subject="x", body="x")
    assert stored() == []
    assert "gaat met de standaardtekst de deur uit" in client.get(page).get_data(as_text=True)
    actions = list(db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-3:] == ["mailtext.test", "mailtext.update", "mailtext.reset"]


def test_own_recording_texts_need_the_opt_out_link_and_go_out_personalised(
    client, admin, make_registration, clock
):
    refused = save_mail_text(
        client,
        2027,
        "recording_missed",
        "nl",
        subject="Opname {session_title}",
        body="Beste {name},\n\nKijk terug: {recording_link}",
    )
    assert "De tekst moet {manage_link} bevatten" in refused.get_data(as_text=True)
    no_name = save_mail_text(
        client, 2027, "recording_missed", "nl", subject="Voor {name}", body="{recording_link}"
    )
    assert "Onbekende invulplek {name}" in no_name.get_data(as_text=True)
    body = (
        "Beste {first_name} ({name}),\n\nKijk terug: {recording_link}\n\n"
        "Afmelden of stoppen: {manage_link}"
    )
    save_mail_text(
        client, 2027, "recording_missed", "nl", subject="Opname {session_title}", body=body
    )

    session = next(s for s in admin.sessions if s.region.slug == "noord")
    session.recording_url = "https://video.example/noord"
    make_registration(session, name="Gerda <Gemist>", email="gemist@example.nl", language="nl")
    db.session.commit()
    from eventsite.messaging.services import send_recording
    from eventsite.organisers.models import Organiser

    organiser = db.session.scalar(db.select(Organiser))
    clock.set(session.end_at + timedelta(days=1))  # it goes once the session is over
    send_recording(session, organiser, "k" * 24)
    db.session.commit()
    [mail] = outbox("recording")
    assert mail.subject == f"Opname {session.title}"
    assert mail.text_body.startswith(
        "Beste Gerda (Gerda <Gemist>),\n\nKijk terug: https://video.example/noord"
    )
    assert "/my/" in mail.text_body and "@@" not in mail.text_body + mail.html_body
    assert "Gerda &lt;Gemist&gt;" in mail.html_body
    assert mail.list_unsubscribe  # still bulk mail with its one-click unsubscribe
