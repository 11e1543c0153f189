"""The programme office's edition pages (admins): list, new edition with a preview of the
moved dates, edit, publish and unpublish, programme file download and upload."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ...clock import utcnow
from ...extensions import db
from ...programme.loader import ProgrammeFileError
from ...programme.models import Edition
from ...programme.programme_file import dump_edition
from ...programme.rollover import preview
from ...programme.status import edition_status
from ...registration.models import Registration
from .. import audit, editions
from ..auth import admin_required
from ..blueprint import bp
from ..editing import local_input
from ..edition_forms import EditionForm, NewEditionForm, ProgrammeFileForm
from ..forms import ConfirmForm
from .edition_labels import STATUS_LABELS


def edition_or_404(year: int) -> Edition:
    edition = db.session.scalar(select(Edition).filter_by(year=year))
    if edition is None:
        abort(404)
    return edition


def all_editions() -> list[Edition]:
    return list(db.session.scalars(select(Edition).order_by(Edition.year.desc())))


@bp.get("/editions")
@admin_required
def editions_list():
    """Every edition with its status (draft, published, open, closed, archived)."""
    now = utcnow()
    rows = [(e, edition_status(e, now)) for e in all_editions()]
    return render_template("organisers/editions.html", rows=rows, labels=STATUS_LABELS)


@bp.route("/editions/new", methods=["GET", "POST"])
@admin_required
def edition_new():
    """A new edition from an earlier one: choose, see where the sessions land, then create."""
    sources = all_editions()
    form = NewEditionForm()
    form.source.choices = [(e.year, e.name) for e in sources]
    if request.method == "GET" and sources:
        form.source.data = sources[0].year
        form.year.data = sources[0].year + 1
    step = request.form.get("step")
    if step in ("preview", "create") and form.validate_on_submit():
        source = edition_or_404(form.source.data)
        moved = preview(source, form.starts_on.data)
        refusal = editions.copy_outside_days(source, moved)
        if db.session.scalar(select(Edition.id).filter_by(year=form.year.data)):
            form.year.errors.append(_("There is already an edition %(year)d.", year=form.year.data))
        elif step == "create" and not refusal:
            edition = editions.create_edition(
                current_user, source, form.year.data, form.starts_on.data
            )
            flash(_("Edition %(year)d created as a draft.", year=edition.year), "success")
            return redirect(url_for("organisers.edition_edit", year=edition.year))
        else:
            return render_template(
                "organisers/edition_preview.html",
                form=form,
                source=source,
                moved=moved,
                refusal=refusal,
                weekday_changes=form.starts_on.data.weekday() != source.starts_on.weekday(),
            )
    return render_template("organisers/edition_new.html", form=form, has_sources=bool(sources))


def _fill_edit_form(form: EditionForm, edition: Edition) -> None:
    zone = edition.timezone
    for name in ("registration_opens_at", "registration_closes_at"):
        moment = getattr(edition, name)
        form[name].data = local_input(moment, zone) if moment else None
    form.example_sessions.data = [s.id for s in edition.sessions if s.is_example]
    form.fingerprint.data = editions.edition_fingerprint(edition)


@bp.route("/editions/<int:year>/edit", methods=["GET", "POST"])
@admin_required
def edition_edit(year: int):
    """Names and introduction (Dutch and English), day chair, dates, sign-up, retention,
    the example markers."""
    edition = edition_or_404(year)
    form = EditionForm(obj=edition if request.method == "GET" else None)
    form.example_sessions.choices = [(s.id, s.title) for s in edition.sessions]
    if request.method == "GET":
        _fill_edit_form(form, edition)
    if form.validate_on_submit():
        result = editions.update_edition(
            edition, current_user, form.data, fingerprint=form.fingerprint.data or None
        )
        if result.conflict:
            form.fingerprint.data = editions.edition_fingerprint(edition)
            flash(result.errors["_form"], "error")
        elif result.saved:
            if result.moved_sessions:
                flash(
                    _(
                        "Saved. Sessions moved: %(n)d; attendees with a place get the updated "
                        "calendar invite.",
                        n=result.moved_sessions,
                    ),
                    "success",
                )
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("organisers.edition_edit", year=year))
        else:
            for name, message in result.errors.items():
                form[name].errors.append(message)
    status = edition_status(edition, utcnow())
    return render_template(
        "organisers/edition_edit.html",
        edition=edition,
        form=form,
        status=status,
        status_label=STATUS_LABELS[status],
    )


def _publish_page(year: int, publish: bool):
    edition = edition_or_404(year)
    form = ConfirmForm()
    if form.validate_on_submit():
        if editions.set_published(edition, current_user, publish):
            flash(
                _("The edition is published.") if publish else _("The edition is unpublished."),
                "success",
            )
        else:
            flash(_("Nothing changed: it already was."), "info")
        return redirect(url_for("organisers.edition_edit", year=year))
    places = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.session_id.in_([s.id for s in edition.sessions]))
    )
    return render_template(
        "organisers/edition_publish.html",
        edition=edition,
        form=form,
        publish=publish,
        registrations=places,
    )


@bp.route("/editions/<int:year>/publish", methods=["GET", "POST"])
@admin_required
def edition_publish(year: int):
    """Publish after a confirmation page: the programme becomes public."""
    return _publish_page(year, True)


@bp.route("/editions/<int:year>/unpublish", methods=["GET", "POST"])
@admin_required
def edition_unpublish(year: int):
    """Unpublish after a confirmation page: visitors get a 404, organisers the preview."""
    return _publish_page(year, False)


@bp.get("/editions/<int:year>/programme.toml")
@admin_required
def edition_download(year: int):
    """The edition as a programme file (it holds the private stream links: admins only)."""
    edition = edition_or_404(year)
    audit.record(
        current_user,
        "edition.download",
        edition.slug,
        edition=edition,
        data=editions.facts(edition),
    )
    response = Response(dump_edition(edition), content_type="application/toml; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{edition.slug}.toml"'
    return response


@bp.route("/editions/load", methods=["GET", "POST"])
@admin_required
def edition_load():
    """Load a programme file: updates the edition of its year, or creates it."""
    form = ProgrammeFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = (upload.filename or "programme.toml")[:100]
        try:
            edition = editions.load_programme_upload(current_user, upload.read(), filename)
        except ProgrammeFileError as error:
            form.file.errors.append(_("The file was not loaded: %(problem)s", problem=str(error)))
        else:
            flash(_("Programme file loaded into %(name)s.", name=edition.name), "success")
            return redirect(url_for("organisers.edition_sessions_page", year=edition.year))
    return render_template("organisers/edition_load.html", form=form)
