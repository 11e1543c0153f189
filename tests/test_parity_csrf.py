"""CSRF behind HTTPS: the token is checked, the origin comes from Sec-Fetch-Site / Origin,
and no Referer is needed (our token pages send ``Referrer-Policy: no-referrer``).

The browser proof over TLS through the proxy is tests/browser/test_parity_https.py.
"""

from __future__ import annotations

import pytest

from eventsite.security import origin_of, refusal_reason
from tests.helpers import attendees, csrf_token, link_to, outbox, path_of, sign_up, states

HTTPS = "https://localhost"
# What Chromium sends with a form post from a page with Referrer-Policy: no-referrer.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}


def post_over_https(client, page: str, action: str, headers: dict, **data):
    token = csrf_token(client, HTTPS + page)
    return client.post(HTTPS + action, data={"csrf_token": token, **data}, headers=headers)


def confirm_path(email: str = "anna@example.nl") -> str:
    return link_to(outbox("confirm", to=email)[-1], "/confirm/")


def test_confirm_button_works_over_https_without_a_referer(client, open_edition):
    """Failed before the origin check (Flask-WTF's SSL-strict check: 400, no Referer)."""
    sign_up(client)
    page = client.get(HTTPS + confirm_path())
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = post_over_https(client, confirm_path(), confirm_path(), SAME_ORIGIN)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert states() == ["confirmed"]


def test_personal_page_forms_work_over_https_without_a_referer(client, open_edition):
    sign_up(client, sessions=["2027-noord", "2027-oost"])
    confirmed = post_over_https(client, confirm_path(), confirm_path(), SAME_ORIGIN)
    manage = path_of(confirmed.headers["Location"])
    steps = [
        (manage, f"{manage}/drop/2027-oost"),
        (manage, f"{manage}/add/2027-oost"),
        (manage, f"{manage}/messages/stop"),
        (f"{manage}/cancel", f"{manage}/cancel"),
    ]
    for page, action in steps:
        response = post_over_https(client, page, action, SAME_ORIGIN)
        assert response.status_code == 302, (action, response.status_code)
    assert states() == ["cancelled", "cancelled"]
    assert attendees()[0].messages_opt_out
    erased = post_over_https(client, f"{manage}/erase", f"{manage}/erase", SAME_ORIGIN, really="y")
    assert erased.status_code == 302 and attendees() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Origin": "https://evil.example"},  # a browser without fetch metadata
        {"Origin": "https://localhost.evil.example"},
        {"Origin": "https://localhost:8443"},  # same host, another port
    ],
)
def test_cross_site_post_with_a_valid_token_is_refused_and_changes_nothing(
    client, open_edition, headers
):
    sign_up(client)
    response = post_over_https(client, confirm_path(), confirm_path(), headers)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "vanaf een andere website verstuurd" in body  # the visitor's language: Dutch
    assert states() == ["pending"] and attendees()[0].confirmed_at is None


def test_refusal_page_in_english(client, open_edition):
    sign_up(client)
    token = csrf_token(client, HTTPS + confirm_path())
    response = client.post(
        HTTPS + confirm_path() + "?lang=en",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site", "Accept-Language": "en"},
    )
    assert response.status_code == 403
    assert "sent from another website" in response.get_data(as_text=True)


def test_without_origin_headers_the_token_alone_decides(client, open_edition):
    """Chosen behaviour: no Sec-Fetch-Site and no (or a null) Origin, as from an older
    browser or a script, is allowed; the CSRF token is still required."""
    sign_up(client)
    without_token = client.post(HTTPS + confirm_path(), data={})
    assert without_token.status_code == 400 and states() == ["pending"]
    response = post_over_https(client, confirm_path(), confirm_path(), {"Origin": "null"})
    assert response.status_code == 302 and states() == ["confirmed"]


def test_same_origin_is_the_request_host_or_site_url(app):
    with app.test_request_context("/", base_url="https://localhost"):
        assert refusal_reason("POST", None, "https://localhost") is None
        assert refusal_reason("POST", None, "HTTPS://LOCALHOST:443") is None
        assert refusal_reason("POST", None, "https://localhost:8443") is not None
        assert refusal_reason("GET", "cross-site", "https://evil.example") is None
        assert refusal_reason("POST", "same-origin", None) is None
        assert refusal_reason("POST", "none", None) is not None
    app.config["SITE_URL"] = "https://jaarevent.example.nl"
    with app.test_request_context("/", base_url="http://127.0.0.1:8000"):
        assert refusal_reason("POST", None, "https://jaarevent.example.nl") is None
        assert refusal_reason("POST", None, "http://jaarevent.example.nl") is not None


def test_origin_behind_the_proxy_comes_from_proxy_fix(database_uri):
    """Behind a TLS proxy the app sees http://127.0.0.1:8000; ProxyFix restores the
    public scheme and host, and the origin check compares with those."""
    from tests.testapp import make_test_app

    app = make_test_app(
        database_uri, SITE_URL="https://elders.example", PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1
    )
    seen = []

    @app.post("/probe")
    def probe():
        from flask import request

        seen.append(request.host_url)
        return "ok"

    app.config["WTF_CSRF_ENABLED"] = False
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "jaarevent.example.nl"}
    client = app.test_client()
    ok = client.post(
        "http://127.0.0.1:8000/probe", headers={**forwarded, "Origin": "https://jaarevent.example.nl"}
    )
    assert ok.status_code == 200 and seen == ["https://jaarevent.example.nl/"]
    forged = client.post(
        "http://127.0.0.1:8000/probe", headers={**forwarded, "Origin": "http://127.0.0.1:8000"}
    )
    assert forged.status_code == 403


def test_origin_of_normalises():
    assert origin_of("https://Example.NL/path?q") == "https://example.nl"
    assert origin_of("http://example.nl:80") == "http://example.nl"
    assert origin_of("http://[::1]:5000/") == "http://[::1]:5000"
    assert origin_of("https://example.nl:notaport") == ""
