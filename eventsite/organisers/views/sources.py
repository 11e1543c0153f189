"""Campaign links and sources: a hub's named links to copy, and what each source brought."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...extensions import db
from ...programme.models import Region
from .. import campaigns, services
from ..blueprint import bp
from ..forms import ConfirmForm
from ..signup_forms import CampaignLinkForm
from .questions import organisers_edition as _edition


def _hubs() -> list[Region]:
    if current_user.is_admin:
        return list(db.session.scalars(db.select(Region).order_by(Region.name)))
    return [current_user.region]


@bp.route("/editions/<int:year>/sources", methods=["GET", "POST"])
def sources(year: int):
    """The campaign links (create, copy) and sign-ups, confirmations, attendance per source."""
    edition = _edition(year)
    hubs = _hubs()
    form = CampaignLinkForm()
    form.region.choices = [SelectChoice(str(h.id), h.name) for h in hubs]
    if form.validate_on_submit():
        if campaigns.code_taken(edition, form.code.data):
            form.code.errors.append(_("This code is in use already; choose another."))
        else:
            hub = next(h for h in hubs if str(h.id) == form.region.data)
            campaigns.create(edition, hub, form.name.data, form.code.data, current_user)
            flash(_("Campaign link made: copy it below."), "success")
            return redirect(url_for("organisers.sources", year=year))
    sessions = services.visible_sessions(current_user, edition)
    return render_template(
        "organisers/sources.html",
        edition=edition,
        form=form,
        links=campaigns.links_for(edition, current_user),
        rows=campaigns.per_source(edition, sessions),
        action=ConfirmForm(),
    )


@bp.post("/editions/<int:year>/sources/<int:link_id>/remove")
def remove_campaign_link(year: int, link_id: int):
    """Remove a campaign link of the organiser's hub (its sign-ups keep their source)."""
    edition = _edition(year)
    link = db.session.get(campaigns.CampaignLink, link_id)
    if link is None or link.edition_id != edition.id:
        abort(404)
    if not current_user.is_admin and link.region_id != current_user.region_id:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    campaigns.remove(link, current_user)
    flash(_("Campaign link removed."), "success")
    return redirect(url_for("organisers.sources", year=year))
