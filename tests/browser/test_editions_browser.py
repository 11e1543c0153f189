"""The programme office prepares next year's edition in a real browser: a new edition from the
current one with a preview of the moved dates, the intro edited, published; until then
visitors get "page not found" and organisers the preview."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import (
    DESKTOP,
    PHONE,
    assert_accessible,
    create_organiser,
    expect,
    log_in,
    screenshot,
)

INTRO = "In 2028 laten vijf hubs zien hoe het mkb slimmer produceert. Schrijf je gratis in."


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_admin_creates_next_year_from_this_one_edits_and_publishes(live_site, make_page):
    year = int(live_site.slugs[0].split("-")[0])
    new_year = year + 1
    admin = create_organiser(live_site, "beheer@example.org", "--role", "admin")
    page = make_page(DESKTOP, "nl")
    log_in(page, live_site, admin)

    # New edition: the form, then the preview of the moved dates, then create.
    page.get_by_role("link", name="Edities").click()
    page.get_by_role("link", name="Nieuwe editie").click()
    expect(page.locator("#year")).to_have_value(str(new_year))
    page.fill("#starts_on", f"{new_year}-05-29")
    page.get_by_role("button", name="Nieuwe data tonen").click()
    moved = page.locator("#moved-dates tbody tr")
    expect(moved).to_have_count(5)
    expect(moved.first).to_contain_text(f"29 mei {new_year}, 15.00 uur")
    screenshot(page, "organisers-edition-preview-desktop")
    page.get_by_role("button", name=f"Editie {new_year} aanmaken").click()
    page.wait_for_url(live_site(f"/organiser/editions/{new_year}/edit"))
    expect(page.locator("#edition-status")).to_have_text("concept")

    # Not published: a visitor gets 404, the organiser the preview.
    visitor = make_page(PHONE, "nl")
    assert visitor.goto(live_site(f"/editions/{new_year}")).status == 404
    assert visitor.goto(live_site(f"/sessions/{new_year}-noord")).status == 404
    page.goto(live_site(f"/editions/{new_year}"))
    expect(page.locator(".preview-banner")).to_contain_text("niet gepubliceerd")
    expect(page.locator("article.session-card")).to_have_count(5)

    # The intro, then publish after the confirmation page.
    page.goto(live_site(f"/organiser/editions/{new_year}/edit"))
    page.fill("#intro", INTRO)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".flash-success")).to_have_text("Opgeslagen.")
    page.get_by_role("link", name="Publiceren…").click()
    page.get_by_role("button", name="Ja, publiceren").click()
    expect(page.locator(".flash-success")).to_have_text("De editie is gepubliceerd.")
    expect(page.locator("#edition-status")).not_to_have_text("concept")

    # The public programme shows it, without the banner.
    response = visitor.goto(live_site(f"/editions/{new_year}"))
    assert response.status == 200
    expect(visitor.locator("main")).to_contain_text(INTRO)
    expect(visitor.locator(".preview-banner")).to_have_count(0)
    expect(visitor.locator("article.session-card")).to_have_count(5)
    visitor.goto(live_site("/editions/"))
    expect(visitor.get_by_role("link", name=re.compile(str(new_year)))).not_to_have_count(0)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_edition_pages_are_accessible_on_a_phone(live_site, make_page, language):
    year = int(live_site.slugs[0].split("-")[0])
    admin = create_organiser(live_site, "beheer@example.org", "--role", "admin")
    page = make_page(PHONE, language)
    log_in(page, live_site, admin)
    slug = live_site.slugs[0]
    for path in (
        "/organiser/editions",
        "/organiser/editions/new",
        f"/organiser/editions/{year}/edit",
        f"/organiser/editions/{year}/unpublish",
        f"/organiser/editions/{year}/sessions",
        f"/organiser/editions/{year}/sessions/new",
        f"/organiser/sessions/{slug}/remove",
        "/organiser/editions/load",
    ):
        page.goto(live_site(path))
        assert_accessible(page, f"{language} {path}")
    # Forms sent with errors: the summary and the messages at the fields.
    page.goto(live_site(f"/organiser/editions/{year}/sessions/new"))
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("main .error-summary")).to_be_visible()
    assert_accessible(page, f"{language} new session with errors")
    page.goto(live_site("/organiser/editions/new"))
    page.fill("#year", str(year))
    page.fill("#starts_on", f"{year + 3}-01-01")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("main .error-summary")).to_be_visible()
    assert_accessible(page, f"{language} new edition with errors")
    page.fill("#year", str(year + 1))
    page.fill("#starts_on", f"{year + 1}-05-29")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("#moved-dates")).to_be_visible()
    assert_accessible(page, f"{language} new edition preview")
    screenshot(page, f"organisers-edition-preview-phone-{language}")
