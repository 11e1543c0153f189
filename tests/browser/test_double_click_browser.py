"""A double click on the confirm button lands on the personal page, not on "Deze link is al
gebruikt": with JavaScript the second press is not sent (static/js/submit-once.js); without,
the server answers the second POST as it did the first (signup.REPEAT_WINDOW)."""

from __future__ import annotations

import re
import time

import pytest
from flask import request

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from tests.browser.harness import PHONE, TIMEOUT_MS, expect, sign_up_directly

MY_PAGE = re.compile(r".*/my/[^/?]+$")


def slow_posts(live_site) -> None:
    """Every POST answered after 0.3 s, as on a busy server: the second click of a double
    click (60 ms apart) comes while the first request is under way."""

    @live_site.app.before_request
    def take_a_while() -> None:
        if request.method == "POST":
            time.sleep(0.3)


def posts_to(page, path: str) -> list[str]:
    """The POSTs the page sends to URLs containing ``path``, as they are sent."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and path in r.url else 0)
    return sent


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_double_click_on_confirm_opens_the_personal_page(live_site, browser, javascript):
    slow_posts(live_site)
    context = browser.new_context(
        viewport=PHONE,
        locale="nl-NL",
        extra_http_headers={"Accept-Language": "nl-NL,nl"},
        java_script_enabled=javascript,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        signed_up = sign_up_directly(live_site, "anna@example.nl", confirm=False)
        page.goto(signed_up.confirm_url)
        sent = posts_to(page, "/confirm/")
        page.get_by_role("button", name="Mijn aanmelding bevestigen").dblclick(delay=60)
        expect(page).to_have_url(MY_PAGE)  # the first navigation may be cut short: no wait
        expect(page.locator("h1")).not_to_contain_text("al gebruikt")
        expect(page.locator(".flash-success")).to_have_count(1)
        if javascript:
            assert len(sent) == 1
        with live_site.database() as session:
            welcome = session.scalars(db.select(OutboxMessage).filter_by(kind="welcome")).all()
            assert len(welcome) == 1
    finally:
        context.close()


def test_a_double_click_on_sign_up_sends_the_form_once(live_site, phone_page):
    page = phone_page
    slow_posts(live_site)
    page.goto(live_site(f"/register?session={live_site.slugs[0]}"))
    page.fill("#name", "Anna de Vries")
    page.fill("#email", "anna@example.nl")
    page.fill("#organisation", "De Vries Metaal B.V.")
    page.check("#consent")
    sent = posts_to(page, "/register")
    page.get_by_role("button", name="Aanmelden").dblclick(delay=60)
    page.wait_for_url(re.compile(r".*/register/sent$"))
    assert len(sent) == 1
    with live_site.database() as session:
        confirms = session.scalars(db.select(OutboxMessage).filter_by(kind="confirm")).all()
        assert len(confirms) == 1
