"""The public, read-only API: editions, sessions and hubs of the published programme.

Answers are cached and revalidated like the pages (``eventsite.caching``): the ETag
follows the data's version, so an unchanged programme costs a 304. The query string is
part of the cache key, since a page of a list differs by ``page`` and ``hub``.
"""

from __future__ import annotations

import json

from flask import abort, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..caching import cached_response
from ..extensions import db
from ..programme import queries
from ..programme.models import Edition, ProgrammeSession, Region
from ..programme.page_versions import published_edition_version, published_session_version
from . import schemas, serialise, versions
from .blueprint import bp
from .paging import PAGE_PARAMETERS_DOC, page_args
from .spec import operation

JSON = "application/json"


def _cached(name: str, version_of, build) -> object:
    """``build()``'s dict as JSON, with ETag and Last-Modified (see ``caching``)."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    return cached_response(
        f"{name}?{query}",
        version_of,
        lambda: json.dumps(build(), ensure_ascii=False),
        content_type=JSON,
        per_language=False,
    )


@bp.get("/editions")
@operation(
    "Published editions, newest first",
    schemas.EditionListSchema,
    parameters=PAGE_PARAMETERS_DOC,
    errors=(400,),
    cached=True,
)
def editions():
    """Every published edition of the jaarevent, newest first."""
    page = page_args()

    def build() -> dict:
        query = select(Edition).filter_by(published=True)
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.session.scalars(
            query.order_by(Edition.year.desc()).offset(page.offset).limit(page.per_page)
        )
        items = [serialise.edition(e) for e in rows]
        return serialise.dump(
            schemas.EditionListSchema, page.envelope(items, total, "api.editions")
        )

    return _cached("api.editions", versions.editions_version, build)


@bp.get("/editions/<int:year>")
@operation("One published edition", schemas.EditionSchema, errors=(404,), cached=True)
def edition(year: int):
    """An edition by its year (404 while unpublished)."""

    def build() -> dict:
        item = queries.published_edition(year)
        if item is None:
            abort(404)
        return serialise.dump(schemas.EditionSchema, serialise.edition(item))

    return _cached("api.edition", lambda: published_edition_version(year), build)


HUB_PARAMETER = {
    "in": "query",
    "name": "hub",
    "description": "only this hub's sessions (its slug, e.g. noord)",
    "schema": {"type": "string", "maxLength": 40},
}


@bp.get("/editions/<int:year>/sessions")
@operation(
    "The sessions of an edition, in time order",
    schemas.SessionListSchema,
    parameters=[HUB_PARAMETER, *PAGE_PARAMETERS_DOC],
    errors=(400, 404),
    cached=True,
)
def edition_sessions(year: int):
    """Times are local (the edition's time zone) with their offset; ``signup_url`` opens the
    sign-up form with the session ticked."""
    page = page_args()
    hub = request.args.get("hub")

    def build() -> dict:
        item = queries.published_edition(year)
        if item is None:
            abort(404)
        query = select(ProgrammeSession).filter_by(edition_id=item.id)
        if hub is not None:
            query = query.join(Region).where(Region.slug == hub)
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.session.scalars(
            query.options(
                selectinload(ProgrammeSession.region),
                selectinload(ProgrammeSession.speakers),
                selectinload(ProgrammeSession.videos),
            )
            .order_by(ProgrammeSession.start_at, ProgrammeSession.id)
            .offset(page.offset)
            .limit(page.per_page)
        )
        items = [serialise.session(s) for s in rows]
        envelope = page.envelope(items, total, "api.edition_sessions", year=year)
        return serialise.dump(schemas.SessionListSchema, envelope)

    return _cached("api.edition_sessions", lambda: published_edition_version(year), build)


@bp.get("/sessions/<slug>")
@operation("One session", schemas.SessionSchema, errors=(404,), cached=True)
def session(slug: str):
    """A session of a published edition, by its slug (e.g. 2027-noord)."""

    def build() -> dict:
        item = queries.published_session(slug)
        if item is None:
            abort(404)
        return serialise.dump(schemas.SessionSchema, serialise.session(item))

    return _cached("api.session", lambda: published_session_version(slug), build)


@bp.get("/hubs")
@operation("The regional Smart Industry hubs", schemas.HubListSchema, cached=True)
def hubs():
    """Every hub with its description, website and logo."""

    def build() -> dict:
        rows = db.session.scalars(select(Region).order_by(Region.name))
        return serialise.dump(schemas.HubListSchema, {"items": [serialise.hub(r) for r in rows]})

    return _cached("api.hubs", versions.hubs_version, build)
