"""The drill scenario format: the library validates, and a broken file reports every problem."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emergency.drills.scenario import (
    InvalidScenario,
    format_t,
    library_files,
    load_file,
    load_text,
    parse_adhoc_inject,
    parse_duration,
    parse_t,
)

MINIMAL = """
title: 小型桌面推演(测试)
type: 桌面
duration: "06:00"
objectives:
  - {id: O1, text: 信息报告}
participants:
  - {id: city, name: 某市生态环境局, level: city, roles: [报告]}
incidents:
  - id: main
    report:
      lon: 126.55
      lat: 43.86
      substance: 硝基苯
      mass_kg: 20000
      occurred_at: "2026-07-23T09:00+08:00"
      discovered_at: "2026-07-23T09:20+08:00"
      flow_condition: normal
phases:
  - {id: occurrence, name: 发生, trigger: "T+00:00"}
  - {id: termination, name: 终止, trigger: "T+05:00"}
injects:
  - id: I1
    trigger: "T+00:30"
    mode: phone
    from: simcell
    to: city
    message: 群众报告江面异味
    objective: O1
    expected_actions:
      - {id: A1, text: 初报, checklist: "report:first_report", within: "01:00", if_late: C1}
contingency:
  - {id: C1, mode: phone, from: controller, to: city, message: 催报, objective: O1}
"""


def test_every_library_scenario_validates_and_is_marked_a_sample():
    files = library_files()
    assert len(files) >= 5
    for path in files:
        scenario = load_file(path)
        assert scenario.sample, path.name
        assert scenario.id == path.stem
        assert scenario.phases[0].name == "发生" and scenario.phases[-1].name == "终止"
        assert any(i.expected for i in scenario.injects)


def test_the_library_covers_four_levels_and_both_drill_types():
    scenarios = [load_file(p) for p in library_files()]
    assert {s.type for s in scenarios} == {"tabletop", "live"}
    chem = next(s for s in scenarios if s.id == "jetdz-chemical-park-fire")
    assert {p.level for p in chem.participants} >= {"province", "city", "park", "enterprise"}


def test_a_minimal_scenario_parses_with_t0_at_the_occurrence():
    scenario = load_text(MINIMAL, name="mini.yaml")
    assert scenario.t0.isoformat() == "2026-07-23T09:00:00+08:00"
    assert scenario.start_offset == timedelta(minutes=20)
    action = scenario.injects[0].expected[0]
    assert action.within == timedelta(hours=1) and action.objective == "O1"
    assert scenario.injects[0].trigger.at == timedelta(minutes=30)


def test_a_broken_scenario_reports_every_problem_at_once_with_file_and_path():
    broken = (MINIMAL
              .replace("type: 桌面", "type: 演习")
              .replace('trigger: "T+00:30"', 'trigger: "T+1h"')
              .replace("from: simcell", "from: nobody")
              .replace("mode: phone\n    from", "mode: pigeon\n    from")
              .replace('within: "01:00", if_late: C1', 'within: soon, if_late: C9')
              .replace("      flow_condition: normal\n", "")
              .replace("substance: 硝基苯", "substance: 不存在的物质")
              .replace("message: 群众报告江面异味", "mesage: 群众报告江面异味"))
    with pytest.raises(InvalidScenario) as caught:
        load_text(broken, name="broken.yaml")
    problems = caught.value.problems
    paths = {p.path for p in problems}
    assert {"type", "injects[0].trigger", "injects[0].from", "injects[0].mode",
            "injects[0].expected_actions[0].within", "injects[0].expected_actions[0].if_late",
            "incidents[0].report.flow_condition", "incidents[0].report.substance",
            "injects[0].mesage", "injects[0].message"} <= paths
    assert all(p.file == "broken.yaml" and p.message_zh and p.message_en for p in problems)
    # the contingency nobody names any more is reported too
    assert "contingency[0].id" in paths


def test_references_to_unknown_phases_injects_tasks_and_objectives_are_refused():
    broken = MINIMAL.replace(
        'trigger: "T+05:00"', "trigger: {all: [{phase_starts: response}, "
        "{inject_fired: I9}, {checklist_done: 'drill:nothing'}, {plume_front_reaches: moon}]}"
    ).replace("objective: O1\n    expected", "objective: O7\n    expected")
    with pytest.raises(InvalidScenario) as caught:
        load_text(broken)
    paths = {p.path for p in caught.value.problems}
    assert {"phases[1].trigger.all[0].phase_starts", "phases[1].trigger.all[1].inject_fired",
            "phases[1].trigger.all[2].checklist_done",
            "phases[1].trigger.all[3].plume_front_reaches", "injects[0].objective"} <= paths


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(InvalidScenario) as caught:
        load_text("title: x\ninjects: [\n  - a: b\n", name="bad.yaml")
    problem = caught.value.problems[0]
    assert problem.file == "bad.yaml" and "line" in problem.path and "YAML" in problem.message_zh


def test_times_and_durations():
    assert parse_t("T+01:30") == timedelta(hours=1, minutes=30)
    assert parse_t("T+72:00") == timedelta(hours=72)
    assert parse_duration("00:45") == timedelta(minutes=45)
    assert parse_duration(90) == timedelta(minutes=90)  # YAML reads unquoted 1:30 as 90
    assert load_text(MINIMAL.replace('within: "01:00"', "within: 1:30")
                     ).injects[0].expected[0].within == timedelta(minutes=90)
    assert parse_duration("-02:00", signed=True) == -timedelta(hours=2)
    with pytest.raises(ValueError):
        parse_duration("-02:00")
    with pytest.raises(ValueError):
        parse_t("01:30")
    assert format_t(timedelta(hours=25, minutes=5)) == "T+25:05"


def test_a_negative_offset_is_allowed_only_before_a_predicted_plume_arrival():
    early = MINIMAL.replace('trigger: "T+00:30"',
                            'trigger: {plume_front_reaches: province, offset: "-02:00"}')
    trig = load_text(early).injects[0].trigger
    assert trig.kind == "plume" and trig.offset == -timedelta(hours=2)
    with pytest.raises(InvalidScenario):
        load_text(MINIMAL.replace('trigger: "T+00:30"',
                                  'trigger: {phase_starts: occurrence, offset: "-00:10"}'))


def test_an_ad_hoc_inject_is_checked_against_the_scenario():
    scenario = load_text(MINIMAL)
    inject = parse_adhoc_inject(scenario, {"mode": "sms", "from": "controller", "to": "city",
                                           "message": "补充情况", "objective": "O1"}, "X1")
    assert inject.id == "X1" and inject.trigger is None
    with pytest.raises(InvalidScenario) as caught:
        parse_adhoc_inject(scenario, {"mode": "sms", "from": "controller", "to": "mars",
                                      "objective": "O9"}, "X2")
    assert {"to", "objective", "message"} <= {p.path for p in caught.value.problems}


def test_a_trigger_reads_names_never_ids_when_they_are_known():
    from datetime import timedelta

    from emergency.drills.scenario import Trigger

    plume = Trigger("plume", target="prefecture:220100", offset=timedelta(hours=-1))
    assert plume.describe() == ("污染团前锋到达 prefecture:220100 -01:00",
                                "plume front reaches prefecture:220100 -01:00")
    names = {"prefecture:220100": ("长春市界", "Changchun boundary"),
             "drill:close": ("关闭取水口", "")}
    assert plume.describe(names)[0] == "污染团前锋到达 长春市界 -01:00"
    both = Trigger("any", children=(Trigger("plume", target="province"),
                                    Trigger("checklist", target="drill:close")))
    assert both.describe(names) == ("(污染团前锋到达 省界)或(任务完成:关闭取水口)",
                                    "(plume front reaches provincial boundary) or "
                                    "(checklist done: 关闭取水口)")
