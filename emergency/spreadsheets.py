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
import re
import zipfile
import zlib
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

    check_xlsx(data)  # a zip bomb is refused before any XML is parsed
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


def xlsx_sheets(data: bytes, names: Iterable[str]) -> dict[str, list[tuple]]:
    """The rows of every sheet among ``names`` the workbook holds (a workbook of several tables,
    such as a park plan's), as :func:`xlsx_rows` gives them; a sheet it lacks is left out."""
    from python_calamine import CalamineWorkbook

    check_xlsx(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - not a zip, no workbook part, bad XML …
        raise UnreadableFile(
            "文件已损坏或不是有效的 Excel 工作簿(.xlsx),无法读取",
            f"the file is damaged or not a valid Excel workbook (.xlsx): {type(exc).__name__}"
        ) from None
    out: dict[str, list[tuple]] = {}
    try:
        for name in set(names) & set(workbook.sheet_names):
            try:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 - a damaged sheet part, bad XML …
                raise UnreadableFile(
                    f"工作表“{name}”内容已损坏,无法读取",
                    f"the sheet “{name}” is damaged and cannot be read: "
                    f"{type(exc).__name__}") from None
            out[name] = openpyxl_values(rows)
    finally:
        workbook.close()
    return out


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


# ------------------------------------------------------------ before opening a workbook
# Uploaded workbooks checked before they are opened (上传表格的体积检查).
#
# An XLSX file is a zip archive; its size on the wire says nothing about what it expands to. A
# 733 kB file can hold a 214 MB sheet of a million rows, which openpyxl would spend a minute of
# CPU and hundreds of MB of memory reading before any check of ours ran. :func:`check_xlsx`
# reads only the archive's central directory (the declared sizes of its members, no
# decompression) and the first bytes of each sheet (its ``<dimension ref="A1:Z…">``), and refuses:
#
# - a workbook whose members together expand past ``max_uncompressed`` bytes;
# - a member larger than 1 MB that expands more than ``max_ratio`` times (ordinary sheets
#   compress 5–30×; a bomb, hundreds of times);
# - a sheet with more than ``max_rows`` rows: the ``<dimension>`` it declares, or, when it
#   declares none, its ``<row`` tags counted in the decompressed stream (no XML parsing; the
#   caps above bound that work).
#
# A directory that understates a member's size does not get past: Python's ``zipfile`` (which
# openpyxl reads through) stops decompressing a member at its declared size and then fails its
# CRC check, so the declared sizes bound the work.
#: The largest legitimate upload, a province's 100,000-row materials sheet written with inline
#: strings (bench/refresh_bench.py), expands to about 120 MB of XML; the caps leave a margin.
MAX_UNCOMPRESSED_BYTES = 160 * 2**20
MAX_RATIO = 100.0
MAX_ROWS = 200_000
_RATIO_FROM_BYTES = 2**20          # small members (styles, a short sheet) may compress well
_HEAD_BYTES = 64 * 1024            # where a sheet's <dimension> is
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]{1,3}\d+(?::[A-Z]{1,3}(\d+))?"')


class WorkbookTooLarge(UnreadableFile, ValueError):
    """The workbook would expand too far: refused before it is opened, in both languages."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.code = code


def check_xlsx(data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
               max_ratio: float = MAX_RATIO, max_rows: int = MAX_ROWS) -> None:
    """Refuse a workbook that would expand too far, before any XML of it is parsed.

    A file that is not a zip archive passes (the reader reports it as unreadable, in its own
    words). Raises :class:`WorkbookTooLarge`.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > max_uncompressed:
            raise WorkbookTooLarge(
                "workbook_too_large",
                f"工作簿解压后过大({total / 2**20:.0f} MB,上限 {max_uncompressed / 2**20:.0f} MB),"
                "请拆分后上传",
                f"the workbook expands to {total / 2**20:.0f} MB (limit "
                f"{max_uncompressed / 2**20:.0f} MB); split it and upload the parts")
        for member in members:
            if member.file_size > _RATIO_FROM_BYTES:
                ratio = member.file_size / max(member.compress_size, 1)
                if ratio > max_ratio:
                    raise WorkbookTooLarge(
                        "workbook_suspicious",
                        f"工作簿中的 {member.filename} 压缩比异常({ratio:.0f} 倍),拒绝读取",
                        f"{member.filename} in the workbook is compressed {ratio:.0f}-fold, "
                        "far beyond a real spreadsheet; refused")
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                rows = _declared_rows(archive, member)
                if rows is not None and rows > max_rows:
                    raise WorkbookTooLarge(
                        "too_many_rows",
                        f"工作表行数过多({rows:,} 行,上限 {max_rows:,} 行),请拆分后上传",
                        f"the sheet has {rows:,} rows (limit {max_rows:,}); split it and "
                        "upload the parts")


def _declared_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int | None:
    """The last row of the sheet's ``<dimension ref>``, read from its first 64 kB only."""
    try:
        with archive.open(member) as stream:
            head = stream.read(_HEAD_BYTES)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            RuntimeError):
        return None  # the reader reports the damage
    found = _DIMENSION.search(head)
    if found is not None and found.group(1) is not None:
        return int(found.group(1))
    return _counted_rows(archive, member)


def _counted_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int | None:
    """About how many rows the sheet holds: its ``<row`` tags (and ``:row`` for a prefixed
    namespace) counted chunk by chunk in the inflated bytes, no XML parsed."""
    count, tail = 0, b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 22):
                text = tail + chunk
                count += text.count(b"<row") + text.count(b":row ")
                tail = text[-5:]
                count -= tail.count(b"<row") + tail.count(b":row ")  # seen again next time
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            RuntimeError):
        return None
    return count
