"""The edition's mail texts (admins): per mail and language, edit, preview, test, reset."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...mail.placeholders import TextProblem
from ...registration import mail_texts as kinds
from .. import mail_texts as service
from ..auth import admin_required
from ..blueprint import bp
from ..signup_forms import MailTextForm
from .questions import edition_or_404

LANGUAGES = ("nl", "en")


@bp.get("/editions/<int:year>/mails")
@admin_required
def mail_texts(year: int):
    """Every mail organisers can write, per language: own text or the default."""
    edition = edition_or_404(year)
    own = {
        (kind, language): service.current_text(edition, kind, language)[2]
        for kind in kinds.KINDS
        for language in LANGUAGES
    }
    return render_template(
        "organisers/mail_texts.html",
        edition=edition,
        kinds=kinds.KINDS,
        languages=LANGUAGES,
        language_names=service.LANGUAGE_NAMES,
        own=own,
    )


@bp.route("/editions/<int:year>/mails/<kind>/<any(nl, en):language>", methods=["GET", "POST"])
@admin_required
def mail_text(year: int, kind: str, language: str):
    """Edit one mail's subject and text; Preview, Send me a test, Save, Reset."""
    edition = edition_or_404(year)
    if kind not in kinds.KINDS:
        abort(404)
    subject, body, own = service.current_text(edition, kind, language)
    form = MailTextForm(data={"subject": subject, "body": body})
    action = request.form.get("action", "preview")
    if request.method == "POST" and action == "reset" and form.validate_on_submit():
        if service.reset(edition, kind, language, current_user):
            flash(_("Back to the default text."), "success")
        return redirect(url_for("organisers.mail_text", year=year, kind=kind, language=language))
    previews = None
    if form.validate_on_submit():
        try:
            kinds.check(kind, form.subject.data, form.body.data)
        except TextProblem as problem:
            field = form.subject if problem.code == "line_break" else form.body
            if problem.code == "unknown" and f"{{{problem.name}}}" in form.subject.data:
                field = form.subject
            field.errors.append(service.problem_message(problem))
        else:
            result = _act(edition, kind, language, form, action)
            if result is not None:
                return result
            previews = _previews(edition, kind, language, form)
    spec = kinds.KINDS[kind]
    return render_template(
        "organisers/mail_text.html",
        edition=edition,
        kind=kind,
        spec=spec,
        language=language,
        language_names=service.LANGUAGE_NAMES,
        form=form,
        own=own,
        previews=previews,
        placeholders=[(name, kinds.PLACEHOLDER_HELP[name]) for name in sorted(spec.allowed)],
    )


def _act(edition, kind: str, language: str, form, action: str):
    """Save or send a test (a redirect), or None to show the preview."""
    subject, body = form.subject.data, form.body.data
    if action == "save":
        service.save(edition, kind, language, subject, body, current_user)
        flash(_("Saved: this mail now goes out with your text."), "success")
        return redirect(
            url_for("organisers.mail_text", year=edition.year, kind=kind, language=language)
        )
    if action == "test":
        service.send_test(edition, kind, language, subject, body, current_user)
        flash(
            _(
                "A test mail with example data is on its way to %(address)s.",
                address=current_user.email,
            ),
            "success",
        )
    return None


def _previews(edition, kind: str, language: str, form) -> list[tuple[str, tuple]]:
    """The text as sent (sample data), and the other language's text in use beside it."""
    shown = [
        (language, service.preview(edition, kind, language, form.subject.data, form.body.data))
    ]
    for other in LANGUAGES:
        if other != language:
            subject, body, _own = service.current_text(edition, kind, other)
            shown.append((other, service.preview(edition, kind, other, subject, body)))
    return shown
