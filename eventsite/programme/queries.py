"""Reading the published programme."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from .models import Edition, ProgrammeSession


def published_editions() -> list[Edition]:
    """All published editions, newest first."""
    return list(
        db.session.scalars(
            db.select(Edition).filter_by(published=True).order_by(Edition.year.desc())
        )
    )


def current_edition() -> Edition | None:
    """The edition the home page shows: the next or running one, else the latest."""
    today = utcnow().date()
    editions = published_editions()
    upcoming = [e for e in editions if e.ends_on >= today]
    if upcoming:
        return min(upcoming, key=lambda e: e.starts_on)
    return editions[0] if editions else None


def current_edition_id() -> int | None:
    """The id of ``current_edition()``, without loading the editions."""
    today = utcnow().date()
    published = db.select(Edition.id).filter_by(published=True)
    upcoming = published.where(Edition.ends_on >= today).order_by(Edition.starts_on).limit(1)
    latest = published.order_by(Edition.year.desc()).limit(1)
    return db.session.scalar(upcoming) or db.session.scalar(latest)


def published_edition_id(year: int) -> int | None:
    return db.session.scalar(db.select(Edition.id).filter_by(year=year, published=True))


def published_edition(year: int) -> Edition | None:
    return db.session.scalar(db.select(Edition).filter_by(year=year, published=True))


def edition_sessions(edition: Edition) -> list[ProgrammeSession]:
    """An edition's sessions in programme order, with hub and speakers loaded in one go."""
    return list(
        db.session.scalars(
            db.select(ProgrammeSession)
            .filter_by(edition_id=edition.id)
            .options(selectinload(ProgrammeSession.region), selectinload(ProgrammeSession.speakers))
            .order_by(ProgrammeSession.position, ProgrammeSession.start_at)
        )
    )


def published_session_edition_id(slug: str) -> int | None:
    """The edition of a published session, in one small query (the page cache's key)."""
    return db.session.scalar(
        db.select(ProgrammeSession.edition_id)
        .join(Edition, Edition.id == ProgrammeSession.edition_id)
        .where(ProgrammeSession.slug == slug, Edition.published.is_(True))
    )


def published_session(slug: str) -> ProgrammeSession | None:
    session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
    if session is None or not session.edition.published:
        return None
    return session


def edition_by_year(year: int) -> Edition | None:
    """Any edition, published or not (organisers' preview)."""
    return db.session.scalar(db.select(Edition).filter_by(year=year))


def session_by_slug(slug: str) -> ProgrammeSession | None:
    """Any session, of a published edition or not (organisers' preview)."""
    return db.session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
