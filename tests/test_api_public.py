"""The public API: the published programme as JSON, paged, with ETags like the pages."""

from datetime import UTC, datetime

from eventsite.extensions import db
from eventsite.programme.models import Edition


def test_sessions_carry_local_times_with_offset_hub_state_and_sign_up_link(client, open_edition):
    answer = client.get("/api/v1/editions/2027/sessions")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["total"] == 5 and data["next"] is None
    noord = next(s for s in data["items"] if s["slug"] == "2027-noord")
    assert noord["start_at"].endswith("+02:00")  # CEST, as the programme page shows
    assert noord["hub"]["slug"] == "noord"
    assert noord["state"] == "open"
    assert noord["signup_url"] == "http://localhost/register?session=2027-noord"
    assert client.get(noord["signup_url"].removeprefix("http://localhost")).status_code == 200
    starts = [s["start_at"] for s in data["items"]]
    assert starts == sorted(starts)


def test_lists_are_paged_with_a_link_to_the_next_page(client, open_edition):
    first = client.get("/api/v1/editions/2027/sessions?per_page=2").get_json()
    assert len(first["items"]) == 2 and first["total"] == 5
    second = client.get(first["next"].removeprefix("http://localhost")).get_json()
    assert second["page"] == 2 and len(second["items"]) == 2
    assert not {s["slug"] for s in first["items"]} & {s["slug"] for s in second["items"]}
    hub = client.get("/api/v1/editions/2027/sessions?hub=zuid").get_json()
    assert [s["hub"]["slug"] for s in hub["items"]] == ["zuid"]


def test_an_unchanged_answer_costs_a_304_and_an_edit_changes_the_etag(client, open_edition, clock):
    first = client.get("/api/v1/sessions/2027-noord")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get("/api/v1/sessions/2027-noord", headers={"If-None-Match": etag})
    assert again.status_code == 304
    session = next(s for s in open_edition.sessions if s.slug == "2027-noord")
    clock.at(2027, 5, 1, 12, 5)  # the edit happens later (updated_at follows the clock)
    session.title = "Nieuwe titel"
    db.session.commit()
    changed = client.get("/api/v1/sessions/2027-noord", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Nieuwe titel"


def test_unpublished_editions_and_bad_input_get_json_errors(client, open_edition):
    edition = db.session.get(Edition, open_edition.id)
    edition.published = False
    db.session.commit()
    for url in ("/api/v1/editions/2027", "/api/v1/sessions/2027-noord", "/api/v1/nowhere"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.get_json()["error"] == "not_found"
    listed = client.get("/api/v1/editions").get_json()["items"]
    assert 2027 not in [e["year"] for e in listed]
    for query in ("page=0", "page=abc", "per_page=101", "page=99999999999"):
        answer = client.get(f"/api/v1/editions?{query}")
        assert answer.status_code == 400, query
        assert "must be" in answer.get_json()["message"]


def test_hubs_and_the_openapi_description(client, open_edition):
    hubs = client.get("/api/v1/hubs").get_json()["items"]
    assert len(hubs) == 5 and all(h["name"] for h in hubs)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/organiser/sessions/{slug}/registrations" in spec["paths"]
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = client.get("/api/v1/reference?lang=en").get_data(as_text=True)
    assert "GET /api/v1/editions/{year}/sessions" in page and "openapi.json" in page


def test_times_keep_their_offset_outside_summer_time(client, make_edition, clock):
    clock.set(datetime(2027, 1, 5, 12, tzinfo=UTC))
    make_edition(2027)
    answer = client.get("/api/v1/editions/2027").get_json()
    assert answer["registration_opens_at"].endswith("+01:00")  # 1 Jan: CET
