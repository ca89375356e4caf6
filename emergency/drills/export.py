"""Exports of the after-action report: XLSX (openpyxl) and a printable HTML fragment. Pure.

Both carry the drill watermark 【演练】 on every sheet / page: in the title, in the header and
footer printed on every page, and (HTML) as a fixed background mark repeated when printing.
"""

from __future__ import annotations

from html import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.drills import DRILL_MARK
from emergency.drills.evaluation import Report, report_dict
from emergency.exports import append_row, workbook_bytes

_HEAD = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="9C2A2A")
_MARK = Font(bold=True, size=14, color="C00000")


def report_context(report: Report) -> dict:
    """Template context for the printable report page (the page itself lives in web/)."""
    body = report_dict(report)
    body["print_title"] = f"{DRILL_MARK}{report.title} · 演练评估报告"
    return body


# ------------------------------------------------------------------ XLSX
def report_xlsx(report: Report) -> bytes:
    data = report_dict(report)
    wb = Workbook()
    summary = wb.active
    summary.title = "概况 Summary"
    rows = [
        ("演练名称 Title", data["title"]), ("类型 Type", data["type_zh"]),
        ("T+0", data["t0"]), ("开始 Started", data["started_at"]),
        ("结束 Ended", data["ended_at"]), ("结束原因 End", data["end_reason_zh"]),
        ("总分 Score", data["score"]), ("评定 Grade", data["grade_zh"]),
        ("完成度 Coverage", _coverage_line(data)),
        ("已进行部分得分 Score on what was played (reference)", data["played_score"]),
        ("按时 On time", data["counts"]["on_time"]), ("超时 Late", data["counts"]["late"]),
        ("未完成 Missed", data["counts"]["missed"]), ("未到期 Not due", data["counts"]["not_due"]),
        ("未进行 Not played", data["counts"]["not_played"]),
        ("已下达注入 Injects delivered", data["counts"]["injects_delivered"]),
        ("报告日期 Report date", data["report_date"]),
    ] + [("未完成原因 Why incomplete", r["zh"])
         for r in (data["coverage"] or {}).get("reasons", [])]
    _sheet(summary, ("项目 Item", "内容 Value"), rows, report.title)
    _sheet(wb.create_sheet("目标 Objectives"),
           ("目标", "内容", "权重", "评估行动数", "按时", "超时", "未完成", "时效得分", "评估等级",
            "评估得分", "得分", "评定"),
           [(o["id"], o["text"], o["weight"], o["assessed"], o["on_time"], o["late"],
             o["missed"], o["timeliness"], " ".join(o["ratings"]), o["rating_score"], o["score"],
             o["grade_zh"]) for o in data["objectives"]], report.title)
    _sheet(wb.create_sheet("预期行动 Actions"),
           ("注入", "行动", "内容", "目标", "责任单位", "任务清单项", "下达", "时限", "完成",
            "状态", "超时(分钟)"),
           [(a["inject_id"], a["action_id"], a["text"], a["objective_id"], a["by"],
             a["checklist"], a["delivered_at"], a["deadline"], a["done_at"], a["status_zh"],
             a["late_minutes"]) for a in data["actions"]], report.title)
    _sheet(wb.create_sheet("情景注入 MSEL"),
           ("注入", "类别", "计划(T+)", "下达(T+)", "方式", "发出", "接收", "内容", "原因"),
           [(i["inject_id"], i["kind"], i["due_t"], i["delivered_t"], i["mode_zh"], i["from"],
             i["to"], i["message"], i["cause"]) for i in data["injects"]], report.title)
    _sheet(wb.create_sheet("评估观察 Observations"),
           ("时间", "T+", "目标", "等级", "说明", "备注", "注入", "评估员", "录入账号", "录入时间",
            "提交时间"),
           [(o["observed_at"], o["t"], o["objective_id"], o["rating"], o["rating_zh"], o["note"],
             o["inject_id"], o["evaluator"], o["recorded_by"], o["recorded_at"],
             o["submitted_at"] or "草稿 draft") for o in data["observations"]], report.title)
    _sheet(wb.create_sheet("评估人员 Evaluators"),
           ("评估员", "账号", "观察数", "目标", "草稿", "首次录入", "最后录入", "提交时间"),
           [(e["evaluator"], e["recorded_by"], e["observations"], " ".join(e["objectives"]),
             e["drafts"], e["first_recorded_at"], e["last_recorded_at"],
             e["submitted_at"] or "未提交 not submitted") for e in data["evaluators"]],
           report.title)
    _sheet(wb.create_sheet("改进计划 Improvement plan"),
           ("改进事项", "责任单位", "完成期限", "目标", "来源"),
           [(p["item"], p["owner"], p["due"], p["objective_id"], p["source"])
            for p in data["improvement_plan"]], report.title)
    _sheet(wb.create_sheet("结论 Conclusions"), ("类别", "内容"),
           [("优点 Strength", s) for s in data["strengths"]]
           + [("不足 Area for improvement", s) for s in data["areas_for_improvement"]],
           report.title)
    return workbook_bytes(wb)


def _coverage_line(data: dict) -> str:
    """``完整`` or ``未完成:注入 1/4,预期行动 1/7,目标 1/4`` (report_dict's coverage)."""
    c = data.get("coverage")
    if not c:
        return ""
    counts = (f"注入 {c['injects_delivered']}/{c['injects_planned']},预期行动 "
              f"{c['actions_assessed']}/{c['actions_planned']},目标 "
              f"{c['objectives_observed']}/{c['objectives_total']}")
    return f"完整({counts})" if c["complete"] else f"未完成({counts})"


def _sheet(ws, header: tuple, rows: list, title: str) -> None:
    append_row(ws, [f"{DRILL_MARK} {title} — 演练数据,非真实事件 (DRILL — not a real incident)"])
    ws["A1"].font = _MARK
    append_row(ws, header)
    for cell in ws[2]:
        cell.font, cell.fill = _HEAD, _HEAD_FILL
    for row in rows:
        append_row(ws, ["" if v is None else v for v in row])
    for k in range(1, len(header) + 1):
        letter = get_column_letter(k)
        width = max((len(str(c.value or "")) for c in ws[letter][1:]), default=8)
        ws.column_dimensions[letter].width = min(max(width * 1.6, 8), 60)
        for cell in ws[letter][2:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    ws.oddHeader.center.text = f"{DRILL_MARK} 演练评估报告"
    ws.oddFooter.center.text = f"{DRILL_MARK} 第 &P 页 / 共 &N 页"


# ------------------------------------------------------------------ HTML
_CSS = """
.drill-report{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;position:relative}
.drill-report .watermark{position:fixed;top:40%;left:0;right:0;text-align:center;
 font-size:96px;color:rgba(192,0,0,.10);transform:rotate(-20deg);pointer-events:none;z-index:0}
.drill-report .mark{color:#c00000;font-weight:bold}
.drill-report table{border-collapse:collapse;width:100%;margin:.5em 0}
.drill-report th,.drill-report td{border:1px solid #999;padding:2px 6px;vertical-align:top}
.drill-report th{background:#f3e1e1}
.drill-report .late,.drill-report .missed{color:#b00020}
@media print{.drill-report h2{page-break-before:auto}.drill-report tr{page-break-inside:avoid}
 @page{margin:15mm;@top-center{content:"【演练】演练评估报告"}}}
"""


def report_html(report: Report) -> str:
    """A printable, self-contained HTML fragment (print CSS included)."""
    d = report_context(report)
    e = escape

    def table(header: tuple, rows: list, classes: list[str] | None = None) -> str:
        head = "".join(f"<th>{e(str(h))}</th>" for h in header)
        body = []
        for k, row in enumerate(rows):
            cls = f' class="{classes[k]}"' if classes and classes[k] else ""
            body.append(f"<tr{cls}>" + "".join(
                f"<td>{e('' if v is None else str(v))}</td>" for v in row) + "</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    parts = [
        f'<style>{_CSS}</style><section class="drill-report">',
        f'<div class="watermark" aria-hidden="true">{DRILL_MARK}</div>',
        f'<h1><span class="mark">{DRILL_MARK}</span>{e(d["title"])} · 演练评估报告</h1>',
        f"<p>{e(d['type_zh'])} · T+0 {e(d['t0'] or '')} · {e(d['started_at'] or '')} 至 "
        f"{e(d['ended_at'] or '')}({e(d['end_reason_zh'])})· 报告日期 {e(d['report_date'])}</p>",
        f"<p><strong>总分 {e(str(d['score']) if d['score'] is not None else '—')}"
        f",评定 {e(d['grade_zh'] or '—')}</strong> · 按时 {d['counts']['on_time']} · 超时 "
        f"{d['counts']['late']} · 未完成 {d['counts']['missed']} · 未到期 "
        f"{d['counts']['not_due']} · 未进行 {d['counts']['not_played']}</p>",
        f"<p>完成度:{e(_coverage_line(d))}</p>",
        "<ul>" + "".join(f"<li>{e(r['zh'])}</li>"
                         for r in (d["coverage"] or {}).get("reasons", [])) + "</ul>",
        "<h2>演练目标</h2>",
        table(("目标", "内容", "时效得分", "评估等级", "得分", "评定"),
              [(o["id"], o["text"], o["timeliness"], " ".join(o["ratings"]), o["score"],
                o["grade_zh"]) for o in d["objectives"]]),
        "<h2>预期行动</h2>",
        table(("注入", "行动", "责任单位", "时限", "完成", "状态"),
              [(a["inject_id"], a["text"], a["by"], a["deadline"], a["done_at"], a["status_zh"])
               for a in d["actions"]], [a["status"] for a in d["actions"]]),
        "<h2>情景注入</h2>",
        table(("注入", "下达", "方式", "发出 → 接收", "内容"),
              [(i["inject_id"], i["delivered_t"], i["mode_zh"], f"{i['from']} → {i['to']}",
                i["message"]) for i in d["injects"]]),
        "<h2>评估观察</h2>",
        table(("T+", "目标", "等级", "备注", "评估员"),
              [(o["t"], o["objective_id"], o["rating"], o["note"], o["evaluator"])
               for o in d["observations"]]),
        "<h2>评估人员</h2>",
        table(("评估员", "账号", "观察数", "目标", "提交时间"),
              [(v["evaluator"], v["recorded_by"], v["observations"], " ".join(v["objectives"]),
                v["submitted_at"] or "未提交") for v in d["evaluators"]]),
        "<h2>优点</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in d["strengths"]) + "</ul>",
        "<h2>不足</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in d["areas_for_improvement"])
        + "</ul>",
        "<h2>改进计划</h2>",
        table(("改进事项", "责任单位", "完成期限"),
              [(p["item"], p["owner"], p["due"]) for p in d["improvement_plan"]]),
        f'<p class="mark">{DRILL_MARK} 本报告为演练评估,非真实事件。</p></section>',
    ]
    return "\n".join(parts)
