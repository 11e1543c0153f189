"""Helpers for the edition tests: an admin logged in through the real form, forms posted with
their CSRF token as a browser would."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog

PASSWORD = "a long and private passphrase"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def token_on(client, url: str) -> str:
    """The CSRF token of the (first) form on ``url``."""
    found = CSRF.search(client.get(url).get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def logged_in(client, make_organiser, email="beheer@example.org", role="admin", region=None):
    """An organiser account, logged in on ``client`` through the login form."""
    make_organiser(email, role, region, password=PASSWORD, name="Bea Beheer")
    response = client.post(
        "/organiser/login",
        data={
            "csrf_token": token_on(client, "/organiser/login"),
            "email": email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, url: str, data: dict, **kwargs):
    """Post ``data`` to ``url`` with the CSRF token of the form shown there."""
    return client.post(url, data={"csrf_token": token_on(client, url), **data}, **kwargs)


def audit_actions() -> list[str]:
    """The audit log's edition and session entries, oldest first (not the test's accounts)."""
    actions = db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id))
    return [a for a in actions if not a.startswith("account.")]


def audit_page(client) -> str:
    return client.get("/organiser/audit").get_data(as_text=True)


class _FormReader(HTMLParser):
    """The values a browser would send for a page's own POST form, unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = {}
        self.in_form = self.done = False
        self.textarea: str | None = None
        self.select: str | None = None

    def add(self, name: str | None, value: str) -> None:
        if name:
            self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        # The page's own form: a POST to itself (the menu's logout form has an action).
        own = (a.get("method") or "").lower() == "post" and not a.get("action")
        if tag == "form" and not self.done and own:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.add(a.get("name"), a.get("value") or ("y" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.add(self.textarea, "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))

    def handle_data(self, data) -> None:
        if self.textarea:
            self.values[self.textarea][-1] += data

    def handle_endtag(self, tag) -> None:
        if tag == "textarea" and self.textarea:
            text = self.values[self.textarea][-1]
            self.values[self.textarea][-1] = text[1:] if text.startswith("\n") else text
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_values(client, url: str) -> dict:
    """The first POST form on ``url`` as a browser would send it unchanged (lists for fields
    with several values, such as checkboxes)."""
    reader = _FormReader()
    reader.feed(client.get(url).get_data(as_text=True))
    return {k: v if len(v) > 1 else v[0] for k, v in reader.values.items()}
