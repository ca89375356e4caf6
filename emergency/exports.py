"""The one export writer (导出): every CSV and XLSX file the system writes goes through here.

A spreadsheet reads a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` as a formula
(and a leading tab or carriage return can hide one), so a staff name, a unit or an uploaded
cell such as ``=HYPERLINK("http://…")`` would come back live in a downloaded file (CSV / formula
injection, OWASP "CSV Injection"). The rule, in one place:

* text beginning with one of :data:`FORMULA_TRIGGERS` gets a leading ``'`` (:func:`inert`);
  text that is exactly a plain decimal number (``-5``, ``+3.2``, ``1e-3``) is a number to a
  spreadsheet, not a formula, and is left as it is;
* XLSX cells holding text are written as text (``data_type "s"``), never as formulas;
  characters XML cannot carry become U+FFFD instead of failing the export;
* numbers (``int``/``float``), dates and booleans stay numbers, dates and booleans.

Use :func:`csv_bytes` for CSV, :func:`xlsx_cell` / :func:`append_row` / :func:`workbook_bytes` for
XLSX (any openpyxl workbook, normal or write-only), :func:`inert_copy` for a stored upload offered
for download, and :func:`restore` in importers so an exported file imports back unchanged.
Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

__all__ = ["FORMULA_TRIGGERS", "append_row", "csv_bytes", "csv_cell", "format_number", "inert",
           "inert_copy", "restore", "xlsx_cell", "workbook_bytes"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# The characters XML 1.0 cannot carry (openpyxl refuses them with IllegalCharacterError).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"


def inert(value: object) -> object:
    """``value`` made safe for a spreadsheet cell: formula-like text gets a leading ``'``.

    Anything that is not ``str`` comes back unchanged (numbers stay numbers).

    >>> inert("=1+1"), inert("@SUM(A1)"), inert("-5"), inert(-5), inert("张三")
    ("'=1+1", "'@SUM(A1)", '-5', -5, '张三')
    """
    if not isinstance(value, str):
        return value
    if value[:1] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The inverse of :func:`inert` for importers: ``'=x`` → ``=x``; anything else unchanged."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] \
            and value[1:2] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def format_number(value: float | int | None) -> str | None:
    """Shortest text that reads back as the same number (20.0 → "20")."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def csv_cell(value: object) -> str:
    """One CSV cell: None → "", floats shortest, dates ISO, text made inert."""
    if value is None:
        return ""
    if value.__class__ is str:
        return inert(value)  # type: ignore[return-value]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return format_number(value) if math.isfinite(value) else ""  # type: ignore[return-value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return inert(str(value))  # type: ignore[return-value]


def csv_bytes(headings: Sequence[object] | None, rows: Iterable[Sequence[object]], *,
              bom: bool = True) -> bytes:
    """A CSV file (UTF-8 with BOM so Excel reads Chinese, CRLF lines), every cell inert."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if headings is not None:
        writer.writerow([csv_cell(h) for h in headings])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    text = buffer.getvalue()
    return text.encode("utf-8-sig" if bom else "utf-8")


def xlsx_cell(sheet, value: object):
    """An openpyxl cell for ``sheet`` (normal or write-only) holding ``value`` inertly.

    Text is written as text (never a formula), with :func:`inert` applied; dates get a date
    format; numbers stay numbers. Style the returned cell (font, fill) as you like, then
    ``sheet.append([...cells...])`` or use :func:`append_row`.
    """
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = inert(_ILLEGAL_XML.sub("\ufffd", value))
        cell = WriteOnlyCell(sheet, value=None)
        cell._value = text  # noqa: SLF001 - set as text without openpyxl's formula guess
        cell.data_type = "s"
        return cell
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    elif value is not None and not isinstance(value, int | float | date | time):
        return xlsx_cell(sheet, str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def append_row(sheet, row: Iterable[object]) -> None:
    """Append one row of values to ``sheet``, every cell through :func:`xlsx_cell`."""
    sheet.append([xlsx_cell(sheet, v) for v in row])


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def inert_copy(data: bytes, filename: str) -> bytes:
    """A stored upload (CSV or XLSX) rewritten so it is inert when downloaded.

    CSV: every cell re-written through :func:`csv_bytes` (cells are text; numbers stay as they
    were). XLSX: every sheet copied value by value into a new workbook through
    :func:`xlsx_cell`; a formula in the upload comes back as its text (``'=…``), never live.
    Formatting is not kept. A file that cannot be read raises :class:`ValueError`.
    """
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _inert_xlsx(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise ValueError("cannot decode the CSV file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValueError(f"malformed CSV: {exc}") from None
    return csv_bytes(None, rows)


def _inert_xlsx(data: bytes) -> bytes:
    from openpyxl import Workbook, load_workbook

    from emergency.spreadsheets import check_xlsx

    check_xlsx(data)  # WorkbookTooLarge is a ValueError, as the callers expect
    try:
        source = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, InvalidFileException, KeyError …
        raise ValueError(f"not a readable workbook: {type(exc).__name__}") from None
    target = Workbook(write_only=True)
    try:
        for ws in source.worksheets:
            out = target.create_sheet(ws.title)
            ws.reset_dimensions()  # some writers store a wrong sheet size
            for row in ws.iter_rows(values_only=True):
                append_row(out, row)
    finally:
        source.close()
    if not target.worksheets:
        target.create_sheet("Sheet1")
    return workbook_bytes(target)
