"""Every text the site shows exists in Dutch: the catalogue is complete and current."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "eventsite" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "eventsite"),
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="nl")


def test_every_catalogue_entry_is_translated_and_not_fuzzy():
    untranslated = [
        m.id
        for m in catalogue()
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []


def test_every_text_in_the_source_is_in_the_catalogue():
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue() if m.id}
    missing = sorted(source_messages() - known)
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing)
