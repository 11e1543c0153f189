"""In a real browser: a hub organiser adds a speaker with a photo and edits the hub's logo;
visitors see both on the public session page (the pictures load under the CSP). axe-core
on the new organiser pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import (
    DESKTOP,
    PHONE,
    assert_accessible,
    create_organiser,
    expect,
    loaded_size,
    screenshot,
)
from tests.browser.harness import log_in as browser_log_in
from tests.media_helpers import jpeg_with_exif, png_bytes


@pytest.mark.parametrize("live_database", ["sqlite", "postgresql"], indirect=True)
def test_hub_organiser_adds_a_speaker_with_a_photo_seen_on_the_public_page(live_site, make_page):
    slug = live_site.slugs[0]  # hosted by the Noord hub
    hub = create_organiser(live_site, "noord@example.org", "--role", "region", "--region", "noord")
    page = make_page(PHONE, "nl")
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    browser_log_in(page, live_site, hub)

    page.goto(live_site(f"/organiser/sessions/{slug}/edit"))
    assert_accessible(page, "edit session with speakers")
    page.get_by_role("link", name="Spreker toevoegen").click()
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/speakers/new$"))
    assert_accessible(page, "new speaker form")
    screenshot(page, "speaker-form-phone")
    page.fill("#name", "Fatima El Amrani")
    page.fill("#company", "Precisie Frezen BV")
    page.fill("#role", "Directeur-eigenaar")
    page.fill("#bio", "Zette in 2024 de eerste cobot in haar freesbedrijf.")
    page.set_input_files(
        "#photo",
        {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": jpeg_with_exif((1600, 1200))},
    )
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/edit#speakers$"))
    expect(page.locator("#speakers")).to_contain_text("Fatima El Amrani")
    expect(page.locator(".flash").first).to_contain_text("Spreker toegevoegd")

    # The hub's logo, from "Uw hub".
    page.get_by_role("link", name="Uw hub").click()
    assert_accessible(page, "hub list")
    page.get_by_role("link", name=re.compile("bewerken")).click()
    assert_accessible(page, "hub form")
    page.set_input_files(
        "#logo", {"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes((900, 300))}
    )
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".flash").first).to_contain_text("Hub opgeslagen")

    # A visitor (a fresh browser context) sees the photo, name, company, role, bio and logo.
    visitor = make_page(DESKTOP, "nl")
    visitor.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    visitor.goto(live_site(f"/sessions/{slug}"))
    photo = visitor.get_by_role("img", name="Foto van Fatima El Amrani")
    expect(photo).to_be_visible()
    # Loaded, turned upright (its EXIF orientation) and resized to 1200 px at most.
    assert loaded_size(photo) == [900, 1200]
    card = visitor.locator(".speaker-card", has_text="Fatima El Amrani")
    expect(card).to_contain_text("Directeur-eigenaar, Precisie Frezen BV")
    expect(card).to_contain_text("Zette in 2024 de eerste cobot")
    logo = visitor.get_by_role("img", name=re.compile("^Logo van"))
    expect(logo).to_be_visible()
    assert loaded_size(logo)[0] > 0
    assert_accessible(visitor, "public session page with speaker photos")
    screenshot(visitor, "session-speakers-desktop")
    assert csp_errors == []


def test_an_admin_adds_a_hub_in_the_browser(live_site, make_page):
    """The new-hub form: a malformed short name is refused at the field with the input kept,
    then the hub is added and opens on its edit page; both pages pass axe-core."""
    admin = create_organiser(live_site, "admin@example.org", "--role", "admin")
    page = make_page(PHONE, "nl")
    browser_log_in(page, live_site, admin)
    page.goto(live_site("/organiser/hubs"))
    page.get_by_role("link", name="Hub toevoegen").click()
    page.wait_for_url(re.compile(r".*/organiser/hubs/new$"))
    assert_accessible(page, "new hub form")
    page.fill("#slug", "Flevo Land")
    page.fill("#name", "Smart Industry Hub Flevoland")
    page.fill("#website", "https://hubflevoland.example.org")
    page.get_by_role("button", name="Hub toevoegen").click()
    expect(page.locator("#slug-error")).to_contain_text("Gebruik 2 tot 40 kleine letters")
    expect(page.locator("#name")).to_have_value("Smart Industry Hub Flevoland")
    assert_accessible(page, "new hub form with an error")
    screenshot(page, "hub-new-errors-phone")
    page.fill("#slug", "flevoland")
    page.get_by_role("button", name="Hub toevoegen").click()
    page.wait_for_url(re.compile(r".*/organiser/hubs/flevoland/edit$"))
    expect(page.locator(".flash").first).to_contain_text("Hub Smart Industry Hub Flevoland")
    expect(page.locator("#website")).to_have_value("https://hubflevoland.example.org")
