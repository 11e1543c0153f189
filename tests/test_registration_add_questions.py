"""Adding a session on the personal page asks the questions its hub asks that the person was
not asked yet: required ones must be answered (nothing is added without), the answers are
stored with the person like those given on /register; without such questions Add is one click."""

from __future__ import annotations

from eventsite.extensions import db
from eventsite.registration.question_models import Question
from tests.helpers import (
    attendees,
    csrf_token,
    post_button,
    sign_up,
    signed_up_and_confirmed,
    states,
)
from tests.questions_helpers import add_question, csv_rows, organiser_logs_in


def hub_questions(app, make_organiser, edition, hubs: tuple[str, ...] = ("zuid",)):
    """A required single choice and an optional short text, asked only for ``hubs``."""
    regions = [str(s.region_id) for s in edition.sessions if s.region.slug in hubs]
    make_organiser()
    organiser = app.test_client()
    organiser_logs_in(organiser, "admin@example.org")
    add_question(
        organiser,
        2027,
        kind="single",
        label="Hoeveel robots heeft u?",
        label_en="How many robots do you have?",
        choices="Geen | None\nEen paar | A few",
        required="y",
        regions=regions,
    )
    add_question(organiser, 2027, kind="short", label="Welke sector?", regions=regions)
    return organiser, list(db.session.scalars(db.select(Question).order_by(Question.id)))


def send_answers(client, manage: str, slug: str, **answers):
    """Send the questions' form shown after pressing Add (with its CSRF token)."""
    data = {"csrf_token": csrf_token(client, manage), "answering": "1", **answers}
    return client.post(f"{manage}/add/{slug}", data=data)


def answers_of(email: str) -> dict[int, str]:
    [person] = [a for a in attendees() if a.email == email]
    return {a.question_id: a.value for a in person.answers}


def test_adding_a_hubs_session_asks_its_required_question(
    app, client, open_edition, make_organiser
):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    organiser, (robots, sector) = hub_questions(app, make_organiser, open_edition)

    # Add shows the questions, no errors yet; nothing is added.
    shown = post_button(client, manage, f"{manage}/add/2027-zuid")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert "Hoeveel robots heeft u?" in page and "Welke sector? (optioneel)" in page
    assert "Beantwoord deze vraag." not in page
    assert states() == ["confirmed"]

    # Sent without the required answer: refused at the field, the typed text kept.
    refused = send_answers(client, manage, "2027-zuid", **{f"q_{sector.id}": "Metaal"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert f'<p class="field-error" id="q_{robots.id}-error">Beantwoord deze vraag.</p>' in page
    assert 'value="Metaal"' in page
    assert states() == ["confirmed"] and answers_of("anna@example.nl") == {}

    few = robots.choices[1]
    added = send_answers(
        client, manage, "2027-zuid", **{f"q_{robots.id}": str(few.id), f"q_{sector.id}": "Metaal"}
    )
    assert added.status_code == 302
    assert "De sessie is toegevoegd" in client.get(manage).get_data(as_text=True)
    assert states() == ["confirmed", "confirmed"]
    assert answers_of("anna@example.nl") == {robots.id: str(few.id), sector.id: "Metaal"}

    rows = csv_rows(organiser.get("/organiser/sessions/2027-zuid/attendees.csv"))
    assert rows[0][-2:] == ["Hoeveel robots heeft u?", "Welke sector?"]
    assert rows[1][-2:] == ["Een paar", "Metaal"]


def test_the_questions_and_their_errors_in_english(app, client, open_edition, make_organiser):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    hub_questions(app, make_organiser, open_edition)
    client.get(f"{manage}?lang=en")
    page = send_answers(client, manage, "2027-zuid").get_data(as_text=True)
    assert "How many robots do you have?" in page and "Please answer this question." in page
    assert states() == ["confirmed"]


def test_not_asked_again_once_answered_nor_for_other_hubs(
    app, client, open_edition, make_organiser
):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    _organiser, (robots, sector) = hub_questions(app, make_organiser, open_edition)

    # Another hub's session: one click, as before.
    assert post_button(client, manage, f"{manage}/add/2027-oost").status_code == 302
    assert states() == ["confirmed", "confirmed"]

    none = str(robots.choices[0].id)
    send_answers(client, manage, "2027-zuid", **{f"q_{robots.id}": none, f"q_{sector.id}": "Zorg"})
    post_button(client, manage, f"{manage}/drop/2027-zuid")
    assert states() == ["confirmed", "confirmed", "cancelled"]
    # Back again: answered before, so one click; the answer stays.
    assert post_button(client, manage, f"{manage}/add/2027-zuid").status_code == 302
    assert states() == ["confirmed", "confirmed", "confirmed"]
    assert answers_of("anna@example.nl") == {robots.id: none, sector.id: "Zorg"}


def test_not_asked_when_already_asked_for_the_persons_own_sessions(
    app, client, open_edition, make_organiser
):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-zuid"])
    # Asked for zuid and oost: adding oost asks nothing new (a question for the person's own
    # hub that came later is not the new session's to ask).
    hub_questions(app, make_organiser, open_edition, ("zuid", "oost"))
    assert post_button(client, manage, f"{manage}/add/2027-oost").status_code == 302
    assert states() == ["confirmed", "confirmed"]


def test_the_answers_form_keeps_csrf_and_a_closed_session(
    app, client, open_edition, make_organiser, clock
):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    _organiser, (robots, _sector) = hub_questions(app, make_organiser, open_edition)
    answer = {f"q_{robots.id}": str(robots.choices[0].id), "answering": "1"}
    forged = client.post(f"{manage}/add/2027-zuid", data=answer)
    assert forged.status_code == 400 and states() == ["confirmed"]
    assert answers_of("anna@example.nl") == {}

    token = csrf_token(client, manage)
    clock.set(open_edition.sessions[2].start_at)
    closed = client.post(f"{manage}/add/2027-zuid", data={"csrf_token": token, **answer})
    assert "gesloten" in client.get(closed.headers["Location"]).get_data(as_text=True)
    assert states() == ["confirmed"] and answers_of("anna@example.nl") == {}


def test_answers_sent_with_the_form_are_kept_when_confirming_on_the_personal_page(
    app, client, open_edition, make_organiser
):
    """A confirmed person chose another hub's session on /register and answered its
    questions there; confirmed with the personal page's button (not the mail's link), the
    answers were dropped: the organisers' list showed the required question unanswered."""
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord"])
    organiser, (robots, sector) = hub_questions(app, make_organiser, open_edition)
    few = str(robots.choices[1].id)
    sign_up(client, sessions=["2027-zuid"], **{f"q_{robots.id}": few, f"q_{sector.id}": "Metaal"})
    assert states() == ["confirmed", "pending"] and answers_of("anna@example.nl") == {}
    post_button(client, manage, f"{manage}/confirm")
    assert states() == ["confirmed", "confirmed"]
    assert answers_of("anna@example.nl") == {robots.id: few, sector.id: "Metaal"}
    rows = csv_rows(organiser.get("/organiser/sessions/2027-zuid/attendees.csv"))
    assert rows[1][-2:] == ["Een paar", "Metaal"]
