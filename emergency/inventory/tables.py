"""Reading and writing inventory files: CSV, XLSX (read by python-calamine, written by openpyxl)
and GeoJSON.

Reading returns raw cells (str, int, float, datetime, None) with their row numbers as a
spreadsheet shows them; :mod:`emergency.inventory.rules` turns them into records. A file that
cannot be read at all raises :class:`FileProblem` carrying one bilingual problem.

CSV is written as UTF-8 with a byte-order mark, so that Excel on a Chinese Windows desktop opens
it correctly; on reading, UTF-8 (with or without the mark) and GB18030 (what that Excel saves)
are both accepted.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from emergency.exports import append_row, csv_bytes, format_number, workbook_bytes, xlsx_cell
from emergency.inventory.columns import COLUMNS, SHEETS, normalise_heading
from emergency.inventory.problems import RowProblem

__all__ = ["FORMATS", "README_SHEET", "FileProblem", "RawTable", "file_format", "format_number",
           "paused_gc", "read_table", "write_csv", "write_xlsx"]

FORMATS = ("csv", "xlsx")
README_SHEET = "填表说明"
_HEADER_SCAN_ROWS = 10


class FileProblem(Exception):
    """The file as a whole cannot be used (unreadable, wrong sheet, wrong format)."""

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


@dataclass(frozen=True)
class RawTable:
    """The cells of one sheet: the heading row, then (row number, cells) for each data row."""

    header_row: int
    headings: tuple[str, ...]
    rows: Sequence[tuple[int, Sequence[object]]]
    sheet: str | None = None


def file_format(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix in ("xls", "et", "wps"):
        raise FileProblem(RowProblem(
            None, None, "unsupported_format",
            f"不支持 .{suffix} 格式:请在 Excel/WPS 中另存为 .xlsx 或 .csv 后再导入",
            f".{suffix} files are not supported: save the file as .xlsx or .csv and import again",
            filename))
    raise FileProblem(RowProblem(
        None, None, "unsupported_format",
        f"无法识别文件类型「{filename}」:请上传 .xlsx 或 .csv 文件",
        f"unknown file type {filename!r}: upload an .xlsx or .csv file", filename))


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (it resumes on leaving, if it was on); also a
    decorator.

    Reading, validating and comparing a 100,000-row file build millions of small lists,
    tuples and records, none in a reference cycle: the collector, triggered again and again by
    so many new objects, would scan them all each time (about a third of a refresh's time).
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ----------------------------------------------------------------------------- reading
@paused_gc()
def read_table(kind: str, data: bytes, filename: str) -> RawTable:
    """The sheet of ``kind`` in an XLSX or CSV file (chosen by the file name's extension)."""
    if not data:
        raise FileProblem(RowProblem(None, None, "empty_file", "文件为空", "the file is empty",
                                     filename))
    fmt = file_format(filename)
    if fmt == "csv":
        return _with_header(kind, _csv_rows(data, filename), None)
    return _read_xlsx(kind, data, filename)


def _csv_rows(data: bytes, filename: str) -> list[Sequence[object]]:
    if data[:2] == b"PK":
        raise FileProblem(RowProblem(
            None, None, "unreadable_file",
            "该文件是 Excel 工作簿而不是 CSV:请把扩展名改为 .xlsx 或另存为 CSV",
            "this file is an Excel workbook, not CSV: rename it to .xlsx or save it as CSV",
            filename))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything; kept for clarity
        raise FileProblem(RowProblem(None, None, "unreadable_file",
                                     "无法识别 CSV 文件的字符编码(请使用 UTF-8)",
                                     "cannot decode the CSV file (use UTF-8)", filename))
    if "\x00" in text:
        raise FileProblem(RowProblem(None, None, "unreadable_file",
                                     "文件不是文本格式的 CSV", "the file is not a text CSV file",
                                     filename))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileProblem(RowProblem(None, None, "unreadable_file",
                                     f"CSV 格式错误:{exc}", f"malformed CSV: {exc}",
                                     filename)) from None


def _read_xlsx(kind: str, data: bytes, filename: str) -> RawTable:
    """An XLSX sheet read by python-calamine (Rust; ~10× openpyxl), its values given as openpyxl
    gives them — the values the rules were written for (see :func:`xlsx_rows`)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - not a zip, no workbook part, bad XML …
        raise FileProblem(RowProblem(
            None, None, "unreadable_file",
            "文件已损坏或不是有效的 Excel 工作簿(.xlsx),无法读取",
            f"the file is damaged or not a valid Excel workbook (.xlsx): {type(exc).__name__}",
            filename)) from None
    try:
        sheet_name = _choose_sheet(kind, workbook.sheet_names, filename)
        rows = xlsx_rows(workbook.get_sheet_by_name(sheet_name).to_python(
            skip_empty_area=False))  # rows keep their numbers: nothing above them is dropped
    except FileProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet part, bad XML …
        raise FileProblem(RowProblem(
            None, None, "unreadable_file", "工作表内容已损坏,无法读取",
            f"the worksheet is damaged and cannot be read: {type(exc).__name__}",
            filename)) from None
    finally:
        workbook.close()
    return _with_header(kind, rows, sheet_name)


def xlsx_rows(rows: Iterable[Sequence[object]]) -> list[tuple]:
    """Calamine's rows as openpyxl reads them: an empty cell is None (not ""), a whole number
    an int (Excel stores 12, not 12.0; 1E+20 stays a float), a date a datetime at midnight;
    each row runs to its last non-empty cell (an empty row is ``()``)."""
    out = []
    for row in rows:
        cells = [_CELL_VALUE.get(type(v), _same)(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(tuple(cells))
    return out


def _same(value: object) -> object:
    return value


_CELL_VALUE = {
    str: lambda v: v or None,
    # Excel writes whole numbers below 10^15 without a point or exponent: openpyxl's int
    float: lambda v: int(v) if v.is_integer() and -1e15 < v < 1e15 else v,
    date: lambda v: datetime(v.year, v.month, v.day),
}


def _choose_sheet(kind: str, names: Sequence[str], filename: str) -> str:
    """The sheet named for ``kind``; else the only data sheet; else a clear refusal."""
    wanted = SHEETS[kind]
    by_norm = {normalise_heading(n): n for n in names}
    if normalise_heading(wanted) in by_norm:
        return by_norm[normalise_heading(wanted)]
    data_sheets = [n for n in names if normalise_heading(n) != normalise_heading(README_SHEET)]
    others = {normalise_heading(SHEETS[k]): k for k in SHEETS if k != kind}
    if len(data_sheets) == 1 and normalise_heading(data_sheets[0]) not in others:
        return data_sheets[0]
    found = "、".join(names) or "(无)"
    raise FileProblem(RowProblem(
        None, None, "wrong_sheet",
        f"工作簿中没有「{wanted}」工作表(现有工作表:{found});请使用{wanted}模板",
        f"the workbook has no sheet named {wanted!r} (sheets found: {', '.join(names)}); "
        f"use the {kind.replace('_', ' ')} template", filename))


def _with_header(kind: str, rows: list[Sequence[object]], sheet: str | None) -> RawTable:
    """Find the heading row (a title row above it is allowed) and keep the rows below it."""
    known = {normalise_heading(h) for c in COLUMNS[kind]
             for h in (c.heading, c.heading_en, *c.aliases)}
    header_at = 0
    best = 0
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if normalise_heading(cell) in known)
        if hits > best:
            best, header_at = hits, i
    if not rows:
        return RawTable(1, (), (), sheet)
    headings = tuple("" if c is None else str(c).strip() for c in rows[header_at])
    body = [(header_at + 2 + k, row) for k, row in enumerate(rows[header_at + 1:])]
    return RawTable(header_at + 1, headings, body, sheet)


# ----------------------------------------------------------------------------- writing
# Every cell goes through the one export writer (emergency.exports): formula-like text is inert.
def write_csv(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    return csv_bytes(headings, rows)


def write_xlsx(kind: str, headings: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A workbook with the data sheet and a 填表说明 sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEETS[kind])
    bold = Font(bold=True)
    header = []
    for h in headings:
        cell = xlsx_cell(sheet, h)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        append_row(sheet, row)
    notes = workbook.create_sheet(README_SHEET)
    append_row(notes, ["列名", "必填", "说明"])
    for col in COLUMNS[kind]:
        required = "是" if col.required else ("自动计算" if col.computed else "否")
        append_row(notes, [col.heading, required, col.note_zh])
    return workbook_bytes(workbook)
