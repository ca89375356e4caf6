"""The after-action report on a small run whose every time is known, checked by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from emergency.drills import engine as eng
from emergency.drills.evaluation import (
    EvaluatorObservation,
    ImprovementItem,
    evaluate,
    grade,
    report_dict,
)
from emergency.drills.export import report_html, report_xlsx
from emergency.drills.scenario import load_text

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 23, 9, 0, tzinfo=SH)
REPORT_DATE = date(2026, 8, 1)

SCENARIO = """
title: 评估测试
type: 桌面
duration: "12:00"
objectives:
  - {id: O1, text: 报告与监测, weight: 1}
  - {id: O2, text: 下游通报, weight: 2, owner: city}
participants:
  - {id: city, name: 某市生态环境局, level: city}
  - {id: lab, name: 某市监测站, level: city}
incidents:
  - id: main
    report: {lon: 126.55, lat: 43.86, substance: 硝基苯, mass_kg: 20000,
             occurred_at: "2026-07-23T09:00+08:00", flow_condition: normal}
phases:
  - {id: occurrence, name: 发生, trigger: "T+00:00"}
  - {id: termination, name: 终止, trigger: "T+11:00"}
injects:
  - id: I1
    trigger: "T+00:10"
    mode: phone
    from: simcell
    to: city
    message: 接报
    objective: O1
    expected_actions:
      - {id: A1, text: 初报, checklist: "report:first_report", within: "01:00", by: city}
      - {id: A2, text: 对照断面采样, checklist: "sample:upstream-control", within: "00:30",
         by: lab, if_late: C1}
  - id: I2
    trigger: "T+02:00"
    mode: system
    from: controller
    to: city
    message: 通报下游
    objective: O2
    expected_actions:
      - {id: A1, text: 通报下游, checklist: notify, within: "01:00", by: city}
  - id: I3
    trigger: "T+03:30"
    mode: document
    from: controller
    to: city
    message: 报送续报
    objective: O1
    expected_actions:
      - {id: A1, text: 续报, checklist: "report:follow_up", within: "01:00"}
  - id: I4
    trigger: "T+10:00"
    mode: document
    from: controller
    to: city
    message: 报送处理结果
    objective: O1
    expected_actions:
      - {id: A1, text: 处理结果报告, checklist: "report:final_report", within: "01:00"}
contingency:
  - {id: C1, mode: phone, from: controller, to: lab, message: 催促采样, objective: O1}
"""


def at(hours: int = 0, minutes: int = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


def item(key: str, kind: str, done_at: datetime | None = None) -> eng.ItemState:
    return eng.ItemState("main", key, kind, "done" if done_at else "open", done_at)


@pytest.fixture(scope="module")
def report():
    scenario = load_text(SCENARIO, name="eval.yaml")
    world = eng.World(
        t0=T0,
        items=(item("report:first_report", "report", at(0, 50)),        # deadline 01:10
               item("sample:upstream-control", "sample", at(0, 55)),    # deadline 00:40
               item("notify:prefecture:长春市", "notify"),                # deadline 03:00
               item("notify:county:九台区", "notify"),
               item("report:follow_up", "report"),                       # deadline 04:30
               item("report:final_report", "report")),
        fired={"I1": eng.FiredInject("I1", at(0, 10), at(0, 10)),
               "C1": eng.FiredInject("C1", at(0, 40), at(0, 41), "contingency", "I1/A2"),
               "I2": eng.FiredInject("I2", at(2), at(2)),
               "I3": eng.FiredInject("I3", at(3, 30), at(3, 30))},
        phases={"occurrence": T0})
    observations = [
        EvaluatorObservation("O1", "P", "初报要素齐全", at(1), "评估员甲"),
        EvaluatorObservation("O1", "S", "", at(1, 30), "评估员乙"),
        EvaluatorObservation("O2", "M", "未通报长春市", at(3), "评估员甲"),
    ]
    manual = [ImprovementItem("修订园区雨水管网图", "开发区管委会", date(2026, 10, 1),
                              source="manual")]
    return evaluate(scenario, world, started_at=at(0, 20), ended_at=at(4),
                    end_reason="controller", observations=observations, manual_plan=manual,
                    report_date=REPORT_DATE)


def test_each_action_is_on_time_late_missed_or_not_due_against_its_deadline(report):
    rows = {(a.inject_id, a.action_id): a for a in report.actions}
    assert set(rows) == {("I1", "A1"), ("I1", "A2"), ("I2", "A1"), ("I3", "A1"), ("I4", "A1")}
    first, sample = rows["I1", "A1"], rows["I1", "A2"]
    assert (first.status, first.deadline, first.done_at) == ("on_time", at(1, 10), at(0, 50))
    assert (sample.status, sample.deadline, sample.late_minutes) == ("late", at(0, 40), 15)
    assert (rows["I2", "A1"].status, rows["I2", "A1"].deadline) == ("missed", at(3))
    assert rows["I3", "A1"].status == "not_due"           # its deadline 04:30 is after the end
    assert (rows["I4", "A1"].status, rows["I4", "A1"].deadline) == ("not_played", None)
    assert report.counts() == {"on_time": 1, "late": 1, "missed": 1, "not_due": 1,
                               "not_played": 1}


def test_the_report_lists_who_evaluated(report):
    assert [(e.evaluator, e.observations, e.objectives) for e in report.evaluators] == [
        ("评估员甲", 2, ("O1", "O2")), ("评估员乙", 1, ("O1",))]
    body = report_dict(report)
    assert [e["evaluator"] for e in body["evaluators"]] == ["评估员甲", "评估员乙"]
    assert body["observations"][0]["status"] == "draft"
    assert "评估人员" in report_html(report)


def test_objective_and_overall_scores_match_the_hand_calculation(report):
    o1, o2 = report.objectives
    # O1: four planned actions: on time 100, late 50, I3/A1 not due 0, I4/A1 not played 0:
    # timeliness 150 / 4 = 37.5; ratings (P 100 + S 70) / 2 = 85; 0.6·37.5 + 0.4·85 = 56.5;
    # unplayed parts → graded 未完成. On what was played only: 0.6·75 + 0.4·85 = 79.
    assert (o1.timeliness, o1.rating_score, o1.score, o1.grade_zh) == (37.5, 85, 56.5, "未完成")
    assert (o1.planned, o1.unplayed, o1.played_score, o1.complete) == (4, 2, 79, False)
    # O2: timeliness 0 (missed); rating M 40; 0.6·0 + 0.4·40 = 16; all of it played
    assert (o2.timeliness, o2.rating_score, o2.score, o2.grade_zh) == (0, 40, 16, "差")
    # overall: (56.5·1 + 16·2) / 3 = 29.5; ended early → 未完成, never a grade
    assert report.score == pytest.approx(29.5)
    assert report.played_score == pytest.approx(37.0)    # (79·1 + 16·2) / 3
    assert (report.grade_zh, report.grade_en) == ("未完成", "incomplete")
    assert [grade(s)[0] for s in (90, 89.9, 75, 60, 59.9)] == ["优", "良", "良", "中", "差"]


def test_a_drill_ended_early_states_its_coverage_and_why(report):
    c = report.coverage
    assert (c.injects_delivered, c.injects_planned) == (3, 4)
    assert (c.actions_assessed, c.actions_planned) == (3, 5)
    assert (c.objectives_observed, c.objectives_total, c.ended_early) == (2, 2, True)
    assert [zh for zh, _en in c.reasons] == [
        "演练提前结束:结束于 T+04:00,脚本时长 12:00",
        "1 个情景注入未下达:I4",
        "1 项预期行动在结束时尚未到期、未完成:I3/A1"]
    assert all(en for _zh, en in c.reasons)


def test_strengths_areas_and_the_improvement_plan_with_owners_and_due_dates(report):
    assert report.strengths == ("目标 O1:初报要素齐全(评估员 评估员甲)",)
    areas = report.areas_for_improvement
    assert len(areas) == 7
    assert areas[0] == ("演练未完成:情景注入下达 3/4,预期行动评估 3/5,演练目标观察 2/2;"
                        "未进行部分按未达成计分")
    assert any("超时 15 分钟" in a for a in areas)
    assert any(a.startswith("「续报」未进行") for a in areas)
    assert any(a.startswith("情景注入 I4「报送处理结果」未下达") for a in areas)
    plan = [(p.owner, p.due, p.source) for p in report.improvement_plan]
    assert plan == [
        ("某市监测站", date(2026, 9, 30), "auto"),        # late: 60 days
        ("某市生态环境局", date(2026, 8, 31), "auto"),    # missed: 30 days
        ("某市生态环境局", date(2026, 9, 30), "auto"),    # M rating: objective owner, 60 days
        ("演练组织单位", date(2026, 9, 30), "auto"),      # a follow-up drill of I4, I3/A1
        ("开发区管委会", date(2026, 10, 1), "manual"),
    ]
    assert "I4、I3/A1" in report.improvement_plan[3].item


def test_the_json_shows_times_in_scenario_terms_and_the_watermark(report):
    body = report_dict(report)
    assert body["watermark"] == "【演练】" and body["is_drill"] is True
    assert body["score"] == 29.5 and body["duration_played"] == "03:40"
    assert body["complete"] is False and body["played_score"] == 37.0
    assert body["coverage"]["injects_delivered"] == 3 and len(body["coverage"]["reasons"]) == 3
    unplayed = next(a for a in body["actions"] if a["inject_id"] == "I4")
    assert (unplayed["status_zh"], unplayed["deadline_t"], unplayed["within"]) == (
        "未进行", None, "01:00")
    action = next(a for a in body["actions"] if a["inject_id"] == "I1" and a["action_id"] == "A2")
    assert (action["deadline_t"], action["done_t"], action["status_zh"]) == ("T+00:40",
                                                                             "T+00:55", "超时")
    contingency = next(i for i in body["injects"] if i["inject_id"] == "C1")
    assert contingency["cause"] == "I1/A2" and contingency["delivered_t"] == "T+00:41"


def test_the_xlsx_and_html_exports_carry_the_drill_watermark(report):
    wb = load_workbook(BytesIO(report_xlsx(report)))
    assert "概况 Summary" in wb.sheetnames and "改进计划 Improvement plan" in wb.sheetnames
    for ws in wb.worksheets:
        assert str(ws["A1"].value).startswith("【演练】")
        assert "【演练】" in ws.oddHeader.center.text
    summary = {r[0]: r[1] for r in wb["概况 Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["总分 Score"] == 29.5 and summary["评定 Grade"] == "未完成"
    html = report_html(report)
    assert html.count("【演练】") >= 3 and "29.5" in html and "@media print" in html


def test_the_xlsx_report_writes_formula_like_text_as_inert_text(report):
    import dataclasses

    hostile = dataclasses.replace(report, strengths=("=HYPERLINK(\"http://x\")",),
                                  areas_for_improvement=("@SUM(1)", "-2+3"))
    wb = load_workbook(BytesIO(report_xlsx(hostile)))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {"'=HYPERLINK(\"http://x\")", "'@SUM(1)", "'-2+3"} <= values
    summary = {r[0]: r[1] for r in wb["概况 Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["总分 Score"] == 29.5  # numbers stay numbers


def test_the_report_names_each_evaluator_with_counts_and_submission():
    from emergency.drills.evaluation import sign_offs

    wall = datetime(2026, 8, 1, 9, 0, tzinfo=SH)
    observations = [
        EvaluatorObservation("O1", "P", "a", at(1), "评估员甲", None, "jia", wall, wall),
        EvaluatorObservation("O2", "M", "b", at(2), "评估员甲", "I2", "jia",
                             wall + timedelta(minutes=5), None),
        EvaluatorObservation("O1", "S", "", at(1, 30), "评估员乙", None, "yi",
                             wall + timedelta(minutes=1), None),
    ]
    rows = sign_offs(observations)
    assert [(r.evaluator, r.recorded_by, r.observations, r.objectives, r.drafts)
            for r in rows] == [("评估员甲", "jia", 2, ("O1", "O2"), 1),
                               ("评估员乙", "yi", 1, ("O1",), 1)]
    assert rows[0].submitted_at == wall and rows[1].submitted_at is None
    assert rows[0].last_recorded_at == wall + timedelta(minutes=5)


def test_the_word_summary_report_has_the_organisers_structure_and_the_watermark(report):
    from docx import Document

    from emergency.drills.docx_report import LogLine, report_docx

    scenario = load_text(SCENARIO, name="eval.yaml")
    body = report_docx(report, scenario, log=[LogLine(at(0, 10), "下达情景注入 I1"),
                                              LogLine(at(4), "【演练】演练结束")])
    doc = Document(BytesIO(body))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["一、演练概况", "二、目标与评估", "三、主要做法与成效", "四、存在问题",
                        "五、改进计划", "附件1 主情景事件清单(MSEL)及下达时间", "附件2 演练时间线"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("【演练】评估测试\n演练总结报告")
    assert "演练提前结束:结束于 T+04:00,脚本时长 12:00" in text
    assert "评估组组长(签字)" in text and "演练组织单位(盖章)" in text
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    overview = {r[0]: r[1] for r in cells if len(r) == 2}
    assert overview["总体评定"] == "总分 29.5,评定 未完成;已进行部分得分 37.0(仅供参考)"
    assert overview["完成情况"].startswith("未完成(情景注入下达 3/4,预期行动评估 3/5")
    o2 = next(r for r in cells if r[0].startswith("O2 "))
    assert o2[1:] == ["通报下游(01:00 内)", "通报下游:未完成", "M(完成但存在较大困难)", "16.0",
                      "差"]
    assert ["I4", "T+10:00", "未下达(未进行)", "文件", "导调组 → 某市生态环境局",
            "报送处理结果"] in cells
    contingency = next(r for r in cells if r[0] == "C1")
    assert contingency[1] == "应急注入(因 I1/A2 超时)" and contingency[2] == "T+00:41"
    manual = next(r for r in cells if "修订园区雨水管网图" in r[1])
    assert manual[2:4] == ["开发区管委会", "2026-10-01"]
    assert ["T+04:00", "2026-07-23 13:00", "【演练】演练结束"] in cells
    header = doc.sections[0].header._element.xml
    assert "PowerPlusWaterMarkObject" in header and 'string="【演练】"' in header
    assert "【演练】" in doc.sections[0].footer.paragraphs[0].text
