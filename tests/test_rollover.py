"""`flask programme rollover` and `flask programme demo`."""

from datetime import date

from eventsite.extensions import db
from eventsite.programme.cli import same_week_next_year
from eventsite.programme.models import Edition, ProgrammeSession


def test_rollover_copies_the_five_days_with_dates_moved_and_new_uids(runner, make_edition):
    old = make_edition()
    old_uids = {s.uid for s in old.sessions}

    result = runner.invoke(args=["programme", "rollover", "2022", "--starts-on", "2022-05-30"])

    assert result.exit_code == 0, result.output
    new = db.session.scalar(db.select(Edition).filter_by(year=2022))
    assert (new.starts_on, new.ends_on) == (date(2022, 5, 30), date(2022, 6, 3))
    assert new.slug == "jaarevent-2022" and new.name == "Smart Industry Jaarevent 2022"
    assert len(new.sessions) == 5
    assert {s.slug for s in new.sessions} == {
        f"2022-{r}" for r in ("noord", "oost", "zuid", "west", "zuidwest")
    }
    assert not old_uids & {s.uid for s in new.sessions}
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2022-noord"))
    # Same local time (15:00 CEST), on the new Monday.
    assert noord.start_at.isoformat() == "2022-05-30T13:00:00+00:00"
    assert [s.name for s in noord.speakers] == ["Voorbeeldspreker A", "Voorbeeldspreker B"]
    assert noord.confirmed_count == 0 and noord.stream_url is None


def test_rollover_keeps_local_time_across_a_daylight_saving_change(runner, make_edition):
    make_edition()
    # Moved into winter time: 15:00 CET is 14:00 UTC.
    result = runner.invoke(args=["programme", "rollover", "2022", "--starts-on", "2022-11-28"])
    assert result.exit_code == 0, result.output
    noord = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2022-noord"))
    assert noord.start_at.isoformat() == "2022-11-28T14:00:00+00:00"


def test_rollover_to_an_existing_year_is_refused(runner, make_edition):
    make_edition()
    result = runner.invoke(args=["programme", "rollover", "2021", "--starts-on", "2021-05-31"])
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_rollover_refuses_sessions_that_would_land_outside_the_new_days(runner, make_edition):
    old = make_edition()
    old.ends_on = date(2021, 6, 3)  # the last day moved without its Friday session
    db.session.commit()
    result = runner.invoke(args=["programme", "rollover", "2022", "--starts-on", "2022-05-30"])
    assert result.exit_code != 0
    assert "outside the new edition's" in result.output
    assert "Samen innoveren in de keten (Smart Industry Hub Zuidwest) on 2022-06-03" in (
        result.output
    )
    assert db.session.scalar(db.select(Edition).filter_by(year=2022)) is None


def test_demo_is_idempotent_and_opens_next_years_edition(runner, clock):
    clock.at(2026, 11, 25, 12)
    first = runner.invoke(args=["programme", "demo"])
    second = runner.invoke(args=["programme", "demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    editions = db.session.scalars(db.select(Edition).order_by(Edition.year)).all()
    assert [e.year for e in editions] == [2021, 2027]
    assert editions[1].starts_on == date(2027, 5, 31)
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeSession)) == 10
    assert editions[1].registration_open_at(clock.at(2026, 11, 25, 13))


def test_same_week_next_year_keeps_the_iso_week_and_weekday():
    assert same_week_next_year(date(2021, 5, 31), date(2026, 11, 25)) == date(2027, 5, 31)
    assert same_week_next_year(date(2021, 5, 31), date(2027, 1, 2)) == date(2028, 5, 29)
