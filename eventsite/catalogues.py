"""The compiled translation catalogues (.mo) a production server needs.

Without them Flask-Babel silently falls back to the English source texts, so Dutch visitors
would get English pages and mails and nobody would notice. The .mo files are built, not
committed (``make translations``, or ``pybabel compile -d eventsite/translations``), so a
server installed from a clone must build them; production refuses to start until it has.
"""

from __future__ import annotations

from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COMPILE_COMMAND = "make translations  (or: .venv/bin/pybabel compile -d eventsite/translations)"


def catalogue_problems(directory: Path | None = None) -> list[str]:
    """Each catalogue whose .mo is missing or older than its .po, said in a few words."""
    directory = directory or TRANSLATIONS
    problems = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        language = po.parent.parent.name
        if not mo.exists():
            problems.append(f"{language}: {mo.name} is missing")
        elif mo.stat().st_mtime < po.stat().st_mtime:
            problems.append(f"{language}: {mo.name} is older than {po.name}")
    return problems


def require_compiled_catalogues(directory: Path | None = None) -> None:
    """Stop with a clear message when a catalogue is not compiled or out of date."""
    problems = catalogue_problems(directory)
    if problems:
        raise SystemExit(
            "eventsite: refusing to start in production without compiled translations ("
            + "; ".join(problems)
            + "); visitors would get English pages and mails. Build them with: "
            + COMPILE_COMMAND
        )
