"""Signals other features listen to, so programme changes reach attendees' calendars and
mailboxes without the programme code knowing about them.

Send inside the transaction that made the change, before the commit: listeners queue
outbox mails in the same transaction.
"""

from blinker import Namespace

_signals = Namespace()

# A session's title, times or status changed; its revision was raised. sender: the session;
# ``was_cancelled``: it was cancelled before this change (its attendees heard that already);
# ``languages``: only attendees reading these languages see the change (None: everyone).
session_changed = _signals.signal("session-changed")

# A session was cancelled (status set to cancelled). sender: the session.
session_cancelled = _signals.signal("session-cancelled")

# A new edition was copied from an earlier one (``rollover.copy_edition``, flushed, not
# committed). sender: the source edition; ``edition``: the new one.
edition_copied = _signals.signal("edition-copied")
