"""The organiser console's API pages: personal access tokens, webhooks, the embed snippet.

Behind the organisers' login like every /organiser/ page; a hub organiser sees and manages
only the hub's webhooks, and only their own tokens.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.urls import external_url
from ..extensions import db, login_manager
from ..programme import queries
from ..programme.models import Region
from . import endpoints, tokens
from .forms import TokenForm, WebhookForm
from .models import WebhookEndpoint
from .webhooks import EVENT_TYPES

bp = Blueprint("api_console", __name__, url_prefix="/organiser/api")


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def no_store(response):
    """Tokens and secrets are shown here: nothing may keep these pages."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens", methods=["GET", "POST"])
def token_list():
    """The organiser's own tokens; a new token is shown once, on the answer to its form."""
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        created = tokens.create_token(current_user, form.name.data, form.read_only.data)
        form = TokenForm(formdata=None)
    return render_template(
        "api/tokens.html",
        form=form,
        created=created,
        tokens=tokens.tokens_of(current_user),
        api_base=external_url("api.editions").rsplit("/", 1)[0],
    )


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    if tokens.revoke(current_user, token_id) is None:
        abort(404)
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for(".token_list"))


@bp.route("/webhooks", methods=["GET", "POST"])
def webhook_list():
    """The hub's webhook endpoints (an admin's: every hub's) and the form for a new one."""
    form = WebhookForm()
    if form.validate_on_submit():
        endpoint = endpoints.add_endpoint(current_user, form.url.data, form.events.data)
        flash(_("The webhook is saved. Its signing secret is shown below."), "success")
        return redirect(url_for(".webhook_detail", endpoint_id=endpoint.id))
    return render_template(
        "api/webhooks.html",
        form=form,
        endpoints=endpoints.visible_endpoints(current_user),
        event_types=EVENT_TYPES,
    )


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        abort(404)
    if not endpoints.may_manage(current_user, endpoint):
        abort(403)
    return endpoint


@bp.get("/webhooks/<int:endpoint_id>")
def webhook_detail(endpoint_id: int):
    """An endpoint's secret and its delivery log with the last response of each."""
    endpoint = _endpoint(endpoint_id)
    return render_template(
        "api/webhook.html",
        endpoint=endpoint,
        deliveries=endpoints.delivery_log(endpoint),
        event_types=EVENT_TYPES,
    )


@bp.post("/webhooks/<int:endpoint_id>/remove")
def webhook_remove(endpoint_id: int):
    endpoints.switch_off(current_user, _endpoint(endpoint_id))
    flash(_("The webhook is removed: nothing more is sent to it."), "success")
    return redirect(url_for(".webhook_list"))


@bp.get("/embed")
def embed_snippet():
    """The snippet a hub pastes into its own site: its day, or the whole edition."""
    edition = queries.current_edition()
    hubs = (
        [current_user.region]
        if not current_user.is_admin
        else list(db.session.scalars(db.select(Region).order_by(Region.name)))
    )
    snippets = []
    if edition is not None:
        for language in ("nl", "en"):
            whole = external_url("api_embed.edition", lang=language, year=edition.year)
            snippets.append((None, language, whole))
            for region in hubs:
                url = external_url(
                    "api_embed.hub_day", lang=language, year=edition.year, hub=region.slug
                )
                snippets.append((region, language, url))
    return render_template("api/embed_snippet.html", edition=edition, snippets=snippets)


__all__ = ["bp"]
