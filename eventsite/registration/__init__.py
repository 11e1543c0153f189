"""Free sign-up with double opt-in, self-service management, capacity and waiting list."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The sign-up pages, `flask registrations purge`, `flask mail send-reminders`, and
    reminders that follow a session that moved; a copied edition takes the sign-up questions
    and mail texts along."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    from ..core.jobs import registry_of
    from ..mail.views import bp as mail_bp
    from ..programme.signals import edition_copied, session_cancelled, session_changed
    from . import cli, edition_copy, housekeeping, intake, questions, sources, waiting_list
    from .jobs import register_jobs
    from .views import bp

    cli.register_commands(bp.cli)
    mail_bp.cli.add_command(cli.send_reminders_command)
    app.register_blueprint(bp)
    intake.install(app)  # sign-ups stored under a burst, and the thread that registers them
    # Campaign codes and utm_* on any public page, kept for a sign-up (sources.py).
    app.before_request(sources.remember_source)
    # Connecting twice (a second app) is harmless: blinker keeps one receiver.
    session_changed.connect(housekeeping.rearm_reminders)
    # A cancelled session's waiting list is closed and told (after the calendar's receivers
    # told those with a place: blinker calls receivers in the order they connected).
    session_changed.connect(waiting_list.close_for_cancelled_session)
    session_cancelled.connect(waiting_list.close_for_cancelled_session)
    edition_copied.connect(edition_copy.copy_signup_texts)
    # The sign-up page is cached per edition version: its questions raise that version.
    touch = questions.touch_edition_on_questions_or_mail_texts
    if not event.contains(OrmSession, "before_flush", touch):
        event.listen(OrmSession, "before_flush", touch)
    register_jobs(registry_of(app))
