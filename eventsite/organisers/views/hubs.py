"""The hubs: the list (admins all, region organisers their own), a new hub (admins) and the
edit form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...programme.models import Region
from .. import hubs
from ..auth import admin_required
from ..blueprint import bp
from ..media_forms import HubForm, NewHubForm
from .common import show_errors

UPLOAD_ENDPOINTS = ("organisers.hub_edit",)


@bp.get("/hubs")
def hub_list():
    """The hubs this organiser may edit."""
    return render_template("organisers/hubs.html", hubs=hubs.visible_hubs(current_user))


@bp.route("/hubs/new", methods=["GET", "POST"])
@admin_required
def hub_new():
    """Add a hub (a sixth region joining the programme); its logo on the edit page after."""
    form = NewHubForm()
    if form.validate_on_submit():
        region, outcome = hubs.create_hub(current_user, form.data)
        if outcome.saved:
            flash(
                _("Hub %(name)s added. You can add its logo here.", name=region.name), "success"
            )
            return redirect(url_for("organisers.hub_edit", hub=region.slug))
        show_errors(form, outcome.errors)
    return render_template("organisers/hub_new.html", form=form)


@bp.route("/hubs/<hub>/edit", methods=["GET", "POST"])
def hub_edit(hub: str):
    """A hub's name, description, website, contact address and logo."""
    region = db.session.scalar(db.select(Region).filter_by(slug=hub))
    if region is None:
        abort(404)
    if not hubs.may_edit_hub(current_user, region):
        abort(403)
    form = HubForm(obj=region if request.method == "GET" else None)
    if request.method == "GET":
        form.fingerprint.data = hubs.hub_fingerprint(region)
    if form.validate_on_submit():
        outcome = hubs.update_hub(
            region, current_user, form.data, request.files.get("logo"), form.fingerprint.data
        )
        if outcome.saved:
            flash(_("Hub saved."), "success")
            return redirect(url_for("organisers.hub_list"))
        if "_form" in outcome.errors:
            form.fingerprint.data = hubs.hub_fingerprint(region)
        show_errors(form, outcome.errors)
    return render_template("organisers/hub.html", region=region, form=form)
