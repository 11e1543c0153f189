"""A hub's organisers run their own hub's sign-up questions in the browser: they read every
question of the edition, add questions asked only with their hub's sessions, and edit, move,
retire and delete those alone; everyone's and other hubs' questions stay the programme
office's. Each change is in the hub's audit log."""

from __future__ import annotations

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog
from eventsite.registration.question_models import Question
from tests.helpers import attendees, csrf_token, post_button, sign_up
from tests.questions_helpers import add_question, organiser_logs_in, organiser_logs_out

PAGE = "/organiser/editions/2027/questions"


def hubs(edition) -> dict[str, int]:
    return {s.region.slug: s.region_id for s in edition.sessions}


def questions_of(edition) -> list[Question]:
    db.session.expire_all()
    query = db.select(Question).filter_by(edition_id=edition.id).order_by(Question.position)
    return list(db.session.scalars(query))


def state(edition) -> list[tuple]:
    return [(q.id, q.position, q.label, q.region_ids, q.retired_at) for q in questions_of(edition)]


def admin_adds(client, make_organiser, *questions: dict) -> None:
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    for fields in questions:
        assert add_question(client, 2027, **fields).status_code == 302
    organiser_logs_out(client)


def test_a_hub_organiser_adds_a_question_asked_only_with_their_hubs_sessions(
    client, open_edition, make_organiser
):
    zuid = hubs(open_edition)["zuid"]
    make_organiser("zuid@example.org", "region", "zuid")
    organiser_logs_in(client, "zuid@example.org")
    dashboard = client.get("/organiser/").get_data(as_text=True)
    assert f'href="{PAGE}"' in dashboard
    page = client.get(PAGE).get_data(as_text=True)
    assert 'id="region-fixed"' in page and 'type="checkbox" name="regions"' not in page

    response = add_question(client, 2027, label="Welke machine?", required="y")
    assert response.status_code == 302
    [question] = questions_of(open_edition)
    assert question.region_id_list == [zuid]
    assert "Welke machine?" in client.get(PAGE).get_data(as_text=True)
    log = client.get("/organiser/audit").get_data(as_text=True)
    assert "heeft de aanmeldvraag “Welke machine?” toegevoegd" in log
    organiser_logs_out(client)

    # On /register only with zuid's session: not asked for noord, required for zuid.
    form = client.get("/register").get_data(as_text=True)
    assert f'data-regions="{zuid}"' in form
    response = sign_up(client, sessions=("2027-noord",))
    assert response.status_code == 302 and attendees()[0].answers == []
    response = sign_up(client, sessions=("2027-zuid",), email="bert@example.nl")
    assert "Beantwoord deze vraag." in response.get_data(as_text=True)
    response = sign_up(
        client, sessions=("2027-zuid",), email="bert@example.nl", **{f"q_{question.id}": "Lasrobot"}
    )
    assert response.status_code == 302

    # Noord's organiser reads it, cannot change it, and their log does not show it.
    make_organiser("noord@example.org", "region", "noord")
    organiser_logs_in(client, "noord@example.org")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Welke machine?" in page and f"{PAGE}/{question.id}" not in page
    assert client.get(f"{PAGE}/{question.id}").status_code == 403
    assert "Welke machine?" not in client.get("/organiser/audit").get_data(as_text=True)


def test_a_hub_organiser_cannot_change_the_admins_or_other_hubs_questions(
    client, open_edition, make_organiser
):
    ids = hubs(open_edition)
    admin_adds(
        client,
        make_organiser,
        {"label": "Iedereen"},
        {"label": "Noordvraag", "regions": str(ids["noord"])},
        {"label": "Zuid en noord", "regions": [str(ids["zuid"]), str(ids["noord"])]},
    )
    before = state(open_edition)
    make_organiser("zuid@example.org", "region", "zuid")
    organiser_logs_in(client, "zuid@example.org")
    page = client.get(PAGE).get_data(as_text=True)
    assert all(label in page for label in ("Iedereen", "Noordvraag", "Zuid en noord"))
    assert f"{PAGE}/" not in page  # no Edit link, no buttons

    for question in questions_of(open_edition):
        edit = f"{PAGE}/{question.id}"
        assert client.get(edit).status_code == 403
        token = csrf_token(client, PAGE)
        fields = {"csrf_token": token, "label": "Gekaapt", "regions": str(ids["zuid"])}
        assert client.post(edit, data=fields).status_code == 403
        for change in ("up", "down", "retire", "delete"):
            assert client.post(f"{edit}/{change}", data={"csrf_token": token}).status_code == 403
    assert state(open_edition) == before
    zuid_entries = db.select(AuditLog).filter_by(actor="zuid@example.org")
    assert not [e.action for e in db.session.scalars(zuid_entries)]


def test_forged_region_ids_are_refused_and_never_widen_a_question(
    client, open_edition, make_organiser
):
    ids = hubs(open_edition)
    make_organiser("zuid@example.org", "region", "zuid")
    organiser_logs_in(client, "zuid@example.org")
    for forged in (str(ids["noord"]), [str(ids["zuid"]), str(ids["noord"])]):
        assert add_question(client, 2027, label="Breed", regions=forged).status_code == 403
    assert questions_of(open_edition) == []

    add_question(client, 2027, label="Eigen vraag")
    [question] = questions_of(open_edition)
    edit = f"{PAGE}/{question.id}"
    assert client.get(edit).status_code == 200
    token = csrf_token(client, edit)
    widened = {"csrf_token": token, "label": "Breder", "regions": [str(ids["zuid"]), "1"]}
    assert client.post(edit, data=widened).status_code == 403
    assert state(open_edition) == [(question.id, 1, "Eigen vraag", str(ids["zuid"]), None)]
    # No hub posted (the field is not a choice for them): it stays their hub's, not everyone's.
    assert client.post(edit, data={"csrf_token": token, "label": "Nieuw"}).status_code == 302
    [question] = questions_of(open_edition)
    assert (question.label, question.region_id_list) == ("Nieuw", [ids["zuid"]])


def test_a_hub_organiser_moves_retires_and_deletes_their_own_and_the_hub_log_shows_it(
    client, open_edition, make_organiser
):
    ids = hubs(open_edition)
    admin_adds(client, make_organiser, {"label": "Algemeen"})
    make_organiser("zuid@example.org", "region", "zuid")
    organiser_logs_in(client, "zuid@example.org")
    add_question(client, 2027, label="Zuid een")
    organiser_logs_out(client)
    organiser_logs_in(client, "admin@example.org")
    add_question(client, 2027, label="Nog een algemene")
    organiser_logs_out(client)
    organiser_logs_in(client, "zuid@example.org")
    add_question(client, 2027, label="Zuid twee")
    labels = [q.label for q in questions_of(open_edition)]
    assert labels == ["Algemeen", "Zuid een", "Nog een algemene", "Zuid twee"]

    two = questions_of(open_edition)[-1]
    post_button(client, PAGE, f"{PAGE}/{two.id}/up")  # past the admin's, before its own peer
    labels = [q.label for q in questions_of(open_edition)]
    assert labels == ["Algemeen", "Zuid twee", "Nog een algemene", "Zuid een"]
    post_button(client, PAGE, f"{PAGE}/{two.id}/up")  # first of its own: stays
    assert [q.label for q in questions_of(open_edition)] == labels

    one = questions_of(open_edition)[-1]
    assert post_button(client, PAGE, f"{PAGE}/{one.id}/retire").status_code == 302
    assert post_button(client, PAGE, f"{PAGE}/{two.id}/delete").status_code == 302
    remaining = questions_of(open_edition)
    assert [q.label for q in remaining] == ["Algemeen", "Nog een algemene", "Zuid een"]
    assert remaining[-1].retired_at is not None

    entries = db.session.scalars(db.select(AuditLog).filter_by(actor="zuid@example.org"))
    assert {(e.action, e.region_id, e.edition_id) for e in entries} == {
        (action, ids["zuid"], open_edition.id)
        for action in ("question.add", "question.reorder", "question.retire", "question.remove")
    }
    log = client.get("/organiser/audit").get_data(as_text=True)
    assert "heeft de aanmeldvraag “Zuid een” buiten gebruik gesteld" in log
    assert "heeft de aanmeldvraag “Zuid twee” verwijderd" in log
    assert "Nog een algemene" not in log  # everyone's question: the office's log, not the hub's
