"""The drill engine: clock, triggers (time, plume, checklist, phase, inject), lateness and
contingency, phases and termination. The plume trigger is checked on the real network."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emergency.drills import engine as eng
from emergency.drills.scenario import Trigger, load_text
from emergency.incidents.context import build_engine_context
from emergency.incidents.inputs import parse_incident
from emergency.incidents.package import compute_package

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 23, 9, 0, tzinfo=SH)
WALL = datetime(2026, 11, 25, 8, 0, tzinfo=SH)

SCENARIO = """
title: 引擎测试
type: 桌面
duration: "120:00"
objectives:
  - {id: O1, text: 报告}
  - {id: O2, text: 监测}
participants:
  - {id: city, name: 市局, level: city}
  - {id: lab, name: 监测站, level: city}
incidents:
  - id: main
    report: {lon: 126.55, lat: 43.86, substance: 硝基苯, mass_kg: 20000,
             occurred_at: "2026-07-23T09:00+08:00", discovered_at: "2026-07-23T09:20+08:00",
             flow_condition: normal}
phases:
  - {id: occurrence, name: 发生, trigger: "T+00:00"}
  - {id: response, name: 响应, trigger: {checklist_done: "report:first_report"}}
  - {id: termination, name: 终止, trigger: {all: ["T+06:00", {inject_fired: I3}]}}
injects:
  - id: I1
    trigger: "T+00:30"
    mode: phone
    from: simcell
    to: city
    message: 接报
    objective: O1
    expected_actions:
      - {id: A1, text: 初报, checklist: "report:first_report", within: "01:00", if_late: C1}
  - id: I2
    trigger: {phase_starts: response, offset: "00:15"}
    mode: system
    from: controller
    to: lab
    message: 开展监测
    objective: O2
    expected_actions:
      - {id: A1, text: 对照断面, checklist: sample, within: "00:30"}
  - id: I3
    trigger: {plume_front_reaches: province}
    mode: phone
    from: simcell
    to: city
    message: 黑龙江来电
    objective: O1
contingency:
  - {id: C1, mode: phone, from: controller, to: city, message: 催报, objective: O1}
"""


@pytest.fixture(scope="module")
def scenario():
    return load_text(SCENARIO, name="engine.yaml")


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


def world(**overrides) -> eng.World:
    base = eng.World(t0=T0, fronts={"main": {"province": at(30)}},
                     items=(eng.ItemState("main", "report:first_report", "report", "open"),
                            eng.ItemState("main", "sample:upstream-control", "sample", "open")))
    return replace(base, **overrides)


def done(w: eng.World, key: str, when: datetime) -> eng.World:
    items = tuple(replace(i, status="done", done_at=when) if i.key == key else i
                  for i in w.items)
    return replace(w, items=items)


def play(scenario, w: eng.World, *times: datetime) -> tuple[eng.World, list[eng.Tick]]:
    ticks = []
    for t in times:
        tick = eng.step(scenario, w, t)
        w = eng.apply(w, tick)
        ticks.append(tick)
    return w, ticks


# ------------------------------------------------------------------ the clock
def test_the_clock_runs_at_its_speed_pauses_resumes_and_steps():
    clock = eng.ScenarioClock(t0=T0, elapsed=timedelta(minutes=20), anchor=WALL, speed=60)
    assert clock.now(WALL + timedelta(minutes=1)) == at(1, 20)
    paused = clock.pause(WALL + timedelta(minutes=1))
    assert paused.now(WALL + timedelta(hours=5)) == at(1, 20)
    resumed = paused.resume(WALL + timedelta(hours=5))
    assert resumed.now(WALL + timedelta(hours=5, seconds=30)) == at(1, 50)
    real = resumed.with_speed(1, WALL + timedelta(hours=5, seconds=30))
    assert real.now(WALL + timedelta(hours=5, minutes=10, seconds=30)) == at(2)
    stepped = real.with_speed(0, WALL + timedelta(hours=5, minutes=10, seconds=30))
    stepped = stepped.step(timedelta(minutes=30), WALL + timedelta(hours=6))
    assert stepped.now(WALL + timedelta(days=3)) == at(2, 30)
    assert clock.now(WALL - timedelta(hours=1)) == at(0, 20)  # never backwards


# ------------------------------------------------------------------ triggers
def test_a_timed_inject_fires_at_its_time_and_not_before(scenario):
    w, (before, on) = play(scenario, world(), at(0, 29), at(0, 30))
    assert [f.inject_id for f in before.fired] == []
    assert [(f.inject_id, f.due, f.delivered) for f in on.fired] == [("I1", at(0, 30),
                                                                        at(0, 30))]
    assert dict(before.phases) == {"occurrence": T0}


def test_an_inject_found_late_is_due_at_its_time_but_delivered_when_processed(scenario):
    _w, (tick,) = play(scenario, world(), at(0, 50))
    f = tick.fired[0]
    assert f.due == at(0, 30) and f.delivered == at(0, 50)


def test_a_checklist_event_starts_the_phase_and_the_phase_triggers_the_next_inject(scenario):
    w, _ = play(scenario, world(), at(0, 30))
    w = done(w, "report:first_report", at(0, 50))
    w, (tick,) = play(scenario, w, at(1, 10))
    assert dict(tick.phases) == {"response": at(0, 50)}
    assert [(f.inject_id, f.due) for f in tick.fired] == [("I2", at(1, 5))]


def test_a_late_action_fires_its_contingency_once_after_the_deadline(scenario):
    _w, ticks = play(scenario, world(), at(0, 30), at(1, 30), at(1, 31), at(3))
    assert ticks[1].late == () and not ticks[1].fired          # exactly at the deadline: fine
    assert [s.key for s in ticks[2].late] == ["I1/A1"]
    contingency = ticks[2].fired[0]
    assert (contingency.inject_id, contingency.kind, contingency.due, contingency.cause) == (
        "C1", "contingency", at(1, 30), "I1/A1")
    assert ticks[3].late == () and ticks[3].fired == ()        # reported once


def test_an_action_done_in_time_fires_no_contingency(scenario):
    w, _ = play(scenario, world(), at(0, 30))
    w = done(w, "report:first_report", at(1, 29))
    _w, (tick,) = play(scenario, w, at(2))
    assert "C1" not in [f.inject_id for f in tick.fired] and tick.late == ()


def test_an_action_done_after_its_deadline_counts_late(scenario):
    w, _ = play(scenario, world(), at(0, 30))
    w = done(w, "report:first_report", at(1, 45))
    _w, (tick,) = play(scenario, w, at(2))
    assert [s.status for s in tick.late] == ["late"]
    assert "C1" in [f.inject_id for f in tick.fired]


def test_the_plume_trigger_follows_the_prediction_and_the_termination_ends_the_drill(scenario):
    w = done(world(), "report:first_report", at(0, 45))
    w, (before, on) = play(scenario, w, at(29, 59), at(30))
    assert "I3" not in [f.inject_id for f in before.fired]
    assert ("I3", at(30)) in [(f.inject_id, f.due) for f in on.fired]
    assert on.ended_at == at(30) and on.end_reason == "terminated"


def test_the_time_limit_ends_a_drill_whose_termination_never_comes(scenario):
    w = world(fronts={})  # the plume never reaches the boundary: I3 never fires
    _w, (tick,) = play(scenario, w, at(200))
    assert tick.now == at(120) and tick.end_reason == "time_limit"


def test_upcoming_lists_known_times_and_open_deadlines(scenario):
    w, _ = play(scenario, world(), at(0, 40))
    kinds = [(u.kind, u.ref) for u in eng.upcoming(scenario, w, at(0, 40))]
    assert ("deadline", "I1/A1") in kinds and ("inject", "I3") in kinds
    # I1 was processed at T+00:40: its hour runs from delivery
    assert eng.next_time(scenario, w, at(0, 40)) == at(1, 40) + eng.LATE_AFTER


# ------------------------------------------------------------------ the real plume
def test_the_provincial_boundary_trigger_fires_at_the_predicted_front_not_before(network,
                                                                                  scenario):
    """On the real network: a nitrobenzene spill at Jilin City reaches Heilongjiang; the
    trigger fires at the engine's predicted most-probable front time, not a minute before."""
    ctx = build_engine_context(network)
    spec = scenario.incidents[0]
    inc = parse_incident(spec.report, substances=ctx.catalogue,
                         season_by_month=ctx.season_by_month, now=spec.discovered_at)
    pkg = compute_package(inc, snap=network.snap(inc.lon, inc.lat), network=network,
                          substance=ctx.catalogue.get(inc.substance), as_of=spec.discovered_at,
                          flow_ratios=ctx.flow_ratios, rules=ctx.rules)
    fronts = eng.fronts_from_downstream(pkg.downstream)
    boundary = next(d for d in pkg.downstream
                    if d.kind == "boundary" and d.attrs["level"] == "province")
    assert boundary.attrs["to_zh"] == "黑龙江省"
    front = fronts["province"]
    assert front == boundary.front_at and front - T0 > timedelta(hours=24)
    w = world(fronts={"main": fronts})
    _w, (before, on) = play(scenario, w, front - timedelta(minutes=1), front)
    assert "I3" not in [f.inject_id for f in before.fired]
    assert [(f.inject_id, f.due) for f in on.fired if f.inject_id == "I3"] == [("I3", front)]
    assert eng.unreachable_targets(scenario, {"main": fronts}) == []
    assert eng.unreachable_targets(scenario, {"main": {}}) == [("I3", "province")]


# ------------------------------------------------------------------ the dry run
def test_the_dry_run_gives_each_inject_its_time_on_the_predicted_plume(scenario):
    dry = eng.preview(scenario, {"main": {"province": at(30)}})
    fires = {i.inject_id: i.fires_at for i in dry.injects}
    # I1 at T+00:30; its action (初报, 1 h) done on time at T+01:30 starts 响应, and I2 15 min
    # later; I3 on the plume's front at the provincial boundary; termination with I3
    assert fires == {"I1": at(0, 30), "I2": at(1, 45), "I3": at(30)}
    assert [(a.inject_id, a.action_id, a.due_at) for a in dry.actions] == [
        ("I1", "A1", at(1, 30)), ("I2", "A1", at(2, 15))]
    assert dict(dry.phases) == {"occurrence": T0, "response": at(1, 30), "termination": at(30)}
    assert (dry.ended_at, dry.end_reason) == (at(30), "terminated")
    assert not any(i.warning_zh for i in dry.injects)
    assert [i.plume for i in dry.injects] == [False, False, True]


def test_the_dry_run_warns_of_a_plume_inject_that_never_fires(scenario):
    never = eng.preview(scenario, {"main": {}}, {"province": ("省界", "provincial boundary")})
    i3 = next(i for i in never.injects if i.inject_id == "I3")
    assert i3.fires_at is None and i3.warning_zh == "污染团预测不到达 省界:I3 不会触发"
    assert i3.warning_en == "the plume is not predicted to reach provincial boundary: I3 " \
        "never fires"
    short = replace(scenario, duration=timedelta(hours=20))
    late = next(i for i in eng.preview(short, {"main": {"province": at(30)}}).injects
                if i.inject_id == "I3")
    assert late.fires_at is None
    assert late.warning_zh == "I3 预计 T+30:00 触发,晚于演练结束 T+20:00:演练中不会触发"
    assert "after the drill ends at T+20:00" in late.warning_en


def test_the_dry_run_warns_of_an_inject_due_before_the_drill_starts(scenario):
    early = replace(scenario, injects=(replace(scenario.injects[0], trigger=Trigger(
        "plume", target="province", offset=timedelta(hours=-40))), *scenario.injects[1:]))
    row = eng.preview(early, {"main": {"province": at(30)}}).injects[0]
    assert row.fires_at == at(0, 20)          # at the start (the discovery, T+00:20)
    assert row.warning_zh.startswith("I1 应于 T-10:00 触发,早于演练开始")
