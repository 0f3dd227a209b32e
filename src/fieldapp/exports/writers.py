"""Writing a table to XLSX (openpyxl) or CSV, safely.

Formula injection
-----------------
A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some treat a leading tab or carriage return the same way), so a
retailer's note ``=HYPERLINK("http://evil", "点这里")`` would become a live link,
and worse. Every **text** cell that starts with one of those characters is
neutralised by :func:`neutralise`: a single quote ``'`` is put in front, in both
formats. In XLSX every text cell is also stored with the string data type
explicitly, so nothing typed by a person is ever written as a formula. Numbers
and dates are written as numbers and dates (a score is never text).

The price of safety: a phone number typed as ``+86 138…`` reads ``'+86 138…``.

Files are written to a temporary file next to the target and renamed over it at
the end, so an interrupted export never leaves a half-written file behind that
looks complete.
"""

from __future__ import annotations

import csv
import enum
import os
import re
import tempfile
import unicodedata
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterator, Sequence

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (hence XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

MIN_WIDTH = 6
MAX_WIDTH = 60
WIDTH_SAMPLE_ROWS = 500


class ExportFormat(str, enum.Enum):
    XLSX = "xlsx"
    CSV = "csv"


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when it starts like a formula (see the module docstring)."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def _display_width(text: str) -> int:
    longest = 0
    for line in text.splitlines() or [""]:
        longest = max(longest, sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))
    return longest


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Widths (in characters, CJK counting double) that fit the header and the first rows, within limits."""
    widths = [_display_width(h) for h in headers]
    for row in rows[:WIDTH_SAMPLE_ROWS]:
        for k, value in enumerate(row):
            if isinstance(value, date):
                length = 10 if not isinstance(value, datetime) else 16
            else:
                length = _display_width(_as_text(value))
            if length > widths[k]:
                widths[k] = length
    return [max(MIN_WIDTH, min(MAX_WIDTH, w + 2)) for w in widths]


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def write_csv(path: Path | str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """CSV in UTF-8 with a byte-order mark (so Excel reads Chinese correctly), CRLF line ends.
    Returns the number of data rows."""
    with _atomic(Path(path)) as temp:
        with temp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([neutralise(h) for h in headers])
            for row in rows:
                writer.writerow([neutralise(v) if isinstance(v, str) else _as_text(v) for v in row])
    return len(rows)


def write_xlsx(path: Path | str, headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
               sheet_title: str = "Sheet1") -> int:
    """One worksheet: bold header row, frozen below it, sensible column widths, an autofilter.
    Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    for k, width in enumerate(column_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(k)].width = width
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    bold = Font(bold=True)

    def text_cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=neutralise(_ILLEGAL_XML.sub("", value)))
        cell.data_type = "s"  # never a formula, whatever the text
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_cell(h, bold) for h in headers])
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cells.append(text_cell(value))
            elif isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))  # Excel has no time zones
                cell.number_format = "yyyy-mm-dd hh:mm"
                cells.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(value)
            else:
                cells.append(text_cell(_as_text(value)))
        sheet.append(cells)
    with _atomic(Path(path)) as temp:
        workbook.save(temp)
    return len(rows)


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet1"
    return cleaned[:31]


def parse_format(fmt: ExportFormat | str) -> ExportFormat:
    """``ExportFormat`` from "xlsx", ".CSV" and the like; ``ValueError`` for anything else."""
    if isinstance(fmt, ExportFormat):
        return fmt
    return ExportFormat(str(fmt).strip().lower().lstrip("."))


def write_table(path: Path | str, fmt: ExportFormat | str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                *, sheet_title: str = "Sheet1") -> int:
    """Write ``rows`` under ``headers`` as ``fmt`` ("xlsx" or "csv"); returns the number of data rows."""
    fmt = parse_format(fmt)
    if fmt is ExportFormat.XLSX:
        return write_xlsx(path, headers, rows, sheet_title=sheet_title)
    return write_csv(path, headers, rows)
