"""Organiser accounts: creating, disabling, setting passwords and the mails that go with it."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from ..core.urls import external_url
from ..extensions import db
from ..mail.outbox import queue_mail
from ..programme.models import Region
from . import audit
from .models import ADMIN, REGION, ROLES, Organiser
from .passwords import hash_password, password_problem
from .tokens import make_token, max_age


class AccountError(ValueError):
    """A request about an account that cannot be carried out; str() says why."""


def normalise_email(email: str) -> str:
    """The address as stored (lowercase); AccountError if it is not an address."""
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(f"{email!r} is not a valid email address: {error}") from None
    return valid.normalized.lower()


def find(email: str) -> Organiser | None:
    return db.session.scalar(db.select(Organiser).filter_by(email=email.strip().lower()))


def check_new_account(email: str, role: str, region_slug: str | None) -> tuple[str, Region | None]:
    """The stored address and the region of a new account; AccountError if it cannot be made."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if find(email) is not None:
        raise AccountError(f"an organiser with the address {email} exists already")
    if role != REGION:
        if region_slug:
            raise AccountError(f"an {ADMIN} sees every region; leave out --region")
        return email, None
    if not region_slug:
        raise AccountError("a regional organiser needs --region SLUG")
    region = db.session.scalar(db.select(Region).filter_by(slug=region_slug))
    if region is None:
        slugs = ", ".join(db.session.scalars(db.select(Region.slug).order_by(Region.slug)))
        raise AccountError(f"there is no region {region_slug!r}; known: {slugs or 'none'}")
    return email, region


def create_organiser(
    email: str,
    role: str,
    region_slug: str | None = None,
    name: str | None = None,
    password: str | None = None,
    language: str = "nl",
    *,
    actor: Organiser | None = None,
    action: str = "account.create",
) -> Organiser:
    """Add an account (not committed). Without a password it can only log in after a mail.

    `actor` is the admin who did it in the browser (None: the command line); `action` says
    in the audit log whether it was created or invited.
    """
    email, region = check_new_account(email, role, region_slug)
    organiser = Organiser(
        email=email,
        name=(name or email.split("@")[0]).strip()[:120],
        role=role,
        region=region,
        language=language,
    )
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            raise AccountError(str(problem))
        organiser.password_hash = hash_password(password)
    db.session.add(organiser)
    db.session.flush()
    audit.record(
        actor,
        action,
        email,
        f"role={role} region={region_slug or '-'}",
        region=region,
        data=audit.account_facts(organiser),
    )
    return organiser


def disable(organiser: Organiser, actor: Organiser | None = None) -> None:
    """No more logins; every open session ends at once (not committed)."""
    organiser.active = False
    organiser.end_sessions()
    audit.record(
        actor,
        "account.disable",
        organiser.email,
        region=organiser.region,
        data=audit.account_facts(organiser, variant=None),
    )


def set_password(organiser: Organiser, password: str, variant: str | None = None) -> None:
    """New password; ends every other session and invalidates earlier links (not committed).

    `variant` "profile": changed on the profile page (else: set from a mailed link).
    """
    problem = password_problem(password, organiser.email)
    if problem:
        raise AccountError(str(problem))
    organiser.password_hash = hash_password(password)
    organiser.end_sessions()
    audit.record(
        organiser,
        "password.set",
        organiser.email,
        region=organiser.region,
        data=audit.facts(variant=variant, email=organiser.email),
    )


def queue_password_mail(organiser: Organiser, purpose: str, language: str) -> None:
    """Queue the reset ("reset") or set-password ("welcome") mail with a one-time link."""
    endpoint = "organisers.reset_password" if purpose == "reset" else "organisers.welcome"
    link = external_url(endpoint, token=make_token(organiser, purpose))
    queue_mail(
        kind=f"organiser-{purpose}",
        recipient=organiser.email,
        language=language,
        template=f"organiser_{purpose}",
        context={
            "organiser": organiser,
            "link": link,
            "valid_minutes": max_age(purpose) // 60,
            "login_url": external_url("organisers.login"),
        },
    )
