"""A report (初报/续报/处理结果报告) as a Word document (.docx), with python-docx.

Chinese government offices exchange reports as .docx: A4, the title centred in a heiti face, the
body in fangsong, the monitoring results as a table under section 六, a 【演练】 mark on drills.
No Flask, no database: the caller passes a :class:`emergency.incidents.reports.ReportDraft` (or
the edited paragraphs).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def report_docx(title: str, paragraphs: Sequence[str], header: Sequence[str],
                rows: Sequence[Sequence[str]], *, is_drill: bool = False,
                sample_note: str | None = None) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(3.7 - 1.0)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    if is_drill:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = p.add_run("【演练】本报告为演练文书,非真实事件")
        _font(r, TITLE_FONT, 14, bold=True)
        r.font.color.rgb = RGBColor(0xC6, 0x28, 0x28)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(12)
    _font(p.add_run(title), TITLE_FONT, 20, bold=True)
    for text in paragraphs:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32) if text and not text.startswith(
            ("报告单位", "联系人", "报告时间")) else None
        p.paragraph_format.line_spacing = Pt(28)
        p.paragraph_format.space_after = Pt(0)
        _font(p.add_run(text), BODY_FONT, 16)
        if text.startswith("六、") and rows:
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, header, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run(name), TITLE_FONT, 11, bold=True)
            for row in rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = ""
                    _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, 11)
    if sample_note:
        p = doc.add_paragraph()
        _font(p.add_run(sample_note), BODY_FONT, 10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
