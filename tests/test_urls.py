"""One absolute-URL helper (core.urls.external_url): the links in mails and calendar files
are the routes' own addresses on SITE_URL."""

import re

from flask import url_for

from eventsite.core.urls import external_url
from tests.helpers import links_in, outbox, signed_up_and_confirmed


def test_join_links_in_mails_and_the_personal_calendar_are_the_route(client, open_edition):
    personal = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-zuid"])
    token = personal.rstrip("/").split("/")[-1]
    welcome = outbox("welcome", to="anna@example.nl")[-1]
    joins = sorted({url for url in links_in(welcome) if "/join/" in url})
    with client.application.test_request_context():
        routes = [
            url_for("registration.join", token=token, slug=s, lang="nl")
            for s in ("2027-noord", "2027-zuid")
        ]
    assert joins == sorted("http://localhost" + path for path in routes)
    assert joins == sorted(
        external_url("registration.join", token=token, slug=s, lang="nl")
        for s in ("2027-noord", "2027-zuid")
    )

    with client.application.test_request_context():
        feed = url_for("ical.personal_ics", token=token)
    calendar = client.get(feed).get_data(as_text=True).replace("\r\n ", "")
    assert sorted(set(re.findall(r"URL;VALUE=URI:(\S+)", calendar))) == joins
    for link in joins:  # and they lead somewhere: the stream or the session's page
        assert client.get(link.removeprefix("http://localhost")).status_code in (302, 303, 200)


def test_external_url_keeps_the_site_url_path(app):
    app.config["SITE_URL"] = "https://example.org/jaarevent/"
    assert (
        external_url("programme.session_detail", slug="2027-noord")
        == "https://example.org/jaarevent/sessions/2027-noord"
    )
