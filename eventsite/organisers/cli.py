"""`flask organisers create|list|disable`: manage organiser accounts (there are no defaults)."""

from __future__ import annotations

import sys

import click
from flask_babel import force_locale

from ..core.unit_of_work import unit_of_work
from ..extensions import db
from . import accounts
from .models import ROLES, Organiser


def register_commands(group: click.Group) -> None:
    group.add_command(create_command)
    group.add_command(list_command)
    group.add_command(disable_command)


def read_password(email: str) -> str:
    """From a hidden prompt with confirmation, or the first line of stdin when piped."""
    if sys.stdin.isatty():
        return click.prompt(
            f"Password for {email} (at least 8 characters, 15 or more is better)",
            hide_input=True,
            confirmation_prompt=True,
        )
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin or region.")
@click.option("--region", "region_slug", help="The hub's region slug (role region only).")
@click.option("--name", help="Full name (default: the part of the address before the @).")
@click.option(
    "--send-set-password-mail",
    is_flag=True,
    help="Mail a one-time link to set the password instead of asking for it here.",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="Language of the mails to this organiser (set-password, session full).",
)
def create_command(
    email: str,
    role: str,
    region_slug: str | None,
    name: str | None,
    send_set_password_mail: bool,
    language: str,
) -> None:
    """Create an organiser account."""
    try:
        with unit_of_work():
            # Refuse a wrong address or region before asking for a password.
            accounts.check_new_account(email, role, region_slug)
            password = None if send_set_password_mail else read_password(email)
            # The command line speaks English (there is no visitor whose language to pick).
            with force_locale("en"):
                organiser = accounts.create_organiser(
                    email, role, region_slug, name, password, language
                )
            if send_set_password_mail:
                accounts.queue_password_mail(organiser, "welcome", language)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    where = f" for region {region_slug}" if region_slug else ""
    click.echo(f"Created {role} {organiser.email}{where}.")
    if send_set_password_mail:
        click.echo("A mail with a link to set the password is queued (flask mail send-queued).")


@click.command("list")
def list_command() -> None:
    """List the organiser accounts."""
    organisers = db.session.scalars(db.select(Organiser).order_by(Organiser.email)).all()
    if not organisers:
        click.echo("No organisers yet; add one with `flask organisers create`.")
        return
    for o in organisers:
        region = o.region.slug if o.region else "-"
        state = "active" if o.active else "disabled"
        if o.active and not o.password_hash:
            state = "no password yet"
        last = o.last_login_at.isoformat(timespec="minutes") if o.last_login_at else "never"
        click.echo(
            f"{o.email:<40} {o.role:<6} {region:<10} {state:<16} last login: {last}  {o.name}"
        )


@click.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: no more logins, and its open sessions end at once."""
    organiser = accounts.find(email)
    if organiser is None:
        raise click.ClickException(f"there is no organiser {email}")
    if not organiser.active:
        click.echo(f"{organiser.email} is disabled already.")
        return
    with unit_of_work():
        accounts.disable(organiser)
    click.echo(f"Disabled {organiser.email}; open sessions are ended.")
