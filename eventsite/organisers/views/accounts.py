"""Admins: the organiser accounts (list, invite, role and hub, disable, enable, invite again)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...programme.models import Region
from .. import account_admin
from ..account_forms import InviteForm, RoleForm, role_label
from ..auth import admin_required
from ..blueprint import bp
from ..forms import ConfirmForm
from ..models import Organiser


def _account_or_404(account_id: int) -> Organiser:
    organiser = db.session.get(Organiser, account_id)
    if organiser is None:
        abort(404)
    return organiser


def _region(slug: str | None) -> Region | None:
    return db.session.scalar(db.select(Region).filter_by(slug=slug)) if slug else None


@bp.get("/accounts")
@admin_required
def accounts():
    """Every organiser account: name, address, role, hub, state and last login."""
    return render_template(
        "organisers/accounts.html",
        accounts=account_admin.all_accounts(),
        role_label=role_label,
        form=ConfirmForm(),
    )


@bp.route("/accounts/invite", methods=["GET", "POST"])
@admin_required
def invite_account():
    """Invite an organiser: the account, and a mail with a one-time link to set a password."""
    form = InviteForm()
    form.set_hub_choices(account_admin.regions())
    if form.validate_on_submit():
        try:
            organiser = account_admin.invite(
                current_user,
                form.email.data,
                form.name.data,
                form.role.data,
                _region(form.region.data),
                form.language.data,
            )
        except account_admin.RefusedError as error:
            form.email.errors.append(str(error))
            return render_template("organisers/invite_account.html", form=form)
        flash(
            _(
                "%(name)s is invited: a mail with a link to set a password is on its way.",
                name=organiser.name,
            ),
            "success",
        )
        return redirect(url_for("organisers.accounts"))
    return render_template("organisers/invite_account.html", form=form)


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@admin_required
def edit_account(account_id: int):
    """Change an account's role and hub; disable, enable or invite again from here."""
    organiser = _account_or_404(account_id)
    form = RoleForm(
        data={"role": organiser.role, "region": organiser.region.slug if organiser.region else ""}
        if request.method == "GET"
        else None
    )
    form.set_hub_choices(account_admin.regions())
    if form.validate_on_submit():
        try:
            changed = account_admin.update(
                current_user, organiser, form.role.data, _region(form.region.data)
            )
        except account_admin.RefusedError as error:
            form.role.errors.append(str(error))
        else:
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            if not current_user.is_admin:  # they made themselves a hub organiser
                return redirect(url_for("organisers.dashboard"))
            return redirect(url_for("organisers.edit_account", account_id=organiser.id))
    return render_template(
        "organisers/edit_account.html",
        organiser=organiser,
        form=form,
        confirm_form=ConfirmForm(),
        role_label=role_label,
    )


def _act(account_id: int, action, success: str):
    """Run a POST button's action (with its CSRF token) and go back to the account's page."""
    organiser = _account_or_404(account_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(current_user, organiser)
        except account_admin.RefusedError as error:
            flash(str(error), "error")
        else:
            flash(success % {"name": organiser.name}, "success")
    return redirect(url_for("organisers.edit_account", account_id=organiser.id))


@bp.post("/accounts/<int:account_id>/disable")
@admin_required
def disable_account(account_id: int):
    """No more logins for this account; its open sessions end at once."""
    return _act(
        account_id,
        account_admin.disable,
        _("The account of %(name)s is disabled; open sessions have ended."),
    )


@bp.post("/accounts/<int:account_id>/enable")
@admin_required
def enable_account(account_id: int):
    """Let a disabled account log in again."""
    return _act(account_id, account_admin.enable, _("The account of %(name)s is enabled again."))


@bp.post("/accounts/<int:account_id>/invite")
@admin_required
def resend_invitation(account_id: int):
    """Mail the set-password link again (for an account without a password yet)."""
    return _act(
        account_id,
        account_admin.resend_invitation,
        _("A new invitation to %(name)s is on its way."),
    )
