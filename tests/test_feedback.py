"""Feedback after a session: asked of those who joined (from the recording mail and the
personal page), one answer each that they may change for a while; organisers see the
numbers, the chart, the answers and export them; personal data like the rest."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale
from openpyxl import load_workbook

from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.organisers.audit_sentences import describe
from eventsite.organisers.models import AuditLog
from eventsite.registration.models import Feedback
from tests.factories import manage_token as personal_token
from tests.helpers import csrf_token, links_in, log_in, mail_text
from tests.helpers import csrf_token as csrf_from
from tests.messages_helpers import join, key_from

RECORDING = "https://video.example/jaarevent-2027-noord"


def noord(make_edition):
    return next(s for s in make_edition(2027).sessions if s.region.slug == "noord")


def answer(client, url: str, **fields):
    """Fill in the feedback form as the attendee does (with its CSRF token)."""
    data = {"csrf_token": csrf_from(client, url), "takeaway": "", "answer": ""}
    data.update(fields)
    return client.post(url, data=data)


def feedback_rows() -> list[Feedback]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Feedback).order_by(Feedback.id)))


def test_joined_attendee_answers_from_the_recording_mail_changes_it_and_organiser_sees_it(
    client, make_edition, make_registration, make_organiser, clock, smtp
):
    session = noord(make_edition)
    session.recording_url = RECORDING
    session.feedback_question = "Welk onderwerp wil je volgend jaar?"
    came = make_registration(session, name="Kees Kwam", email="kwam@example.nl", language="nl")
    make_registration(session, name="Gea Gemist", email="gemist@example.nl", language="nl")
    db.session.commit()
    join(client, clock, came)

    # The clock past the session's end: the hub sends "the recording is online".
    clock.set(session.end_at + timedelta(hours=2))
    make_organiser("noord@example.org", "region", "noord", name="Nora Noord")
    log_in(client, "noord@example.org")
    page_url = f"/organiser/sessions/{session.slug}/messages"
    page = client.get(page_url).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, page_url), "key": key_from(page)}
    assert (
        client.post(f"/organiser/sessions/{session.slug}/recording", data=form).status_code == 302
    )
    send_queued()
    mails = {m["To"]: m for m in smtp.messages}
    feedback_links = [u for u in links_in(mails["kwam@example.nl"]) if "/feedback/" in u]
    assert len(feedback_links) == 1, mail_text(mails["kwam@example.nl"])
    assert "/feedback/" not in mail_text(mails["gemist@example.nl"])  # not there: not asked
    feedback_url = urlsplit(feedback_links[0]).path

    # The attendee answers (anonymous browser, only the personal link).
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    form_page = client.get(feedback_url).get_data(as_text=True)
    assert "Welk onderwerp wil je volgend jaar?" in form_page
    response = answer(
        client, feedback_url, rating="4", takeaway="=Sensoren op de draaibank", answer="AI"
    )
    assert response.status_code == 302
    assert "je kunt het wijzigen tot" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    [given] = feedback_rows()
    assert (given.rating, given.takeaway, given.answer) == (4, "=Sensoren op de draaibank", "AI")
    assert given.question == "Welk onderwerp wil je volgend jaar?"

    # Changing it a few days later keeps one answer.
    clock.set(session.end_at + timedelta(days=3))
    assert re.search(
        r'<input checked[^>]*value="4"', client.get(feedback_url).get_data(as_text=True)
    )
    assert answer(client, feedback_url, rating="5", takeaway="=Sensoren, en AI").status_code == 302
    [changed] = feedback_rows()
    assert (changed.id, changed.rating, changed.takeaway) == (given.id, 5, "=Sensoren, en AI")
    assert changed.updated_at > changed.created_at

    # The organiser sees it: count, chart and table, the open answer.
    log_in(client, "noord@example.org")
    page = client.get(f"/organiser/sessions/{session.slug}/feedback").get_data(as_text=True)
    assert '<dd id="feedback-count">1</dd>' in page
    assert re.search(r'<rect class="bar" data-rating="5" data-count="1"', page)
    assert re.search(r'<rect class="bar" data-rating="4" data-count="0"', page)
    assert '<tr data-rating="5"><td>5</td><td class="num">1</td></tr>' in page
    assert "=Sensoren, en AI" in page and "Kees Kwam" in page

    # ... and in the exports, with the attendee exports' injection rule.
    response = client.get(f"/organiser/sessions/{session.slug}/feedback.csv?delimiter=semicolon")
    assert response.headers["Cache-Control"] == "no-store"
    assert "_feedback_" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert header[:5] == ["Naam", "E-mailadres", "Organisatie", "Sessie", "Beoordeling"]
    assert row[:2] == ["Kees Kwam", "kwam@example.nl"]
    assert row[4:6] == ["5", "'=Sensoren, en AI"]
    xlsx = client.get(f"/organiser/sessions/{session.slug}/feedback.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    cells = [c.value for c in list(sheet.iter_rows())[1]]
    assert cells[4:6] == ["5", "=Sensoren, en AI"]
    assert sheet.cell(row=2, column=6).data_type == "s"  # text, never a formula
    actions = db.session.scalars(db.select(AuditLog.action)).all()
    assert actions.count("feedback.export") == 2


def test_an_attendee_who_did_not_join_is_not_asked(client, make_edition, make_registration, clock):
    session = noord(make_edition)
    missed = make_registration(session, email="gemist@example.nl")
    token = personal_token(missed.attendee)
    clock.set(session.end_at + timedelta(hours=1))
    personal = client.get(f"/my/{token}").get_data(as_text=True)
    assert "/feedback/" not in personal
    response = client.get(f"/my/{token}/feedback/{session.slug}")
    assert response.status_code == 403
    assert "niet gezien" in response.get_data(as_text=True)
    posted = client.post(
        f"/my/{token}/feedback/{session.slug}",
        data={"csrf_token": csrf_from(client, f"/my/{token}"), "rating": "1"},
    )
    assert posted.status_code == 403 and feedback_rows() == []


def test_the_form_opens_at_the_end_and_closes_after_the_set_days(
    app, client, make_edition, make_registration, clock
):
    session = noord(make_edition)
    came = make_registration(session, email="kwam@example.nl")
    join(client, clock, came)
    token = personal_token(came.attendee)
    url = f"/my/{token}/feedback/{session.slug}"
    assert client.get(url).status_code == 403  # during the session: not yet
    clock.set(session.end_at)
    assert client.get(url).status_code == 200
    assert "Feedback geven" in client.get(f"/my/{token}").get_data(as_text=True)
    clock.set(session.end_at + timedelta(days=app.config["FEEDBACK_CHANGE_DAYS"]))
    closed = client.get(url)
    assert closed.status_code == 403 and "is voorbij" in closed.get_data(as_text=True)


def test_bad_input_keeps_the_text_and_stores_nothing(
    client, make_edition, make_registration, clock
):
    session = noord(make_edition)
    came = make_registration(session, email="kwam@example.nl")
    join(client, clock, came)
    clock.set(session.end_at + timedelta(minutes=5))
    url = f"/my/{personal_token(came.attendee)}/feedback/{session.slug}"
    response = answer(client, url, takeaway="Meer over cobots")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kies een beoordeling van 1 tot 5." in page
    assert "Meer over cobots" in page
    response = answer(client, url, rating="9", takeaway="x")
    assert response.status_code == 200 and feedback_rows() == []


def test_feedback_is_in_the_data_download_and_erased_with_the_person(
    client, make_edition, make_registration, clock
):
    session = noord(make_edition)
    came = make_registration(session, email="kwam@example.nl")
    join(client, clock, came)
    clock.set(session.end_at + timedelta(minutes=5))
    token = personal_token(came.attendee)
    answer(client, f"/my/{token}/feedback/{session.slug}", rating="3", takeaway="Plan maken")
    data = json.loads(client.get(f"/my/{token}/data.json").get_data())
    [registration] = data["registrations"]
    assert registration["feedback"]["rating"] == 3
    assert registration["feedback"]["what_i_will_do_with_it"] == "Plan maken"
    erase = f"/my/{token}/erase"
    client.post(erase, data={"csrf_token": csrf_from(client, erase), "really": "y"})
    assert feedback_rows() == []


def test_the_hub_sets_its_question_and_another_hub_cannot(
    client, make_edition, make_organiser, clock
):
    session = noord(make_edition)
    make_organiser("zuid@example.org", "region", "zuid")
    make_organiser("noord@example.org", "region", "noord")
    url = f"/organiser/sessions/{session.slug}/feedback"
    log_in(client, "zuid@example.org")
    assert client.get(url).status_code == 403
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    log_in(client, "noord@example.org")
    too_long = {"csrf_token": csrf_token(client, url), "feedback_question": "x" * 301}
    page = client.post(url, data=too_long).get_data(as_text=True)
    assert "Hooguit 300 tekens." in page
    data = {
        "csrf_token": csrf_token(client, url),
        "feedback_question": "Wat zoek je in een fieldlab?",
        "feedback_question_en": "What do you look for in a fieldlab?",
    }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert session.feedback_question == "Wat zoek je in een fieldlab?"
    [entry] = db.session.scalars(db.select(AuditLog).filter_by(action="feedback.question")).all()
    assert (entry.edition_id, entry.region_id) == (session.edition_id, session.region_id)
    audit_page = client.get("/organiser/audit")
    assert audit_page.status_code == 403  # admins only; the sentence is checked below
    with client.application.test_request_context(), force_locale("en"):
        assert describe(entry).endswith(
            f'set the feedback question of {session.title} to "Wat zoek je in een fieldlab?"'
        )


def test_per_hub_overview_and_export_show_a_hub_only_its_own(
    client, make_edition, make_registration, make_organiser, clock
):
    edition = make_edition(2027)
    by_region = {s.region.slug: s for s in edition.sessions}
    for region, rating in (("noord", 5), ("zuid", 2)):
        registration = make_registration(by_region[region], email=f"{region}@example.nl")
        db.session.add(Feedback(registration=registration, rating=rating, takeaway=region))
    db.session.commit()
    clock.set(edition.sessions[-1].end_at + timedelta(days=1))
    make_organiser("beheer@example.org", "admin")
    make_organiser("noord@example.org", "region", "noord")

    log_in(client, "noord@example.org")
    page = client.get("/organiser/feedback").get_data(as_text=True)
    assert 'data-hub="noord"' in page and 'data-hub="zuid"' not in page
    assert re.search(r'data-rating="5" data-count="1"', page)
    body = client.get("/organiser/feedback.csv").get_data().decode("utf-8-sig")
    assert "noord@example.nl" in body and "zuid@example.nl" not in body
    # Every page of this feature that a hub may use answers its own hub.
    slug = by_region["noord"].slug
    for url in (
        "/organiser/",
        f"/organiser/sessions/{slug}/feedback",
        f"/organiser/sessions/{slug}/feedback.csv",
        f"/organiser/sessions/{slug}/feedback.xlsx",
        "/organiser/feedback.xlsx",
    ):
        assert client.get(url).status_code == 200, url
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})

    log_in(client, "beheer@example.org")
    page = client.get("/organiser/feedback?edition=2027").get_data(as_text=True)
    assert 'data-hub="noord"' in page and 'data-hub="zuid"' in page
    body = client.get("/organiser/feedback.csv?edition=2027").get_data().decode("utf-8-sig")
    assert "noord@example.nl" in body and "zuid@example.nl" in body
    for url in (
        f"/organiser/sessions/{by_region['zuid'].slug}/feedback",
        "/organiser/keep-me-posted",
    ):
        assert client.get(url).status_code == 200, url
