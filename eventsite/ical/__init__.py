"""Calendar files, feeds and invites (iCalendar; named ``ical`` so as not to shadow ``calendar``).

``builders`` writes the files, ``timezones`` their VTIMEZONEs, ``links`` the add-event links
of Google Calendar and Outlook, ``invites`` the iTIP mails, ``views`` serves the files.
"""
