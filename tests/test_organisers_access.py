"""Every organiser URL refuses anonymous visitors and other regions' organisers.

The URLs are read from the app's URL map, so a page added later is walked too.
"""

import re

import pytest

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.messaging.models import OrganiserMessage
from eventsite.organisers.campaigns import CampaignLink
from eventsite.organisers.models import AuditLog
from eventsite.organisers.views.account import PUBLIC_ENDPOINTS
from eventsite.programme.models import ProgrammeSession, SessionVideo
from eventsite.registration.question_models import Question
from tests import factories
from tests.helpers import csrf_token, log_in

# Organiser URLs without a session in them, and what another hub's organiser gets there.
OWN_DATA_ONLY = {
    "organisers.dashboard",
    "organisers.all_export",
    "organisers.sources",
    "organisers.questions",  # every question to read; a hub's own to add (none posted here)
    "organisers.hub_list",
    "organisers.feedback_overview",
    "organisers.all_feedback_export",
    "organisers.audit_log",  # their own hub's entries
    "organisers.profile",
    "organisers.change_password",
    "api_console.token_list",
    "api_console.webhook_list",
    "api_console.embed_snippet",
}
# Values for the URL map's other arguments (questions, mail texts, campaign links).
MORE_VALUES = {
    "year": "2027",
    "question_id": "1",
    "change": "retire",
    "kind": "confirm",
    "language": "nl",
    "link_id": "1",
}
# The blueprints of organiser pages (the API console lives in the api feature).
ORGANISER_BLUEPRINTS = ("organisers.", "api_console.")


def add_zuid_token_and_webhook(make_organiser) -> None:
    """A token (id 1) of zuid's organiser and a webhook (id 1) of the zuid hub."""
    from eventsite.api import endpoints, tokens

    owner = make_organiser("zuid-crm@example.org", "region", "zuid")
    tokens.create_token(owner, "Geheim CRM", read_only=True)
    endpoints.add_endpoint(owner, "https://crm.zuid.example/geheim", ["session.cancelled"])
    db.session.commit()


def url_values(session: ProgrammeSession) -> dict[str, str]:
    """The values of the URL map's arguments that point at ``session`` and its hub."""
    return {
        "slug": session.slug,
        "message_id": "1",
        "speaker_id": str(session.speakers[0].id),
        "video_id": str(session.videos[0].id),
        "hub": session.region.slug,
        "token_id": "1",
        "endpoint_id": "1",
    }


def organiser_urls(app, slug: str | dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every non-public organiser page, for session ``slug``
    (or for the values of ``url_values``)."""
    given = slug if isinstance(slug, dict) else {"slug": slug}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(ORGANISER_BLUEPRINTS) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        extensions = ["csv", "xlsx"] if "extension" in rule.arguments else [None]
        for extension in extensions:
            # Account 1: the first organiser made (the visitor's own; admins only all the same).
            values = {"account_id": "1", "year": "2027", "direction": "up", **MORE_VALUES, **given}
            values["extension"] = extension
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^<>:]+:)?{name}>", values[name], path)
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
    factories.organiser_message(zuid, subject_nl="Geheim bericht", body_nl="Geheim")
    zuid.videos.append(SessionVideo(title="Geheim filmpje", url="https://youtu.be/dQw4w9WgXcQ"))
    # A campaign link of zuid (id 1) for the link URLs; a question of zuid alone (id 1) for
    # the question URLs (its text is on the public sign-up form, so other hubs may read it).
    db.session.add(
        CampaignLink(edition_id=edition.id, region_id=zuid.region_id, name="Geheim", code="geheim")
    )
    db.session.add(
        Question(
            edition_id=edition.id, kind="short", label="Zuidvraag", region_ids=str(zuid.region_id)
        )
    )
    db.session.commit()
    add_zuid_token_and_webhook(make_organiser)
    before = (zuid.title, zuid.capacity, zuid.status, zuid.revision)
    media_before = media_state(zuid)
    question_before = question_state()
    form_page = "/organiser/login"
    if visitor == "other_region":
        make_organiser("noord@example.org", "region", "noord")
        log_in(client, "noord@example.org")
        form_page = "/organiser/"

    for endpoint, method, url in organiser_urls(app, url_values(zuid)):
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
    assert media_state(zuid) == media_before
    assert question_state() == question_before  # zuid's question: neither changed nor moved
    # Refused message forms sent nothing.
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OrganiserMessage)) == 1
    # Refused exports leave no trace of data; allowed ones (own sessions) are audited.
    targets = db.session.scalars(db.select(AuditLog.target)).all()
    assert not any(zuid.slug in t for t in targets)
    # zuid's token and webhook are untouched.
    from eventsite.api.models import ApiToken, WebhookEndpoint

    assert db.session.get(ApiToken, 1).revoked_at is None
    assert db.session.get(WebhookEndpoint, 1).active


def question_state() -> list[tuple]:
    """What the question pages could change (none added, none edited, moved or retired)."""
    db.session.expire_all()
    return [
        (q.id, q.position, q.label, q.region_ids, q.retired_at)
        for q in db.session.scalars(db.select(Question).order_by(Question.id))
    ]


def media_state(session: ProgrammeSession) -> tuple:
    """What the speaker, video and hub pages could change."""
    region = session.region
    return (
        [(s.id, s.position, s.name, s.photo_sha256) for s in session.speakers],
        [(v.id, v.position, v.title) for v in session.videos],
        (region.name, region.description, region.website, region.logo_sha256),
    )


@pytest.mark.parametrize("visitor", ["own_region", "admin"])
def test_every_organiser_page_opens_for_its_own_hub_and_for_admins(
    app, client, make_edition, make_organiser, visitor
):
    """The other side of the walk: the hub's own organiser and an admin get each page."""
    edition = make_edition(2027)
    zuid = next(s for s in edition.sessions if s.region.slug == "zuid")
    zuid.videos.append(SessionVideo(title="Filmpje", url="https://youtu.be/dQw4w9WgXcQ"))
    add_zuid_token_and_webhook(make_organiser)
    factories.organiser_message(zuid)
    # A question (id 1) and a campaign link of zuid (id 1) for the URLs that name them.
    db.session.add(
        Question(
            edition_id=edition.id, kind="short", label="Sector", region_ids=str(zuid.region_id)
        )
    )
    db.session.add(
        CampaignLink(edition_id=edition.id, region_id=zuid.region_id, name="Zuid", code="zuid")
    )
    db.session.commit()
    if visitor == "own_region":
        make_organiser("zuid@example.org", "region", "zuid")
        log_in(client, "zuid@example.org")
    else:
        make_organiser("admin@example.org", "admin")
        log_in(client, "admin@example.org")
    for endpoint, method, url in organiser_urls(app, url_values(zuid)):
        if method != "GET" or endpoint == "organisers.logout":
            continue
        response = client.get(url)
        # Pages only admins see (``admin_required``): a hub's own organiser gets a 403 too.
        admin_only = getattr(app.view_functions[endpoint], "admin_only", False)
        expected = 403 if visitor == "own_region" and admin_only else 200
        assert response.status_code == expected, f"{visitor} GET {url}: {response.status_code}"
