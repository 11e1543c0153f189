"""Organiser messages to a session's attendees, and the "recording is online" mail."""
