"""The funnel on the dashboard: its figures for a fixture edition, per session and per hub and
beside last edition's, checked against counts made here from the rows themselves."""

from __future__ import annotations

import re
from datetime import timedelta

from eventsite.extensions import db
from eventsite.mail.models import OutboxMessage
from eventsite.messaging.models import OrganiserMessage
from eventsite.messaging.services import send_recording
from eventsite.organisers.funnel import STEPS
from eventsite.registration.models import Attendance, Feedback, Registration
from tests.helpers import log_in

# Per person: (state, reminded, joined, feedback); the recording goes to everyone confirmed.
PEOPLE = {
    "noord": [
        ("confirmed", True, True, True),
        ("confirmed", True, True, False),
        ("confirmed", True, False, False),
        ("confirmed", False, False, False),
        ("pending", False, False, False),
        ("cancelled", True, False, False),
        ("waiting", False, False, False),
    ],
    "zuid": [("confirmed", True, True, True), ("confirmed", True, False, False)],
}
LAST_YEAR = {"noord": [("confirmed", True, True, False), ("pending", False, False, False)]}


def populate(edition, people, make_registration, organiser, recording: bool) -> None:
    by_region = {s.region.slug: s for s in edition.sessions}
    for region, rows in people.items():
        session = by_region[region]
        for i, (state, reminded, joined, gave) in enumerate(rows):
            registration = make_registration(
                session, email=f"{region}{i}-{edition.year}@example.nl", state=state
            )
            if reminded:
                registration.reminder_sent_at = session.start_at - timedelta(hours=20)
            if joined:
                db.session.add(
                    Attendance(
                        registration=registration,
                        first_joined_at=session.start_at,
                        last_joined_at=session.start_at,
                    )
                )
            if gave:
                db.session.add(Feedback(registration=registration, rating=4))
        db.session.commit()
        if recording:
            session.recording_url = f"https://video.example/{session.slug}"
            send_recording(session, organiser, key=f"rec-{session.slug}-{edition.year}")
            db.session.commit()


def independent_counts(session) -> dict[str, int]:
    """The funnel's steps counted here from the rows, one registration at a time."""
    db.session.expire_all()
    registrations = db.session.scalars(
        db.select(Registration).filter_by(session_id=session.id)
    ).all()
    recording_to = set(
        db.session.scalars(
            db.select(OutboxMessage.recipient)
            .join(OrganiserMessage, OutboxMessage.organiser_message_id == OrganiserMessage.id)
            .where(
                OrganiserMessage.session_id == session.id,
                OrganiserMessage.recipient_group == "recording",
            )
        )
    )
    counts = dict.fromkeys(STEPS, 0)
    for r in registrations:
        confirmed = r.state == "confirmed"
        counts["signed_up"] += 1
        counts["confirmed"] += confirmed
        counts["reminded"] += confirmed and r.reminder_sent_at is not None
        counts["joined"] += confirmed and r.attendance is not None
        counts["recording"] += confirmed and r.attendee.email in recording_to
        counts["feedback"] += r.feedback is not None
    return counts


def cells(html: str, attribute: str, key: str) -> dict[str, tuple[int, int | None]]:
    """{step: (count, count last edition)} from the funnel table's row ``attribute=key``."""
    row = re.search(rf'<tr {attribute}="{key}">(.*?)</tr>', html, re.S).group(1)
    found = {}
    for step, count, before in re.findall(
        r'data-step="(\w+)" data-count="(\d+)"(?: data-before="(\d+)")?', row
    ):
        found[step] = (int(count), int(before) if before else None)
    return found


def test_funnel_figures_match_counts_made_independently(
    client, make_edition, make_registration, make_organiser, clock
):
    admin = make_organiser("beheer@example.org", "admin", name="Bea Beheer")
    last = make_edition(2026)
    populate(last, LAST_YEAR, make_registration, admin, recording=False)
    edition = make_edition(2027)
    clock.set(edition.sessions[-1].end_at + timedelta(days=1))
    populate(edition, PEOPLE, make_registration, admin, recording=True)

    log_in(client, "beheer@example.org")
    html = client.get("/organiser/?edition=2027").get_data(as_text=True)
    by_region = {s.region.slug: s for s in edition.sessions}
    last_by_region = {s.region.slug: s for s in last.sessions}
    for region in PEOPLE:
        session = by_region[region]
        expected = independent_counts(session)
        shown = cells(html, "data-session", session.slug)
        assert {step: shown[step][0] for step in STEPS} == expected, region
        hub = cells(html, "data-hub", region)
        before = independent_counts(last_by_region[region])
        assert {step: hub[step] for step in STEPS} == {
            step: (expected[step], before[step]) for step in STEPS
        }
    # The numbers this fixture was made to have, and a rate between two steps.
    assert independent_counts(by_region["noord"]) == {
        "signed_up": 7,
        "confirmed": 4,
        "reminded": 3,
        "joined": 2,
        "recording": 4,
        "feedback": 1,
    }
    noord_row = re.search(r'<tr data-session="2027-noord">(.*?)</tr>', html, re.S).group(1)
    assert "(57%)" in noord_row  # confirmed: 4 of 7 signed up
    assert "(75%)" in noord_row  # reminded: 3 of 4


def test_a_hub_sees_only_its_own_funnel(
    client, make_edition, make_registration, make_organiser, clock
):
    admin = make_organiser("beheer@example.org", "admin")
    edition = make_edition(2027)
    clock.set(edition.sessions[-1].end_at + timedelta(days=1))
    populate(edition, PEOPLE, make_registration, admin, recording=False)
    make_organiser("noord@example.org", "region", "noord")
    log_in(client, "noord@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert 'data-hub="noord"' in html and 'data-session="2027-noord"' in html
    assert 'data-hub="zuid"' not in html and 'data-session="2027-zuid"' not in html
