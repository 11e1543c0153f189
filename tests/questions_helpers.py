"""The organiser's forms of questions, mail texts and sources, filled in as a person does
(with CSRF), on top of the one helper set (tests/helpers.py)."""

from __future__ import annotations

import csv
import io

from tests.helpers import csrf_token, log_in


def organiser_logs_in(client, email: str) -> None:
    response = log_in(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)


def organiser_logs_out(client) -> None:
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})


def add_question(client, year: int, **fields):
    """Post the "add a question" form; returns the response."""
    page = f"/organiser/editions/{year}/questions"
    data = {"csrf_token": csrf_token(client, page), "kind": "short", "label": "Vraag"}
    data.update(fields)
    return client.post(page, data=data)


def save_mail_text(client, year: int, kind: str, language: str, action="save", **fields):
    page = f"/organiser/editions/{year}/mails/{kind}/{language}"
    data = {"csrf_token": csrf_token(client, page), "action": action}
    data.update(fields)
    return client.post(page, data=data)


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))
