"""In a real browser: the programme office invites a hub organiser, who sets a password from
the mail, logs in and sees only their hub's session; the audit log tells it in words."""

from __future__ import annotations

import re

from tests.browser.harness import (
    DESKTOP,
    PHONE,
    assert_accessible,
    expect,
    log_in,
    screenshot,
)
from tests.helpers import links_in


def test_an_admin_invites_a_hub_organiser_who_sets_a_password_and_sees_their_hub(
    live_site, organiser_account, make_page
):
    admin = make_page(DESKTOP, "nl")
    log_in(admin, live_site, organiser_account)
    admin.get_by_role("link", name="Accounts").click()
    admin.get_by_role("link", name="Organisator uitnodigen").click()
    # Sent without a hub: the message stands at the field and what was typed stays.
    admin.fill("#name", "Nina Noord")
    admin.fill("#email", "nina@example.org")
    admin.select_option("#role", "region")
    admin.get_by_role("button", name="Uitnodigen").click()
    expect(admin.locator("#region-error")).to_have_text(
        "Kies de hub waarvoor deze organisator werkt."
    )
    expect(admin.locator("#name")).to_have_value("Nina Noord")
    assert_accessible(admin, "invite form with an error")
    admin.select_option("#region", "noord")
    admin.get_by_role("button", name="Uitnodigen").click()
    expect(admin.locator(".flash")).to_contain_text("Nina Noord is uitgenodigd")
    expect(admin.locator("#accounts")).to_contain_text("uitgenodigd, nog geen wachtwoord")
    screenshot(admin, "organisers-accounts-desktop")

    [mail] = live_site.mails("nina@example.org", 1)
    link = next(url for url in links_in(mail) if "/organiser/password/welcome/" in url)
    hub = make_page(PHONE, "nl")
    hub.goto(link)
    hub.fill("#password", "een lange zin voor nina")
    hub.fill("#confirm", "een lange zin voor nina")
    hub.get_by_role("button", name=re.compile("wachtwoord", re.I)).click()
    hub.wait_for_url(live_site("/organiser/"))
    rows = hub.locator("tbody tr[id^='session-']")  # not the funnel's rows
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_id(f"session-{live_site.slugs[0]}")  # Noord's day
    assert hub.goto(live_site("/organiser/accounts")).status == 403

    # The same link a second time: used.
    again = make_page(PHONE, "nl")
    response = again.goto(link)
    assert response.status == 400

    admin.get_by_role("link", name="Auditlog").click()
    log = admin.locator("#audit-entries")
    expect(log).to_contain_text(
        "heeft Nina Noord (nina@example.org) uitgenodigd als organisator van hub"
    )
    expect(log).to_contain_text(
        "Nina Noord heeft een wachtwoord ingesteld met een link uit een mail"
    )
    assert_accessible(admin, "audit log")
    screenshot(admin, "organisers-audit-desktop")
