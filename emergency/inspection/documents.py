"""The register as XLSX (隐患台账) and the rectification notice as .docx (整改通知书).

All spreadsheet writing is in :func:`write_table`, through the project's one export writer
(:mod:`emergency.exports`): a text cell that a spreadsheet would read as a formula (starting
with ``= + - @``, tab or CR) is written as text with a ``'`` in front; numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date

from emergency.exports import append_row, workbook_bytes
from emergency.inspection import rules
from emergency.inventory.vocab import RISK_SOURCE_KINDS

REGISTER_HEADINGS = ("编号", "风险源", "类型", "市州", "县区", "排查条目", "依据", "隐患等级",
                     "隐患描述", "整改责任单位", "整改期限", "状态", "是否逾期", "发现人",
                     "发现时间", "销号人", "销号时间", "示例数据")


def write_table(sheet_name: str, headings: Sequence[str], rows: Iterable[Sequence[object]],
                notes: Sequence[str] = ()) -> bytes:
    """A workbook: one data sheet (bold headings, frozen first row), optional notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    append_row(ws, headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMNOPQR", (6, 28, 12, 10, 10, 36, 36, 8, 40, 20, 12, 8,
                                                 8, 12, 18, 12, 18, 8), strict=False):
        ws.column_dimensions[col].width = width
    if notes:
        ns = wb.create_sheet("说明")
        for line in notes:
            append_row(ns, [line])
    return workbook_bytes(wb)


def _local(dt) -> str:  # noqa: ANN001
    if dt is None:
        return ""
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def register_xlsx(hazards: Sequence, today: date) -> bytes:
    rows = [(h.id, h.risk_source_name, RISK_SOURCE_KINDS.get(h.source_kind, (h.source_kind,))[0],
             h.prefecture_zh, h.county_zh, h.item_text_zh, h.basis, rules.GRADES[h.grade][0],
             h.description, h.responsible_unit, h.deadline, rules.STATUSES[h.status][0],
             "是" if rules.is_overdue(h.status, h.deadline, today) else "否", h.found_by,
             _local(h.found_at), h.closed_by or "", _local(h.closed_at),
             "是" if h.sample else "否") for h in hazards]
    notes = (f"隐患台账,导出日期 {today.isoformat()},共 {len(rows)} 项。",
             "状态:待整改 → 整改中 → 待验收 → 已销号;逾期:过整改期限且尚未报告整改完成。",
             "「示例数据」为是的记录为演示用示例,不是真实排查结果。")
    return write_table("隐患台账", REGISTER_HEADINGS, rows, notes)


def rectification_notice(source, hazards: Sequence, today: date) -> bytes:  # noqa: ANN001
    """整改通知书 to one risk source for its open hazards (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    style.font.size = Pt(12)
    sample = bool(getattr(source, "sample", False) or any(h.sample for h in hazards))
    issuer = f"{source.prefecture_zh}生态环境局"
    if sample:
        p = doc.add_paragraph("示例 · 演示数据,非真实文书")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("突发环境事件隐患整改通知书")
    run.bold = True
    run.font.size = Pt(20)
    number = doc.add_paragraph(f"编号:{source.prefecture_zh[:2]}隐患〔{today.year}〕"
                               f"{source.id:04d}号")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{source.operator or source.name}:")
    majors = sum(h.grade == "major" for h in hazards)
    doc.add_paragraph(
        f"经突发环境事件隐患排查,你单位「{source.name}」({source.county_zh})存在下列隐患"
        f"共 {len(hazards)} 项(其中重大隐患 {majors} 项)。依据《企业突发环境事件隐患排查和治理"
        "工作指南(试行)》(环境保护部公告 2016 年第 74 号),请按下表期限完成整改:一般隐患立即或"
        "限期整改;重大隐患按治理方案限期治理,治理期间落实防范和应急措施。整改完成后报告整改"
        "情况,经验收合格后销号。")
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "隐患内容", "等级", "整改期限",
                                                 "整改要求 / 治理方案"), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for n, h in enumerate(hazards, 1):
        cells = table.add_row().cells
        cells[0].text = str(n)
        cells[1].text = f"{h.description}\n(排查条目:{h.item_text_zh};依据:{h.basis})"
        cells[2].text = rules.GRADES[h.grade][0]
        cells[3].text = h.deadline.isoformat()
        if h.plan:
            cells[4].text = "\n".join(f"{rules.PLAN_FIELDS[k][0]}:{v}"
                                      for k, v in h.plan.items() if v)
        else:
            cells[4].text = f"整改责任单位:{h.responsible_unit}"
    doc.add_paragraph("")
    doc.add_paragraph("逾期未完成整改的,将依法依规处理。")
    sign = doc.add_paragraph(f"{issuer}{'(示例)' if sample else ''}\n{today.year} 年 "
                             f"{today.month} 月 {today.day} 日")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
