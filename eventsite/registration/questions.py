"""The organisers' questions on the sign-up form and the answers people give.

Answers are part of a person's registration: stored with the attendee (and, until it is
confirmed, with their sign-up request), shown in lists, exports and the data download,
and erased and purged with the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale, gettext

from ..clock import utcnow
from ..extensions import db
from ..i18n import localized
from ..programme.models import Edition, ProgrammeSession
from .models import Attendee
from .question_models import CHOICE_KINDS, YESNO, Answer, MailText, Question, QuestionChoice


def edition_questions(edition: Edition, include_retired: bool = False) -> list[Question]:
    """The edition's questions in form order (retired ones too for exports)."""
    return edition_questions_of(edition.id, include_retired)


def edition_questions_of(edition_id: int | None, include_retired: bool = False) -> list[Question]:
    """``edition_questions`` by the edition's id (none without an edition)."""
    if edition_id is None:
        return []
    query = db.select(Question).filter_by(edition_id=edition_id)
    if not include_retired:
        query = query.where(Question.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Question.position, Question.id)))


_TICK = timedelta(microseconds=1)


def touch_edition_on_questions_or_mail_texts(orm_session, flush_context, instances) -> None:
    """Raise the edition's ``updated_at`` when its questions, their choices or its mail
    texts change.

    The sign-up page is rendered once per version of the edition's data
    (``programme.page_versions``); the questions are on it, so changing one must give a new
    version, as an edited speaker does for its session. The organisers' own mail texts are
    looked up once per edition change (``mail_texts.own_text``), so they count too."""
    editions = set()
    for obj in (*orm_session.new, *orm_session.dirty, *orm_session.deleted):
        if isinstance(obj, QuestionChoice):
            obj = obj.question or orm_session.get(Question, obj.question_id)
        if isinstance(obj, Question | MailText) and obj is not None:
            editions.add(obj.edition_id)
    now = utcnow()
    for edition_id in editions - {None}:
        edition = orm_session.get(Edition, edition_id)
        if edition is not None:
            # Later than before, also within one tick of the clock: the form class and the
            # page of each version are kept (``registration.offer``), so a version must never
            # come back with other questions.
            last = edition.updated_at
            edition.updated_at = now if last is None or last < now else last + _TICK


def asked(questions: Iterable[Question], sessions: Iterable[ProgrammeSession]) -> list[Question]:
    """The questions asked of someone choosing ``sessions`` (by the hubs hosting them)."""
    regions = {s.region_id for s in sessions}
    return [q for q in questions if q.asked_for(regions)]


def set_answers(attendee: Attendee, answers: dict, only_missing: bool = False) -> None:
    """Store ``answers`` ({question id: value}; empty values remove an answer).

    ``only_missing``: keep answers the person gave before (a confirmed person's own).
    A question deleted since the form was sent (it had no answers then) is skipped."""
    if not answers:
        return
    existing = {a.question_id: a for a in attendee.answers}
    known = {q.id for q in edition_questions(attendee.edition, include_retired=True)}
    for key, value in answers.items():
        question_id = int(key)
        if question_id not in known:
            continue
        answer = existing.get(question_id)
        if answer is not None and only_missing:
            continue
        if not value:
            if answer is not None:
                attendee.answers.remove(answer)
            continue
        if answer is None:
            attendee.answers.append(Answer(question_id=question_id, value=str(value)))
        else:
            answer.value = str(value)


def number_value(text: str) -> Decimal | None:
    """A number question's answer as a number ("2,5" as 2.5); None when it is none (also for
    "NaN" and "Infinity", which Decimal reads)."""
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def answer_text(question: Question, value: str, language: str | None = None) -> str:
    """An answer as people read it: the choices' texts joined, yes/no in words."""
    if not value:
        return ""
    if question.kind in CHOICE_KINDS:
        chosen = {int(part) for part in value.split(",") if part.isdigit()}
        return ", ".join(
            localized(c, "label", language) for c in question.choices if c.id in chosen
        )
    if question.kind == YESNO:
        with force_locale(language) if language else nullcontext():
            return gettext("yes") if value == "yes" else gettext("no")
    return value


def answers_by_attendee(attendee_ids: Iterable[int] | None, edition: Edition) -> dict:
    """{attendee id: {question id: value}} for these attendees (None: the whole edition)."""
    query = (
        db.select(Answer.attendee_id, Answer.question_id, Answer.value)
        .join(Question, Answer.question_id == Question.id)
        .where(Question.edition_id == edition.id)
    )
    if attendee_ids is not None:
        query = query.where(Answer.attendee_id.in_(list(attendee_ids)))
    result: dict[int, dict[int, str]] = {}
    for attendee_id, question_id, value in db.session.execute(query):
        result.setdefault(attendee_id, {})[question_id] = value
    return result


def has_answers(question: Question) -> bool:
    return (
        db.session.scalar(
            db.select(db.func.count()).select_from(Answer).filter_by(question_id=question.id)
        )
        > 0
    )


def choice_has_answers(question: Question, choice_id: int) -> bool:
    """Whether anyone chose this choice (its id among an answer's ids)."""
    return any(
        choice_id in a.choice_id_list
        for a in db.session.scalars(db.select(Answer).filter_by(question_id=question.id))
    )


def download(attendee: Attendee) -> list[dict]:
    """The person's answers for the data download: question and answer in their language."""
    return [
        {
            "question": localized(a.question, "label", attendee.language),
            "answer": answer_text(a.question, a.value, attendee.language),
        }
        for a in sorted(attendee.answers, key=lambda a: (a.question.position, a.question_id))
    ]
