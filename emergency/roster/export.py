"""A month of duty as a table (值班表导出): rows per shift, columns per position, and the day's
kind (工作日 / 周末 / 节假日, 汛期 / 主汛期). Written to CSV (UTF-8 with BOM) or XLSX. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from emergency.exports import append_row, csv_bytes, workbook_bytes
from emergency.roster.rules import RosterRules

__all__ = ["DutyRow", "WEEKDAYS_ZH", "day_label", "month_table", "table_csv", "table_xlsx"]

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHIFT_TEXT = {"24h": ("24小时", "24 h"), "day": ("白班", "day"), "night": ("夜班", "night")}


@dataclass(frozen=True)
class DutyRow:
    """One shift of a duty day and who holds each position: position → ((name, phone), …)."""

    date: date
    shift: str
    start: datetime
    end: datetime
    people: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def day_label(day: date, rules: RosterRules) -> dict[str, object]:
    """The day's kind in both languages, with the holiday's name and flood-season flags."""
    kind = rules.calendar.day_kind(day)
    holiday = rules.calendar.holiday_name(day)
    flood = rules.flood is not None and rules.flood.in_season(day)
    main = rules.flood is not None and rules.flood.in_main(day)
    zh = {"holiday": "节假日", "weekend": "周末", "workday": "工作日"}[kind]
    en = {"holiday": "public holiday", "weekend": "weekend", "workday": "workday"}[kind]
    if holiday:
        zh, en = f"{zh}({holiday[0]})", f"{en} ({holiday[1]})"
    if rules.calendar.is_makeup_workday(day):
        zh, en = "调休上班", "make-up workday"
    if main:
        zh, en = f"{zh}·主汛期", f"{en}, main flood period"
    elif flood:
        zh, en = f"{zh}·汛期", f"{en}, flood season"
    return {"kind": kind, "zh": zh, "en": en, "holiday_zh": holiday[0] if holiday else None,
            "holiday_en": holiday[1] if holiday else None, "flood_season": flood,
            "main_flood": main, "weekday_zh": WEEKDAYS_ZH[day.weekday()],
            "weekday_en": WEEKDAYS_EN[day.weekday()]}


def month_table(rows: Sequence[DutyRow], rules: RosterRules
                ) -> tuple[list[str], list[list[object]]]:
    """Headings and cells: 日期, 星期, 日期类型, 班次, 时间, then 姓名 and 电话 per position."""
    headings = ["日期", "星期", "日期类型", "班次", "时间"]
    for position in rules.positions:
        headings += [position.zh, f"{position.zh}电话"]
    cells = []
    tz = rules.tz
    for row in rows:
        label = day_label(row.date, rules)
        start, end = row.start.astimezone(tz), row.end.astimezone(tz)
        line: list[object] = [row.date, label["weekday_zh"], label["zh"],
                              SHIFT_TEXT.get(row.shift, (row.shift,))[0],
                              f"{start:%m-%d %H:%M}—{end:%m-%d %H:%M}"]
        for position in rules.positions:
            held = row.people.get(position.id, ())
            line += ["、".join(n for n, _ in held), "、".join(p for _, p in held)]
        cells.append(line)
    return headings, cells


def table_csv(headings: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    return csv_bytes(headings, rows)


def table_xlsx(title: str, sheet_name: str, headings: Sequence[str],
               rows: Sequence[Sequence[object]], notes: Sequence[str] = ()) -> bytes:
    """A workbook: a title row, the headings (bold, frozen), the rows, then notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, headings)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        append_row(sheet, row)
    for note in notes:
        append_row(sheet, [note])
    widths = [12, 8, 16, 8, 24] + [14, 22] * ((len(headings) - 5) // 2)
    for i, width in enumerate(widths[:len(headings)], start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    return workbook_bytes(workbook)
