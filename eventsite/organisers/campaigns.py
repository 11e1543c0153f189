"""Campaign links per hub (``/?via=<code>``) and sign-ups, confirmations and attendance per
source and hub.

The visitor's source is kept in their own session cookie and stored on the attendee at
sign-up (``registration.sources``); a campaign link only gives a code a name and a hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, case, distinct, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..core.urls import external_url
from ..dbtypes import UTCDateTime
from ..extensions import db
from ..programme.models import Edition, ProgrammeSession, Region
from ..registration.models import Attendance, Attendee, Registration
from . import audit


class CampaignLink(db.Model):
    """A named link to the site with ``?via=<code>``, made by a hub's organisers."""

    __tablename__ = "campaign_link"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()

    @property
    def url(self) -> str:
        return external_url("programme.index", via=self.code)


def links_for(edition: Edition, organiser) -> list[CampaignLink]:
    """The edition's links an organiser may see: all (admins) or their hub's."""
    query = select(CampaignLink).filter_by(edition_id=edition.id)
    if not organiser.is_admin:
        query = query.filter_by(region_id=organiser.region_id)
    return list(db.session.scalars(query.order_by(CampaignLink.created_at, CampaignLink.id)))


def link_names(edition: Edition) -> dict[str, str]:
    """Code -> name of the edition's campaign links (to show a source by its name)."""
    links = db.session.scalars(select(CampaignLink).filter_by(edition_id=edition.id))
    return {link.code: link.name for link in links}


def code_taken(edition: Edition, code: str) -> bool:
    return (
        db.session.scalar(select(CampaignLink.id).filter_by(edition_id=edition.id, code=code))
        is not None
    )


def create(edition: Edition, region: Region, name: str, code: str, actor) -> CampaignLink:
    link = CampaignLink(edition_id=edition.id, region_id=region.id, name=name.strip(), code=code)
    db.session.add(link)
    db.session.flush()
    audit.record(
        actor,
        "campaign.add",
        name,
        edition=edition,
        region=region,
        data={"name": name, "code": code},
    )
    return link


def remove(link: CampaignLink, actor) -> None:
    """Remove a link (the sign-ups it brought keep its code as their source)."""
    audit.record(
        actor,
        "campaign.remove",
        link.name,
        edition=db.session.get(Edition, link.edition_id),
        region=link.region,
        data={"name": link.name, "code": link.code},
    )
    db.session.delete(link)


@dataclass(frozen=True)
class SourceRow:
    source: str
    name: str  # the campaign link's name, or the source itself
    region: Region | None  # the hub of the sessions
    signups: int
    confirmations: int
    attended: int


def per_source(edition: Edition, sessions: list[ProgrammeSession]) -> list[SourceRow]:
    """People per source and hub of the sessions: signed up, confirmed, joined."""
    ids = [s.id for s in sessions]
    if not ids:
        return []
    confirmed = case((Attendee.confirmed_at.isnot(None), Attendee.id))
    rows = db.session.execute(
        select(
            Attendee.source,
            ProgrammeSession.region_id,
            func.count(distinct(Attendee.id)),
            func.count(distinct(confirmed)),
            func.count(distinct(Attendance.registration_id)),
        )
        .select_from(Registration)
        .join(Attendee, Registration.attendee_id == Attendee.id)
        .join(ProgrammeSession, Registration.session_id == ProgrammeSession.id)
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .where(Registration.session_id.in_(ids))
        .group_by(Attendee.source, ProgrammeSession.region_id)
    ).all()
    names = link_names(edition)
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    result = [
        SourceRow(
            source or "", names.get(source or "", source or ""), regions.get(region_id), *counts
        )
        for source, region_id, *counts in rows
    ]
    return sorted(
        result, key=lambda r: (r.source == "", r.name.lower(), r.region.name if r.region else "")
    )
