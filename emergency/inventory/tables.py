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

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from emergency.exports import append_row, csv_bytes, format_number, workbook_bytes, xlsx_cell
from emergency.inventory.columns import COLUMNS, SHEETS, normalise_heading
from emergency.inventory.problems import RowProblem
from emergency.spreadsheets import UnreadableFile, csv_rows, xlsx_rows

__all__ = ["README_SHEET", "FileProblem", "RawTable", "file_format", "format_number",
           "paused_gc", "read_table", "write_csv", "write_xlsx"]

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
    try:
        return csv_rows(data)
    except UnreadableFile as exc:
        raise FileProblem(RowProblem(None, None, getattr(exc, "code", "unreadable_file"),
                                     exc.message_zh,
                                     exc.message_en, filename)) from None


def _read_xlsx(kind: str, data: bytes, filename: str) -> RawTable:
    """The sheet of ``kind`` (python-calamine; values as openpyxl gives them)."""
    try:
        sheet_name, rows = xlsx_rows(data, lambda names: _choose_sheet(kind, names, filename))
    except UnreadableFile as exc:
        raise FileProblem(RowProblem(None, None, getattr(exc, "code", "unreadable_file"),
                                     exc.message_zh,
                                     exc.message_en, filename)) from None
    return _with_header(kind, rows, sheet_name)


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
