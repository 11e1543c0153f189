"""`flask programme ...`: load programme files and roll an edition over to a new year."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import click

from ..clock import utcnow
from ..core.unit_of_work import transactional, unit_of_work
from ..extensions import db
from .loader import ProgrammeFileError, load_programme_file
from .models import Edition
from .rollover import RolloverError, rollover

SEED_FILE = Path(__file__).resolve().parents[2] / "config" / "programme" / "jaarevent-2021.toml"


def register_commands(group: click.Group) -> None:
    group.add_command(load_command)
    group.add_command(rollover_command)
    group.add_command(demo_command)


@click.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
def load_command(path: str) -> None:
    """Load or update an edition from a programme TOML file."""
    try:
        with unit_of_work():
            edition = load_programme_file(path)
    except ProgrammeFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Loaded edition {edition.year}: {len(edition.sessions)} sessions.")


@click.command("rollover")
@click.argument("year", type=int)
@click.option(
    "--starts-on",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of the new edition (YYYY-MM-DD).",
)
@click.option(
    "--from", "from_year", type=int, help="Edition to copy (default: the latest before YEAR)."
)
@click.option("--publish", is_flag=True, help="Publish the new edition at once.")
def rollover_command(year: int, starts_on: datetime, from_year: int | None, publish: bool) -> None:
    """Copy an edition's structure to YEAR with the dates moved."""
    source = None
    if from_year is not None:
        source = db.session.scalar(db.select(Edition).filter_by(year=from_year))
        if source is None:
            raise click.ClickException(f"there is no edition {from_year}")
    try:
        with unit_of_work():
            edition = rollover(year, starts_on.date(), source=source, publish=publish)
    except RolloverError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Created edition {year} ({edition.starts_on} to {edition.ends_on}) "
        f"with {len(edition.sessions)} sessions; edit themes and speakers next."
    )


def same_week_next_year(day: date, today: date) -> date:
    """The same ISO weekday and week number as ``day``, in the year after ``today``."""
    iso = day.isocalendar()
    return date.fromisocalendar(today.year + 1, iso.week, iso.weekday)


@click.command("demo")
@transactional
def demo_command() -> None:
    """Load the 2021 edition and a demo edition next year, open for sign-up (idempotent)."""
    seed = load_programme_file(SEED_FILE)
    starts_on = same_week_next_year(seed.starts_on, utcnow().date())
    if db.session.scalar(db.select(Edition).filter_by(year=starts_on.year)):
        click.echo(f"Demo edition {starts_on.year} exists already.")
        return
    edition = rollover(
        starts_on.year,
        starts_on,
        source=seed,
        publish=True,
        opens_at=utcnow() - timedelta(minutes=1),
    )
    click.echo(
        f"Created demo edition {edition.year} ({edition.starts_on} to {edition.ends_on}), "
        "open for sign-up."
    )
