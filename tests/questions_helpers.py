"""Helpers for the tests of organisers' questions, mail texts and sources: the organiser's
forms filled in as a person does (with CSRF)."""

from __future__ import annotations

import csv
import io
import re

from tests.registration_helpers import csrf_from

PASSWORD = "correct horse battery staple"  # the password the make_organiser fixture sets


def organiser_logs_in(client, email: str) -> None:
    token = csrf_from(client, "/organiser/login")
    response = client.post(
        "/organiser/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def add_question(client, year: int, **fields):
    """Post the "add a question" form; returns the response."""
    page = f"/organiser/editions/{year}/questions"
    data = {"csrf_token": csrf_from(client, page), "kind": "short", "label": "Vraag"}
    data.update(fields)
    return client.post(page, data=data)


def save_mail_text(client, year: int, kind: str, language: str, action="save", **fields):
    page = f"/organiser/editions/{year}/mails/{kind}/{language}"
    data = {"csrf_token": csrf_from(client, page), "action": action}
    data.update(fields)
    return client.post(page, data=data)


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def organiser_logs_out(client) -> None:
    page = client.get("/organiser/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/organiser/logout", data={"csrf_token": token})
