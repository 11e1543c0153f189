"""axe-core on every public page, in Dutch and English, on a phone: no serious violation."""

import pytest

from tests.browser.conftest import new_page, screenshot, serious_violations

PUBLIC_PAGES = [
    "/",
    "/editions/",
    "/editions/2021",
    "/sessions/2021-noord",
    "/privacy",
    "/does-not-exist",
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_public_pages_have_no_serious_accessibility_violations(live_site, browser, language):
    page = new_page(browser, language=language)
    try:
        for path in PUBLIC_PAGES:
            page.goto(live_site(f"{path}?lang={language}"))
            assert page.locator("html").get_attribute("lang") == language
            assert serious_violations(page) == [], path
    finally:
        page.context.close()


def test_axe_does_report_a_real_violation(live_site, phone_page):
    """Guard against a silent checker: a page with an unlabelled input must fail."""
    phone_page.goto(live_site("/"))
    phone_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<input type=text><img src=x.png>')"
    )
    assert serious_violations(phone_page) != []


def test_programme_screenshots(live_site, browser):
    for name, viewport in (
        ("phone", {"width": 360, "height": 780}),
        ("desktop", {"width": 1280, "height": 900}),
    ):
        page = new_page(browser, viewport)
        page.goto(live_site("/"))
        assert page.locator("article.session-card").count() == 5
        # Nothing sticks out sideways on a 360 px phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"programme-{name}")
        page.context.close()
