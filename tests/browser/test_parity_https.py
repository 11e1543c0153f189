"""The HTTPS parity stage: Chromium through Caddy (TLS, config/Caddyfile) to gunicorn at its
default worker count in the production configuration, on PostgreSQL and Redis (see the
``https_site`` fixture and README "Production"). Every form a visitor or an organiser uses
is pressed here, over TLS, with our referrer policy: before the origin check replaced
Flask-WTF's Referer check, the confirm button already got a 400 here."""

from __future__ import annotations

import csv
import http.client
import io
import re
import runpy
import ssl
import time
import urllib.parse

import pytest

from bench.processes import GUNICORN_CONFIG
from eventsite.extensions import db
from eventsite.registration.models import Attendee
from tests.browser.harness import (
    DESKTOP,
    PHONE,
    create_organiser,
    download,
    expect,
    log_in,
    sign_up_directly,
)
from tests.browser.test_registration_browser import MY_PAGE, link_with

# Caddy, gunicorn at its default worker count and Chromium: run alone (`make test`).
pytestmark = pytest.mark.serial


def wait_for_subject(site, address: str, subject: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not any(m["Subject"] == subject for m in site.smtp.to(address)):
        assert time.monotonic() < deadline, [m["Subject"] for m in site.smtp.to(address)]
        time.sleep(0.2)


def test_stage_is_the_documented_production_configuration(https_site, https_page):
    default_workers = runpy.run_path(str(GUNICORN_CONFIG))["default_workers"]
    assert len(https_site.gunicorn.worker_pids()) == default_workers(environ={})
    page = https_page(DESKTOP)
    response = page.goto(https_site("/register"))
    assert response.url.startswith("https://")
    assert "max-age=31536000" in response.headers["strict-transport-security"]
    [cookie] = [c for c in page.context.cookies() if c["name"] == "__Host-session"]
    assert cookie["secure"] and cookie["httpOnly"]


def plain_get(site, path: str, **headers) -> http.client.HTTPResponse:
    """GET without any Accept-Encoding header (urllib would send "identity")."""
    url = urllib.parse.urlsplit(site(path))
    context = ssl.create_default_context(cafile=str(site.tls.ca))
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context)
    connection.putrequest("GET", url.path, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_a_client_asking_no_compression_gets_the_body_its_etag_names(https_site):
    """Calendar apps and scripts often send no Accept-Encoding. Caddy must not ask the app
    for gzip on their behalf and unpack it (Go's default): the app compressed for nothing,
    and the plain body went out under the gzip body's ETag."""
    path = f"/sessions/{https_site.slugs[0]}.ics"
    response = plain_get(https_site, path)
    assert response.status == 200 and response.getheader("Content-Encoding") is None
    assert response.body.startswith(b"BEGIN:VCALENDAR")
    etag = response.getheader("ETag")
    assert ":" not in etag.strip('"')  # no coding named: the app sent it as it is
    assert plain_get(https_site, path, **{"If-None-Match": etag}).status == 304


def test_answers_name_one_server_the_proxy(https_site):
    """gunicorn's Server header is dropped at the proxy: one Server header, Caddy's."""
    response = plain_get(https_site, "/")
    assert response.status == 200 and response.headers.get_all("Server") == ["Caddy"]


def test_visitor_signs_up_confirms_and_uses_every_personal_form_over_https(https_site, https_page):
    page, email = https_page(PHONE, "nl"), "anna.tls@example.nl"
    first, second = https_site.slugs[:2]
    page.goto(https_site(f"/register?session={first}"))
    page.check(f"#session-{second}")
    page.fill("#name", "Anna de Vries")
    page.fill("#email", email)
    page.fill("#organisation", "De Vries Metaal B.V.")
    page.check("#consent")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r".*/register/sent$"))

    # The mail, sent by gunicorn to our SMTP server, links to the public https address.
    [confirm_mail] = https_site.mails(email, 1)
    confirm_link = link_with(confirm_mail, "/confirm/")
    assert confirm_link.startswith(https_site.url + "/confirm/")
    answer = page.goto(confirm_link)
    assert answer.headers["referrer-policy"] == "no-referrer"
    page.get_by_role("button", name="Mijn aanmelding bevestigen").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator(".flash-success")).to_contain_text("Je bent aangemeld")
    expect(page.locator("main a[href*='/drop/']")).to_have_count(2)

    # Drop, add again, stop the organisers' messages: each form posts from a no-referrer page.
    page.locator(f"a[href$='/drop/{first}']").click()
    page.get_by_role("button", name="Ja, uit mijn aanmelding halen").click()
    expect(page.locator(".flash-success")).to_have_text("De sessie is uit je aanmelding gehaald.")
    expect(page.locator("main a[href*='/drop/']")).to_have_count(1)
    page.locator("summary", has_text="Een sessie toevoegen").click()  # behind a disclosure
    page.locator(f"form[action$='/add/{first}'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main a[href*='/drop/']")).to_have_count(2)
    page.locator("summary", has_text="Berichten van de organisatie").click()
    page.locator("form[action$='/messages/stop'] button").click()
    expect(page.locator(".flash-success")).to_have_text(
        re.compile("geen berichten meer", re.IGNORECASE)
    )
    expect(page.locator("form[action$='/messages/resume']")).to_have_count(1)

    # Cancel everything, then erase (both under "Mijn gegevens").
    page.locator("summary", has_text="Mijn gegevens").click()
    page.get_by_role("link", name="Mijn hele aanmelding annuleren").click()
    page.wait_for_url(re.compile(r".*/cancel$"))
    page.get_by_role("button", name="Ja, alles annuleren").click()
    page.wait_for_url(MY_PAGE)
    expect(page.locator(".flash-success")).to_have_text("Je aanmelding is geannuleerd.")
    with https_site.database() as session:
        attendee = session.scalar(db.select(Attendee).filter_by(email=email))
        assert attendee.messages_opt_out and attendee.confirmed_at is not None
        assert {r.state for r in attendee.registrations} == {"cancelled"}
    page.locator("summary", has_text="Mijn gegevens").click()
    page.get_by_role("link", name="Mijn gegevens wissen").click()
    page.wait_for_url(re.compile(r".*/erase$"))
    page.check("#really")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/erased$"))
    with https_site.database() as session:
        assert session.scalar(db.select(Attendee).filter_by(email=email)) is None


def test_organiser_logs_in_exports_csv_and_sends_a_message_over_https(https_site, https_page):
    slug = https_site.slugs[2]
    organiser = create_organiser(https_site, "beheer.tls@example.org", "--role", "admin")
    jan = sign_up_directly(
        https_site, "jan.tls@example.nl", slugs=[slug], name="Jan Jansen", organisation="Jansen"
    )
    page = https_page(DESKTOP, "nl")
    log_in(page, https_site, organiser)

    page.goto(https_site(f"/organiser/sessions/{slug}/attendees"))
    name, body = download(page, page.get_by_role("link", name="CSV", exact=True).click)
    assert name.endswith(".csv") and body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {r["E-mailadres"]: r["Status"] for r in rows} == {jan.email: "bevestigd"}

    page.goto(https_site(f"/organiser/sessions/{slug}/messages"))
    page.fill("#subject_nl", "De stream begint later (tls)")
    page.fill("#body_nl", "We beginnen tien minuten later.")
    page.click("button[name=preview]")
    assert "tien minuten later" in page.inner_text(".mail-preview")
    page.click("button[name=send]")
    page.wait_for_url(re.compile(rf".*/organiser/sessions/{slug}/messages/.+"))
    wait_for_subject(https_site, jan.email, "De stream begint later (tls)")
