"""Signals of the registration feature, for the layers above it (organisers mails the hubs).

Sent inside the transaction that made the change, before the commit: receivers add to it
(and roll back with it).
"""

from blinker import Namespace

_signals = Namespace()

# The last place of a session was taken by a confirmation. sender: the ProgrammeSession.
session_full = _signals.signal("session-full")

# A confirmation found the session full: the first person went onto its waiting list.
# sender: the ProgrammeSession.
waiting_list_started = _signals.signal("waiting-list-started")
