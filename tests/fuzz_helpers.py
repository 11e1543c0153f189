"""The fuzz test's material (tests/test_fuzz.py): troublesome text, every form field of the
app, the real values to fill paths with, and the forms of each page as a browser fills them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask_wtf import FlaskForm
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from eventsite.extensions import db
from tests import factories
from tests.helpers import link_to, outbox, sign_up, signed_up_and_confirmed

# Filled-in forms that would end what the other examples need (the person, the session).
NOT_FILLED_IN = {"registration.erase", "organisers.cancel_session"}

# Hand-picked troublemakers, next to what hypothesis generates.
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\r\n",
    "x\r\nSet-Cookie: a=b",
    "\t",
    "\x1b[31m",
    "\x85",
    "\u202e",
    "\ufeff",
    "𝕏😀",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "-1",
    "0",
    "1e309",
    "NaN",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "//evil.example/",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "a" * 5000,
    "2027-noord",
    "2021",
    "csv",
]

fuzz_text = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(["\x00", "a\x00", "\r\n", "2147483648"]),  # the commonest failures
    st.sampled_from(NASTY).map(lambda nasty: "2027-noord" + nasty),  # a real value, spoilt
    st.text(max_size=40),
    st.integers().map(str),
    st.text(st.characters(max_codepoint=0x9F), max_size=20),  # dense in control characters
)


def all_form_fields() -> list[str]:
    """Every field name of every form class in the app."""
    import eventsite.messaging.forms  # noqa: F401 (load the form classes)
    import eventsite.organisers.forms  # noqa: F401
    import eventsite.registration.forms  # noqa: F401

    names, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for klass in cls.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names - {"csrf_token"})


QUERY_KEYS = ["page", "q", "state", "sort", "dir", "edition", "lang", "session", "next"]
QUERY_KEYS += ["delimiter", "extension", "per_page", "hub", "since"]


def known_values(app, client, make_edition, make_organiser) -> dict[str, list[str]]:
    edition = make_edition(year=2027)
    manage = signed_up_and_confirmed(client, "confirmed@example.nl").split("/")[2]
    sign_up(client, email="pending@example.nl", sessions=["2027-oost"])
    pending = link_to(outbox("confirm", to="pending@example.nl")[-1], "/confirm/").split("/")[2]
    session = edition.sessions[0]
    factories.organiser_message(session)
    db.session.commit()
    make_organiser()
    return {
        "token": [manage, pending],
        "slug": [s.slug for s in edition.sessions],
        "year": ["2027", "2021"],
        "message_id": ["1"],
        "account_id": ["1"],
        "speaker_id": [str(sp.id) for s in edition.sessions for sp in s.speakers][:3],
        "hub": [s.region.slug for s in edition.sessions],
        "extension": ["csv", "xlsx"],
        "action": ["stop", "resume"],
        "filename": ["css/site.css"],
        "lang": ["nl", "en"],
        "token_id": ["1"],
        "endpoint_id": ["1"],
    }


class FormFields(HTMLParser):
    """The fields of the forms on a page, as a browser would submit them (every checkbox
    ticked, the first option of a list): a valid starting point that examples then spoil."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        name = attrs.get("name")
        if not name or name == "csrf_token":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            self.values.setdefault(name, []).append(attrs.get("value") or "y")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]
        elif tag == "select":
            self.values.setdefault(name, [])

    def handle_data(self, data) -> None:
        if self._textarea:
            self.values[self._textarea] = [self.values[self._textarea][0] + data]

    def handle_endtag(self, tag) -> None:
        if tag == "textarea":
            self._textarea = None


def starting_forms(client, rules, values) -> dict[str, dict[str, list[str]]]:
    """Per endpoint with a form page, the fields found on it (with real path values)."""
    forms = {}
    for rule in rules:
        if not {"GET", "POST"} <= rule.methods or rule.endpoint in NOT_FILLED_IN:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^<>]*:)?{name}>", values.get(name, ["x"])[0], path)
        parser = FormFields()
        parser.feed(client.get(path).get_data(as_text=True))
        forms[rule.endpoint] = parser.values
    return forms
