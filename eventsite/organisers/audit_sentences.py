"""The audit log in words: one sentence per kind of entry, in the reader's language.

A feature that records a new kind of entry registers its sentence here with `sentence()`; the
sentence is a lazy gettext string with `%(name)s` placeholders filled from `actor`, `target`
and the entry's `data`. An entry without a sentence (or missing a value) falls back to a
generic one, so the log never shows a raw code or breaks on an old entry.
"""

from __future__ import annotations

from flask_babel import gettext

from .models import AuditLog

SENTENCES: dict[str, object] = {}


def sentence(action: str, text) -> None:
    """Register how entries of kind `action` read (a lazy_gettext string)."""
    SENTENCES[action] = text


def describe(entry: AuditLog) -> str:
    """The entry as a sentence in the current language."""
    actor = entry.organiser.name if entry.organiser is not None else entry.actor
    values = {"actor": actor, "target": entry.target, **(entry.data or {})}
    text = SENTENCES.get(entry.action)
    if text is not None:
        try:
            return str(text) % values
        except (KeyError, TypeError, ValueError):
            pass
    return gettext("%(actor)s changed %(target)s", actor=actor, target=entry.target or "-")

