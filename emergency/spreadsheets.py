"""Reading an uploaded CSV or XLSX file into rows of cells (表格文件读取), for every import:
inventories (emergency/inventory/tables.py), duty staff (roster/staff_table.py) and monitoring
results (monitoring/results_file.py). Pure: bytes in, rows out.

CSV: UTF-8 (with or without the byte-order mark) or GB18030 (what Excel on a Chinese desktop
saves). XLSX: read by python-calamine, its values given as openpyxl gives them — the values the
import rules were written against (see :func:`openpyxl_values`). A file that cannot be read
raises :class:`UnreadableFile` with a zh/en message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime


class UnreadableFile(Exception):
    """The file as a whole cannot be read; ``message_zh`` / ``message_en`` say why."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


def csv_rows(data: bytes) -> list[list[str]]:
    if data[:2] == b"PK":
        raise UnreadableFile(
            "该文件是 Excel 工作簿而不是 CSV:请把扩展名改为 .xlsx 或另存为 CSV",
            "this file is an Excel workbook, not CSV: rename it to .xlsx or save it as CSV")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything; kept for clarity
        raise UnreadableFile("无法识别 CSV 文件的字符编码(请使用 UTF-8)",
                             "cannot decode the CSV file (use UTF-8)")
    if "\x00" in text:
        raise UnreadableFile("文件不是文本格式的 CSV", "the file is not a text CSV file")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 格式错误:{exc}", f"malformed CSV: {exc}") from None


def xlsx_rows(data: bytes, choose_sheet: Callable[[list[str]], str] = lambda names: names[0]
              ) -> tuple[str, list[tuple]]:
    """(the sheet's name, its rows) — the sheet ``choose_sheet(sheet names)`` names (its own
    exceptions pass through); rows keep their spreadsheet numbers (nothing above is dropped)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - not a zip, no workbook part, bad XML …
        raise UnreadableFile(
            "文件已损坏或不是有效的 Excel 工作簿(.xlsx),无法读取",
            f"the file is damaged or not a valid Excel workbook (.xlsx): {type(exc).__name__}"
        ) from None
    try:
        name = choose_sheet(list(workbook.sheet_names))
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - a damaged sheet part, bad XML …
            raise UnreadableFile(
                "工作表内容已损坏,无法读取",
                f"the worksheet is damaged and cannot be read: {type(exc).__name__}") from None
    finally:
        workbook.close()
    return name, openpyxl_values(rows)


def openpyxl_values(rows: Iterable[Sequence[object]]) -> list[tuple]:
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
