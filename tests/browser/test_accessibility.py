"""axe-core on every public page and every registration page, in Dutch and English, on a
phone: no violation of impact serious or critical, and nothing wider than the screen."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import (
    DESKTOP,
    PHONE,
    assert_accessible,
    expect,
    screenshot,
    serious_violations,
    sign_up_directly,
)

LANGUAGES = ["nl", "en"]


def public_paths(live_site) -> list[str]:
    year = live_site.slugs[0].split("-")[0]
    return [
        "/",
        "/editions/",
        f"/editions/{year}",
        "/editions/2021",
        f"/sessions/{live_site.slugs[0]}",
        "/sessions/2021-noord",
        "/privacy",
        "/does-not-exist",
    ]


def check(page, live_site, path: str, language: str) -> None:
    """Open ``path`` (unless None: the page is already there) and check it."""
    if path is not None:
        page.goto(live_site(path))
    assert page.locator("html").get_attribute("lang") == language, page.url
    assert_accessible(page, path or page.url)


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_serious_accessibility_violations(live_site, make_page, language):
    page = make_page(PHONE, language)
    for path in public_paths(live_site):
        check(page, live_site, path, language)


def submit(page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_pages_have_no_serious_accessibility_violations(
    live_site, make_page, language
):
    page = make_page(PHONE, language)
    person = sign_up_directly(live_site, f"anna-{language}@example.nl", language)
    pending = sign_up_directly(live_site, f"piet-{language}@example.nl", language, confirm=False)
    my = f"/my/{person.manage_token}"

    for path in ("/register", "/register/resend", "/keep-me-posted"):
        check(page, live_site, path, language)
        submit(page)  # empty: the error summary and the errors at the fields
        expect(page.locator(".error-summary")).to_be_visible()
        check(page, live_site, None, language)
    check(page, live_site, "/register/sent", language)
    check(page, live_site, "/keep-me-posted/sent", language)
    check(page, live_site, "/keep-me-posted/confirm/not-a-real-token", language)
    check(page, live_site, "/keep-me-posted/unsubscribe/not-a-real-token", language)

    page.goto(pending.confirm_url)
    check(page, live_site, None, language)
    check(page, live_site, "/confirm/not-a-real-token", language)
    page.goto(person.confirm_url)
    submit(page)  # confirmed before: the "already confirmed" page
    check(page, live_site, None, language)

    check(page, live_site, my, language)
    expect(page.locator("main a[href*='/drop/']")).to_have_count(2)
    check(page, live_site, f"{my}/drop/{live_site.slugs[0]}", language)  # the confirming page
    check(page, live_site, f"{my}/join/{live_site.slugs[0]}", language)  # not open yet
    check(page, live_site, f"{my}/feedback/{live_site.slugs[0]}", language)  # not yet
    check(page, live_site, f"{my}/cancel", language)
    check(page, live_site, f"{my}/erase", language)
    submit(page)  # without the tick: an error
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, live_site, None, language)
    page.check("#really")
    submit(page)
    page.wait_for_url(re.compile(r".*/erased$"))
    check(page, live_site, None, language)


def test_axe_does_report_a_real_violation(live_site, phone_page):
    """Guard against a silent checker: a page with an unlabelled input must fail."""
    phone_page.goto(live_site("/"))
    phone_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<input type=text><img src=x.png>')"
    )
    assert serious_violations(phone_page) != []


def test_screenshots_of_the_main_pages(live_site, make_page):
    person = sign_up_directly(live_site, "anna@example.nl", "nl")
    pages = {
        "programme": "/",
        "session": f"/sessions/{live_site.slugs[0]}",
        "register": f"/register?session={live_site.slugs[0]}",
        "my-registration": f"/my/{person.manage_token}",
    }
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = make_page(viewport, "nl")
        for name, path in pages.items():
            page.goto(live_site(path))
            # Nothing sticks out sideways, not even on a 360 px phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            screenshot(page, f"{name}-{device}")
            # What a visitor sees first, for the README.
            screenshot(page, f"{name}-{device}-first-screen", full_page=False)
        page.goto(live_site("/"))
        assert page.locator("article.session-card").count() == 5
