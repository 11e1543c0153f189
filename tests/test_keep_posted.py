""" "Keep me posted": double opt-in from the archive and the closed sign-up page; the
announcement goes out once per address when the next edition opens (the worker), never to an
unconfirmed or unsubscribed address; organisers see the count and can send it at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eventsite.core.jobs import JobRegistry
from eventsite.core.worker import Worker
from eventsite.extensions import db
from eventsite.mail.sender import send_queued
from eventsite.organisers.models import AuditLog
from eventsite.registration.interest_models import Interest, InterestAnnouncement
from eventsite.registration.jobs import register_jobs
from tests.helpers import csrf_token, link_to, links_in, log_in, mail_text, outbox
from tests.helpers import csrf_token as csrf_from
from tests.messages_helpers import as_sent

OPENS = datetime(2027, 9, 1, 8, tzinfo=UTC)


def ask(client, email: str, lang: str = "nl"):
    url = f"/keep-me-posted?lang={lang}"
    data = {"csrf_token": csrf_from(client, url), "email": email, "consent": "y"}
    return client.post(url, data=data)


def confirm_by_mail(client, email: str):
    path = link_to(outbox("interest-confirm", to=email)[-1], "/keep-me-posted/confirm/")
    assert client.get(path).status_code == 200  # opening the link confirms nothing
    assert db.session.scalar(db.select(Interest.confirmed_at).filter_by(email=email)) is None
    return client.post(path, data={"csrf_token": csrf_from(client, path)})


def addresses() -> dict[str, Interest]:
    db.session.expire_all()
    return {i.email: i for i in db.session.scalars(db.select(Interest))}


def test_announcement_once_per_address_when_the_next_edition_opens(
    app, client, make_edition, clock, smtp
):
    make_edition(2027)
    clock.at(2027, 7, 1, 12)  # after the 2027 event: sign-up is closed
    assert 'href="/keep-me-posted"' in client.get("/editions/").get_data(as_text=True)
    assert 'href="/keep-me-posted"' in client.get("/register").get_data(as_text=True)

    for email, lang in [
        ("anna@example.nl", "nl"),
        ("bob@example.com", "en"),
        ("carl@example.nl", "nl"),
        ("dora@example.nl", "nl"),
    ]:
        response = ask(client, email, lang)
        assert response.status_code == 302 and response.headers["Location"].endswith("/sent")
    for email in ("anna@example.nl", "bob@example.com", "dora@example.nl"):
        done = confirm_by_mail(client, email)
        assert done.status_code == 200 and "Je staat op de lijst" in done.get_data(as_text=True)
    stored = addresses()
    assert stored["anna@example.nl"].confirmed_at == datetime(2027, 7, 1, 12, tzinfo=UTC)
    assert stored["anna@example.nl"].consent_version and stored["anna@example.nl"].signup_ip
    assert stored["carl@example.nl"].confirmed_at is None

    # Dora takes her address off the list with the one-click POST (no cookie, no token).
    dora_link = unsubscribe_link_of(app, stored["dora@example.nl"])
    anonymous = app.test_client()
    assert anonymous.post(dora_link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert "dora@example.nl" not in addresses()

    make_edition(2028, opens_at=OPENS)
    registry = JobRegistry()
    register_jobs(registry)
    lines: list[str] = []
    worker = Worker(registry, echo=lines.append)
    assert "carl@example.nl" in addresses()
    clock.set(OPENS - timedelta(minutes=1))  # not open yet: nothing
    worker.run_due()
    assert outbox("interest-announcement") == []
    # Carl never confirmed: the daily purge removed him after the pending retention.
    assert "carl@example.nl" not in addresses()
    assert lines[-1].endswith(", 1 unconfirmed keep-me-posted address(es)")

    clock.set(OPENS + timedelta(minutes=1))
    worker.run_due()
    clock.set(OPENS + timedelta(minutes=30))  # the next run finds everyone told
    worker.run_due()
    assert "announcements: queued 2 announcement(s)" in lines
    assert sum("announcement(s)" in line for line in lines) == 1
    sent = outbox("interest-announcement")
    assert sorted(m.recipient for m in sent) == ["anna@example.nl", "bob@example.com"]
    assert db.session.scalar(db.select(db.func.count()).select_from(InterestAnnouncement)) == 2

    send_queued()
    mails = {m["To"]: m for m in smtp.messages if "2028" in m["Subject"]}
    assert set(mails) == {"anna@example.nl", "bob@example.com"}
    anna, bob = mails["anna@example.nl"], mails["bob@example.com"]
    assert anna["Subject"].startswith("De aanmelding voor") and anna["Content-Language"] == "nl"
    assert bob["Subject"].startswith("Sign-up for") and bob["Content-Language"] == "en"
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert anna["Precedence"] == "bulk"
    https_link = as_sent(anna, "List-Unsubscribe").split(",")[0].strip("<> ")
    assert https_link in mail_text(anna)
    assert any(urlsplit(u).path == "/register" for u in links_in(anna))

    # The link's page offers what the list holds about Anna, for her to download.
    page = anonymous.get(urlsplit(https_link).path).get_data(as_text=True)
    [data_link] = re.findall(r'href="([^"]+/data\.json)"', page)
    download = anonymous.get(data_link)
    assert download.headers["Content-Disposition"] == 'attachment; filename="keep-me-posted.json"'
    assert download.headers["Cache-Control"] == "no-store"  # personal: never in a cache
    held = download.get_json()
    assert held["email"] == "anna@example.nl" and held["language"] == "nl"
    assert held["confirmed_at"] == "2027-07-01T12:00:00+00:00" and held["asked_from_ip"]
    # Read again: the worker's jobs ended the session the objects above were loaded in.
    assert held["privacy_statement_version"] == addresses()["anna@example.nl"].consent_version
    assert [a["edition"] for a in held["announcements"]] == [2028]
    forged = data_link.replace("/unsubscribe/", "/unsubscribe/x")
    assert anonymous.get(forged).status_code == 404

    # The one-click link in the header removes the address, and with it all it held.
    assert anonymous.post(urlsplit(https_link).path).status_code == 200
    assert set(addresses()) == {"bob@example.com"}
    assert anonymous.get(data_link).status_code == 404


def unsubscribe_link_of(app, interest: Interest) -> str:
    from eventsite.registration.interest import unsubscribe_url

    with app.test_request_context():
        return urlsplit(unsubscribe_url(interest.id, interest.email)).path


def test_asking_again_and_bad_input(client, make_edition, clock):
    make_edition(2027)
    clock.at(2027, 7, 1, 12)
    url = "/keep-me-posted"
    page = client.post(url, data={"csrf_token": csrf_from(client, url), "email": "geen-adres"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="geen-adres"' in text
    assert (
        "Vul een geldig e-mailadres in" in text and "Ga akkoord met de privacyverklaring." in text
    )
    assert addresses() == {}
    ask(client, "anna@example.nl")
    ask(client, "Anna@Example.nl")  # pending: a new link, still one address
    assert list(addresses()) == ["anna@example.nl"]
    first, second = outbox("interest-confirm", to="anna@example.nl")
    assert client.get(link_to(first, "/keep-me-posted/confirm/")).status_code == 404  # replaced
    confirm_by_mail(client, "anna@example.nl")
    ask(client, "anna@example.nl")  # confirmed: the same answer, no new mail
    assert len(outbox("interest-confirm", to="anna@example.nl")) == 2


def test_organiser_sees_the_count_and_sends_the_announcement_at_once(
    client, make_edition, make_organiser, clock
):
    clock.at(2027, 7, 1, 12)
    ask(client, "anna@example.nl")
    confirm_by_mail(client, "anna@example.nl")
    ask(client, "carl@example.nl")
    edition = make_edition(2028, opens_at=OPENS)
    make_organiser("beheer@example.org", "admin")
    log_in(client, "beheer@example.org")
    url = "/organiser/keep-me-posted"
    page = client.get(url).get_data(as_text=True)
    assert '<dd id="interest-confirmed">1</dd>' in page
    assert '<dd id="interest-pending">1</dd>' in page
    assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert [m.recipient for m in outbox("interest-announcement")] == ["anna@example.nl"]
    assert "Tot nu toe naar 1 adres(sen) gestuurd." in client.get(url).get_data(as_text=True)
    entries = db.session.scalars(db.select(AuditLog).filter_by(action="interest.announce")).all()
    assert [(e.edition_id, e.data["count"]) for e in entries] == [(edition.id, 1), (edition.id, 0)]
    # The worker, when sign-up opens, sends nothing more.
    registry = JobRegistry()
    register_jobs(registry)
    clock.set(OPENS + timedelta(minutes=1))
    Worker(registry, echo=lambda line: None).run_due()
    assert len(outbox("interest-announcement")) == 1


def test_region_organisers_do_not_see_the_list(client, make_organiser, make_edition):
    make_edition(2027)
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    assert client.get("/organiser/keep-me-posted").status_code == 403


def test_a_removed_address_link_shows_and_removes_nobody_else(app, client, make_edition, clock):
    """SQLite gives the id of the newest row, once removed, to the next address asked: the
    removed person's old link then downloaded that person's data and could remove them."""
    make_edition(2027)
    clock.at(2027, 7, 1, 12)
    ask(client, "anna@example.nl")
    confirm_by_mail(client, "anna@example.nl")
    link = unsubscribe_link_of(app, addresses()["anna@example.nl"])
    anonymous = app.test_client(use_cookies=False)
    assert anonymous.get(f"{link}/data.json").get_json()["email"] == "anna@example.nl"
    addresses()["anna@example.nl"].email = "bob@example.com"  # as if removed and the id reused
    db.session.commit()
    assert anonymous.get(f"{link}/data.json").status_code == 404
    anonymous.post(link, data={"List-Unsubscribe": "One-Click"})
    assert set(addresses()) == {"bob@example.com"}
