"""Admins add a hub in the browser (a sixth region joining the programme): it is in the hub
list at once, can host a session of an edition and get its own organisers; a hub organiser
cannot add one; a taken or malformed short name is refused in Dutch and nothing is stored."""

from __future__ import annotations

import io
import re

import pytest

from eventsite.extensions import db
from eventsite.organisers.models import AuditLog, Organiser
from eventsite.programme.models import ProgrammeSession, Region
from tests.editions_helpers import audit_page, logged_in, post_form, token_on

NEW = "/organiser/hubs/new"
FLEVOLAND = {
    "slug": "flevoland",
    "name": "Smart Industry Hub Flevoland",
    "name_en": "Smart Industry Hub Flevoland (EN)",
    "description": "Fieldlabs voor de maakindustrie in Flevoland.",
    "description_en": "Field labs for manufacturing in Flevoland.",
    "website": "https://hubflevoland.example.org",
    "contact_email": "info@hubflevoland.example.org",
}
SESSION = {
    "title": "Drones in de akkerbouw",
    "theme": "Precisielandbouw",
    "start_at": "2027-06-04T17:00",
    "end_at": "2027-06-04T17:45",
    "capacity": "150",
}


@pytest.fixture
def admin(client, make_edition, make_organiser):
    """Bea Beheer (admin) logged in; the published 2027 edition with its five hubs."""
    make_edition(2027)
    return logged_in(client, make_organiser)


def hub_slugs() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(db.select(Region.slug)))


def hub_entries() -> list[str]:
    return list(db.session.scalars(db.select(AuditLog.action).where(AuditLog.action == "hub.add")))


def add_hub(client, **fields):
    return post_form(client, NEW, {**FLEVOLAND, **fields})


def test_an_admin_adds_a_hub_and_uses_it_for_a_session_and_an_account(app, admin):
    api = app.test_client()
    assert "flevoland" not in api.get("/api/v1/hubs").get_data(as_text=True)  # now cached
    listing = admin.get("/organiser/hubs").get_data(as_text=True)
    assert f'href="{NEW}"' in listing and "Hub toevoegen" in listing
    form = admin.get(NEW).get_data(as_text=True)
    assert 'name="slug"' in form and 'name="csrf_token"' in form

    response = add_hub(admin)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/hubs/flevoland/edit"
    edit = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hub Smart Industry Hub Flevoland toegevoegd" in edit
    assert 'value="https://hubflevoland.example.org"' in edit
    region = db.session.scalar(db.select(Region).filter_by(slug="flevoland"))
    assert (region.name, region.name_en, region.contact_email) == (
        FLEVOLAND["name"],
        FLEVOLAND["name_en"],
        FLEVOLAND["contact_email"],
    )
    assert "/organiser/hubs/flevoland/edit" in admin.get("/organiser/hubs").get_data(as_text=True)
    assert "Bea Beheer heeft hub Smart Industry Hub Flevoland toegevoegd" in audit_page(admin)
    assert FLEVOLAND["name"] in api.get("/api/v1/hubs").get_data(as_text=True)

    # The edition's new-session form offers it, and the session is on the public programme.
    page = "/organiser/editions/2027/sessions/new"
    assert f'<option value="{region.id}">{FLEVOLAND["name"]}</option>' in admin.get(
        page
    ).get_data(as_text=True)
    added = post_form(admin, page, {**SESSION, "region": str(region.id)})
    assert added.headers["Location"] == "/organiser/sessions/2027-flevoland/edit"
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-flevoland"))
    assert session.region.slug == "flevoland"
    public = app.test_client().get("/sessions/2027-flevoland").get_data(as_text=True)
    assert FLEVOLAND["name"] in public and "mailto:info@hubflevoland.example.org" in public

    # An organiser account for the new hub, who then sees their own hub and session only.
    invite = "/organiser/accounts/invite"
    assert '<option value="flevoland">' in admin.get(invite).get_data(as_text=True)
    invited = post_form(
        admin,
        invite,
        {
            "name": "Floor Flevo",
            "email": "floor@example.org",
            "role": "region",
            "region": "flevoland",
            "language": "nl",
        },
    )
    assert invited.status_code == 302
    floor = db.session.scalar(db.select(Organiser).filter_by(email="floor@example.org"))
    assert (floor.role, floor.region.slug) == ("region", "flevoland")


def test_the_new_hubs_organiser_edits_it_and_cannot_add_one(app, admin, make_organiser):
    add_hub(admin)
    hub = logged_in(app.test_client(), make_organiser, "floor@example.org", "region", "flevoland")
    listing = hub.get("/organiser/hubs").get_data(as_text=True)
    assert "/organiser/hubs/flevoland/edit" in listing and "/organiser/hubs/noord/" not in listing
    assert NEW not in listing
    assert hub.get("/organiser/hubs/flevoland/edit").status_code == 200


def test_a_hub_organiser_is_refused_and_sees_no_button(client, make_edition, make_organiser):
    make_edition(2027)
    logged_in(client, make_organiser, "noord@example.org", "region", "noord")
    listing = client.get("/organiser/hubs").get_data(as_text=True)
    assert NEW not in listing and "Hub toevoegen" not in listing
    assert client.get(NEW).status_code == 403
    token = token_on(client, "/organiser/hubs")  # a valid token: the role refuses, not CSRF
    response = client.post(NEW, data={"csrf_token": token, **FLEVOLAND})
    assert response.status_code == 403
    assert "flevoland" not in hub_slugs() and hub_entries() == []


@pytest.mark.parametrize(
    "slug",
    ["Flevoland", "flevo land", "flevo_land", "-flevo", "flevo-", "flevo--land", "f", "a" * 41],
)
def test_a_malformed_slug_is_refused_in_dutch_with_the_input_kept(admin, slug):
    before = hub_slugs()
    response = add_hub(admin, slug=slug)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Gebruik 2 tot 40 kleine letters, cijfers en streepjes" in html
    assert f'value="{FLEVOLAND["name"]}"' in html and FLEVOLAND["description"] in html
    assert hub_slugs() == before and hub_entries() == []


def test_a_taken_slug_and_a_double_submit_make_no_second_hub(admin):
    html = add_hub(admin, slug="noord").get_data(as_text=True)
    assert "Er is al een hub met de korte naam noord: kies een andere." in html
    assert f'value="{FLEVOLAND["name"]}"' in html
    assert db.session.scalar(db.select(Region).filter_by(slug="noord")).name != FLEVOLAND["name"]

    # The same form sent twice (one token, as a double click does): one hub, then a message.
    data = {"csrf_token": token_on(admin, NEW), **FLEVOLAND}
    first, second = admin.post(NEW, data=data), admin.post(NEW, data=data)
    assert first.status_code == 302 and second.status_code == 200
    assert "Er is al een hub met de korte naam flevoland" in second.get_data(as_text=True)
    assert hub_slugs().count("flevoland") == 1 and len(hub_entries()) == 1


def test_other_fields_are_checked_as_on_the_edit_form(admin):
    before = hub_slugs()
    html = add_hub(admin, name=" ", website="javascript:alert(1)", contact_email="geen adres")
    text = html.get_data(as_text=True)
    assert "Dit veld is vereist." in text
    assert "Vul een webadres in dat begint met https:// of http://." in text
    assert "Vul een geldig e-mailadres in" in text
    assert 'value="flevoland"' in text
    assert hub_slugs() == before and hub_entries() == []


def test_html_in_a_new_hubs_names_is_escaped_on_the_public_pages(app, admin):
    evil = '<script>alert("hub")</script> Hub'
    add_hub(admin, name=evil, name_en=evil, description='<img src=x onerror="alert(1)">')
    region = db.session.scalar(db.select(Region).filter_by(slug="flevoland"))
    post_form(
        admin, "/organiser/editions/2027/sessions/new", {**SESSION, "region": str(region.id)}
    )
    visitor = app.test_client()
    pages = {
        "organiser hubs": admin.get("/organiser/hubs"),
        "organiser edit": admin.get("/organiser/hubs/flevoland/edit"),
        "programme": visitor.get("/editions/2027"),
        "session": visitor.get("/sessions/2027-flevoland"),
        "session en": visitor.get("/sessions/2027-flevoland?lang=en"),
        "embed": visitor.get("/embed/nl/2027/flevoland"),
    }
    for where, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, where
        assert "<script>alert" not in html and "<img src=x" not in html, where
    assert "&lt;script&gt;alert(" in pages["session"].get_data(as_text=True)
    assert re.search(r"&lt;script&gt;alert\(", pages["programme"].get_data(as_text=True))


def test_a_new_hub_with_the_longest_short_name_goes_through_a_programme_file(admin):
    slug = "noordoost-" + "x" * 30  # 40 characters, the most the form allows
    assert add_hub(admin, slug=slug).status_code == 302
    region = db.session.scalar(db.select(Region).filter_by(slug=slug))
    post_form(
        admin, "/organiser/editions/2027/sessions/new", {**SESSION, "region": str(region.id)}
    )
    file = admin.get("/organiser/editions/2027/programme.toml").get_data()
    assert f'slug = "{slug}"'.encode() in file and f'region = "{slug}"'.encode() in file
    loaded = admin.post(
        "/organiser/editions/load",
        data={
            "csrf_token": token_on(admin, "/organiser/editions/load"),
            "file": (io.BytesIO(file), "jaarevent-2027.toml"),
        },
        content_type="multipart/form-data",
    )
    assert loaded.status_code == 302
    assert admin.get(f"/sessions/2027-{slug}").status_code == 200
