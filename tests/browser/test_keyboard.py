"""Keyboard only: the sign-up form is reached, filled in and sent with Tab, Space and Enter,
and wherever the focus goes it can be seen."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import expect
from tests.helpers import links_in

FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {
    name: el.id || el.getAttribute('name') || el.tagName.toLowerCase(),
    outline: style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0
      ? 'none' : style.outlineStyle,
    shadow: style.boxShadow,
  };
}"""
# Each Tab press must land somewhere visible; a form this size needs far fewer.
MAX_TABS = 40


def assert_focus_visible(page) -> dict:
    """The focused element has an outline or a box shadow drawn around it."""
    focused = page.evaluate(FOCUSED)
    assert focused["outline"] != "none" or focused["shadow"] != "none", focused
    return focused


def tab_to(page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, checking the focus is visible each time."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement !== document.body"):
            assert_focus_visible(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {MAX_TABS} Tab presses")


def test_sign_up_with_the_keyboard_only(live_site, phone_page):
    page, slug = phone_page, live_site.slugs[1]
    page.goto(live_site("/register"))

    # The first Tab shows the skip link; Enter takes the focus past the menu.
    page.keyboard.press("Tab")
    assert assert_focus_visible(page)["name"] == "a"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_to(page, "#name")
    page.keyboard.type("Kees Bakker")
    tab_to(page, "#email")
    page.keyboard.type("kees@example.nl")
    tab_to(page, "#organisation")
    page.keyboard.type("Bakker Lasbedrijf")
    tab_to(page, f"#session-{slug}")
    page.keyboard.press("Space")
    expect(page.locator(f"#session-{slug}")).to_be_checked()
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    expect(page.locator("#consent")).to_be_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/register/sent$"))

    # The confirming button is reached and pressed the same way.
    [mail] = live_site.mails("kees@example.nl", 1)
    page.goto(next(url for url in links_in(mail) if "/confirm/" in url))
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/my/[^/]+$"))

    # Removing the session: the link, then the confirming page's button, by keyboard.
    tab_to(page, f"a[href$='/drop/{slug}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/drop/{slug}$"))
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/my/[^/]+$"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"a[href$='/drop/{slug}']")).to_have_count(0)


def test_form_errors_are_reached_from_the_keyboard(live_site, phone_page):
    """Sent empty with Enter: the summary's links lead the focus to the fields."""
    page = phone_page
    page.goto(live_site("/register"))
    tab_to(page, "#name")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    tab_to(page, ".error-summary a[href='#name']")
    page.keyboard.press("Enter")
    expect(page.locator("#name")).to_be_focused()


def test_the_focus_check_fails_on_an_invisible_focus(live_site, phone_page):
    """Guard against a check that always passes: a field without outline or shadow fails."""
    page = phone_page
    page.goto(live_site("/register"))
    page.evaluate(
        "() => { const el = document.querySelector('#name');"
        " el.style.outline = 'none'; el.style.boxShadow = 'none'; }"
    )
    with pytest.raises(AssertionError):
        tab_to(page, "#name")
