"""Every organiser: their own name, language and password."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import account_admin, auth, devices
from ..account_forms import PasswordChangeForm, ProfileForm
from ..blueprint import bp


def _page(profile_form=None, password_form=None):
    organiser = current_user
    return render_template(
        "organisers/profile.html",
        form=profile_form or ProfileForm(obj=organiser, formdata=None),
        password_form=password_form or PasswordChangeForm(formdata=None),
    )


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Change one's own name and language (the mails' language, and these pages')."""
    form = ProfileForm()
    if form.validate_on_submit():
        if account_admin.update_profile(current_user, form.name.data, form.language.data):
            session["lang"] = form.language.data  # the pages switch along at once
            flash(_("Saved."), "success")
        else:
            flash(_("Nothing changed."), "success")
        return redirect(url_for("organisers.profile"))
    return _page(profile_form=form if form.is_submitted() else None)


@bp.post("/profile/password")
def change_password():
    """A new password, with the current one; other devices are logged out, this one stays."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        organiser = current_user._get_current_object()
        try:
            account_admin.change_password(organiser, form.current.data, form.password.data)
        except account_admin.RefusedError as error:
            form[error.field or "password"].errors.append(str(error))
        else:
            auth.start_session(organiser)  # the change ended every session, this one too
            flash(_("Your password is changed. Other devices are logged out."), "success")
            response = redirect(url_for("organisers.profile"))
            devices.issue(response, organiser.email)
            return response
    return _page(password_form=form)
