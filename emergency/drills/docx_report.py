"""The 演练总结报告 (drill summary report) as a Word document (python-docx). Pure: no Flask, no
database — it is handed the after-action :class:`~emergency.drills.evaluation.Report`, the
scenario and the run's log.

The structure follows what organisers file after a drill (GB/T 46792-2025: observe, analyse,
conclude, report; HSEEP's after-action report and improvement plan):

一、演练概况 (time, place, scenario, participants, evaluators, completion) ·
二、目标与评估 (per objective: what was expected, what happened, ratings, score, grade) ·
三、主要做法与成效 · 四、存在问题 · 五、改进计划 (item, owner, due) · signature block ·
附件1 主情景事件清单 (every scripted inject with when it was delivered, or 未下达) ·
附件2 演练时间线.

Every page carries the drill mark 【演练】: a diagonal watermark in the header (the VML text
watermark Word itself writes, which LibreOffice also shows), and a header and footer line.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from emergency.drills import DRILL_MARK
from emergency.drills.evaluation import (
    END_REASONS,
    RATING_LABELS,
    STATUS_LABELS,
    Report,
)
from emergency.drills.scenario import (
    LEVELS,
    MODES,
    Scenario,
    format_duration,
    format_t,
)

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
MARK_RED = RGBColor(0xC0, 0x00, 0x00)


@dataclass(frozen=True)
class LogLine:
    """One line of the run's log (附件2): scenario time and what happened."""

    at: datetime
    text: str


def report_docx(report: Report, scenario: Scenario, *, log: Sequence[LogLine] = (),
                names: Mapping[str, tuple[str, str]] | None = None,
                place: str = "") -> bytes:
    """The 演练总结报告 as .docx bytes. ``names``: what triggers name (for the MSEL);
    ``place``: where the drill's incident happens (默认: the main incident's river)."""
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    _header_footer(section)
    tz = report.tz

    def local(dt: datetime | None) -> str:
        return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M") if dt else "—"

    def t(dt: datetime | None) -> str:
        return format_t(dt - report.t0) if dt else "—"

    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark = title.add_run(DRILL_MARK)
    mark.font.color.rgb = MARK_RED
    title.add_run(f"{report.title}\n演练总结报告")
    sub = doc.add_paragraph(f"报告日期:{report.report_date.isoformat()}    "
                            f"本报告为演练评估材料,演练数据,非真实事件")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # 一、演练概况
    doc.add_heading("一、演练概况", level=1)
    main = scenario.incidents[0]
    where = place or " · ".join(x for x in (
        main.river, str(main.report.get("title") or ""),
        _lonlat(main.report)) if x)
    end_zh = END_REASONS.get(report.end_reason, (report.end_reason,))[0]
    coverage = report.coverage
    completion = "完整" if report.complete else "未完成"
    if coverage is not None:
        completion += (f"(情景注入下达 {coverage.injects_delivered}/{coverage.injects_planned},"
                       f"预期行动评估 {coverage.actions_assessed}/{coverage.actions_planned},"
                       f"演练目标观察 {coverage.objectives_observed}/"
                       f"{coverage.objectives_total})")
    score = "—" if report.score is None else f"{report.score:.1f}"
    played = "" if report.complete or report.played_score is None else \
        f";已进行部分得分 {report.played_score:.1f}(仅供参考)"
    _pairs(doc, [
        ("演练名称", report.title),
        ("演练类型", report.type_zh),
        ("演练时间", f"{local(report.started_at)} 至 {local(report.ended_at)}(想定 "
                     f"{t(report.started_at)} 至 {t(report.ended_at)},{end_zh};想定 T+0 为 "
                     f"{local(report.t0)},脚本时长 {format_duration(report.duration)})"),
        ("演练地点", where or "—"),
        ("想定情景", scenario.description or "—"),
        ("完成情况", completion),
        ("总体评定", f"总分 {score},评定 {report.grade_zh or '—'}{played}"),
    ])
    if coverage is not None and coverage.reasons:
        doc.add_paragraph("演练未完成的原因:")
        for zh, _en in coverage.reasons:
            doc.add_paragraph(zh, style="List Bullet")
    doc.add_paragraph("参演单位:")
    _table(doc, ("参演单位", "层级", "职责"),
           [(p.name, LEVELS.get(p.level, (p.level,))[0], "、".join(p.roles) or "—")
            for p in scenario.participants], widths=(7.5, 2.5, 6))
    doc.add_paragraph("评估人员:")
    _table(doc, ("评估员", "观察数", "评估目标", "提交时间"),
           [(e.evaluator, str(e.observations), " ".join(e.objectives),
             local(e.submitted_at) if e.submitted_at else "未提交")
            for e in report.evaluators] or [("—", "", "", "")], widths=(5, 2, 4, 5))

    # 二、目标与评估
    doc.add_heading("二、目标与评估", level=1)
    doc.add_paragraph(
        "评分方法:每项预期行动按时 100、超时 50、未完成 0,未进行(注入未下达或结束时未到期)"
        "按未达成计 0;目标得分 = 0.6 × 时效 + 0.4 × 评估员评定(P 100 / S 70 / M 40 / U 0),"
        "无任何观察的目标计 0;总分为各目标按权重的加权平均;仅完整演练评定 优(≥90)/ 良(≥75)"
        "/ 中(≥60)/ 差,否则为「未完成」。")
    rows = []
    for o in report.objectives:
        mine = [a for a in report.actions if a.objective_id == o.id]
        expected = ";".join(f"{a.text}({format_duration(a.within)} 内)" for a in mine) or "—"
        actual = ";".join(
            f"{a.text}:{STATUS_LABELS[a.status][0]}"
            + (f" {t(a.done_at)}" if a.done_at else "")
            + (f",超时 {a.late_minutes:.0f} 分钟" if a.late_minutes else "") for a in mine) \
            or "—"
        ratings = " ".join(f"{r}({RATING_LABELS[r][0]})" for r in o.ratings) or "无评定"
        rows.append((f"{o.id} {o.text}(权重 {o.weight:g})", expected, actual, ratings,
                     "—" if o.score is None else f"{o.score:.1f}", o.grade_zh or "—"))
    _table(doc, ("目标", "预期", "实际", "评估员评定", "得分", "等级"), rows,
           widths=(3.5, 3.8, 4.2, 2.2, 1.3, 1.3), size=9)

    # 三、四、五
    doc.add_heading("三、主要做法与成效", level=1)
    for line in report.strengths or ("(本次演练无可列举的成效:无完整达成且得分 90 分以上的目标,"
                                     "亦无评估员记录的顺利完成事项)",):
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("四、存在问题", level=1)
    for line in report.areas_for_improvement or ("无",):
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("五、改进计划", level=1)
    _table(doc, ("序号", "改进事项", "责任单位", "完成期限", "来源"),
           [(str(n), p.item, p.owner, p.due.isoformat(),
             "评估自动生成" if p.source == "auto" else "组织单位补充")
            for n, p in enumerate(report.improvement_plan, 1)] or [("—", "无", "", "", "")],
           widths=(1.2, 7.8, 3.5, 2.3, 2.2), size=9.5)

    # signature block (kept on one page)
    heading = doc.add_paragraph()
    heading.paragraph_format.space_before = Pt(18)
    heading.paragraph_format.keep_with_next = True
    heading.add_run("签  署").bold = True
    labels = (("评估组组长(签字):", "日期:      年    月    日"),
              ("演练总导调(签字):", "日期:      年    月    日"),
              ("演练组织单位(盖章):", f"报告日期:{report.report_date.isoformat()}"))
    for k, (left, right) in enumerate(labels):
        line = doc.add_paragraph()
        line.paragraph_format.tab_stops.add_tab_stop(Cm(9))
        line.paragraph_format.space_before = Pt(22)
        line.paragraph_format.keep_with_next = k < len(labels) - 1
        line.add_run(f"{left}______________\t{right}")

    # 附件
    landscape = doc.add_section()
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = section.page_height, section.page_width
    doc.add_heading("附件1 主情景事件清单(MSEL)及下达时间", level=1)
    delivered = {i.inject_id: i for i in report.injects}
    msel = []
    for inj in scenario.injects:
        d = delivered.get(inj.id)
        trig = inj.trigger.describe(names)[0] if inj.trigger else "—"
        msel.append((inj.id, trig, t(d.delivered) if d else "未下达(未进行)",
                     MODES.get(inj.mode, (inj.mode,))[0],
                     f"{scenario.party_name(inj.sender)} → {scenario.party_name(inj.recipient)}",
                     inj.message))
    scripted = {i.id for i in scenario.injects}
    for d in report.injects:
        if d.inject_id in scripted:
            continue
        cause = {"contingency": f"应急注入(因 {d.cause} 超时)", "adhoc": "导调临时注入",
                 "manual": "导调手动下达"}.get(d.kind, d.kind)
        msel.append((d.inject_id, cause, t(d.delivered), MODES.get(d.mode, (d.mode,))[0],
                     f"{d.sender} → {d.recipient}", d.message))
    _table(doc, ("编号", "触发条件", "下达(想定)", "方式", "发出 → 接收", "内容"), msel,
           widths=(1.3, 5, 2.6, 1.8, 5.5, 8.5), size=9)
    doc.add_heading("附件2 演练时间线", level=1)
    _table(doc, ("想定时间", "时刻", "事项"),
           [(t(line.at), local(line.at), line.text) for line in log] or [("—", "", "无")],
           widths=(2.4, 3.6, 18.5), size=9)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ building blocks
def _lonlat(report: Mapping) -> str:
    try:
        return f"{float(report['lon']):.4f}°E, {float(report['lat']):.4f}°N"
    except (KeyError, TypeError, ValueError):
        return ""


def _font(style, name: str, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold


def _styles(doc) -> None:
    _font(doc.styles["Normal"], BODY_FONT, 11)
    _font(doc.styles["Title"], HEADING_FONT, 20, True)
    doc.styles["Title"].font.color.rgb = RGBColor(0, 0, 0)
    for level, size in ((1, 15), (2, 13)):
        style = doc.styles[f"Heading {level}"]
        _font(style, HEADING_FONT, size, True)
        style.font.color.rgb = RGBColor(0, 0, 0)


def _header_footer(section) -> None:
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run(f"{DRILL_MARK}演练总结报告 — 演练数据,非真实事件")
    run.font.color.rgb, run.font.size = MARK_RED, Pt(9)
    _watermark(header)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run(f"{DRILL_MARK} 第 ")
    run.font.size = Pt(9)
    _field(footer, "PAGE")
    footer.add_run(" 页").font.size = Pt(9)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE) in ``paragraph``."""
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>'))
    run._r.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> {code} '
                            "</w:instrText>"))
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))
    run.font.size = Pt(9)


def _watermark(paragraph) -> None:
    """The diagonal 【演练】 text watermark, as Word writes it (a VML text path in the header)."""
    xml = (
        f'<w:pict {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e">'
        '<v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/></v:shapetype>'
        '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:120pt;'
        "rotation:315;z-index:-251657216;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#f2c4c4" '
        'stroked="f">'
        '<v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;{HEADING_FONT}&quot;;font-size:1pt" '
        f'string="{DRILL_MARK}"/></v:shape></w:pict>')
    paragraph.add_run()._r.append(parse_xml(xml))


def _cell_text(cell, text: str, *, bold: bool = False, size: float | None = None) -> None:
    cell.text = ""
    lines = str(text).split("\n")
    para = cell.paragraphs[0]
    for k, line in enumerate(lines):
        run = para.add_run(line)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if k < len(lines) - 1:
            run.add_break()


def _table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], *,
           widths: Sequence[float] = (), size: float = 10) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell_text(cell, text, bold=True, size=size)
        cell._tc.get_or_add_tcPr().append(parse_xml(
            f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="F3E1E1"/>'))
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _cell_text(cell, "" if text is None else str(text), size=size)
    _widths(table, widths)


def _widths(table, widths: Sequence[float]) -> None:
    """Fixed column widths (cm) that Word and LibreOffice both honour."""
    if not widths:
        return
    table.autofit = False
    for k, width in enumerate(widths):
        table.columns[k].width = Cm(width)
        for row in table.rows:
            row.cells[k].width = Cm(width)


def _pairs(doc, rows: Sequence[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        _cell_text(cells[0], label, bold=True)
        _cell_text(cells[1], value)
    _widths(table, (3, 13))
