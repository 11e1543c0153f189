"""The organiser API's attendees carry the same fields as the exports: the source, and the
answers to the organisers' questions the token's owner may see."""

from __future__ import annotations

from eventsite.extensions import db
from eventsite.registration.question_models import Question
from tests.api_helpers import bearer, make_token
from tests.helpers import confirm, outbox, path_to, sign_up
from tests.questions_helpers import add_question, organiser_logs_in, organiser_logs_out


def test_api_attendees_have_the_source_and_the_answers_a_hub_may_see(
    client, open_edition, make_organiser
):
    zuid = next(s.region_id for s in open_edition.sessions if s.region.slug == "zuid")
    admin = make_organiser()
    organiser_logs_in(client, "admin@example.org")
    add_question(client, 2027, kind="single", label="Grootte", choices="Klein\nGroot")
    add_question(client, 2027, kind="yesno", label="Alleen zuid?", regions=str(zuid))
    add_question(client, 2027, kind="short", label="Sector")
    organiser_logs_out(client)
    visitor = client.application.test_client()
    visitor.get("/?via=noord-mei")
    size, only_zuid, sector = db.session.scalars(db.select(Question).order_by(Question.position))
    sign_up(visitor, **{f"q_{size.id}": str(size.choices[1].id), f"q_{sector.id}": "Metaal"})
    confirm(visitor, path_to(outbox("confirm")[-1], "/confirm/"))

    noord = make_organiser("noord@example.org", "region", "noord")
    api = client.application.test_client()
    url = "/api/v1/organiser/sessions/2027-noord/{}"
    for what in ("attendees", "registrations"):
        answer = api.get(url.format(what), headers=bearer(make_token(noord))).get_json()
        [item] = answer["items"]
        person = item if what == "attendees" else item["attendee"]
        assert person["source"] == "noord-mei"
        assert person["answers"] == [
            {"question_id": size.id, "question": "Grootte", "answer": "Groot"},
            {"question_id": sector.id, "question": "Sector", "answer": "Metaal"},
        ]  # zuid's question is not noord's to see
    everything = api.get(url.format("attendees"), headers=bearer(make_token(admin))).get_json()
    assert [a["question"] for a in everything["items"][0]["answers"]] == [
        "Grootte",
        "Alleen zuid?",
        "Sector",
    ]
    assert everything["items"][0]["answers"][1]["answer"] == ""
