"""Attendee exports as CSV (streamed) and xlsx, per session or for every visible session.

Each export is written to the audit log before the first byte goes out.
"""

from __future__ import annotations

import tempfile

from flask import Response, abort, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from ...clock import utcnow
from ...formatting import in_zone
from ...i18n import localized
from ...programme.models import Edition
from ...registration.models import STATES
from ...registration.question_models import NUMBER
from ...registration.questions import answer_text, answers_by_attendee, number_value
from .. import audit, exports, services
from ..blueprint import bp
from .common import COLUMN_LABELS, session_or_abort, state_label, year_arg

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(session_ids: list[int], answers: dict[int, list[str]], width: int):
    """Export rows with their labels translated once, not once per row; then the source
    and one column per question (``answers``: per attendee, the texts in column order)."""
    yes_no = (_("yes"), _("no"))
    labels = {state: state_label(state) for state in (*STATES, exports.SESSION_CANCELLED)}
    empty = [""] * width
    for record in services.export_records(session_ids):
        source, attendee_id = record[13], record[14]
        yield [
            *exports.export_row(record, labels.__getitem__, yes_no),
            source or "",
            *answers.get(attendee_id, empty),
        ]


def _answer_columns(edition: Edition) -> tuple[list[str], dict[int, list[str]]]:
    """The questions' labels and every attendee's answers as texts, read before the
    response streams (the rows are written after the request's database session ended)."""
    questions = services.export_questions(current_user, edition)
    given = answers_by_attendee(None, edition) if questions else {}
    texts = {
        attendee_id: [_answer_cell(q, values.get(q.id, "")) for q in questions]
        for attendee_id, values in given.items()
    }
    return [localized(q, "label") for q in questions], texts


def _answer_cell(question, value: str) -> str:
    text = answer_text(question, value)
    if question.kind == NUMBER and text:
        return exports.NumberAnswer(text, number_value(text))
    return text


def _header(labels: list[str]) -> list[str]:
    return [str(COLUMN_LABELS[c]) for c in exports.COLUMNS] + labels


def _scope_all() -> tuple[Edition, list[int]]:
    """The edition and the ids of every session the organiser may see in it."""
    edition = services.chosen_edition(current_user, year_arg(request.args.get("edition")))
    if edition is None:
        abort(404)
    return edition, [s.id for s in services.visible_sessions(current_user, edition)]


def _export(edition: Edition, scope: str, session_ids: list[int], extension: str, data, region):
    """Audit (with `data` for its sentence, about `region`: the session's hub, or the
    organiser's for all their sessions), then send the rows as CSV (streamed) or xlsx."""
    day = in_zone(utcnow(), edition.timezone).date().isoformat()
    filename = exports.export_filename(edition.slug, scope, day, extension)
    delimiter_name = request.args.get("delimiter", "comma")
    if delimiter_name not in exports.DELIMITERS:
        abort(400)
    detail = f"{len(session_ids)} session(s)"
    if extension == "csv":
        detail += f", delimiter={delimiter_name}"
    # The request's unit of work commits the entry after this view, before the first row
    # is streamed: no export leaves without its audit entry.
    audit.record(
        current_user,
        f"export.{extension}",
        f"{edition.slug}: {scope}",
        detail,
        edition=edition,
        region=region,
        data=data,
    )
    labels, answers = _answer_columns(edition)
    header, rows = _header(labels), _rows(session_ids, answers, len(labels))
    if extension == "xlsx":
        return _xlsx_response(header, rows, filename)
    chunks = exports.csv_chunks(header, rows, exports.DELIMITERS[delimiter_name])
    body = (chunk.encode("utf-8") for chunk in chunks)
    return Response(
        stream_with_context(body),
        headers={
            "Content-Type": CSV_TYPE,
            "Content-Disposition": exports.content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


def _xlsx_response(header: list[str], rows, filename: str):
    """Write the workbook to a temporary file (rows never all in memory) and send it."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    exports.write_xlsx(header, rows, spool, title=_("Attendees"))
    spool.seek(0)
    response = send_file(
        spool, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sessions/<slug>/attendees.<any(csv, xlsx):extension>")
def session_export(slug: str, extension: str):
    """One session's attendees as CSV (``?delimiter=semicolon`` for Dutch Excel) or xlsx."""
    session = session_or_abort(slug)
    data = audit.session_facts(session, variant="session")
    audit_region = session.region
    return _export(session.edition, session.slug, [session.id], extension, data, audit_region)


@bp.get("/attendees.<any(csv, xlsx):extension>")
def all_export(extension: str):
    """Every session the organiser may see, one row per person and session."""
    edition, session_ids = _scope_all()
    data = audit.facts(
        variant="all", edition=edition.name, edition_en=edition.name_en, sessions=len(session_ids)
    )
    return _export(edition, "all-sessions", session_ids, extension, data, current_user.region)
