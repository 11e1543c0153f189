"""A visitor on a phone signs up, gets the mail, confirms, and manages the registration;
axe-core finds no serious violation on any of these pages."""

import re

from tests.browser.conftest import screenshot, serious_violations
from tests.conftest import links_in


def test_sign_up_on_a_phone_end_to_end(live_site, phone_page):
    page = phone_page
    page.goto(live_site("/register"))
    assert serious_violations(page) == [], "/register"

    # Submitting an empty form: a summary on top, each error at its field, nothing lost.
    page.fill("#organisation", "De Vries Metaal B.V.")
    page.click("button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#name-error").inner_text() == "Vul je naam in."
    assert page.input_value("#organisation") == "De Vries Metaal B.V."
    assert serious_violations(page) == [], "/register with errors"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "register-errors-phone")

    page.fill("#name", "Anna de Vries")
    page.fill("#email", "anna@example.nl")
    page.locator("input[name=sessions]").first.check()
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/register/sent$"))
    assert "Kijk in je mailbox" in page.inner_text("h1")
    assert serious_violations(page) == [], "/register/sent"

    [mail] = live_site.smtp.to("anna@example.nl")
    confirm_link = next(u for u in links_in(mail) if "/confirm/" in u)
    page.goto(confirm_link)
    assert serious_violations(page) == [], "/confirm"
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/my/[^/]+$"))
    assert "Mijn inschrijving" in page.inner_text("h1")
    assert serious_violations(page) == [], "/my"
    screenshot(page, "manage-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Add a second session from the personal page.
    page.locator("form[action*='/add/'] button").first.click()
    assert page.locator("form[action*='/drop/']").count() == 2
    page.goto(page.url + "/erase")
    assert serious_violations(page) == [], "/my/erase"
