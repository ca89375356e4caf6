"""Staff files (值班人员表): CSV and XLSX with Chinese headings, read row by row.

Headings: 编号, 姓名, 单位, 联系电话, 值班岗位, 资质, 在岗, 不可值班, 示例数据, 备注 (English
headings are accepted too). A title row above the headings is allowed. Every problem names the
row as a spreadsheet shows it and the column heading; the caller imports nothing unless there
is none (all or nothing). CSV is written UTF-8 with a byte-order mark (Excel on Chinese Windows
opens it); UTF-8 and GB18030 are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from emergency.exports import append_row, csv_bytes, restore, workbook_bytes
from emergency.roster.staff import (
    FieldProblem,
    StaffRecord,
    clean_staff,
    format_roles,
    format_unavailability,
)
from emergency.spreadsheets import UnreadableFile, csv_rows, xlsx_rows

__all__ = ["COLUMNS", "SHEET", "ParsedStaff", "read_staff", "write_staff_csv",
           "write_staff_xlsx"]

SHEET = "值班人员"
README_SHEET = "填表说明"


@dataclass(frozen=True)
class StaffColumn:
    field: str
    heading: str
    heading_en: str
    required: bool
    note_zh: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[StaffColumn, ...] = (
    StaffColumn("id", "编号", "id", False, "系统编号;留空为新增人员,填写则更新该人员",
                ("序号id",)),
    StaffColumn("name", "姓名", "name", True, "姓名"),
    StaffColumn("unit", "单位", "unit", False, "所在单位或处室", ("单位部门", "部门", "处室")),
    StaffColumn("phone", "联系电话", "phone", True, "值班期间可接通的电话", ("电话", "手机")),
    StaffColumn("roles", "值班岗位", "duty roles", True,
                "带班领导、值班员、联络员,可填多个,用顿号分隔", ("岗位", "值班角色")),
    StaffColumn("qualifications", "资质", "qualifications", False,
                "如 危险化学品、应急监测,用顿号分隔", ("资格",)),
    StaffColumn("active", "在岗", "active", False, "是/否;留空为 是", ("状态", "是否在岗")),
    StaffColumn("unavailable", "不可值班", "unavailability", False,
                "请假、培训、出差日期,如 2026-07-01~2026-07-05 请假;多段用分号分隔;"
                "填写则替换该人员原有记录", ("请假", "不可值班日期")),
    StaffColumn("is_sample", "示例数据", "sample", False, "是/否;示例人员标记为 是",
                ("示例",)),
    StaffColumn("note", "备注", "note", False, "备注"),
)
_HEADER_SCAN_ROWS = 10


def _norm(text: object) -> str:
    """Heading as compared: no spaces, marks of required fields or brackets, lower case."""
    value = "" if text is None else str(text)
    value = re.sub(r"[\s*＊:：]|[(（][^)）]*[)）]", "", value)
    return value.lower()


_BY_HEADING = {_norm(h): c for c in COLUMNS for h in (c.heading, c.heading_en, *c.aliases)}


@dataclass(frozen=True)
class ParsedStaff:
    """Rows read: (row number, record) and the problems (errors: nothing is to be imported)."""

    records: tuple[tuple[int, StaffRecord], ...]
    errors: tuple[FieldProblem, ...]
    rows_read: int


def _file_problem(zh: str, en: str) -> ParsedStaff:
    return ParsedStaff((), (FieldProblem("file", zh, en),), 0)


def read_staff(data: bytes, filename: str) -> ParsedStaff:
    """The staff in an XLSX or CSV file (by the file name's extension)."""
    if not data:
        return _file_problem("文件为空", "the file is empty")
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in ("xlsx", "xlsm"):
        rows = _xlsx_rows(data)
    elif suffix in ("csv", "txt"):
        rows = _csv_rows(data)
    else:
        return _file_problem(f"不支持的文件类型「{filename}」:请上传 .xlsx 或 .csv 文件",
                             f"unsupported file {filename!r}: upload an .xlsx or .csv file")
    if isinstance(rows, ParsedStaff):
        return rows
    return _records(rows)


def _csv_rows(data: bytes) -> list[Sequence[object]] | ParsedStaff:
    try:
        return csv_rows(data)
    except UnreadableFile as exc:
        return _file_problem(exc.message_zh, exc.message_en)


def _staff_sheet(names: list[str]) -> str:
    wanted = [n for n in names if _norm(n) == _norm(SHEET)]
    data_sheets = [n for n in names if _norm(n) != _norm(README_SHEET)]
    if not wanted and len(data_sheets) != 1:
        raise UnreadableFile(
            f"工作簿中没有「{SHEET}」工作表(现有:{'、'.join(names)})",
            f"the workbook has no sheet named {SHEET!r} (found: {', '.join(names)})")
    return (wanted or data_sheets)[0]


def _xlsx_rows(data: bytes) -> list[Sequence[object]] | ParsedStaff:
    try:
        return xlsx_rows(data, _staff_sheet)[1]
    except UnreadableFile as exc:
        return _file_problem(exc.message_zh, exc.message_en)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _records(rows: list[Sequence[object]]) -> ParsedStaff:
    header_at, best = 0, 0
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if _norm(cell) in _BY_HEADING)
        if hits > best:
            header_at, best = i, hits
    if not rows or best == 0:
        return _file_problem("没有找到表头(姓名、联系电话、值班岗位 …);请使用值班人员模板",
                             "no heading row found (姓名, 联系电话, 值班岗位 …): use the "
                             "staff template")
    columns = [_BY_HEADING.get(_norm(cell)) for cell in rows[header_at]]
    present = {c.field for c in columns if c is not None}
    missing = [c.heading for c in COLUMNS if c.required and c.field not in present]
    if missing:
        return _file_problem(f"缺少必填列:{'、'.join(missing)}",
                             f"required columns missing: {', '.join(missing)}")
    records: list[tuple[int, StaffRecord]] = []
    errors: list[FieldProblem] = []
    seen_ids: dict[int, int] = {}
    seen_people: dict[tuple[str, str], int] = {}
    rows_read = 0
    for offset, row in enumerate(rows[header_at + 1:]):
        number = header_at + 2 + offset
        if all(_blank(v) for v in row):
            continue
        rows_read += 1
        values = {c.field: restore(row[i]) for i, c in enumerate(columns)
                  if c is not None and i < len(row)}
        if _blank(values.get("unavailable")):
            values.pop("unavailable", None)  # a blank cell leaves the person's leave as it is
        cleaned, problems = clean_staff(values)
        staff_id = None
        if not _blank(values.get("id")):
            try:
                staff_id = int(str(values["id"]).strip().removesuffix(".0"))
            except ValueError:
                problems.append(FieldProblem("id", "编号:须为整数", "id: must be an integer",
                                             str(values["id"])))
        heading = {c.field: c.heading for c in COLUMNS}
        errors += [FieldProblem(p.field, p.message_zh, p.message_en, p.value, number,
                                heading.get(p.field)) for p in problems]
        if problems:
            continue
        if staff_id is not None:
            if staff_id in seen_ids:
                errors.append(FieldProblem(
                    "id", f"编号 {staff_id} 与第 {seen_ids[staff_id]} 行重复",
                    f"id {staff_id} repeats row {seen_ids[staff_id]}", str(staff_id), number,
                    "编号"))
                continue
            seen_ids[staff_id] = number
        key = (str(cleaned["name"]), str(cleaned["phone"]))
        if key in seen_people:
            errors.append(FieldProblem(
                "name", f"与第 {seen_people[key]} 行为同一人(姓名和电话相同)",
                f"the same person as row {seen_people[key]} (same name and phone)", key[0],
                number, "姓名"))
            continue
        seen_people[key] = number
        records.append((number, StaffRecord(id=staff_id, **cleaned)))  # type: ignore[arg-type]
    return ParsedStaff(tuple(records), tuple(errors), rows_read)


# ----------------------------------------------------------------------------- writing
def _cells(record: StaffRecord) -> list[object]:
    return [record.id, record.name, record.unit, record.phone, format_roles(record.roles),
            "、".join(record.qualifications), "是" if record.active else "否",
            format_unavailability(record.unavailable or ()),
            "是" if record.is_sample else "否", record.note]


def write_staff_csv(records: Iterable[StaffRecord]) -> bytes:
    return csv_bytes([c.heading for c in COLUMNS], (_cells(r) for r in records))


def write_staff_xlsx(records: Iterable[StaffRecord]) -> bytes:
    """A workbook with the 值班人员 sheet and a 填表说明 sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    append_row(sheet, [c.heading for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        append_row(sheet, _cells(record))
    for letter, width in zip("ABCDEFGHIJ", (8, 14, 28, 22, 20, 24, 8, 36, 10, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(README_SHEET)
    append_row(notes, ["列名", "必填", "说明"])
    for col in COLUMNS:
        append_row(notes, [col.heading, "是" if col.required else "否", col.note_zh])
    return workbook_bytes(workbook)
