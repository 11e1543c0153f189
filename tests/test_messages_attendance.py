"""Attendance from personal join links: once per attendee and session, only in the window;
shown on the dashboard, the attendee list and the exports."""

import csv
import io
from datetime import timedelta

from eventsite.extensions import db
from eventsite.registration.attendance import record_join
from eventsite.registration.models import Attendance, Registration
from tests import factories
from tests.helpers import log_in, run_at_once


def attendance_rows() -> list[Attendance]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attendance)))


def noord_of(edition):
    return next(s for s in edition.sessions if s.region.slug == "noord")


def test_join_link_use_is_recorded_once_and_only_in_the_window(
    app, client, make_edition, make_registration, clock
):
    session = noord_of(make_edition(2027))
    session.stream_url = "https://stream.example/room"
    db.session.commit()
    registration = make_registration(session, email="anna@example.nl")
    token = factories.manage_token(registration.attendee)
    url = f"/my/{token}/join/{session.slug}"
    before = app.config["JOIN_OPENS_MINUTES_BEFORE"]
    after = app.config["JOIN_WINDOW_MINUTES_AFTER"]

    clock.set(session.start_at - timedelta(minutes=before, seconds=1))
    assert client.get(url).status_code == 200  # "opens at ...": too early to count
    assert attendance_rows() == []

    opened = clock.set(session.start_at - timedelta(minutes=before))
    assert client.get(url).status_code == 303
    later = clock.set(session.start_at + timedelta(minutes=40))
    assert client.get(url).status_code == 303
    clock.set(session.end_at + timedelta(minutes=after))
    client.get(url)  # just after the end (the stream has ended): still counts
    last = session.end_at + timedelta(minutes=after)
    clock.set(last + timedelta(seconds=1))
    client.get(url)  # too late: not counted

    [row] = attendance_rows()
    assert row.registration_id == registration.id
    assert (row.first_joined_at, row.last_joined_at, row.uses) == (opened, last, 3)
    assert later < last
    data = client.get(f"/my/{token}/data.json").get_json()  # in the person's own download
    assert data["registrations"][0]["joined_first_at"] == opened.isoformat()


def test_only_confirmed_places_in_sessions_that_take_place_count(
    client, make_edition, make_registration, clock
):
    edition = make_edition(2027)
    session = noord_of(edition)
    waiting = make_registration(session, email="wacht@example.nl", state="waiting")
    oost = next(s for s in edition.sessions if s.region.slug == "oost")
    cancelled_session = make_registration(oost, email="oost@example.nl")
    oost.status = "cancelled"
    db.session.commit()
    for registration in (waiting, cancelled_session):
        token = factories.manage_token(registration.attendee)
        clock.set(registration.session.start_at)
        client.get(f"/my/{token}/join/{registration.session.slug}")
    assert attendance_rows() == []


def test_clicks_at_the_same_moment_make_one_row(app, make_edition, make_registration, clock):
    session = noord_of(make_edition(2027))
    registration_id = make_registration(session).id
    clock.set(session.start_at)

    def click():
        recorded = record_join(db.session.get(Registration, registration_id))
        db.session.commit()
        return recorded

    assert run_at_once(app, [click] * 4) == [True] * 4
    [row] = attendance_rows()
    assert row.uses == 4


def test_dashboard_list_and_csv_show_who_joined(
    client, make_edition, make_organiser, make_registration, clock
):
    session = noord_of(make_edition(2027))
    came = make_registration(session, name="Kwam Wel", email="wel@example.nl")
    make_registration(session, name="Kwam Niet", email="niet@example.nl")
    token = factories.manage_token(came.attendee)
    clock.set(session.start_at + timedelta(minutes=3))
    client.get(f"/my/{token}/join/{session.slug}")

    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    dashboard = client.get("/organiser/").get_data(as_text=True)
    assert 'data-attendance="joined">1<' in dashboard
    listing = client.get(f"/organiser/sessions/{session.slug}/attendees").get_data(as_text=True)
    assert listing.count('data-joined="yes"') == 1 and listing.count('data-joined="no"') == 1

    response = client.get(f"/organiser/sessions/{session.slug}/attendees.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Deelgenomen om")
    joined = {row[1]: row[column] for row in rows[1:]}
    # 15:03 Dutch summer time, as spreadsheets read a date-time.
    assert joined == {"wel@example.nl": "2027-05-31 15:03:00", "niet@example.nl": ""}
