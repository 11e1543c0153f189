"""Organisers' mail texts: plain text with ``{placeholder}``s, never a template.

A tiny parser of our own instead of Jinja: a text can name only the values of a fixed
list (no attribute access, no filters, no expressions), so an organiser's text can never
run code or read anything it was not given. Values are filled in as text; in the HTML
part every piece is escaped, and link values become links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

NAME = re.compile(r"[a-z][a-z_]{0,39}\Z")


class TextProblem(ValueError):
    """Why a text cannot be used; ``code`` says which kind, ``name`` what it is about."""

    def __init__(self, code: str, name: str = "") -> None:
        super().__init__(f"{code}: {name}")
        self.code = code  # "syntax", "unknown", "missing", "line_break"
        self.name = name


@dataclass(frozen=True)
class Piece:
    """Literal text, or (``placeholder`` True) the name of a value to fill in."""

    text: str
    placeholder: bool = False


def parse(text: str) -> list[Piece]:
    """The text as literal pieces and placeholders; ``TextProblem("syntax")`` names what is
    broken (an unclosed ``{``, a stray ``}``, or something between braces that is no name)."""
    pieces: list[Piece] = []
    position = 0
    while position < len(text):
        opening, closing = text.find("{", position), text.find("}", position)
        if closing != -1 and (opening == -1 or closing < opening):
            raise TextProblem("syntax", text[max(0, closing - 20) : closing + 1])
        if opening == -1:
            pieces.append(Piece(text[position:]))
            break
        end = text.find("}", opening)
        if end == -1:
            raise TextProblem("syntax", text[opening : opening + 20])
        name = text[opening + 1 : end].strip()
        if not NAME.match(name):
            raise TextProblem("syntax", text[opening : end + 1])
        if opening > position:
            pieces.append(Piece(text[position:opening]))
        pieces.append(Piece(name, placeholder=True))
        position = end + 1
    return pieces


def check(text: str, allowed: set[str], required: set[str] = frozenset()) -> list[Piece]:
    """Parse and check a text: unknown placeholders and missing required ones are refused
    (the first problem, naming it)."""
    pieces = parse(text)
    used = {p.text for p in pieces if p.placeholder}
    for name in sorted(used - allowed):
        raise TextProblem("unknown", name)
    for name in sorted(required - used):
        raise TextProblem("missing", name)
    return pieces


def check_subject(text: str, allowed: set[str]) -> list[Piece]:
    """A subject is one header line: a line break in it is refused (no header injection)."""
    if "\r" in text or "\n" in text:
        raise TextProblem("line_break")
    return check(text, allowed)


def fill_text(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value, as plain text."""
    return "".join(str(values.get(p.text, "")) if p.placeholder else p.text for p in parse(text))


def fill_subject(text: str, values: dict[str, str]) -> str:
    """A subject filled in, on one line whatever a value holds."""
    return " ".join(fill_text(text, values).split())


BUTTON_STYLE = (
    "display:inline-block;background:#e35205;color:#ffffff;padding:10px 16px;"
    "border-radius:6px;text-decoration:none;font-weight:bold"
)


def fill_html(
    text: str,
    values: dict[str, str],
    links: dict[str, str] | None = None,
    buttons: frozenset[str] = frozenset(),
) -> Markup:
    """The text as HTML paragraphs: everything escaped, line breaks kept, and link values
    (``links``: name -> the link's label) as links; those in ``buttons`` look like one."""
    links = links or {}
    parts: list[str] = []
    for piece in parse(text):
        if not piece.placeholder:
            parts.append(str(escape(piece.text)))
        elif piece.text in links and values.get(piece.text):
            url, label = escape(values[piece.text]), escape(links[piece.text] or values[piece.text])
            style = f' style="{BUTTON_STYLE}"' if piece.text in buttons else ""
            parts.append(f'<a href="{url}"{style}>{label}</a>')
        else:
            parts.append(str(escape(values.get(piece.text, ""))))
    html = "".join(parts).replace("\r\n", "\n")
    paragraphs = [p.strip() for p in html.split("\n\n") if p.strip()]
    return Markup("\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))
