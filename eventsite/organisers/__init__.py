"""Organisers: accounts with roles, the dashboard, attendee lists, exports and session editing."""
