"""The W3C Nu Html Checker (vnu.jar, npm ``vnu-jar``) finds no errors on any public or
organiser page: every GET page of the URL map, as an anonymous visitor, an attendee with a
personal link and an admin, plus the forms shown with their errors.

Needs Java and ``.tools/node_modules/vnu-jar`` (``make tools``); skips, saying why, where
either is missing, and fails instead where EVENTSITE_REQUIRE_PARITY=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.question_models import Question
from tests.helpers import csrf_token as csrf_from
from tests.helpers import log_in, outbox, sign_up, signed_up_and_confirmed

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU = Path(os.environ.get("EVENTSITE_VNU_JAR", DEFAULT_VNU))
SKIP_ENDPOINTS = {"static", "registration.join"}  # join redirects; its wait page is below


def missing_checker() -> str | None:
    if not shutil.which("java"):
        return "Java is not installed: the HTML check skips"
    if not VNU.is_file():
        return f"{VNU} is missing (run `make tools`): the HTML check skips"
    return None


@pytest.fixture
def checker():
    reason = missing_checker()
    if reason:
        if os.environ.get("EVENTSITE_REQUIRE_PARITY") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return VNU


def get_pages(app, client, values: dict[str, str]) -> dict[str, str]:
    """Every GET page of the URL map whose arguments we can fill, that answers HTML."""
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        if not set(rule.arguments) <= set(values):
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        response = client.get(url)
        if response.mimetype == "text/html" and response.status_code < 500:
            pages[url] = response.get_data(as_text=True)
    return pages


def signup_shaping_pages(app, organiser, values: dict[str, str]) -> dict[str, str]:
    """The organisers' questions, mail texts and campaign links, with a question of each
    kind, a link, and their forms' errors; the sign-up form with the questions."""
    page = "/organiser/editions/2027/questions"
    for kind, label in (("single", "Grootte"), ("multiple", "Onderwerpen"), ("yesno", "Lid?"),
                        ("number", "Mensen"), ("long", "Wat wilt u leren?")):
        organiser.post(page, data={"csrf_token": csrf_from(organiser, page), "kind": kind,
                                   "label": label, "choices": "Een\nTwee", "required": "y"})
    question = db.session.scalar(db.select(Question).order_by(Question.id))
    sources = "/organiser/editions/2027/sources"
    hub = str(question.edition.sessions[0].region_id)
    organiser.post(sources, data={"csrf_token": csrf_from(organiser, sources), "name": "Mei",
                                  "code": "mei", "region": hub})
    more = {**values, "question_id": str(question.id), "kind": "confirm", "language": "nl"}
    found = {f"admin {k}": v for k, v in get_pages(app, organiser, more).items()
             if "/editions/" in k}
    mail = "/organiser/editions/2027/mails/confirm/nl"
    for action, body in (("preview", "Hallo {first_name}, {confirm_link}"), ("save", "{oops")):
        found[f"{mail} ({action})"] = organiser.post(mail, data={
            "csrf_token": csrf_from(organiser, mail), "action": action, "subject": "Hoi",
            "body": body}).get_data(as_text=True)
    found[f"{page} (errors)"] = organiser.post(
        page, data={"csrf_token": csrf_from(organiser, page), "kind": "single"}
    ).get_data(as_text=True)
    found[f"{sources} (errors)"] = organiser.post(
        sources, data={"csrf_token": csrf_from(organiser, sources), "code": "Met Spatie"}
    ).get_data(as_text=True)
    visitor = app.test_client()
    found["/register (questions)"] = visitor.get("/register").get_data(as_text=True)
    found["/register (questions, errors)"] = visitor.post(
        "/register", data={"csrf_token": csrf_from(visitor, "/register")}
    ).get_data(as_text=True)
    found["/organiser/sessions/2027-noord/attendees (answers)"] = organiser.get(
        "/organiser/sessions/2027-noord/attendees"
    ).get_data(as_text=True)
    assert "Wat wilt u leren?" in found["/register (questions, errors)"]
    walked = {f"admin /organiser/editions/2027/{p}" for p in (
        f"questions/{question.id}", "questions", "mails", "mails/confirm/nl", "sources")}
    assert walked <= set(found), sorted(found)
    assert "Mei" in found["admin /organiser/editions/2027/sources"]
    return found


def adding_with_questions(organiser, attendee, manage: str) -> dict[str, str]:
    """The personal page's Add of a session whose hub asks questions: the questions shown,
    then sent without the required answers."""
    page = "/organiser/editions/2027/questions"
    oost = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-oost"))
    for kind, label in (("multiple", "Oostvraag"), ("short", "Oost, kort")):
        organiser.post(page, data={"csrf_token": csrf_from(organiser, page), "kind": kind,
                                   "label": label, "help": "Uitleg", "choices": "Een\nTwee",
                                   "required": "y", "regions": str(oost.region_id)})
    add = f"{manage}/add/2027-oost"
    found = {f"{add} (questions)": attendee.post(
        add, data={"csrf_token": csrf_from(attendee, manage)}).get_data(as_text=True)}
    found[f"{add} (questions, errors)"] = attendee.post(
        add, data={"csrf_token": csrf_from(attendee, manage), "answering": "1"}
    ).get_data(as_text=True)
    assert "Oostvraag" in found[f"{add} (questions)"]
    assert "Beantwoord deze vraag." in found[f"{add} (questions, errors)"]
    return found


def hub_question_pages(app) -> dict[str, str]:
    """A hub organiser's questions page (the others' read-only, their hub fixed), their own
    question's edit page and the add form with its errors."""
    hub = app.test_client()
    log_in(hub, "zuid@example.org")
    page = "/organiser/editions/2027/questions"
    hub.post(page, data={"csrf_token": csrf_from(hub, page), "kind": "short", "label": "Zuid"})
    own = db.session.scalar(db.select(Question).filter_by(label="Zuid"))
    assert own is not None and own.region_ids
    return {
        f"zuid {page}": hub.get(page).get_data(as_text=True),
        f"zuid {page}/{own.id}": hub.get(f"{page}/{own.id}").get_data(as_text=True),
        f"zuid {page} (errors)": hub.post(
            page, data={"csrf_token": csrf_from(hub, page), "kind": "single"}
        ).get_data(as_text=True),
    }


def test_every_page_is_valid_html(app, client, open_edition, make_organiser, tmp_path, checker):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-zuid"])
    sign_up(client, email="bert@example.nl")
    confirm = re.search(r"https?://[^/]+/confirm/(\S+)", outbox("confirm")[-1].text_body)
    token = manage.rstrip("/").split("/")[-1]
    values = {"slug": "2027-noord", "year": "2027", "token": token}
    pages = get_pages(app, app.test_client(), values)
    pages.update(get_pages(app, client, values))  # the attendee's browser: personal pages
    pages[f"/confirm/{confirm.group(1)}"] = client.get(f"/confirm/{confirm.group(1)}").get_data(
        as_text=True)
    pages[f"{manage}/join/2027-noord"] = client.get(f"{manage}/join/2027-noord").get_data(
        as_text=True)
    errors = client.post("/register", data={"csrf_token": csrf_from(client, "/register")})
    pages["/register (errors)"] = errors.get_data(as_text=True)
    app.config["REGISTRATION_LIMIT_PER_EMAIL"] = "1 per hour"
    for _ in range(2):
        limited = sign_up(client, email="carla@example.nl")
    assert limited.status_code == 429
    pages["/register (limited)"] = limited.get_data(as_text=True)

    make_organiser("admin@example.org", "admin")
    db.session.commit()
    organiser = app.test_client()
    log_in(organiser, "admin@example.org")
    pages.update({f"admin {k}": v for k, v in get_pages(app, organiser, values).items()})
    pages.update(signup_shaping_pages(app, organiser, values))
    hub_new = "/organiser/hubs/new"
    assert f"admin {hub_new}" in pages
    pages[f"admin {hub_new} (errors)"] = organiser.post(
        hub_new, data={"csrf_token": csrf_from(organiser, hub_new), "slug": "Met Spatie"}
    ).get_data(as_text=True)
    assert "Gebruik 2 tot 40 kleine letters" in pages[f"admin {hub_new} (errors)"]
    pages.update(adding_with_questions(organiser, client, manage))
    make_organiser("zuid@example.org", "region", "zuid")
    pages.update(hub_question_pages(app))
    assert any("/organiser/" in name for name in pages) and any("/my/" in n for n in pages)
    assert len(pages) >= 20, sorted(pages)

    files = {}
    for i, (name, html) in enumerate(sorted(pages.items())):
        path = tmp_path / f"page{i:03}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = (path, name)
    result = subprocess.run(
        ["java", "-jar", str(checker), "--errors-only", "--format", "json", "--stdout",
         *[str(path) for path, _ in files.values()]],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)  # no output at all would be a broken run, not a pass
    assert "version" in report, result.stderr
    found = [
        f"{files[m['url'].rsplit('/', 1)[-1]][1]}: line {m.get('lastLine')}: {m.get('message')}"
        for m in report["messages"] if m.get("type") == "error"
    ]
    assert not found, "\n".join(found)
