"""Signals of the messaging feature, for the layers above it (organisers writes its audit log).

Sent inside the transaction of the send, before the commit: receivers add to it.
"""

from blinker import Namespace

_signals = Namespace()

# A message was logged and queued. sender: the OrganiserMessage; action ("message.send" or
# "message.recording"), detail (the counts, for the audit log); a recording also joined and
# missed (the numbers of people who joined the session and who did not).
message_sent = _signals.signal("message-sent")
