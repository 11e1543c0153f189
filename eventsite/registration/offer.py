"""What the sign-up form offers now: the current edition and which of its sessions are open.

``GET /register`` and every sign-up POST need this, and it changes only when the edition's
data changes or a moment passes at which a session opens or closes: exactly what the
programme's page version (``programme.page_versions.edition_version``) covers. So it is
worked out once per version and process (the version itself is read at most once per
``PAGE_VERSION_TTL``, like the cached programme pages), instead of loading every edition,
session, hub and speaker per request. A sign-up then loads only the sessions it chose, and
``signup.sign_up`` checks them again on those fresh rows: a session cancelled within the
last second is still refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from ..caching import RenderCache, Version, version_memo
from ..clock import utcnow
from ..extensions import db
from ..i18n import current_language
from ..programme import queries
from ..programme.models import ProgrammeSession
from ..programme.page_versions import current_edition_version
from .question_fields import registration_form_class
from .question_models import Question

PAGE = "registration.register"
MAX_OFFERS = 16


@dataclass(frozen=True)
class Offer:
    """The current edition's id, its sessions' slugs (in time order) and the open ones; per
    slug the session's id and its hub's (which of the organisers' questions are asked); the
    organisers' questions on the form, and the form class per language."""

    edition_id: int | None
    version: Version | None
    slugs: tuple[str, ...] = ()
    open_slugs: frozenset[str] = frozenset()
    session_ids: tuple[tuple[str, int], ...] = ()
    session_regions: tuple[tuple[str, int], ...] = ()
    # Loaded with their choices and detached from the database session that loaded them:
    # read-only, shared by the requests of this version (a change raises the version).
    questions: tuple[Question, ...] = ()
    form_classes: dict = field(default_factory=dict, compare=False, hash=False)

    def form_class(self):
        """The sign-up form with this version's questions, in the request's language: built
        once per language (a class built per request cost a tenth of a sign-up)."""
        language = current_language()
        form_class = self.form_classes.get(language)
        if form_class is None:
            form_class = self.form_classes[language] = registration_form_class(list(self.questions))
        return form_class

    def ids_of(self, slugs: list[str]) -> list[int]:
        """The chosen sessions' ids (slugs not of this edition are left out)."""
        ids = dict(self.session_ids)
        return [ids[slug] for slug in slugs if slug in ids]

    def load(self, slugs: list[str]) -> list[ProgrammeSession]:
        """The chosen sessions (with their edition and hub) in one query, in time order."""
        wanted = self.ids_of(slugs)
        if not wanted:
            return []
        return list(
            db.session.scalars(
                db.select(ProgrammeSession)
                .where(ProgrammeSession.id.in_(wanted))
                .options(joinedload(ProgrammeSession.edition), joinedload(ProgrammeSession.region))
                .order_by(ProgrammeSession.start_at)
            ).unique()
        )


def current_offer() -> Offer:
    """The offer for this version of the data, worked out once per process and version."""
    version = version_memo(current_app).get((PAGE, "offer"), current_edition_version)
    if version is None:
        return Offer(None, None)
    offers = current_app.extensions.setdefault("registration.offers", RenderCache(MAX_OFFERS))
    offer = offers.get(version.token)
    if offer is None:
        offer = _work_out(version)
        offers.put(version.token, offer)
    return offer


def _work_out(version: Version) -> Offer:
    edition = queries.current_edition()
    if edition is None:
        return Offer(None, version)
    now = utcnow()
    sessions = queries.edition_sessions(edition)
    questions = list(
        db.session.scalars(
            db.select(Question)
            .filter_by(edition_id=edition.id, retired_at=None)
            .options(selectinload(Question.choices))
            .order_by(Question.position, Question.id)
        )
    )
    for question in questions:
        db.session.expunge(question)  # with its choices (cascade)
    return Offer(
        edition.id,
        version,
        tuple(s.slug for s in sessions),
        frozenset(s.slug for s in sessions if s.open_for_registration(now)),
        tuple((s.slug, s.id) for s in sessions),
        tuple((s.slug, s.region_id) for s in sessions),
        tuple(questions),
    )
