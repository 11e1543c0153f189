"""In Chromium: a hub's own site (another origin, with a strict CSP of its own) embeds the
hub's day; the block shows that day's session and its link opens our sign-up with the
session ticked. A site not on EMBED_ALLOWED_ORIGINS gets nothing. axe on the block."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eventsite.programme.models import ProgrammeSession
from tests.browser.harness import (
    DESKTOP,
    PHONE,
    assert_accessible,
    create_organiser,
    expect,
    screenshot,
)
from tests.browser.harness import log_in as browser_log_in


class HubSite:
    """A hub's own web page on another origin, embedding ``frame_url``."""

    def __init__(self, frame_url: str, site_origin: str) -> None:
        body = (
            "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
            "<title>Hub Noord</title></head><body><h1>Welkom bij Hub Noord</h1>"
            f"<iframe src='{frame_url}' title='Programma' style='width:100%;height:600px'>"
            "</iframe></body></html>"
        ).encode()
        policy = f"default-src 'none'; frame-src {site_origin}; style-src 'unsafe-inline'"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Another origin: another port (the browser tests resolve only 127.0.0.1).
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _day(live_site) -> tuple[str, str, int, str]:
    with live_site.database() as session:
        item = session.scalar(
            session.query(ProgrammeSession).filter_by(slug=live_site.slugs[0]).statement
        )
        return item.slug, item.region.slug, item.edition.year, item.title


def test_a_hubs_site_embeds_its_day_and_the_link_opens_the_sign_up(live_site, make_page):
    slug, hub, year, title = _day(live_site)
    frame_url = live_site(f"/embed/nl/{year}/{hub}")
    host = HubSite(frame_url, live_site.url)
    try:
        live_site.app.config["EMBED_ALLOWED_ORIGINS"] = [host.origin]
        page = make_page(DESKTOP, "nl")
        page.goto(host.origin + "/")
        frame = page.frame_locator("iframe")
        expect(frame.get_by_role("heading", name=title)).to_be_visible()
        assert frame.locator("article").count() == 1  # only this hub's day
        screenshot(page, "embed-hub-day-desktop")
        with page.expect_popup() as popup_info:
            frame.locator(f"a[href*='/register?session={slug}']").click()
        signup = popup_info.value
        signup.wait_for_load_state()
        assert signup.url.startswith(live_site(f"/register?session={slug}"))
        expect(signup.locator(f"input[value='{slug}']")).to_be_checked()

        # Another site, not on the list: the browser refuses to show the block.
        live_site.app.config["EMBED_ALLOWED_ORIGINS"] = ["https://elders.example"]
        other = make_page(DESKTOP, "nl")
        other.goto(host.origin + "/")
        other.wait_for_timeout(500)
        assert other.frame_locator("iframe").get_by_role("heading", name=title).count() == 0
    finally:
        host.stop()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_block_is_accessible_in_both_languages(live_site, make_page, language):
    _slug, hub, year, _title = _day(live_site)
    page = make_page(PHONE, language)
    page.goto(live_site(f"/embed/{language}/{year}/{hub}"))
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page, f"embed {language}")
    page.goto(live_site(f"/embed/{language}/{year}"))
    assert page.locator("article").count() == len(live_site.slugs)
    assert_accessible(page, f"embed whole edition {language}")


def test_the_console_pages_for_tokens_webhooks_and_the_snippet(live_site, make_page):
    """A hub organiser makes a token (shown once), sees the webhook form refuse a private
    address at the field, and copies the snippet; axe on each page."""
    hub = create_organiser(live_site, "noord@example.org", "--role", "region", "--region", "noord")
    page = make_page(PHONE, "nl")
    browser_log_in(page, live_site, hub)
    page.goto(live_site("/organiser/api/tokens"))
    assert_accessible(page, "tokens")
    page.get_by_label("Naam").fill("CRM van Noord")
    page.get_by_role("button", name="Sleutel maken").click()
    expect(page.get_by_role("heading", name="Je nieuwe sleutel")).to_be_visible()
    assert page.get_by_label("Sleutel", exact=True).input_value().startswith("evs_")
    assert_accessible(page, "token made")
    screenshot(page, "api-token-phone")

    page.goto(live_site("/organiser/api/webhooks"))
    page.get_by_label("Adres (https)").fill("https://127.0.0.1/hooks")
    page.get_by_label("Een aanmelding is bevestigd (met een plaats)").check()
    page.get_by_role("button", name="Webhook toevoegen").click()
    expect(page.locator(".field-error")).to_contain_text("privé- of lokaal netwerk")
    assert page.get_by_label("Adres (https)").input_value() == "https://127.0.0.1/hooks"
    assert_accessible(page, "webhook form with an error")

    page.goto(live_site("/organiser/api/embed"))
    snippet = page.locator("textarea").first.input_value()
    assert "<iframe" in snippet and "/embed/nl/" in snippet
    assert_accessible(page, "embed snippet")
