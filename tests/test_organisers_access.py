"""Every organiser URL refuses anonymous visitors and other regions' organisers.

The URLs are read from the app's URL map, so a page added later is walked too.
"""

import pytest

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.messaging.models import OrganiserMessage
from eventsite.organisers.models import AuditLog
from eventsite.organisers.views.account import PUBLIC_ENDPOINTS
from eventsite.programme.models import ProgrammeSession
from tests.conftest import csrf_token, log_in

# Organiser URLs without a session in them, and what another hub's organiser gets there.
OWN_DATA_ONLY = {
    "organisers.dashboard",
    "organisers.all_export",
    "organisers.audit_log",  # their own hub's entries
    "organisers.profile",
    "organisers.change_password",
}


def organiser_urls(app, slug: str) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every non-public organiser page, for session ``slug``."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("organisers.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        extensions = ["csv", "xlsx"] if "extension" in rule.arguments else [None]
        for extension in extensions:
            values = {"slug": slug, "extension": extension, "message_id": "1", "account_id": "1"}
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<{name}>", values[name])
                path = path.replace(f"<any(csv, xlsx):{name}>", values[name])
                path = path.replace(f"<int:{name}>", values[name])
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((rule.endpoint, method, path))
    assert len(urls) >= 10, urls
    return urls


def request(client, method, url, form_page):
    if method == "GET":
        return client.get(url)
    # A valid CSRF token, so it is the authorisation (not CSRF) that refuses.
    token = csrf_token(client, form_page)
    return client.post(url, data={"csrf_token": token, "title": "Hacked", "capacity": "0"})


@pytest.mark.parametrize("visitor", ["anonymous", "other_region"])
def test_every_organiser_url_is_refused(
    app, client, make_edition, make_organiser, make_registration, visitor
):
    edition = make_edition(2027)
    by_region = {s.region.slug: s for s in edition.sessions}
    zuid, noord = by_region["zuid"], by_region["noord"]
    make_registration(zuid, name="Zuid Geheim", email="geheim@zuid.example")
    make_registration(noord, name="Noord Deelnemer", email="deelnemer@noord.example")
    # A message about zuid (id 1: the message URLs below ask for it).
    db.session.add(
        OrganiserMessage(
            session_id=zuid.id,
            sender_name="Zuid",
            sender_email="zuid@example.org",
            recipient_group="confirmed",
            languages="nl",
            subject_nl="Geheim bericht",
            body_nl="Geheim",
            idempotency_key="k" * 24,
        )
    )
    db.session.commit()
    before = (zuid.title, zuid.capacity, zuid.status, zuid.revision)
    form_page = "/organiser/login"
    if visitor == "other_region":
        make_organiser("noord@example.org", "region", "noord")
        log_in(client, "noord@example.org")
        form_page = "/organiser/"

    for endpoint, method, url in organiser_urls(app, zuid.slug):
        response = request(client, method, url, form_page)
        body = response.get_data()
        where = f"{visitor} {method} {url}: {response.status_code}"
        if visitor == "anonymous":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/organiser/login"), where
        elif endpoint in OWN_DATA_ONLY:
            assert response.status_code in (200, 405), where
            assert b"Geheim" not in body and b"geheim@zuid" not in body, where
        else:
            assert response.status_code in (403, 404), where
            assert b"Geheim" not in body and b"geheim@zuid" not in body, where

    db.session.expire_all()
    zuid = db.session.get(ProgrammeSession, zuid.id)
    assert (zuid.title, zuid.capacity, zuid.status, zuid.revision) == before
    # Refused message forms sent nothing.
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OrganiserMessage)) == 1
    # Refused exports leave no trace of data; allowed ones (own sessions) are audited.
    targets = db.session.scalars(db.select(AuditLog.target)).all()
    assert not any(zuid.slug in t for t in targets)
