"""Calendar files, feeds and invites (iCalendar; named ``ical`` so as not to shadow ``calendar``).

``builders`` writes the files, ``timezones`` their VTIMEZONEs, ``links`` the add-event links
of Google Calendar and Outlook, ``invites`` the iTIP mails, ``views`` serves the files.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """The calendar files, and invites that follow programme changes."""
    from .invites import connect_signals
    from .views import bp

    app.register_blueprint(bp)
    connect_signals()
