"""A 100,000-row CSV export streams in constant memory (measured with tracemalloc)."""

import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from eventsite.extensions import db
from eventsite.registration.models import Attendee, Registration
from tests.helpers import log_in

PEOPLE = 20_000  # each in all five sessions: 100,000 rows


def bulk_registrations(edition) -> int:
    """Insert PEOPLE attendees with a registration for every session, in a few statements."""
    start = datetime(2027, 4, 1, 9, tzinfo=UTC)
    db.session.execute(
        insert(Attendee),
        [
            {
                "id": i,
                "edition_id": edition.id,
                "email": f"person{i}@example.nl",
                "name": f'Deelnemer {i} "de Tester", van Berg',
                "organisation": f"=Bedrijf {i % 700} BV",
                "role": "Eigenaar",
                "language": "nl",
                "newsletter": i % 2 == 0,
                "consent_version": "2026-1",
                "created_at": start,
            }
            for i in range(1, PEOPLE + 1)
        ],
    )
    rows = [
        {
            "attendee_id": i,
            "session_id": session.id,
            "state": "confirmed",
            "created_at": start + timedelta(seconds=i),
            "confirmed_at": start + timedelta(seconds=i + 60),
        }
        for session in edition.sessions
        for i in range(1, PEOPLE + 1)
    ]
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    return len(rows)


@pytest.mark.slow
def test_100000_row_export_streams_in_constant_memory(
    database_uri, client, make_edition, make_organiser
):
    if not database_uri.startswith("sqlite"):
        pytest.skip("heavy: the memory measurement runs on SQLite only")
    edition = make_edition(2027)
    total_rows = bulk_registrations(edition)
    assert total_rows == 100_000
    make_organiser()
    log_in(client, "admin@example.org")

    one_session = f"/organiser/sessions/{edition.sessions[0].slug}/attendees.csv"
    lines_one, size_one, peak_one = stream_and_measure(client, one_session)
    lines_all, size_all, peak_all = stream_and_measure(client, "/organiser/attendees.csv")

    assert lines_one == total_rows // 5 + 1 and lines_all == total_rows + 1  # header + rows
    # The whole file is about 19 MB: holding it (let alone its rows as objects) would need
    # at least that. Streaming holds one batch of rows at a time, so the peak stays a
    # fraction of the file, and five times the rows do not take (much) more memory.
    assert size_all > 15_000_000 and size_all > 4 * size_one
    assert peak_all < size_all / 5, f"peak {peak_all / 1e6:.1f} MB, file {size_all / 1e6:.1f} MB"
    assert peak_all < 1.5 * peak_one, f"{peak_one / 1e6:.1f} MB -> {peak_all / 1e6:.1f} MB"


def stream_and_measure(client, url: str) -> tuple[int, int, int]:
    """Lines, bytes and the peak of traced memory while consuming the response stream."""
    tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        size = lines = 0
        for chunk in response.response:  # consume the stream as a server would
            size += len(chunk)
            lines += chunk.count(b"\r\n")
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines, size, peak
