"""Feedback per session for organisers: numbers, chart, answers, the hub's question, exports."""

from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...clock import utcnow
from ...formatting import in_zone
from .. import audit, exports, services
from .. import feedback as feedback_figures
from ..blueprint import bp
from ..charts import bar_chart
from ..forms import FeedbackQuestionForm
from .common import session_or_abort, year_arg
from .downloads import CSV_TYPE, XLSX_TYPE

COLUMN_LABELS = {
    "name": _l("Name"),
    "email": _l("Email address"),
    "organisation": _l("Organisation"),
    "session": _l("Session"),
    "rating": _l("Rating"),
    "takeaway": _l("What they will do with it"),
    "question": _l("Your question"),
    "answer": _l("Answer"),
    "given_at": _l("Given at"),
    "changed_at": _l("Changed at"),
}


@bp.route("/sessions/<slug>/feedback", methods=["GET", "POST"])
def session_feedback(slug: str):
    """A session's feedback: answers, the ratings as chart and table; the hub's question."""
    session = session_or_abort(slug)
    form = FeedbackQuestionForm(obj=session if request.method == "GET" else None)
    if form.validate_on_submit():
        session.feedback_question = (form.feedback_question.data or "").strip() or None
        session.feedback_question_en = (form.feedback_question_en.data or "").strip() or None
        audit.record(
            current_user,
            "feedback.question",
            session.slug,
            session.feedback_question or "",
            edition=session.edition,
            region=session.region,
            data={"session": session.title, "question": session.feedback_question or ""},
        )
        flash(_("Saved. The question is on the feedback form from now on."), "success")
        return redirect(url_for("organisers.session_feedback", slug=slug))
    summary = feedback_figures.summaries([session.id])[session.id]
    return render_template(
        "organisers/feedback.html",
        session=session,
        summary=summary,
        chart=bar_chart(list(summary.distribution.items())),
        answers=feedback_figures.answers(session),
        form=form,
    )


@bp.get("/feedback")
def feedback_overview():
    """Per hub of an edition: the answers' number and distribution (chart and table) and
    its sessions; a hub organiser sees only their own hub."""
    edition = services.chosen_edition(current_user, year_arg(request.args.get("edition")))
    if edition is None:
        abort(404)
    sessions = services.visible_sessions(current_user, edition)
    per_session = feedback_figures.summaries([s.id for s in sessions])
    hubs = {}
    for session in sessions:
        hubs.setdefault(session.region, []).append(session)
    rows = []
    for region, hub_sessions in sorted(hubs.items(), key=lambda item: item[0].name):
        summary = feedback_figures.combined([per_session[s.id] for s in hub_sessions])
        chart = bar_chart(list(summary.distribution.items()))
        rows.append((region, hub_sessions, summary, chart))
    return render_template(
        "organisers/feedback_overview.html",
        edition=edition,
        hubs=rows,
        per_session=per_session,
        year=edition.year if current_user.is_admin else None,
    )


@bp.get("/sessions/<slug>/feedback.<any(csv, xlsx):extension>")
def feedback_export(slug: str, extension: str):
    """A session's answers as CSV (``?delimiter=semicolon``) or xlsx; audited first."""
    session = session_or_abort(slug)
    return _export(session.edition, session.slug, [session], extension)


@bp.get("/feedback.<any(csv, xlsx):extension>")
def all_feedback_export(extension: str):
    """The answers on every session the organiser may see (a hub: its own), one file."""
    edition = services.chosen_edition(current_user, year_arg(request.args.get("edition")))
    if edition is None:
        abort(404)
    sessions = services.visible_sessions(current_user, edition)
    return _export(edition, "all-sessions", sessions, extension)


def _export(edition, scope: str, sessions, extension: str):
    """Audit, then the answers as CSV or xlsx (small: built whole, sent after the commit)."""
    delimiter = request.args.get("delimiter", "comma")
    if delimiter not in exports.DELIMITERS:
        abort(400)
    day = in_zone(utcnow(), edition.timezone).date().isoformat()
    filename = exports.export_filename(edition.slug, scope, day, extension)
    filename = filename.replace("_attendees_", "_feedback_")
    one_hub = len({s.region_id for s in sessions}) == 1
    audit.record(
        current_user,
        "feedback.export",
        f"{edition.slug}: {scope}",
        extension,
        edition=edition,
        region=sessions[0].region if one_hub else None,
        data={
            "session": sessions[0].title if len(sessions) == 1 else edition.name,
            "format": extension,
        },
    )
    header = [str(COLUMN_LABELS[c]) for c in feedback_figures.COLUMNS]
    rows = feedback_figures.export_rows([s.id for s in sessions])
    if extension == "xlsx":
        out = io.BytesIO()
        exports.write_xlsx(header, rows, out, title=_("Feedback"))
        body, content_type = out.getvalue(), XLSX_TYPE
    else:
        chunks = exports.csv_chunks(header, rows, exports.DELIMITERS[delimiter])
        body, content_type = "".join(chunks).encode("utf-8"), CSV_TYPE
    return Response(
        body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": exports.content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )
