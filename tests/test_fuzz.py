"""Property-based fuzzing: generated input at every route of the URL map never gives a 5xx.

Each example picks a route and a method, fills the path with a real value (a session's
slug, a personal or confirmation link, a message id) or with generated text, adds a
generated query string and form (the fields of every form in the app, plus unknown ones),
with a valid CSRF token, a broken one or none, as an anonymous visitor or as a logged-in
organiser. Values include control characters, NUL, long strings, any unicode, huge and
negative numbers. Runs on SQLite and on PostgreSQL (the ``database_uri`` fixture).

``EVENTSITE_FUZZ_EXAMPLES`` sets the number of examples per database (default 200; the
run stays well under a minute per database).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, urlencode

import pytest
from flask_migrate import stamp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from eventsite.extensions import db
from tests.fuzz_helpers import (
    QUERY_KEYS,
    all_form_fields,
    fuzz_text,
    known_values,
    starting_forms,
)
from tests.helpers import ORGANISER_PASSWORD, csrf_token, log_in
from tests.testapp import empty_tables, make_test_app

EXAMPLES = int(os.environ.get("EVENTSITE_FUZZ_EXAMPLES", "200"))


@pytest.fixture
def fuzz_app(database_uri):
    """The app with a published, open edition, people in every state and an organiser;
    rate limits off (a 429 is no 5xx, but would hide the routes behind it)."""
    app = make_test_app(database_uri, RATELIMIT_ENABLED=False, DEV_OUTBOX_PAGE=True)
    with app.app_context():
        if database_uri.startswith("sqlite"):
            db.create_all()
        # Marked as migrated (create_all matches the migrations), so /readyz can say "ready".
        stamp()
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        if not database_uri.startswith("sqlite"):
            empty_tables()
        db.engine.dispose()


def test_no_input_gives_a_server_error(fuzz_app, make_edition, make_organiser, clock):
    clock.at(2027, 5, 1, 12)
    visitor = fuzz_app.test_client()
    values = known_values(fuzz_app, visitor, make_edition, make_organiser)
    organiser = fuzz_app.test_client()
    assert log_in(organiser, "admin@example.org").status_code == 302
    rules = [r for r in fuzz_app.url_map.iter_rules() if r.endpoint != "static"]
    clients = {
        "visitor": (visitor, csrf_token(visitor, "/register"), {}),
        "organiser": (
            organiser,
            csrf_token(organiser, "/organiser/sessions/2027-noord/edit"),
            starting_forms(organiser, rules, values),
        ),
    }
    clients["visitor"][2].update(starting_forms(visitor, rules, values))
    assert "sessions" in clients["visitor"][2]["registration.register"]
    assert "description" in clients["organiser"][2]["organisers.edit_session"]
    fields = all_form_fields()
    assert {"name", "email", "description", "password", "really"} <= set(fields)
    # Routes that take a POST come up more often: forms are where input goes in.
    weighted = rules + [r for r in rules if "POST" in r.methods] * 3
    seen: set[str] = set()

    @st.composite
    def any_request(draw):
        rule = draw(st.sampled_from(weighted), label="rule")
        who = draw(st.sampled_from(sorted(clients)), label="who")
        if who == "organiser" and rule.endpoint == "organisers.logout":
            who = "visitor"  # keep the organiser's login for the other examples
        method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        path = rule.rule
        for name in rule.arguments:
            value = draw(st.one_of(st.sampled_from(values.get(name, ["x"])), fuzz_text), label=name)
            # <name>, <int:name>, <any(stop, resume):name>, <path:name>
            pattern = rf"<(?:[^<>]*:)?{name}>"
            path = re.sub(pattern, lambda _m, v=value: quote(v, safe=""), path, count=1)
        query = draw(
            st.dictionaries(
                st.one_of(st.sampled_from(QUERY_KEYS), fuzz_text), fuzz_text, max_size=4
            )
        )
        url = f"{path}?{urlencode(query)}" if query else path
        if method == "GET":
            return who, rule.endpoint, "GET", url, None, None
        start = dict(clients[who][2].get(rule.endpoint, {}))
        if start and draw(st.booleans(), label="spoil"):
            for key in draw(st.sets(st.sampled_from(sorted(start)), max_size=3)):
                start[key] = [draw(fuzz_text, label=key)]
        extra = draw(
            st.dictionaries(
                st.one_of(st.sampled_from(fields), fuzz_text),
                st.one_of(fuzz_text, st.lists(fuzz_text, max_size=3)),
                max_size=4,
            ),
            label="form",
        )
        csrf = draw(st.sampled_from(["valid", "valid", "none", "broken"]), label="csrf")
        return who, rule.endpoint, "POST", url, {**start, **extra}, csrf

    # Known troublemakers first (each failed before the input checks), then generated ones.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=any_request())
    @example(
        spec=(
            "visitor",
            "registration.register",
            "POST",
            "/register",
            {**clients["visitor"][2]["registration.register"], "name": ["A\x00"]},
            "valid",
        )
    )
    @example(spec=("visitor", "programme.session_detail", "GET", "/sessions/x%00", None, None))
    @example(
        spec=("visitor", "programme.edition_detail", "GET", "/editions/" + "9" * 20, None, None)
    )
    @example(
        spec=(
            "organiser",
            "organisers.attendees",
            "GET",
            "/organiser/sessions/2027-noord/attendees?page=" + "9" * 20,
            None,
            None,
        )
    )
    @example(
        spec=(
            "organiser",
            "organisers.login",
            "POST",
            "/organiser/login?next=/organiser/%0d%0aX:1",
            {"email": ["admin@example.org"], "password": [ORGANISER_PASSWORD]},
            "valid",
        )
    )
    def request_anything(spec):
        who, endpoint, method, url, form, csrf = spec
        client, valid_token, _forms = clients[who]
        seen.add(endpoint)
        if method == "GET":
            response = client.get(url)
        else:
            if csrf == "valid":
                form["csrf_token"] = valid_token
            elif csrf == "broken":
                form["csrf_token"] = valid_token[:-3] + "\x00ab"
            response = client.post(url, data=form)
        assert response.status_code < 500, (
            f"{who} {method} {url!r} {form!r}: {response.status_code}\n"
            + response.get_data(as_text=True)[:2000]
        )

    request_anything()
    # Then every route the generated run did not reach (Hypothesis favours the first rules of
    # its list, so which ones it reaches varies), once with real values: the whole site.
    for rule in rules:
        if rule.endpoint in seen:
            continue
        path = rule.rule
        for name in rule.arguments:
            value = values.get(name, ["x"])[0]
            pattern = rf"<(?:[^<>]*:)?{name}>"
            path = re.sub(pattern, lambda _m, v=value: quote(v, safe=""), path, count=1)
        method = "POST" if "POST" in rule.methods else "GET"
        for who in ("visitor", "organiser"):
            if who == "organiser" and rule.endpoint == "organisers.logout":
                continue
            form = dict(clients[who][2].get(rule.endpoint, {})) if method == "POST" else None
            request_anything.hypothesis.inner_test(
                spec=(who, rule.endpoint, method, path, form, "valid")
            )
    assert seen == {rule.endpoint for rule in rules}
