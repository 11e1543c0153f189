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
from ...programme.models import Edition
from ...registration.models import STATES
from .. import audit, exports, services
from ..blueprint import bp
from .common import COLUMN_LABELS, session_or_abort, state_label, year_arg

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(session_ids: list[int]):
    """Export rows with their labels translated once, not once per row."""
    yes_no = (_("yes"), _("no"))
    labels = {state: state_label(state) for state in (*STATES, exports.SESSION_CANCELLED)}
    for record in services.export_records(session_ids):
        yield exports.export_row(record, labels.__getitem__, yes_no)


def _header() -> list[str]:
    return [str(COLUMN_LABELS[c]) for c in exports.COLUMNS]


def _scope_all() -> tuple[Edition, list[int]]:
    edition = services.chosen_edition(current_user, year_arg(request.args.get("edition")))
    if edition is None:
        abort(404)
    return edition, [s.id for s in services.visible_sessions(current_user, edition)]


def _export(edition: Edition, scope: str, session_ids: list[int], extension: str):
    """Audit, then send the rows as CSV (streamed) or xlsx."""
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
    audit.record(current_user, f"export.{extension}", f"{edition.slug}: {scope}", detail)
    if extension == "xlsx":
        return _xlsx_response(session_ids, filename)
    chunks = exports.csv_chunks(_header(), _rows(session_ids), exports.DELIMITERS[delimiter_name])
    body = (chunk.encode("utf-8") for chunk in chunks)
    return Response(
        stream_with_context(body),
        headers={
            "Content-Type": CSV_TYPE,
            "Content-Disposition": exports.content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


def _xlsx_response(session_ids: list[int], filename: str):
    """Write the workbook to a temporary file (rows never all in memory) and send it."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    exports.write_xlsx(_header(), _rows(session_ids), spool, title=_("Attendees"))
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
    return _export(session.edition, session.slug, [session.id], extension)


@bp.get("/attendees.<any(csv, xlsx):extension>")
def all_export(extension: str):
    """Every session the organiser may see, one row per person and session."""
    edition, session_ids = _scope_all()
    return _export(edition, "all-sessions", session_ids, extension)
