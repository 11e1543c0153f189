"""The audit log in words: one sentence per kind of entry, in the reader's language.

A feature that records a new kind of entry registers its sentence here with `sentence()`; the
sentence is a lazy gettext string with `%(name)s` placeholders filled from `actor`, `target`
and the entry's `data`. An entry without a sentence (or missing a value) falls back to a
generic one, so the log never shows a raw code or breaks on an old entry.

How values read: keys ending `_at` (ISO 8601 UTC) become a date and time in Amsterdam time;
a key with a `<key>_en` twin takes the English value for English readers; a key with
registered `words()` shows the word for its code (a list of codes becomes "a, b and c").
One action can read in several ways: `data["variant"]` picks `sentence("<action>:<variant>")`
first; entries without data (written before the log had it) try `"<action>:legacy"`.
"""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list
from flask_babel import format_date, format_time, get_locale, gettext

from ..formatting import in_zone
from .models import AuditLog

SENTENCES: dict[str, object] = {}
# Per data key: code -> lazy word, e.g. WORDS["role"]["admin"] = _l("programme office").
WORDS: dict[str, dict[str, object]] = {}
# Kinds of entries for the filter: the part of the action before the dot -> lazy word.
KINDS: dict[str, object] = {}
LEGACY = "legacy"


def sentence(action: str, text) -> None:
    """Register how entries of kind `action` read (a lazy_gettext string)."""
    SENTENCES[action] = text


def words(key: str, mapping: dict[str, object]) -> None:
    """Register the words for the codes a data key holds (lazy_gettext strings)."""
    WORDS.setdefault(key, {}).update(mapping)


def kind(prefix: str, label) -> None:
    """Register a kind of entry (actions "<prefix>.*") for the filter, with its word."""
    KINDS[prefix] = label


def kind_choices() -> list[tuple[str, str]]:
    """(prefix, word) of every registered kind, sorted by word in the reader's language."""
    return sorted(((p, str(label)) for p, label in KINDS.items()), key=lambda c: c[1].lower())


def format_moment(value: str) -> str:
    """An ISO 8601 time as "2 juni 2027, 15:00" in Amsterdam time; the text if not a time."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if moment.tzinfo is None:
        return str(value)
    local = in_zone(moment)
    return f"{format_date(local.date(), format='long')}, {format_time(local.time(), 'HH:mm')}"


def _word(key: str, code):
    """The registered word for a code; any other value as it is (numbers stay numbers, for
    sentences with `%(position)d`)."""
    known = WORDS.get(key, {})
    if isinstance(code, str) and code in known:
        return str(known[code])
    return code


def readable(data: dict) -> dict[str, object]:
    """The entry's data as the sentence shows it, in the current language."""
    language = str(get_locale() or "nl")
    values = {}
    for key, value in data.items():
        if language != "nl" and data.get(f"{key}_{language}"):
            value = data[f"{key}_{language}"]
        if key.endswith("_at"):
            values[key] = format_moment(value)
        elif isinstance(value, list):
            items = [str(_word(key, item)) for item in value]
            values[key] = format_list(items, locale=language) if items else "-"
        else:
            values[key] = _word(key, value)
    return values


def actor_name(entry: AuditLog) -> str:
    if entry.organiser is not None:
        return entry.organiser.name
    if entry.actor == "cli":
        return gettext("An administrator on the command line")
    return entry.actor


def describe(entry: AuditLog) -> str:
    """The entry as a sentence in the current language."""
    actor = actor_name(entry)
    data = entry.data or {}
    values = {"target": entry.target, **readable(data), "actor": actor}
    variant = data.get("variant") if entry.data else LEGACY
    for key in (f"{entry.action}:{variant}", entry.action):
        text = SENTENCES.get(key)
        if text is None:
            continue
        try:
            return str(text) % values
        except (KeyError, TypeError, ValueError):
            continue
    return gettext("%(actor)s changed %(target)s", actor=actor, target=entry.target or "-")


def kind_label(action: str) -> str:
    """The word for an entry's kind ("Exports"), for the log's kind column."""
    label = KINDS.get(action.partition(".")[0])
    return str(label) if label is not None else gettext("Other")
