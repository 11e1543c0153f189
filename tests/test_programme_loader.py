"""`flask programme load`: idempotent, and a bad file changes nothing and says what is wrong."""

from pathlib import Path

import pytest

from eventsite.extensions import db
from eventsite.programme.loader import ProgrammeFileError, read_programme
from eventsite.programme.models import Edition, ProgrammeSession, Region, Speaker

SEED = Path(__file__).resolve().parents[1] / "config" / "programme" / "jaarevent-2021.toml"


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_loading_the_seed_twice_leaves_five_sessions(runner):
    first = runner.invoke(args=["programme", "load", str(SEED)])
    second = runner.invoke(args=["programme", "load", str(SEED)])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "5 sessions" in second.output
    assert count(Edition) == 1
    assert count(ProgrammeSession) == 5
    assert count(Region) == 5
    assert count(Speaker) == 6


def test_seed_edition_is_31_may_to_4_june_2021_with_day_chair(runner):
    runner.invoke(args=["programme", "load", str(SEED)])
    edition = db.session.scalar(db.select(Edition).filter_by(year=2021))
    assert str(edition.starts_on) == "2021-05-31" and str(edition.ends_on) == "2021-06-04"
    assert edition.day_chair == "Mark Beumer"
    days = sorted(s.start_at.date().isoformat() for s in edition.sessions)
    assert days == ["2021-05-31", "2021-06-01", "2021-06-02", "2021-06-03", "2021-06-04"]
    assert len({s.region_id for s in edition.sessions}) == 5
    assert all(s.is_example for s in edition.sessions)


def test_local_times_are_stored_as_the_right_utc_moment(runner):
    runner.invoke(args=["programme", "load", str(SEED)])
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-noord"))
    # 15:00 CEST (UTC+2) is 13:00 UTC.
    assert session.start_at.isoformat() == "2021-05-31T13:00:00+00:00"


def broken_copy(tmp_path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('start = "15:00"', 'start = "25:00"', "session '2021-noord': field 'start'"),
        ('region = "oost"', 'region = "atlantis"', "session '2021-oost': field 'region'"),
        ('title = "Robotisering in het mkb"', "title = 42", "session '2021-zuid': field 'title'"),
        ("year = 2021", 'year = "twenty"', "[edition]: field 'year'"),
        (
            '{ name = "Voorbeeldspreker C"',
            '{ nam = "Voorbeeldspreker C"',
            "speaker 1: field 'name'",
        ),
        (  # its message was only ever shown in the browser: on the command line it crashed
            'end = "16:30"\n',
            'end = "16:30"\nvideos = [{ title = "Film", url = "ftp://video.example/1" }]\n',
            "video 1: field 'url': Enter the video's web address, starting with https://.",
        ),
    ],
)
def test_a_broken_field_exits_non_zero_naming_it_and_changes_nothing(
    runner, tmp_path, old, new, expected
):
    assert runner.invoke(args=["programme", "load", str(SEED)]).exit_code == 0
    before = [
        (s.slug, s.start_at, s.title, s.region_id)
        for s in db.session.scalars(db.select(ProgrammeSession).order_by(ProgrammeSession.slug))
    ]
    broken = broken_copy(tmp_path, old, new)

    result = runner.invoke(args=["programme", "load", str(broken)])

    assert result.exit_code != 0
    assert str(broken) in result.output
    assert expected in result.output
    db.session.expire_all()
    after = [
        (s.slug, s.start_at, s.title, s.region_id)
        for s in db.session.scalars(db.select(ProgrammeSession).order_by(ProgrammeSession.slug))
    ]
    assert after == before


def test_an_unknown_region_halfway_changes_none_of_the_earlier_sessions(runner, tmp_path):
    runner.invoke(args=["programme", "load", str(SEED)])
    text = SEED.read_text(encoding="utf-8")
    text = text.replace('title = "Digitaliseren begint bij je mensen"', 'title = "Nieuw"')
    text = text.replace('region = "zuidwest"\ndate', 'region = "nergens"\ndate')
    path = tmp_path / "half.toml"
    path.write_text(text, encoding="utf-8")

    result = runner.invoke(args=["programme", "load", str(path)])

    assert result.exit_code != 0 and "'nergens'" in result.output
    db.session.expire_all()
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-noord"))
    assert noord.title == "Digitaliseren begint bij je mensen"


def test_invalid_toml_and_missing_file_are_reported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[edition\nyear = 1", encoding="utf-8")
    with pytest.raises(ProgrammeFileError, match="not valid TOML"):
        read_programme(bad)
    with pytest.raises(ProgrammeFileError, match="no such file"):
        read_programme(tmp_path / "missing.toml")


def test_changing_a_time_raises_the_revision_but_reloading_does_not(runner, tmp_path):
    runner.invoke(args=["programme", "load", str(SEED)])
    runner.invoke(args=["programme", "load", str(SEED)])
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-noord"))
    assert session.revision == 0
    moved = broken_copy(tmp_path, 'start = "15:00"', 'start = "14:00"')
    assert runner.invoke(args=["programme", "load", str(moved)]).exit_code == 0
    db.session.expire_all()
    assert session.revision == 1


def test_a_changed_time_in_the_file_tells_the_listeners_once(runner, tmp_path):
    from eventsite.programme.signals import session_changed

    runner.invoke(args=["programme", "load", str(SEED)])
    heard = []

    def listener(session, **_):
        heard.append((session.slug, session.revision))

    session_changed.connect(listener)
    try:
        runner.invoke(args=["programme", "load", str(SEED)])
        assert heard == []
        moved = broken_copy(tmp_path, 'start = "15:00"', 'start = "14:30"')
        assert runner.invoke(args=["programme", "load", str(moved)]).exit_code == 0
    finally:
        session_changed.disconnect(listener)
    assert heard == [("2021-noord", 1)]


def test_a_file_that_cancels_mails_the_attendees_once_and_a_later_correction_nothing(
    runner, tmp_path
):
    from tests import factories
    from tests.helpers import outbox

    runner.invoke(args=["programme", "load", str(SEED)])
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2021-noord"))
    factories.attendee(session, "ondernemer@example.nl")
    db.session.commit()
    cancelled = broken_copy(tmp_path, 'end = "16:30"\n', 'end = "16:30"\nstatus = "cancelled"\n')
    assert runner.invoke(args=["programme", "load", str(cancelled)]).exit_code == 0
    assert [(m.recipient, m.kind) for m in outbox()] == [("ondernemer@example.nl", "ical-cancel")]
    corrected = tmp_path / "corrected.toml"
    corrected.write_text(
        cancelled.read_text(encoding="utf-8").replace('start = "15:00"', 'start = "14:30"', 1),
        encoding="utf-8",
    )
    assert runner.invoke(args=["programme", "load", str(corrected)]).exit_code == 0
    db.session.expire_all()
    assert session.revision == 2  # the file's change is stored, and told to no one again
    assert len(outbox()) == 1
