"""Organiser messages to a session's attendees, and the "recording is online" mail."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing of its own to register: organisers serves the pages (messaging has no views)."""
