"""Organisers' own questions on the sign-up form: asked in order, validated like the fixed
fields, stored with the registration, in lists, exports and the data download, erased with
the person; answered questions are retired, not deleted."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog
from eventsite.programme.models import Edition
from eventsite.registration.question_models import Answer, MailText, Question
from tests.helpers import (
    attendees,
    confirm,
    csrf_token,
    outbox,
    path_to,
    post_button,
    sign_up,
)
from tests.questions_helpers import (
    add_question,
    csv_rows,
    organiser_logs_in,
    organiser_logs_out,
    save_mail_text,
)


def questions_of(edition) -> list[Question]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Question).filter_by(edition_id=edition.id).order_by(Question.position)
        )
    )


def setup_questions(client, make_organiser, edition, **size_fields):
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    add_question(
        client,
        2027,
        kind="single",
        label="Hoe groot is uw bedrijf?",
        label_en="How large is your company?",
        choices="1-10 | 1-10\n11-50 | 11-50\nMeer dan 50 | More than 50",
        required="y",
        **size_fields,
    )
    add_question(
        client, 2027, kind="yesno", label="Werkt u al met robots?", label_en="Do you use robots?"
    )
    size, robots = questions_of(edition)
    return size, robots


def test_questions_appear_in_order_and_are_required_at_the_field(
    client, open_edition, make_organiser
):
    size, robots = setup_questions(client, make_organiser, open_edition)
    form = client.get("/register").get_data(as_text=True)
    assert form.index("Hoe groot is uw bedrijf?") < form.index("Werkt u al met robots? (optioneel)")

    response = sign_up(client, name="Anna Bakker")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="q_{size.id}-error">Beantwoord deze vraag.</p>' in page
    assert 'value="Anna Bakker"' in page  # the input is kept
    assert attendees() == [] and outbox() == []

    english = sign_up(client, lang="en").get_data(as_text=True)
    assert "Please answer this question." in english and "How large is your company?" in english

    small = size.choices[0]
    response = sign_up(client, **{f"q_{size.id}": str(small.id), f"q_{robots.id}": "yes"})
    assert response.status_code == 302
    [attendee] = attendees()
    assert {a.question_id: a.value for a in attendee.answers} == {
        size.id: str(small.id),
        robots.id: "yes",
    }


def test_answers_in_the_data_download_lists_and_exports_then_erased(
    client, open_edition, make_organiser
):
    size, robots = setup_questions(client, make_organiser, open_edition)
    organiser_logs_out(client)
    sign_up(client, **{f"q_{size.id}": str(size.choices[2].id), f"q_{robots.id}": "no"})
    response = confirm(client, path_to(outbox("confirm")[-1], "/confirm/"))
    personal = response.headers["Location"]
    data = json.loads(client.get(f"{personal}/data.json").get_data(as_text=True))
    assert data["answers"] == [
        {"question": "Hoe groot is uw bedrijf?", "answer": "Meer dan 50"},
        {"question": "Werkt u al met robots?", "answer": "nee"},
    ]

    organiser_logs_in(client, "admin@example.org")
    rows = csv_rows(client.get("/organiser/sessions/2027-noord/attendees.csv"))
    assert rows[0][-3:] == ["Bron", "Hoe groot is uw bedrijf?", "Werkt u al met robots?"]
    assert rows[1][-2:] == ["Meer dan 50", "nee"]
    listing = client.get(f"/organiser/sessions/2027-noord/attendees?choice={size.choices[2].id}")
    assert "Anna de Vries" in listing.get_data(as_text=True)
    other = client.get(f"/organiser/sessions/2027-noord/attendees?choice={size.choices[0].id}")
    assert "Anna de Vries" not in other.get_data(as_text=True)
    organiser_logs_out(client)

    erase_page = f"{personal}/erase"
    post_button(client, erase_page, erase_page, really="y")
    assert attendees() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0


def test_a_question_for_one_hub_is_only_asked_with_its_sessions(
    client, open_edition, make_organiser
):
    by_region = {s.region.slug: s for s in open_edition.sessions}
    size, _robots = setup_questions(
        client, make_organiser, open_edition, regions=str(by_region["zuid"].region_id)
    )
    page = client.get("/register").get_data(as_text=True)
    assert f'data-regions="{by_region["zuid"].region_id}"' in page
    # A noord session only: the zuid question is not asked, and an answer sent anyway is dropped.
    response = sign_up(
        client, sessions=("2027-noord",), **{f"q_{size.id}": str(size.choices[0].id)}
    )
    assert response.status_code == 302
    assert attendees()[0].answers == []
    # With a zuid session it is required.
    response = sign_up(client, sessions=(by_region["zuid"].slug,), email="bert@example.nl")
    assert "Beantwoord deze vraag." in response.get_data(as_text=True)


def test_answered_questions_are_retired_not_deleted_and_choices_keep_answers(
    client, open_edition, make_organiser
):
    size, robots = setup_questions(client, make_organiser, open_edition)
    sign_up(client, **{f"q_{size.id}": str(size.choices[1].id)})
    questions_page = "/organiser/editions/2027/questions"

    post_button(client, questions_page, f"{questions_page}/{size.id}/delete")
    assert len(questions_of(open_edition)) == 2  # refused: it has answers
    post_button(client, questions_page, f"{questions_page}/{robots.id}/delete")
    assert [q.id for q in questions_of(open_edition)] == [size.id]  # no answers: deleted

    edit = f"{questions_page}/{size.id}"
    token = csrf_token(client, edit)
    fields = {"csrf_token": token, "label": "Hoe groot is uw bedrijf?", "required": "y"}
    refused = client.post(edit, data={**fields, "choices": "1-10"})
    assert "De keuze “11-50” is al gekozen en kan niet weg" in refused.get_data(as_text=True)
    client.post(
        edit, data={**fields, "choices": "1-10\n11 tot 50 medewerkers | 11 to 50\nMeer dan 50"}
    )
    [question] = questions_of(open_edition)
    assert [c.label for c in question.choices] == ["1-10", "11 tot 50 medewerkers", "Meer dan 50"]
    [answer] = db.session.scalars(db.select(Answer)).all()
    assert answer.value == str(question.choices[1].id)

    post_button(client, questions_page, f"{questions_page}/{size.id}/retire")
    assert "Hoe groot is uw bedrijf?" not in client.get("/register").get_data(as_text=True)
    rows = csv_rows(client.get("/organiser/attendees.csv?edition=2027"))
    assert rows[0][-1] == "Hoe groot is uw bedrijf?"  # a retired question's answers stay
    actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert {"question.add", "question.remove", "question.update", "question.retire"} <= actions


def test_adding_or_removing_a_choice_line_keeps_what_people_chose(
    client, open_edition, make_organiser
):
    """A choice that keeps its text keeps its answers, wherever its line moves: a choice put
    on top must not turn everyone's "1-10" into the new text."""
    size, _robots = setup_questions(client, make_organiser, open_edition)
    sign_up(client, **{f"q_{size.id}": str(size.choices[0].id)})  # 1-10
    edit = f"/organiser/editions/2027/questions/{size.id}"
    fields = {"csrf_token": csrf_token(client, edit), "label": size.label, "required": "y"}

    client.post(edit, data={**fields, "choices": "Geen | None\n1-10\n11-50\nMeer dan 50"})
    [question, _] = questions_of(open_edition)
    assert [c.label for c in question.choices] == ["Geen", "1-10", "11-50", "Meer dan 50"]
    rows = csv_rows(client.get("/organiser/sessions/2027-noord/attendees.csv"))
    assert rows[1][-2] == "1-10"

    # A line nobody chose taken out: the others keep their answers.
    client.post(edit, data={**fields, "choices": "1-10\nMeer dan 50"})
    [question, _] = questions_of(open_edition)
    assert [c.label for c in question.choices] == ["1-10", "Meer dan 50"]
    rows = csv_rows(client.get("/organiser/sessions/2027-noord/attendees.csv"))
    assert rows[1][-2] == "1-10"


def test_a_hub_organiser_sees_only_answers_asked_for_their_hub(
    client, open_edition, make_organiser, make_registration
):
    by_region = {s.region.slug: s for s in open_edition.sessions}
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    add_question(client, 2027, label="Zuidvraag", regions=str(by_region["zuid"].region_id))
    add_question(client, 2027, label="Iedereen")
    organiser_logs_out(client)
    make_organiser("noord@example.org", "region", "noord")
    organiser_logs_in(client, "noord@example.org")
    rows = csv_rows(client.get("/organiser/attendees.csv"))
    assert rows[0][-1] == "Iedereen" and "Zuidvraag" not in rows[0]
    # The questions page: both to read, neither to change (the admin's, not noord's alone).
    page = client.get("/organiser/editions/2027/questions").get_data(as_text=True)
    assert "Zuidvraag" in page and "Iedereen" in page
    assert "/organiser/editions/2027/questions/" not in page


def test_bad_question_forms_keep_the_input(client, open_edition, make_organiser):
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    response = add_question(client, 2027, kind="single", label="Sector", choices="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Geef ten minste één keuze." in page
    assert 'value="Sector"' in page
    assert questions_of(open_edition) == []
    number = add_question(client, 2027, kind="number", label="Aantal medewerkers", required="y")
    assert number.status_code == 302
    [question] = questions_of(open_edition)
    response = sign_up(client, **{f"q_{question.id}": "veel"})
    assert "Vul een getal in, zoals 25." in response.get_data(as_text=True)


def test_number_answers_are_numbers_in_the_xlsx_and_as_typed_in_the_csv(
    client, open_edition, make_organiser
):
    """Organisers add up a number column in Excel: a text cell would count as 0."""
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    add_question(client, 2027, kind="number", label="Aantal medewerkers")
    [question] = questions_of(open_edition)
    organiser_logs_out(client)
    for email, answer in (("anna@example.nl", "2,5"), ("bert@example.nl", "12")):
        sign_up(client, email=email, **{f"q_{question.id}": answer})
        confirm(client, path_to(outbox("confirm", to=email)[-1], "/confirm/"))
    for not_a_number in ("NaN", "Infinity"):
        refused = sign_up(client, email="cor@example.nl", **{f"q_{question.id}": not_a_number})
        assert "Vul een getal in, zoals 25." in refused.get_data(as_text=True)

    organiser_logs_in(client, "admin@example.org")
    rows = csv_rows(client.get("/organiser/sessions/2027-noord/attendees.csv"))
    assert sorted(row[-1] for row in rows[1:]) == ["12", "2,5"]  # as typed: Dutch Excel reads it
    xlsx = client.get("/organiser/sessions/2027-noord/attendees.xlsx").get_data()
    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == [2.5, 12] and {c.data_type for c in cells} == {"n"}


def test_a_question_deleted_before_the_confirmation_is_skipped(
    client, open_edition, make_organiser
):
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    add_question(client, 2027, kind="short", label="Sector")
    [question] = questions_of(open_edition)
    organiser_logs_out(client)
    sign_up(client, **{f"q_{question.id}": "Metaal"})
    # Answers wait with the request until the link is used; the person is pending.
    db.session.execute(db.delete(Answer))
    db.session.delete(db.session.get(Question, question.id))
    db.session.commit()
    response = confirm(client, path_to(outbox("confirm")[-1], "/confirm/"))
    assert response.status_code == 302
    assert attendees()[0].answers == []


def test_a_new_edition_takes_the_questions_and_mail_texts_along_not_the_answers(
    client, open_edition, make_organiser
):
    zuid = next(s.region_id for s in open_edition.sessions if s.region.slug == "zuid")
    size, robots = setup_questions(client, make_organiser, open_edition, regions=str(zuid))
    add_question(client, 2027, kind="short", label="Oude vraag")
    questions_page = "/organiser/editions/2027/questions"
    old = questions_of(open_edition)[-1]
    post_button(client, questions_page, f"{questions_page}/{old.id}/retire")
    body = "Goedendag,\n\nBevestig hier:\n{confirm_link}\n\n{sessions}"
    save_mail_text(client, 2027, "confirm", "nl", subject="Bevestig {edition}", body=body)

    page = "/organiser/editions/new"
    created = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "source": "2027",
            "year": "2028",
            "starts_on": "2028-05-29",
            "step": "create",
        },
    )
    assert created.status_code == 302
    new = db.session.scalar(db.select(Edition).filter_by(year=2028))
    copied = questions_of(new)
    assert [(q.label, q.label_en, q.kind, q.required) for q in copied] == [
        ("Hoe groot is uw bedrijf?", "How large is your company?", "single", True),
        ("Werkt u al met robots?", "Do you use robots?", "yesno", False),
    ]  # the retired question stayed behind
    assert copied[0].region_ids == str(zuid) and copied[0].id != size.id
    assert [(c.label, c.label_en) for c in copied[0].choices] == [
        ("1-10", "1-10"),
        ("11-50", "11-50"),
        ("Meer dan 50", "More than 50"),
    ]
    assert {c.id for c in copied[0].choices}.isdisjoint(c.id for c in size.choices)
    [text] = db.session.scalars(db.select(MailText).filter_by(edition_id=new.id)).all()
    assert (text.kind, text.language, text.subject, text.body) == (
        "confirm",
        "nl",
        "Bevestig {edition}",
        body,
    )
    html = client.get("/organiser/editions/2028/questions").get_data(as_text=True)
    assert "Hoe groot is uw bedrijf?" in html and "Oude vraag" not in html
    # The earlier edition keeps its own.
    assert len(questions_of(open_edition)) == 3


def test_the_cached_sign_up_page_shows_a_question_as_soon_as_it_changes(
    client, open_edition, make_organiser, clock
):
    visitor = client.application.test_client()
    assert "Sector" not in visitor.get("/register").get_data(as_text=True)  # cached now
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    clock.at(2027, 5, 1, 12, 1)  # each change a minute later (the clock stands in tests)
    add_question(client, 2027, kind="single", label="Sector", choices="Metaal\nZorg")
    assert "Zorg" in visitor.get("/register").get_data(as_text=True)
    [question] = questions_of(open_edition)
    edit = f"/organiser/editions/2027/questions/{question.id}"
    clock.at(2027, 5, 1, 12, 2)
    client.post(
        edit,
        data={"csrf_token": csrf_token(client, edit), "label": "Sector", "choices": "Metaal\nBouw"},
    )
    page = visitor.get("/register").get_data(as_text=True)
    assert "Bouw" in page and "Zorg" not in page  # a choice's new text
    questions_page = "/organiser/editions/2027/questions"
    clock.at(2027, 5, 1, 12, 3)
    post_button(client, questions_page, f"{questions_page}/{question.id}/retire")
    assert "Sector" not in visitor.get("/register").get_data(as_text=True)
