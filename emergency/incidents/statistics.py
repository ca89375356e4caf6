"""Periodic statistics of incidents (突发环境事件统计): counts of real incidents by month, quarter
or year, tier, substance, river and prefecture. Bureaus keep an archive of incidents and report
such statistics upward periodically (《突发环境事件信息报告办法》, 环境保护部令第17号). Drills are
never counted. Pure: the caller passes one :class:`StatRow` per real incident.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from emergency.labels import roman, tier_name

DIMENSIONS = {"month": ("月份", "month"), "quarter": ("季度", "quarter"), "year": ("年度", "year"),
              "tier": ("事件级别", "tier"), "substance": ("污染物", "substance"),
              "river": ("河流", "river"), "prefecture": ("市(州)", "prefecture")}
UNKNOWN = "未知"


@dataclass(frozen=True)
class StatRow:
    discovered: date          # in the business time zone
    tier: int | None
    substance_zh: str
    river_zh: str | None
    prefecture_zh: str | None


def key_of(row: StatRow, by: str) -> str:
    if by == "month":
        return f"{row.discovered.year}-{row.discovered.month:02d}"
    if by == "quarter":
        return f"{row.discovered.year}Q{(row.discovered.month - 1) // 3 + 1}"
    if by == "year":
        return str(row.discovered.year)
    if by == "tier":
        name = tier_name(row.tier)
        return f"{roman(row.tier)}级 {name[0]}" if name else "未分级"
    if by == "substance":
        return row.substance_zh or UNKNOWN
    if by == "river":
        return row.river_zh or "未命名河道"
    if by == "prefecture":
        return row.prefecture_zh or UNKNOWN
    raise ValueError(f"unknown dimension {by!r}")


def count_by(rows: list[StatRow], by: str) -> list[tuple[str, int]]:
    """(key, count): periods and tiers in their natural order, the rest by count then name."""
    counts = Counter(key_of(r, by) for r in rows)
    if by in ("month", "quarter", "year", "tier"):
        return sorted(counts.items())
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def statistics_xlsx(rows: list[StatRow], year: int | None) -> bytes:
    """Every dimension on its own sheet, through the one formula-neutralising writer."""
    from openpyxl import Workbook

    from emergency.exports import append_row, workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    for by, (zh, _en) in DIMENSIONS.items():
        sheet = wb.create_sheet(zh)
        append_row(sheet, [f"突发环境事件统计({year or '全部'}年,按{zh};不含演练)"])
        append_row(sheet, [zh, "事件数"])
        for key, n in count_by(rows, by):
            append_row(sheet, [key, n])
        append_row(sheet, ["合计", len(rows)])
    return workbook_bytes(wb)
