"""The programme office runs editions in the browser: the list with status, a new edition
from an earlier one with a preview of the moved dates, editing, publishing, the preview of an
unpublished edition, and the audit log in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from eventsite.extensions import db
from eventsite.organisers.audit_sentences import describe
from eventsite.organisers.models import AuditLog
from eventsite.programme.models import Edition, ProgrammeSession
from eventsite.programme.status import EditionStatus, edition_status
from tests.editions_helpers import audit_actions, form_values, logged_in, post_form
from tests.helpers import outbox

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def edition(year: int) -> Edition | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Edition).filter_by(year=year))


def sentences(app) -> list[str]:
    """The audit log's entries as the Dutch log reads them, oldest first."""
    with app.test_request_context(), force_locale("nl"):
        entries = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))
        return [describe(e) for e in entries if not e.action.startswith("account.")]


def edit_form(client, year: int) -> dict:
    """The edit form's values as the page shows them (a browser posting it unchanged)."""
    return form_values(client, f"/organiser/editions/{year}/edit")


def test_status_follows_publishing_sign_up_and_the_clock(app, make_edition, clock):
    e = make_edition(2027)  # sign-up open since 1 January 2026; sessions 31 May - 4 June 2027
    clock.at(2025, 12, 1)
    assert edition_status(e, clock.set(datetime(2025, 12, 1, tzinfo=UTC))) == "published"
    assert edition_status(e, datetime(2027, 5, 1, tzinfo=UTC)) == EditionStatus.OPEN
    # The first sessions' sign-up closed at their start; the last one is still open.
    assert edition_status(e, datetime(2027, 6, 3, 20, tzinfo=UTC)) == EditionStatus.OPEN
    e.registration_closes_at = datetime(2027, 5, 20, tzinfo=UTC)
    assert edition_status(e, datetime(2027, 5, 25, tzinfo=UTC)) == EditionStatus.CLOSED
    assert edition_status(e, datetime(2027, 6, 4, 15, tzinfo=UTC)) == EditionStatus.ARCHIVED
    e.published = False
    assert edition_status(e, datetime(2027, 5, 1, tzinfo=UTC)) == EditionStatus.DRAFT


def test_list_shows_each_edition_with_its_status(app, client, make_edition, make_organiser, clock):
    make_edition(2027)
    clock.at(2027, 5, 1, 12)
    logged_in(client, make_organiser)
    page = client.get("/organiser/editions").get_data(as_text=True)
    assert "Smart Industry Jaarevent 2027" in page and "open voor aanmelding" in page
    assert "Smart Industry Jaarevent 2021" in page and "gearchiveerd" in page


def test_new_edition_shows_the_moved_dates_then_creates_a_draft(
    app, client, make_edition, make_organiser, clock
):
    make_edition(2027)
    clock.at(2027, 9, 1)
    logged_in(client, make_organiser)
    choice = {"source": "2027", "year": "2028", "starts_on": "2028-05-29"}

    preview = post_form(client, "/organiser/editions/new", {**choice, "step": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "maandag 31 mei 2027, 15.00 uur" in html
    assert "maandag 29 mei 2028, 15.00 uur" in html and "vrijdag 2 juni 2028" in html
    assert edition(2028) is None  # nothing is created by the preview

    created = post_form(client, "/organiser/editions/new", {**choice, "step": "create"})
    assert created.status_code == 302
    assert created.headers["Location"] == "/organiser/editions/2028/edit"
    new = edition(2028)
    assert not new.published and new.starts_on == date(2028, 5, 29)
    starts = [s.start_at.astimezone(AMSTERDAM) for s in new.sessions]
    assert [(s.day, s.hour) for s in starts] == [(29, 15), (30, 15), (31, 15), (1, 15), (2, 15)]
    # Sign-up opens as long before the event as it did for 2027 (1 January 2026, 364 days on).
    assert new.registration_opens_at == datetime(2026, 12, 31, tzinfo=UTC)
    assert audit_actions() == ["edition.create"]
    assert sentences(app) == [
        "Bea Beheer heeft de editie Smart Industry Jaarevent 2028 aangemaakt op basis van "
        "Smart Industry Jaarevent 2027"
    ]
    # Created once: the same form again is refused at the year.
    again = post_form(client, "/organiser/editions/new", {**choice, "step": "create"})
    assert "Er is al een editie 2028" in again.get_data(as_text=True)


def test_new_edition_refuses_bad_input_at_the_field_and_keeps_it(
    app, client, make_edition, make_organiser
):
    make_edition(2027)
    logged_in(client, make_organiser)
    response = post_form(
        client,
        "/organiser/editions/new",
        {"source": "2027", "year": "2028", "starts_on": "2029-05-28", "step": "preview"},
    )
    html = response.get_data(as_text=True)
    assert "De eerste dag moet in 2028 liggen." in html
    assert 'value="2029-05-28"' in html and 'value="2028"' in html
    assert edition(2028) is None and audit_actions() == []


def test_edit_saves_texts_and_refuses_a_stale_form(app, client, make_edition, make_organiser):
    make_edition(2027)
    logged_in(client, make_organiser)
    url = "/organiser/editions/2027/edit"
    data = edit_form(client, 2027)
    stale = dict(data)
    data.update(intro="Nieuwe introductie voor 2027.", intro_en="A new introduction.")
    assert client.post(url, data=data).status_code == 302
    assert edition(2027).intro == "Nieuwe introductie voor 2027."
    assert client.get("/editions/2027").get_data(as_text=True).count("Nieuwe introductie") == 1

    # A form opened before that save: refused once, with the typed text kept.
    stale["intro"] = "Oude versie"
    html = client.post(url, data=stale).get_data(as_text=True)
    assert "Iemand anders heeft deze editie opgeslagen" in html and "Oude versie" in html
    assert edition(2027).intro == "Nieuwe introductie voor 2027."
    assert audit_actions() == ["edition.update"]


def test_edit_refuses_bad_dates_at_the_field(app, client, make_edition, make_organiser):
    make_edition(2027)
    logged_in(client, make_organiser)
    data = edit_form(client, 2027)
    data.update(ends_on="2027-05-01", registration_closes_at="2020-01-01T10:00")
    html = client.post("/organiser/editions/2027/edit", data=data).get_data(as_text=True)
    assert "De laatste dag kan niet voor de eerste dag liggen." in html
    assert "De aanmelding moet sluiten nadat ze opent." in html
    assert 'value="2027-05-01"' in html
    assert edition(2027).ends_on == date(2027, 6, 4) and audit_actions() == []


def test_moving_the_first_day_moves_the_sessions_and_their_invites(
    app, client, open_edition, make_organiser, make_registration
):
    noord = next(s for s in open_edition.sessions if s.region.slug == "noord")
    make_registration(noord, email="anna@example.nl")
    logged_in(client, make_organiser)
    data = edit_form(client, 2027)
    data.update(starts_on="2027-06-07", ends_on="2027-06-11")  # a week later
    response = client.post("/organiser/editions/2027/edit", data=data, follow_redirects=True)
    assert "Verplaatste sessies: 5" in response.get_data(as_text=True)
    moved = db.session.get(ProgrammeSession, noord.id)
    assert moved.start_at.astimezone(AMSTERDAM) == datetime(2027, 6, 7, 15, tzinfo=AMSTERDAM)
    assert moved.revision == 1
    assert [m.recipient for m in outbox("ical-update")] == ["anna@example.nl"]


def test_examples_are_marked_per_session(app, client, make_edition, make_organiser):
    make_edition(2027)
    logged_in(client, make_organiser)
    data = edit_form(client, 2027)
    keep = [s.id for s in edition(2027).sessions if s.region.slug == "noord"]
    data["example_sessions"] = [str(i) for i in keep]
    data["example_note"] = "Alleen de sessie van Noord is een voorbeeld."
    client.post("/organiser/editions/2027/edit", data=data)
    marked = [s.id for s in edition(2027).sessions if s.is_example]
    assert marked == keep
    assert "Alleen de sessie van Noord" in client.get("/editions/2027").get_data(as_text=True)


def test_unpublished_edition_is_a_preview_for_organisers_and_404_for_visitors(
    app, make_edition, make_organiser, clock
):
    make_edition(2027)
    clock.at(2027, 9, 1)
    admin = logged_in(app.test_client(), make_organiser)
    choice = {"source": "2027", "year": "2028", "starts_on": "2028-05-29", "step": "create"}
    post_form(admin, "/organiser/editions/new", choice)
    visitor = app.test_client()
    hub = logged_in(app.test_client(), make_organiser, "zuid@example.org", "region", "zuid")

    for path in ("/editions/2028", "/sessions/2028-noord", "/editions/2028/calendar.ics"):
        assert visitor.get(path).status_code == 404, path
    for client in (admin, hub):
        page = client.get("/editions/2028")
        assert page.status_code == 200
        assert "Voorbeeldweergave: niet gepubliceerd." in page.get_data(as_text=True)
        assert "Voorbeeldweergave" in client.get("/sessions/2028-noord").get_data(as_text=True)

    confirm = admin.get("/organiser/editions/2028/publish").get_data(as_text=True)
    assert "Ja, publiceren" in confirm
    post_form(admin, "/organiser/editions/2028/publish", {})
    assert edition(2028).published
    page = visitor.get("/editions/2028")
    assert page.status_code == 200 and "Voorbeeldweergave" not in page.get_data(as_text=True)
    assert visitor.get("/editions/2028/calendar.ics").status_code == 200
    assert "Jaarevent 2028" in visitor.get("/editions/").get_data(as_text=True)

    post_form(admin, "/organiser/editions/2028/unpublish", {})
    assert visitor.get("/editions/2028").status_code == 404
    assert visitor.get("/sessions/2028-noord").status_code == 404
    assert audit_actions() == ["edition.create", "edition.publish", "edition.unpublish"]
    assert sentences(app)[1:] == [
        "Bea Beheer heeft de editie Smart Industry Jaarevent 2028 gepubliceerd",
        "Bea Beheer heeft de publicatie van de editie Smart Industry Jaarevent 2028 ingetrokken",
    ]


def test_a_cached_programme_page_follows_an_edition_edit(app, client, make_edition, make_organiser):
    make_edition(2027)
    visitor = app.test_client()
    first = visitor.get("/editions/2027")
    assert (
        visitor.get("/editions/2027", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    logged_in(client, make_organiser)
    data = edit_form(client, 2027)
    data["name"] = "Jaarevent 2027: de maakindustrie digitaal"
    assert client.post("/organiser/editions/2027/edit", data=data).status_code == 302
    assert edition(2027).name == "Jaarevent 2027: de maakindustrie digitaal"
    again = visitor.get("/editions/2027", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "de maakindustrie digitaal" in again.get_data(as_text=True)
