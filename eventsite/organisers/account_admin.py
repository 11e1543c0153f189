"""Admins manage organiser accounts in the browser: invite, change role or hub, disable and
enable, send the invitation again; organisers change their own name, language and password.

Services change objects and flush; the request's unit of work commits. The one rule the
database cannot hold: there is always at least one active admin, so nobody locks the
programme office out of the accounts page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import unit_of_work
from ..database import begin_write
from ..extensions import db
from ..programme.models import Region
from . import accounts, audit
from .models import ADMIN, REGION, Organiser
from .passwords import check_password


class RefusedError(ValueError):
    """An account change that is not allowed; str() says why, in the reader's language;
    `field` names the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def all_accounts() -> list[Organiser]:
    """Every account, active ones first, then by name."""
    query = select(Organiser).order_by(Organiser.active.desc(), func.lower(Organiser.name))
    return list(db.session.scalars(query))


def regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def active_admins() -> int:
    """The number of active admins, their rows locked to the commit (PostgreSQL), so two
    admins demoting each other at the same moment cannot both succeed."""
    query = select(Organiser.id).filter_by(role=ADMIN, active=True).with_for_update()
    return len(db.session.scalars(query).all())


def _refuse_losing_last_admin(organiser: Organiser) -> None:
    if organiser.active and organiser.role == ADMIN and active_admins() <= 1:
        raise RefusedError(
            str(
                _l(
                    "%(name)s is the last active admin. Make another organiser an admin "
                    "first, so someone can still manage the accounts.",
                    name=organiser.name,
                )
            )
        )


def invite(
    actor: Organiser, email: str, name: str, role: str, region: Region | None, language: str
) -> Organiser:
    """Create an account without a password and mail its owner a one-time link to set one.

    Refused at the address when it has an account, also one made after the form was checked
    (a double click): the second request then waits for the first's commit and sees it."""
    begin_write()  # SQLite: the look-up below sees what a request before this one stored
    try:
        organiser = accounts.create_organiser(
            email,
            role,
            region.slug if role == REGION and region is not None else None,
            name,
            None,
            language,
            actor=actor,
            action="account.invite",
        )
    except (accounts.AccountError, IntegrityError):
        unit_of_work.rollback()  # nothing of this request is kept
        if accounts.find(accounts.normalise_email(email)) is None:
            raise
        message = _l("There is an account with this address already.")
        raise RefusedError(str(message), field="email") from None
    accounts.queue_password_mail(organiser, "welcome", language)
    return organiser


def update(actor: Organiser, organiser: Organiser, role: str, region: Region | None) -> bool:
    """Change the role and hub; False if nothing changed. Refused for the last admin."""
    region = region if role == REGION else None
    if organiser.role == role and organiser.region_id == (region.id if region else None):
        return False
    if role != ADMIN:
        _refuse_losing_last_admin(organiser)
    organiser.role = role
    organiser.region = region
    db.session.flush()
    audit.record(
        actor,
        "account.update",
        organiser.email,
        region=region,
        data=audit.account_facts(organiser),
    )
    return True


def disable(actor: Organiser, organiser: Organiser) -> None:
    """No more logins, open sessions end; refused for oneself and for the last admin."""
    if organiser.id == actor.id:
        raise RefusedError(str(_l("You cannot disable your own account.")))
    _refuse_losing_last_admin(organiser)
    accounts.disable(organiser, actor)


def enable(actor: Organiser, organiser: Organiser) -> None:
    """Let the account log in again (with its old password, or after an invitation)."""
    organiser.active = True
    audit.record(
        actor,
        "account.enable",
        organiser.email,
        region=organiser.region,
        data=audit.account_facts(organiser, variant=None),
    )


def resend_invitation(actor: Organiser, organiser: Organiser) -> None:
    """A new set-password mail, for an active account that has no password yet."""
    if not organiser.active:
        raise RefusedError(str(_l("Enable the account first.")))
    if organiser.password_hash:
        raise RefusedError(
            str(
                _l(
                    "%(name)s has set a password already; they can use “Forgot your "
                    "password?” on the login page.",
                    name=organiser.name,
                )
            )
        )
    accounts.queue_password_mail(organiser, "welcome", organiser.language)
    audit.record(
        actor,
        "account.resend",
        organiser.email,
        region=organiser.region,
        data=audit.account_facts(organiser, variant=None),
    )


def update_profile(organiser: Organiser, name: str, language: str) -> bool:
    """The organiser's own name and language; False if nothing changed."""
    name = name.strip()[:120]
    fields = [f for f, v in (("name", name), ("language", language)) if getattr(organiser, f) != v]
    if not fields:
        return False
    organiser.name, organiser.language = name, language
    audit.record(
        organiser,
        "profile.update",
        organiser.email,
        region=organiser.region,
        data=audit.facts(fields=fields, name=name, language=language),
    )
    return True


def change_password(organiser: Organiser, current: str, new: str) -> None:
    """A new password, only with the current one; ends the account's other sessions."""
    if not check_password(organiser.password_hash, current):
        raise RefusedError(str(_l("This is not your current password.")), field="current")
    try:
        accounts.set_password(organiser, new, variant="profile")
    except accounts.AccountError as error:
        raise RefusedError(str(error), field="password") from None
