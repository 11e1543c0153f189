"""Signals of the registration feature, for the features above it (calendar, organisers).

Sent inside the unit of work that made the change, before its commit: receivers queue
their mails or rows in the same transaction (and roll back with it). Registration never
imports its listeners.
"""

from blinker import Namespace

_signals = Namespace()

# The last place of a session was taken by a confirmation. sender: the ProgrammeSession.
session_full = _signals.signal("session-full")

# A confirmation found the session full: the first person went onto its waiting list.
# sender: the ProgrammeSession.
waiting_list_started = _signals.signal("waiting-list-started")

# An attendee confirmed sessions. sender: the attendee; confirmed, waiting: registrations.
registration_confirmed = _signals.signal("registration-confirmed")

# Someone on a waiting list got a place that came free. sender: the attendee; registration.
registration_promoted = _signals.signal("registration-promoted")

# An attendee gave up one session's place or spot. sender: the attendee; registration.
place_dropped = _signals.signal("place-dropped")

# An attendee cancelled everything. sender: the attendee; registrations: those cancelled.
registration_cancelled = _signals.signal("registration-cancelled")

# A registration mail is being written and may carry calendar parts. sender: the attendee;
# registrations; method: "PUBLISH" (one file with all of them), or "REQUEST" (a place to
# add) or "CANCEL" (a place given up) for one registration: a mail carries at most one
# iTIP object; join_links: {session_id: personal join link}, or None. Each receiver
# returns a list of ``mail.outbox.Attachment`` (the calendar feature fills this in).
calendar_parts_wanted = _signals.signal("calendar-parts-wanted")

# Each of these registrations gets its calendar invite as a mail of its own (one iTIP
# object per mail, RFC 6047). sender: the attendee; registrations; method: "REQUEST" or
# "CANCEL"; join_links as above. The calendar feature queues the mails.
invite_mails_wanted = _signals.signal("invite-mails-wanted")
