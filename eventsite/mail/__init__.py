"""The mail outbox: every mail is a database row first, sent after the commit."""
