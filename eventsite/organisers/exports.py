"""Pure builders for the attendee exports: rows, CSV text and xlsx workbooks.

No database or request here: the views hand in records and translated labels. The CSV is
UTF-8 with a byte-order mark (so Excel reads é and ë), quoted per RFC 4180 by the csv
module, and every cell that a spreadsheet could read as a formula is neutralised (OWASP CSV
injection). The xlsx is written in openpyxl's write-only mode with every cell a string, but
for the moments: those are real Excel date-times in Amsterdam time, so organisers can sort and
filter on them; the CSV writes them as ``2021-05-31 15:00:00``, which Excel, LibreOffice and
Google Sheets read as a date-time too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO
from urllib.parse import quote
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

BOM = "\ufeff"
DELIMITERS = {"comma": ",", "semicolon": ";"}
# First characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Control characters an xlsx (XML 1.0) cannot hold; registrants can type them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ZONE = "Europe/Amsterdam"

# The columns, in order (the labels are translated by the caller; see README).
COLUMNS = (
    "name",
    "email",
    "organisation",
    "role",
    "session",
    "state",
    "registered_at",
    "confirmed_at",
    "newsletter",
    "language",
    "joined",
    "undeliverable",
    "source",
)
# After these, one column per sign-up question (see README).


XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# The state shown for every registration of a session the organisers cancelled.
SESSION_CANCELLED = "session_cancelled"


def local_time(moment: datetime | None, zone: str = ZONE) -> datetime | None:
    """``moment`` as wall-clock time in ``zone`` without offset (spreadsheets know no zones)."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def export_row(record: Sequence, state_label: Callable[[str], str], yes_no: tuple[str, str]):
    """A database record (see services.export_records) as a row: text, and moments."""
    (
        name,
        email,
        organisation,
        role,
        session,
        session_cancelled,
        state,
        registered,
        confirmed,
        news,
        lang,
        joined,
        undeliverable,
    ) = record[:13]
    return [
        name,
        email,
        organisation or "",
        role or "",
        session,
        state_label(SESSION_CANCELLED if session_cancelled else state),
        local_time(registered),
        local_time(confirmed),
        yes_no[0] if news else yes_no[1],
        lang,
        local_time(joined),
        yes_no[0] if undeliverable else yes_no[1],
    ]


_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def _csv_row(row: Iterable) -> list[str]:
    """A row's cells as CSV text (100,000 rows per export: one loop, no call per cell)."""
    cells = []
    for cell in row:
        if cell is None:
            cells.append("")
        elif isinstance(cell, datetime):  # 2021-05-31 15:00:00, a zone's offset left out
            cells.append(cell.isoformat(" ", "seconds")[:19])
        else:
            text = cell if type(cell) is str else str(cell)
            cells.append("'" + text if text[:1] in _FORMULA_FIRST else text)
    return cells


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = ",", batch: int = 500
) -> Iterator[str]:
    """The CSV file as text chunks: BOM and header first, then ``batch`` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        writer.writerow(_csv_row(row))
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """A cell that is a string whatever it looks like (never a formula or a number)."""
    cell = WriteOnlyCell(sheet, value=_XML_ILLEGAL.sub("", str(value)))
    cell.data_type = "s"
    return cell


class NumberAnswer(str):
    """An answer to a number question: in a CSV the text as typed ("2,5" reads right in a
    Dutch Excel), in an xlsx its ``number``, so SUM and AVERAGE work on the column."""

    number: Decimal | None

    def __new__(cls, text: str, number: Decimal | None) -> NumberAnswer:
        answer = super().__new__(cls, text)
        answer.number = number
        return answer


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    """A date-time cell for a moment, a number cell for a number answer, an empty one for
    none, a text cell for the rest."""
    if isinstance(value, NumberAnswer) and value.number is not None:
        return WriteOnlyCell(sheet, value=value.number)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    return _text_cell(sheet, value)


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[str]], out: IO[bytes], title: str = "Attendees"
) -> None:
    """Write the rows as an .xlsx to ``out``; write-only mode keeps rows on disk, not in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_text_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    workbook.save(out)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII name and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_filename(edition_slug: str, scope: str, day: str, extension: str) -> str:
    """E.g. jaarevent-2021_2021-noord_attendees_2021-05-20.csv."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{edition_slug}_{scope}_attendees_{day}")
    return f"{safe}.{extension}"
