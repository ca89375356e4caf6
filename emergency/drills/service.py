"""Drill use cases (演练): start, advance, step, pause, resume, end, inject, observe, submit,
report.

No Flask. Each function takes a SQLAlchemy session (the unit of work: the caller commits), the
incident :class:`EngineContext` and the wall-clock time; the pure engine
(:mod:`emergency.drills.engine`) decides what fires. A drill creates its incidents through the
normal incident service (``report_incident(is_drill=True)``), so players work them on the normal
incident page; their check-offs are stamped in scenario time through the hook
the engine context's ``scenario_clock`` (:func:`scenario_now`).

Everything a drill writes is marked: incidents are drill-flagged with 【演练】 in the title,
injects and phase changes appear on the incident's timeline prefixed 【演练】.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emergency.config import DEFAULT_TZ
from emergency.drills import DRILL_MARK, DRILL_MARK_EN
from emergency.drills import engine as eng
from emergency.drills.evaluation import (
    RATING_LABELS,
    EvaluatorObservation,
    ImprovementItem,
    Report,
    evaluate,
    sign_offs,
)
from emergency.drills.scenario import (
    CONTAINMENT_EVENTS,
    LIBRARY_DIR,
    MODES,
    Inject,
    InvalidScenario,
    Scenario,
    format_duration,
    format_t,
    library_files,
    load_text,
    parse_adhoc_inject,
    parse_t,
)
from emergency.incidents import service as incidents
from emergency.incidents.inputs import FieldProblem, InvalidIncident, parse_incident
from emergency.incidents.service import EngineContext, NotFound
from emergency.store.drill_models import (
    DrillEvent,
    DrillImprovement,
    DrillInject,
    DrillObservation,
    DrillRun,
    DrillRunIncident,
)
from emergency.store.incident_models import ChecklistItem, Incident, IncidentEvent

CONTROLLER = "演练导调"


class DrillError(RuntimeError):
    """A request the run's state does not allow (409) or a bad value (422)."""

    def __init__(self, code: str, message_zh: str, message_en: str, status: int = 409) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.status = (code, message_zh,
                                                                    message_en, status)


class InvalidEvaluation(InvalidIncident):
    """An evaluator's observation or improvement item has problems (422, every one listed)."""

    code = "invalid_evaluation"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems)
        self.message_zh = "评估记录有误:" + ";".join(f"{p.field}:{p.message_zh}"
                                                   for p in problems)
        self.message_en = "invalid evaluation: " + "; ".join(
            f"{p.field}: {p.message_en}" for p in problems)


# ------------------------------------------------------------------ the scenario clock
def scenario_now(row: Incident, wall: datetime) -> datetime:
    """The time of an action on an incident at wall time ``wall``: its drill's scenario time
    (the wall time for an incident no drill created). The engine context carries this as its
    ``scenario_clock`` (see :func:`on_scenario_clock`); the link is loaded once per session."""
    link = row.drill_link
    return wall if link is None else run_now(link.run, wall)


def on_scenario_clock(ctx: EngineContext) -> EngineContext:
    """``ctx`` with the drills' scenario clock (a drill's own calls into the incident service
    always run on it, whoever built the context)."""
    return ctx if ctx.scenario_clock is not None else replace(ctx, scenario_clock=scenario_now)


def clock_of(run: DrillRun) -> eng.ScenarioClock:
    return eng.ScenarioClock(t0=_aware(run.t0), elapsed=timedelta(seconds=run.clock_elapsed_s),
                             anchor=_aware(run.clock_anchor), speed=run.speed,
                             running=run.status == "running")


def run_now(run: DrillRun, wall: datetime) -> datetime:
    """The run's scenario time at wall time ``wall`` (frozen once ended; capped at the limit)."""
    t0 = _aware(run.t0)
    if run.status == "ended" and run.ended_s is not None:
        return t0 + timedelta(seconds=run.ended_s)
    return min(clock_of(run).now(wall), t0 + scenario_of(run).duration)


def _set_clock(run: DrillRun, clock: eng.ScenarioClock) -> None:
    run.clock_elapsed_s = clock.elapsed.total_seconds()
    run.clock_anchor = clock.anchor
    run.speed = clock.speed


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ------------------------------------------------------------------ scenarios
@lru_cache(maxsize=64)
def _parse_cached(text: str, scenario_id: str) -> Scenario:
    return load_text(text, name=f"{scenario_id}.yaml", scenario_id=scenario_id)


def scenario_of(run: DrillRun) -> Scenario:
    return _parse_cached(run.scenario_yaml, run.scenario_id)


def library(directory: Path = LIBRARY_DIR) -> dict[str, tuple[Scenario, str]]:
    """The library's scenarios by id, with their YAML text (invalid files are skipped)."""
    out = {}
    for path in library_files(directory):
        text = path.read_text("utf-8")
        try:
            out[path.stem] = (_parse_cached(text, path.stem), text)
        except InvalidScenario:
            continue
    return out


def library_scenario(scenario_id: str) -> tuple[Scenario, str]:
    """A library scenario by id. The id is looked up among the library's files, never joined
    into a path: a client's text (``..``, a 1 MB name, a NUL byte) never reaches the file system."""
    path = {p.stem: p for p in library_files()}.get(scenario_id)
    if path is None:
        shown = scenario_id if len(scenario_id) <= 80 else scenario_id[:80] + "…"
        raise NotFound(f"演练脚本 {shown}", f"scenario {shown}")
    text = path.read_text("utf-8")
    return _parse_cached(text, scenario_id), text


# ------------------------------------------------------------------ checking on the network
def river_of(network, lon: float, lat: float, *, max_distance_m: float = 20_000.0
             ) -> tuple[str | None, Any]:
    """The river a point's water enters: the snapped river, or for an unnamed channel the named
    river it joins (a first-order tributary counts as its river). Returns (name, snap)."""
    snap = network.snap(lon, lat, max_distance_m=max_distance_m)
    if snap.river_name_zh:
        return snap.river_name_zh, snap
    own = next((c for c in snap.candidates if c.seg_id == snap.seg_id), None)
    return (own.joins_zh if own else None), snap


def never_occurs(target: str, names: dict | None = None) -> tuple[str, str]:
    """(zh, en) for a trigger whose event the engine does not predict (places named)."""
    if target in CONTAINMENT_EVENTS:
        zh, en = CONTAINMENT_EVENTS[target]
        return (f"三级防控研判不会出现“{zh}”:该触发条件不会发生",
                f"the containment assessment does not predict that {en}: the trigger never "
                "occurs")
    zh, en = (names or {}).get(target, (target, target))
    return (f"污染团预测不到达 {zh}:该触发条件不会发生",
            f"the plume is not predicted to reach {en}: the trigger never occurs")


def check_scenario(ctx: EngineContext, scenario: Scenario, session: Session | None = None,
                   extras: dict | None = None) -> list[dict]:
    """Check a valid scenario against the river network and the incident engine: each release
    and point reaches its river, points lie on the plume's path, plume triggers can occur and
    every expected action has a checklist item to tick. ``level``: error | warning | info.

    ``extras`` (a dict, filled in): ``preview`` (the dry run, :func:`engine.preview`),
    ``names``, and of the main incident ``downstream`` (the predicted places, front first)
    and ``checklist`` (the items the engine predicts) — what the scenario editor offers."""
    findings: list[dict] = []
    extras = {} if extras is None else extras
    extras.setdefault("downstream", [])
    extras.setdefault("checklist", [])

    def note(level: str, where: str, zh: str, en: str) -> None:
        findings.append({"level": level, "where": where, "message_zh": zh, "message_en": en})

    snaps = {}
    for k, spec in enumerate(scenario.incidents):
        where = f"incidents[{k}]"
        report = spec.report
        try:
            name, snap = river_of(ctx.network, float(report["lon"]), float(report["lat"]),
                                  max_distance_m=ctx.snap_max_m)
        except (KeyError, TypeError, ValueError):
            continue  # a risk-source location: nothing to snap here
        except Exception as err:  # noqa: BLE001 - a RiverError names the problem
            note("error", where, getattr(err, "message_zh", str(err)),
                 getattr(err, "message_en", str(err)))
            continue
        snaps[spec.id] = snap
        note("info", where, f"入河:{name or '未命名河道'}(距河道 {snap.distance_m:g} m)",
             f"enters {snap.river_name_en or name or 'an unnamed channel'} "
             f"({snap.distance_m:g} m away)")
        if spec.river and name != spec.river:
            note("error", f"{where}.river", f"事发点接入 {name or '未命名河道'},不是 {spec.river}",
                 f"the release enters {name or 'an unnamed channel'}, not {spec.river}")
    points = []
    for k, p in enumerate(scenario.points):
        where = f"points[{k}]"
        try:
            name, snap = river_of(ctx.network, p.lon, p.lat, max_distance_m=ctx.snap_max_m)
        except Exception as err:  # noqa: BLE001
            note("error", where, getattr(err, "message_zh", str(err)),
                 getattr(err, "message_en", str(err)))
            continue
        points.append((p.id, p.lon, p.lat, snap.position))
        if p.river and name != p.river:
            note("error", f"{where}.river",
                 f"点位 {p.id} 位于 {name or '未命名河道'},不是 {p.river}",
                 f"point {p.id} is on {name or 'an unnamed channel'}, not {p.river}")
    fronts: dict[str, dict[str, datetime]] = {}
    names: dict[str, tuple[str, str]] = {}
    for k, spec in enumerate(scenario.incidents):
        if spec.id not in snaps and not spec.report.get("park_id"):
            continue
        inc = parse_incident(
            spec.report, substances=ctx.catalogue, season_by_month=ctx.season_by_month,
            now=spec.discovered_at, tz=ctx.tz)
        pkg = incidents.package_for(ctx, session, inc, spec.discovered_at, extra_points=points)
        fronts[spec.id] = eng.event_times(pkg)
        names |= {d.id: (d.name_zh, d.name_en or d.name_zh) for d in pkg.downstream
                  if d.kind != "point"}
        if k == 0:
            extras["downstream"] = sorted(pkg.downstream, key=lambda d: d.front_at)
            extras["checklist"] = list(pkg.checklist)
        keys = {t.id for t in pkg.checklist} | {t.key for t in scenario.tasks
                                               if (t.incident or scenario.primary) == spec.id}
        kinds = {t.kind for t in pkg.checklist} | {t.kind for t in scenario.tasks}
        names |= {t.id: (t.text_zh, t.text_en or t.text_zh) for t in pkg.checklist}
        for inj in (*scenario.injects, *scenario.contingency):
            for action in inj.expected:
                if (action.incident or scenario.primary) != spec.id:
                    continue
                ok = action.checklist in (keys if ":" in action.checklist else kinds)
                if not ok:
                    note("error", f"{inj.id}/{action.id}",
                         f"事件任务清单中没有「{action.checklist}」,该预期行动无法完成",
                         f"the incident's checklist has no {action.checklist}: the action "
                         "cannot be done")
        if k == 0:
            tier = {1: "I", 2: "II", 3: "III", 4: "IV"}.get(pkg.tier.level or 0, "—")
            note("info", "incidents[0]", f"初判 {tier} 级,预警 {pkg.warning.label_zh}",
                 f"first assessment: tier {tier}, warning {pkg.warning.label_en}")
    names |= scenario.names()
    for pid, *_rest in points:
        if not any(pid in f for f in fronts.values()):
            note("warning", f"points.{pid}", f"点位 {pid} 不在污染团下游路径上",
                 f"point {pid} is not on the plume's downstream path")
    unreachable = eng.unreachable_targets(scenario, fronts)
    for where, target in unreachable:
        note("error", where, *never_occurs(target, names))
    t0 = scenario.t0
    dry = eng.preview(scenario, fronts, names)
    extras["preview"], extras["names"], extras["fronts"] = dry, names, fronts
    flagged = {where for where, _target in unreachable}
    for row in dry.injects:
        inj = scenario.inject(row.inject_id)
        trig_zh, trig_en = inj.trigger.describe(names) if inj and inj.trigger else ("", "")
        if row.warning_zh and row.inject_id not in flagged:
            note("warning", row.inject_id, row.warning_zh, row.warning_en)
        elif row.plume and row.fires_at is not None:
            note("info", row.inject_id,
                 f"{row.inject_id} 预计 {format_t(row.fires_at - t0)} 触发({trig_zh})",
                 f"{row.inject_id} is predicted to fire at {format_t(row.fires_at - t0)} "
                 f"({trig_en})")
    labels = {"prefecture": "市界", "province": "省界", "nation": "国界"}
    for level, label in labels.items():
        at = fronts.get(scenario.primary, {}).get(level)
        if at is not None:
            note("info", "plume", f"前锋到达首个{label}:{format_t(at - t0)}",
                 f"front reaches the first {level} boundary at {format_t(at - t0)}")
    return findings


# ------------------------------------------------------------------ start
def start_drill(session: Session, ctx: EngineContext, scenario: Scenario, yaml_text: str, *,
                actor: str, wall: datetime, speed: float = 1.0,
                anchor: str | None = None, scenario_version: int | None = None) -> DrillRun:
    """Start a run: the clock at the main incident's discovery, the incident(s) reported.

    ``anchor``: ``"now"`` puts the discovery at the wall-clock time (a live drill at real
    speed: the incident page's deadlines are real clock times), ``"scenario"`` keeps the dates
    written in the scenario. Default: ``now`` at real speed, ``scenario`` otherwise.
    """
    if speed < 0 or speed > 3600:
        raise DrillError("invalid_speed", "速度须在 0(手动步进)至 3600 之间",
                         "speed must be between 0 (stepped) and 3600", 422)
    anchor = anchor or ("now" if speed == 1.0 else "scenario")
    if anchor not in ("now", "scenario"):
        raise DrillError("invalid_anchor", "anchor 须为 now 或 scenario",
                         "anchor must be now or scenario", 422)
    shift = (wall - scenario.start_offset - scenario.t0) if anchor == "now" else timedelta(0)
    t0 = scenario.t0 + shift
    start = scenario.start_offset
    run = DrillRun(
        scenario_id=scenario.id, title=scenario.title[:200], scenario_type=scenario.type,
        scenario_yaml=yaml_text, status="running", t0=t0, clock_elapsed_s=start.total_seconds(),
        clock_anchor=wall, speed=float(speed), processed_s=start.total_seconds(),
        start_s=start.total_seconds(), fronts={}, fronts_key="", warnings=[], late_seen=[],
        started_by=actor, started_at=wall, scenario_version=scenario_version)
    session.add(run)
    session.flush()
    _run_event(run, t0 + start, wall, actor, "started",
               f"{DRILL_MARK}演练开始:{scenario.title}(T+0 = {_local(t0, ctx.tz)},"
               f"{speed_label(speed)})",
               f"{DRILL_MARK_EN} drill started: {scenario.title}", speed=speed, anchor=anchor)
    _create_due_incidents(session, ctx, run, scenario, t0 + start, actor, wall)
    _check_against_engine(session, run, scenario)
    _process(session, ctx, run, scenario, t0 + start, wall, actor)
    session.flush()
    return run


def speed_label(speed: float) -> str:
    return "导调手动步进" if speed == 0 else ("实时" if speed == 1 else f"{speed:g} 倍速")


def _create_due_incidents(session: Session, ctx: EngineContext, run: DrillRun,
                          scenario: Scenario, now: datetime, actor: str, wall: datetime) -> None:
    shift = _aware(run.t0) - scenario.t0
    have = {link.scenario_incident for link in run.incidents}
    for spec in scenario.incidents:
        if spec.id in have or spec.discovered_at + shift > now:
            continue
        data = dict(spec.report)
        data["occurred_at"] = (spec.occurred_at + shift).isoformat()
        data["discovered_at"] = (spec.discovered_at + shift).isoformat()
        data["title"] = f"{DRILL_MARK}{data.get('title') or scenario.title}"[:200]
        data["is_drill"] = True
        row, _pkg = incidents.report_incident(session, ctx, data, actor=actor,
                                              now=spec.discovered_at + shift, is_drill=True)
        run.incidents.append(DrillRunIncident(scenario_incident=spec.id, incident_id=row.id))
        _incident_event(row, spec.discovered_at + shift, CONTROLLER, "drill_started",
                        f"{DRILL_MARK}本事件为演练「{scenario.title}」"
                        f"(演练编号 {run.id})的模拟事件,非真实事件",
                        f"{DRILL_MARK_EN} simulated incident of drill run {run.id}")
        session.flush()
        _refresh_fronts(session, ctx, run, scenario, spec.discovered_at + shift, force=True)
        world = _world(session, run, scenario)
        dues = eng.task_dues(scenario, world)
        for task in scenario.tasks:
            if (task.incident or scenario.primary) != spec.id:
                continue
            row.checklist.append(ChecklistItem(
                item_key=task.key, group=task.group, kind=task.kind,
                text_zh=f"{DRILL_MARK}{task.text}", text_en=task.text_en,
                responsible_zh=task.responsible or "参演单位", basis_zh="演练脚本设定任务",
                due_at=dues.get(task.key), status="open", updated_at=now))
        session.flush()


def _check_against_engine(session: Session, run: DrillRun, scenario: Scenario) -> None:
    """Warnings for the controller: triggers that never fire, actions with no checklist item."""
    warnings = list(run.warnings or [])
    fronts = _fronts(run)
    for where, target in eng.unreachable_targets(scenario, fronts):
        zh, en = never_occurs(target)
        warnings.append({"where": where, "message_zh": zh, "message_en": en})
    world = _world(session, run, scenario)
    for inj in (*scenario.injects, *scenario.contingency):
        for action in inj.expected:
            incident = action.incident or scenario.primary
            if incident in {link.scenario_incident for link in run.incidents} and \
                    not eng.matching(world.items, action.checklist, incident):
                warnings.append({
                    "where": f"{inj.id}/{action.id}",
                    "message_zh": f"事件任务清单中没有「{action.checklist}」:该预期行动无法完成",
                    "message_en": f"the incident's checklist has no {action.checklist}: the "
                                  "expected action cannot be completed"})
    run.warnings = warnings


# ------------------------------------------------------------------ the world from the database
def _fronts(run: DrillRun) -> dict[str, dict[str, datetime]]:
    return {inc: {k: datetime.fromisoformat(v) for k, v in targets.items()}
            for inc, targets in (run.fronts or {}).items()}


def _linked(session: Session, run: DrillRun) -> list[tuple[str, Incident]]:
    return [(link.scenario_incident, session.get(Incident, link.incident_id))
            for link in run.incidents]


def _refresh_fronts(session: Session, ctx: EngineContext, run: DrillRun, scenario: Scenario,
                    now: datetime, *, force: bool = False) -> bool:
    """Recompute the plume's front times when an incident changed (e.g. a re-fit)."""
    linked = _linked(session, run)
    key = ";".join(f"{row.id}:{row.version}:{row.velocity_factor}" for _sid, row in linked)
    if key == run.fronts_key and not force:
        return False
    points = []
    for p in scenario.points:
        try:
            snap = ctx.network.snap(p.lon, p.lat, max_distance_m=ctx.snap_max_m)
        except Exception:  # noqa: BLE001 - a misplaced point is a warning, never a crash
            continue
        points.append((p.id, p.lon, p.lat, snap.position))
    fronts, names = {}, {}
    for sid, row in linked:
        pkg = incidents.package_for(ctx, session, incidents.input_from_row(row), now,
                                    extra_points=points)
        fronts[sid] = {k: v.isoformat() for k, v in eng.event_times(pkg).items()}
        names |= {d.id: [d.name_zh, d.name_en or d.name_zh] for d in pkg.downstream
                  if d.kind != "point"}
    changed = fronts != (run.fronts or {})
    run.fronts, run.fronts_key = fronts, key
    if names != (run.target_names or {}):
        run.target_names = names
    return changed


def run_names(run: DrillRun, scenario: Scenario, linked: list[tuple[str, Incident]]
              ) -> dict[str, tuple[str, str]]:
    """id → (中文, English) of what the run's triggers name: the engine's sites, sections and
    boundaries, the incidents' checklist items, and the scenario's own points, phases, tasks."""
    out: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in
                                       (run.target_names or {}).items()}
    for _sid, row in linked:
        for item in row.checklist:
            text = item.text_zh.removeprefix(DRILL_MARK)
            out.setdefault(item.item_key, (text, item.text_en or text))
    return out | scenario.names()


def _world(session: Session, run: DrillRun, scenario: Scenario) -> eng.World:
    items = []
    for sid, row in _linked(session, run):
        for item in row.checklist:
            items.append(eng.ItemState(sid, item.item_key, item.kind, item.status,
                                       _aware(item.done_at)))
    fired = {i.inject_id: eng.FiredInject(i.inject_id, _aware(i.due_at), _aware(i.delivered_at),
                                          i.kind, i.cause) for i in run.injects}
    phases = {e.data["phase"]: _aware(e.at) for e in run.events if e.kind == "phase"}
    adhoc = []
    for i in run.injects:
        if i.kind == "adhoc" and i.definition:
            try:
                adhoc.append(parse_adhoc_inject(scenario, i.definition, i.inject_id))
            except InvalidScenario:
                continue
    return eng.World(t0=_aware(run.t0), fronts=_fronts(run), items=tuple(items), fired=fired,
                     phases=phases, late_seen=frozenset(run.late_seen or ()), adhoc=tuple(adhoc))


# ------------------------------------------------------------------ processing
def _process(session: Session, ctx: EngineContext, run: DrillRun, scenario: Scenario,
             now: datetime, wall: datetime, actor: str) -> eng.Tick:
    t0 = _aware(run.t0)
    _create_due_incidents(session, ctx, run, scenario, now, actor, wall)
    if _refresh_fronts(session, ctx, run, scenario, now):
        _move_task_dues(session, run, scenario)
    world = _world(session, run, scenario)
    tick = eng.step(scenario, world, now)
    primary = _primary_incident(session, run)
    defs = eng.all_injects(scenario, world.adhoc)
    for f in tick.fired:
        _deliver(run, primary, scenario, defs[f.inject_id], f, wall, actor)
    for phase_id, at in tick.phases:
        phase = next(p for p in scenario.phases if p.id == phase_id)
        _run_event(run, at, wall, CONTROLLER, "phase", f"{DRILL_MARK}进入「{phase.name}」阶段",
                   f"{DRILL_MARK_EN} phase {phase.name_en or phase.id} starts", phase=phase_id)
        if primary is not None:
            _incident_event(primary, at, CONTROLLER, "drill_phase",
                            f"{DRILL_MARK}进入「{phase.name}」阶段",
                            f"{DRILL_MARK_EN} phase {phase.name_en or phase.id}")
    for state in tick.late:
        _run_event(run, state.deadline, wall, "system", "late",
                   f"{DRILL_MARK}预期行动超时:{state.key}「{state.action.text}」"
                   f"(时限 {_local(state.deadline, ctx.tz)})",
                   f"{DRILL_MARK_EN} expected action late: {state.key}",
                   inject=state.inject_id, action=state.action.id,
                   contingency=state.action.if_late)
    if tick.late:
        run.late_seen = sorted(set(run.late_seen or ()) | {s.key for s in tick.late})
    run.processed_s = max(run.processed_s, (tick.now - t0).total_seconds())
    if tick.ended_at is not None:
        _finish(session, ctx, run, scenario, tick.ended_at, tick.end_reason or "terminated",
                wall, actor)
    session.flush()
    return tick


def _move_task_dues(session: Session, run: DrillRun, scenario: Scenario) -> None:
    dues = eng.task_dues(scenario, _world(session, run, scenario))
    for _sid, row in _linked(session, run):
        for item in row.checklist:
            if item.item_key in dues and item.status == "open":
                item.due_at = dues[item.item_key]


def _primary_incident(session: Session, run: DrillRun) -> Incident | None:
    linked = _linked(session, run)
    return linked[0][1] if linked else None


def _deliver(run: DrillRun, primary: Incident | None, scenario: Scenario, inj: Inject,
             f: eng.FiredInject, wall: datetime, actor: str, definition: dict | None = None
             ) -> DrillInject:
    sender, recipient = scenario.party_name(inj.sender), scenario.party_name(inj.recipient)
    message = f"{DRILL_MARK}{inj.message}"
    row = DrillInject(inject_id=f.inject_id, kind=f.kind, due_at=f.due, delivered_at=f.delivered,
                      wall_at=wall, mode=inj.mode, sender=sender, recipient=recipient,
                      message=message, cause=f.cause, definition=definition or {}, actor=actor)
    run.injects.append(row)
    if primary is not None:
        mode = MODES.get(inj.mode, (inj.mode,))[0]
        expected = ";".join(f"{a.text}({format_duration(a.within)} 内)" for a in inj.expected)
        _incident_event(primary, f.delivered, CONTROLLER, "drill_inject",
                        f"{DRILL_MARK}情景注入 {f.inject_id}({mode},{sender} → {recipient}):"
                        f"{inj.message}" + (f" 预期:{expected}" if expected else ""),
                        f"{DRILL_MARK_EN} inject {f.inject_id}: {inj.message_en or inj.message}",
                        inject=f.inject_id)
    return row


def _finish(session: Session, ctx: EngineContext, run: DrillRun, scenario: Scenario,
            at: datetime, reason: str, wall: datetime, actor: str) -> None:
    t0 = _aware(run.t0)
    run.status, run.end_reason = "ended", reason
    run.ended_s = (at - t0).total_seconds()
    run.ended_at = wall
    run.processed_s = max(run.processed_s, run.ended_s)
    labels = {"terminated": "终止条件满足", "time_limit": "达到演练时长上限",
              "controller": "导调结束演练"}
    _run_event(run, at, wall, actor, "ended",
               f"{DRILL_MARK}演练结束:{labels.get(reason, reason)}({format_t(at - t0)})",
               f"{DRILL_MARK_EN} drill ended: {reason}", reason=reason)
    session.flush()
    for _sid, row in _linked(session, run):
        _incident_event(row, at, CONTROLLER, "drill_ended",
                        f"{DRILL_MARK}演练结束({labels.get(reason, reason)})",
                        f"{DRILL_MARK_EN} drill ended ({reason})")
        if row.status != "terminated":
            incidents.update_incident(session, on_scenario_clock(ctx), row.id,
                                      {"status": "terminated"},
                                      actor=actor, now=wall, expected_version=row.version,
                                      drills=True)


def _run_event(run: DrillRun, at: datetime, wall: datetime, actor: str, kind: str, zh: str,
               en: str = "", **data: Any) -> None:
    run.events.append(DrillEvent(at=at, wall_at=wall, kind=kind, actor=actor, summary_zh=zh,
                                 summary_en=en, data=data))


def _incident_event(row: Incident, at: datetime, actor: str, kind: str, zh: str, en: str = "",
                    **data: Any) -> None:
    row.events.append(IncidentEvent(at=at, actor=actor, kind=kind, summary_zh=zh,
                                    summary_en=en, data=data))


def _local(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%m-%d %H:%M") if dt else "—"


# ------------------------------------------------------------------ controller actions
def get_run(session: Session, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None:
        raise NotFound(f"演练 {run_id}", f"drill run {run_id}")
    return run


def list_runs(session: Session, limit: int = 100) -> list[DrillRun]:
    return list(session.scalars(select(DrillRun).order_by(DrillRun.id.desc()).limit(limit)))


def _live(run: DrillRun) -> None:
    if run.status == "ended":
        raise DrillError("drill_ended", f"演练 {run.id} 已结束", f"drill run {run.id} has ended")


def advance(session: Session, ctx: EngineContext, run_id: int, *, wall: datetime,
            actor: str) -> eng.Tick | None:
    """Bring the run up to its clock: fire what is due. A no-op once ended."""
    run = get_run(session, run_id)
    if run.status == "ended":
        return None
    scenario = scenario_of(run)
    return _process(session, ctx, run, scenario, run_now(run, wall), wall, actor)


def step(session: Session, ctx: EngineContext, run_id: int, delta: timedelta, *,
         wall: datetime, actor: str) -> eng.Tick | None:
    """Move the scenario clock forward by ``delta`` (the controller's step), then advance."""
    run = get_run(session, run_id)
    _live(run)
    if delta <= timedelta(0) or delta > timedelta(days=30):
        raise DrillError("invalid_step", "步进时长须大于 0 且不超过 30 天",
                         "a step must be positive and at most 30 days", 422)
    _set_clock(run, clock_of(run).step(delta, wall))  # a paused clock steps too
    _run_event(run, run_now(run, wall), wall, actor, "step",
               f"导调步进 {format_duration(delta)}", f"stepped {format_duration(delta)}",
               minutes=delta.total_seconds() / 60)
    return advance(session, ctx, run_id, wall=wall, actor=actor)


def pause(session: Session, ctx: EngineContext, run_id: int, *, wall: datetime,
          actor: str) -> None:
    advance(session, ctx, run_id, wall=wall, actor=actor)
    run = get_run(session, run_id)
    _live(run)
    if run.status == "paused":
        raise DrillError("already_paused", "演练已暂停", "the drill is already paused")
    _set_clock(run, clock_of(run).pause(wall))
    run.status = "paused"
    _run_event(run, run_now(run, wall), wall, actor, "paused", "演练暂停", "paused")
    session.flush()


def resume(session: Session, ctx: EngineContext, run_id: int, *, wall: datetime,
           actor: str) -> None:
    run = get_run(session, run_id)
    _live(run)
    if run.status == "running":
        raise DrillError("not_paused", "演练未暂停", "the drill is not paused")
    _set_clock(run, clock_of(run).resume(wall))
    run.status = "running"
    _run_event(run, run_now(run, wall), wall, actor, "resumed", "演练继续", "resumed")
    session.flush()


def set_speed(session: Session, ctx: EngineContext, run_id: int, speed: float, *,
              wall: datetime, actor: str) -> None:
    if not 0 <= speed <= 3600:
        raise DrillError("invalid_speed", "速度须在 0(手动步进)至 3600 之间",
                         "speed must be between 0 (stepped) and 3600", 422)
    advance(session, ctx, run_id, wall=wall, actor=actor)
    run = get_run(session, run_id)
    _live(run)
    _set_clock(run, clock_of(run).with_speed(speed, wall))
    _run_event(run, run_now(run, wall), wall, actor, "speed", f"时钟改为{speed_label(speed)}",
               f"speed {speed:g}", speed=speed)
    session.flush()


def end_drill(session: Session, ctx: EngineContext, run_id: int, *, wall: datetime,
              actor: str) -> None:
    """The controller ends the drill now (after firing what is due)."""
    advance(session, ctx, run_id, wall=wall, actor=actor)
    run = get_run(session, run_id)
    _live(run)
    _finish(session, ctx, run, scenario_of(run), run_now(run, wall), "controller", wall, actor)
    session.flush()


def fire_inject(session: Session, ctx: EngineContext, run_id: int, data: Any, *,
                wall: datetime, actor: str) -> DrillInject:
    """Release an inject by hand: a scripted one now (``{"inject_id": "I4"}``), or an ad hoc
    one (``{"message", "mode", "from", "to", "objective", "expected_actions"?}``)."""
    advance(session, ctx, run_id, wall=wall, actor=actor)
    run = get_run(session, run_id)
    _live(run)
    scenario = scenario_of(run)
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象",
                                            "the body must be a JSON object")])
    now = run_now(run, wall)
    fired = {i.inject_id for i in run.injects}
    primary = _primary_incident(session, run)
    if data.get("inject_id") is not None:
        inj = scenario.inject(str(data["inject_id"]))
        if inj is None:
            raise NotFound(f"注入 {data['inject_id']}", f"inject {data['inject_id']}")
        if inj.id in fired:
            raise DrillError("already_fired", f"注入 {inj.id} 已下达",
                             f"inject {inj.id} has already been delivered")
        row = _deliver(run, primary, scenario, inj, eng.FiredInject(inj.id, now, now, "manual"),
                       wall, actor)
    else:
        n = 1 + sum(1 for i in run.injects if i.kind == "adhoc")
        inject_id = f"X{n}"
        body = {k: v for k, v in data.items() if k != "inject_id"}
        inj = parse_adhoc_inject(scenario, body, inject_id)
        row = _deliver(run, primary, scenario, inj,
                       eng.FiredInject(inject_id, now, now, "adhoc"), wall, actor,
                       definition=body)
    session.flush()
    _process(session, ctx, run, scenario, now, wall, actor)
    return row


def record_observation(session: Session, run_id: int, data: Any, *, wall: datetime,
                       actor: str, evaluator_name: str | None = None) -> DrillObservation:
    """An evaluator scores an objective: ``{objective_id, rating: P|S|M|U, note?, inject_id?,
    observed_t?}``, a draft until :func:`submit_evaluation`.

    ``observed_t`` (``"T+01:30"``) is when the evaluator saw it, in scenario time, from the
    drill's start up to now (default: now). ``actor`` (the account) is recorded as
    ``recorded_by``; the name shown is ``evaluator`` from the body, else ``evaluator_name``
    (the account's display name), else ``actor``. Nothing is saved when anything is wrong.
    """
    run = get_run(session, run_id)
    scenario = scenario_of(run)
    if not isinstance(data, dict):
        raise InvalidEvaluation([FieldProblem("body", "请求体须为 JSON 对象",
                                            "the body must be a JSON object")])
    problems = []
    unknown = set(data) - {"objective_id", "rating", "note", "inject_id", "evaluator",
                           "observed_t"}
    problems += [FieldProblem(k, "未知字段", "unknown field") for k in sorted(unknown)]
    objective = str(data.get("objective_id") or "")
    if scenario.objective(objective) is None:
        problems.append(FieldProblem("objective_id", "没有该演练目标(可选:" + "、".join(
            o.id for o in scenario.objectives) + ")", "no such objective"))
    rating = str(data.get("rating") or "").upper()
    if rating not in RATING_LABELS:
        problems.append(FieldProblem("rating", "评估等级须为 P / S / M / U",
                                     "rating must be P, S, M or U"))
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        problems.append(FieldProblem("note", "备注须为不超过 2000 字的文本",
                                     "note must be text of at most 2000 characters"))
    inject_id = data.get("inject_id")
    if inject_id is not None and scenario.inject(str(inject_id)) is None and \
            str(inject_id) not in {i.inject_id for i in run.injects}:
        problems.append(FieldProblem("inject_id", "没有该注入", "no such inject"))
    evaluator = data.get("evaluator") or evaluator_name or actor
    if not isinstance(evaluator, str) or len(evaluator) > 64:
        problems.append(FieldProblem("evaluator", "评估员须为不超过 64 字的文本",
                                     "evaluator must be text up to 64 characters"))
    t0, now = _aware(run.t0), run_now(run, wall)
    observed_at = now
    if data.get("observed_t") not in (None, ""):
        start = t0 + timedelta(seconds=run.start_s)
        try:
            observed_at = t0 + parse_t(data["observed_t"])
            if not start <= observed_at <= now:
                raise ValueError(data["observed_t"])
        except ValueError:
            problems.append(FieldProblem(
                "observed_t", f"观察时间须为 {format_t(start - t0)} 至 {format_t(now - t0)} 之间的"
                "想定时间(如 T+01:30)", f"observed_t must be a scenario time from "
                f"{format_t(start - t0)} to {format_t(now - t0)} (e.g. T+01:30)"))
    if problems:
        raise InvalidEvaluation(problems)
    obs = DrillObservation(objective_id=objective, rating=rating, note=note.strip(),
                           inject_id=str(inject_id) if inject_id is not None else None,
                           observed_at=observed_at, recorded_at=wall, evaluator=evaluator,
                           recorded_by=actor[:64])
    run.observations.append(obs)
    session.flush()
    return obs


def submit_evaluation(session: Session, run_id: int, *, wall: datetime,
                      actor: str) -> list[DrillObservation]:
    """The evaluator ``actor`` submits their draft observations (提交评估): stamped now, they
    enter the report the players see once the drill has ended. Later observations are new
    drafts. Refused (409) when ``actor`` has no draft on this run."""
    run = get_run(session, run_id)
    drafts = [o for o in run.observations if o.recorded_by == actor and o.submitted_at is None]
    if not drafts:
        raise DrillError("nothing_to_submit", "没有待提交的评估记录(请先记录评估)",
                         "there is no draft observation of yours to submit; record one first")
    for obs in drafts:
        obs.submitted_at = wall
    _run_event(run, run_now(run, wall), wall, actor, "evaluation_submitted",
               f"评估员 {drafts[0].evaluator} 提交评估({len(drafts)} 条)",
               f"evaluator {drafts[0].evaluator} submitted {len(drafts)} observation(s)",
               observations=[o.id for o in drafts])
    session.flush()
    return drafts


def visible_observations(run: DrillRun, *, insider: bool) -> list[DrillObservation]:
    """The observations a reader may see: all of them for an evaluator or organiser
    (``insider``), else only submitted ones and only once the drill has ended."""
    if insider:
        return list(run.observations)
    if run.status != "ended":
        return []
    return [o for o in run.observations if o.submitted_at is not None]


def _evaluator_observations(run: DrillRun, *, insider: bool) -> list[EvaluatorObservation]:
    return [EvaluatorObservation(o.objective_id, o.rating, o.note, _aware(o.observed_at),
                                 o.evaluator, o.inject_id, o.recorded_by, _aware(o.recorded_at),
                                 _aware(o.submitted_at))
            for o in visible_observations(run, insider=insider)]


def check_report_visible(run: DrillRun, *, insider: bool) -> None:
    """Players and viewers read the after-action report only once the drill has ended."""
    if not insider and run.status != "ended":
        raise DrillError("evaluation_not_published",
                         "演练结束后方可查看评估报告(评估草稿仅评估员和组织者可见)",
                         "the after-action report is available once the drill has ended "
                         "(draft evaluations are for evaluators and organisers only)", 403)


def add_improvement(session: Session, run_id: int, data: Any, *, wall: datetime,
                    actor: str) -> DrillImprovement:
    """An improvement-plan item: ``{item, owner, due: YYYY-MM-DD, objective_id?}``."""
    run = get_run(session, run_id)
    scenario = scenario_of(run)
    if not isinstance(data, dict):
        raise InvalidEvaluation([FieldProblem("body", "请求体须为 JSON 对象",
                                            "the body must be a JSON object")])
    problems = []
    for name, label in (("item", "改进事项"), ("owner", "责任单位")):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 2000:
            problems.append(FieldProblem(name, f"缺少{label}(不超过 2000 字)",
                                         "required text (at most 2000 characters)"))
    try:
        due = date.fromisoformat(str(data.get("due")))
    except ValueError:
        problems.append(FieldProblem("due", "完成期限须为日期(如 2026-09-30)",
                                     "due must be a date (e.g. 2026-09-30)"))
        due = None
    objective = data.get("objective_id")
    if objective is not None and scenario.objective(str(objective)) is None:
        problems.append(FieldProblem("objective_id", "没有该演练目标", "no such objective"))
    if problems:
        raise InvalidEvaluation(problems)
    item = DrillImprovement(item=data["item"].strip(), owner=data["owner"].strip()[:200],
                            due=due, objective_id=str(objective) if objective else None,
                            created_by=actor, created_at=wall)
    run.improvements.append(item)
    session.flush()
    return item


# ------------------------------------------------------------------ what the players see
@dataclass(frozen=True)
class PlayerInjects:
    """The injects delivered to the players of a drill incident, for the incident page (banner
    and list): messages, not the script — no expected actions, notes, objectives or causes."""

    run: DrillRun
    t0: datetime
    injects: list[DrillInject]


def player_injects(session: Session, incident_id: int) -> PlayerInjects:
    """The delivered injects of the run that created drill incident ``incident_id``."""
    row = incidents.get_incident(session, incident_id, drills=True)
    link = row.drill_link
    if link is None:
        raise NotFound(f"事件 {incident_id} 的演练", f"the drill of incident {incident_id}")
    run = link.run
    return PlayerInjects(run, _aware(run.t0),
                         sorted(run.injects, key=lambda i: (_aware(i.delivered_at), i.id)))


def acknowledge_inject(session: Session, run_id: int, inject_id: str, *, wall: datetime,
                       actor: str) -> DrillInject:
    """A player acknowledges a delivered inject (签收), at the run's scenario time; the run's
    log and the incident's timeline say who. Acknowledging again changes nothing."""
    run = get_run(session, run_id)
    row = next((i for i in run.injects if i.inject_id == inject_id), None)
    if row is None:
        raise NotFound(f"已下达的注入 {inject_id}", f"delivered inject {inject_id}")
    if row.acknowledged_at is not None:
        return row
    _live(run)
    at = run_now(run, wall)
    row.acknowledged_at, row.acknowledged_by = at, actor[:64]
    _run_event(run, at, wall, actor, "acknowledged", f"{DRILL_MARK}注入 {inject_id} 已由 "
               f"{actor} 签收", f"{DRILL_MARK_EN} inject {inject_id} acknowledged by {actor}",
               inject=inject_id)
    primary = _primary_incident(session, run)
    if primary is not None:
        _incident_event(primary, at, actor, "drill_ack",
                        f"{DRILL_MARK}签收情景注入 {inject_id}",
                        f"{DRILL_MARK_EN} acknowledged inject {inject_id}", inject=inject_id)
    session.flush()
    return row


# ------------------------------------------------------------------ state and report
@dataclass(frozen=True)
class RunView:
    """Everything the controller console shows of a run, as domain objects (the web layer
    serialises it: :func:`emergency.web.drill_api.run_state_dict`).

    ``insider``: the reader is an evaluator or organiser. A player (not an insider) sees the
    script only as far as it has happened — knowing what comes next, and what is being scored,
    would spoil the exercise — so a player's view leaves out upcoming events and late actions,
    and the serialiser drops :data:`PLAYER_HIDDEN` fields and pending injects."""

    run: DrillRun
    scenario: Scenario
    insider: bool
    t0: datetime
    now: datetime
    processed: datetime
    world: eng.World
    states: dict[str, eng.ActionState]      # "<inject>/<action>" → its state
    fired: dict[str, DrillInject]            # inject id → the delivered row
    upcoming: list[eng.Upcoming]             # what comes next (empty for a player)
    predicted: dict[str, datetime]           # inject id → predicted delivery
    injects: dict[str, Inject]               # every inject, scripted and ad hoc
    late: list[eng.ActionState]              # late or overdue actions (empty for a player)
    linked: list[tuple[str, Incident]]       # (scenario incident id, its incident)
    names: dict[str, tuple[str, str]]        # what triggers name → (中文, English)
    observations: list[DrillObservation]     # the ones the reader may see
    evaluators: list                         # sign-offs of the evaluators the reader may see


# What a player does not see of a delivered inject (see RunView).
PLAYER_HIDDEN = frozenset({"expected_actions", "notes", "predicted_at", "predicted_t",
                           "objective"})


def run_view(session: Session, run_id: int, *, wall: datetime, insider: bool = True) -> RunView:
    """The controller console's state of a run (see :class:`RunView`)."""
    run = get_run(session, run_id)
    scenario = scenario_of(run)
    t0 = _aware(run.t0)
    processed = t0 + timedelta(seconds=run.processed_s)
    world = _world(session, run, scenario)
    states = {s.key: s for s in eng.action_states(scenario, world, processed)}
    times = eng.upcoming(scenario, world, processed)
    late = [s for s in states.values() if s.status in ("late", "overdue")]
    linked = _linked(session, run)
    return RunView(
        run=run, scenario=scenario, insider=insider, t0=t0, now=run_now(run, wall),
        processed=processed, world=world, states=states,
        fired={i.inject_id: i for i in run.injects},
        upcoming=times if insider else [],
        predicted={u.ref: u.at for u in times if u.kind == "inject"},
        injects=eng.all_injects(scenario, world.adhoc),
        late=late if insider else [], linked=linked, names=run_names(run, scenario, linked),
        observations=visible_observations(run, insider=insider),
        evaluators=sign_offs(_evaluator_observations(run, insider=insider)))


def run_t0(run: DrillRun) -> datetime:
    """The scenario's T+0 of a run (aware)."""
    return _aware(run.t0)


def build_report(session: Session, run_id: int, *, report_date: date | None = None,
                 insider: bool = True, tz: tzinfo = DEFAULT_TZ) -> Report:
    """The after-action report (interim while the run is still going). A reader who is not an
    evaluator or organiser (``insider``) gets it only once the drill has ended, built from the
    submitted observations only (:func:`check_report_visible`, :func:`visible_observations`)."""
    run = get_run(session, run_id)
    check_report_visible(run, insider=insider)
    scenario = scenario_of(run)
    t0 = _aware(run.t0)
    end_s = run.ended_s if run.status == "ended" and run.ended_s is not None else run.processed_s
    observations = _evaluator_observations(run, insider=insider)
    manual = [ImprovementItem(i.item, i.owner, i.due, i.objective_id, "manual")
              for i in run.improvements]
    if report_date is None:
        wall_end = _aware(run.ended_at) or datetime.now(UTC)
        report_date = wall_end.astimezone(tz).date()
    return replace(evaluate(
        scenario, _world(session, run, scenario), started_at=t0 + timedelta(seconds=run.start_s),
        ended_at=t0 + timedelta(seconds=end_s), end_reason=run.end_reason or "in_progress",
        observations=observations, manual_plan=manual, report_date=report_date), tz=tz)


@dataclass(frozen=True)
class ReportDocument:
    """What the Word 演练总结报告 needs (:func:`emergency.drills.docx_report.report_docx`)."""

    report: Report
    scenario: Scenario
    log: list                                 # LogLine, in scenario time
    names: dict[str, tuple[str, str]]


LOG_KINDS = ("started", "phase", "late", "ended", "acknowledged", "paused", "resumed",
             "evaluation_submitted")


def report_document(session: Session, run_id: int, *, insider: bool = True,
                    tz: tzinfo = DEFAULT_TZ, report_date: date | None = None) -> ReportDocument:
    """The report with the scenario, the run's log (injects delivered and the run's events)
    and the names its triggers use — for the .docx (same visibility as :func:`build_report`)."""
    from emergency.drills.docx_report import LogLine

    report = build_report(session, run_id, insider=insider, tz=tz, report_date=report_date)
    run = get_run(session, run_id)
    scenario = scenario_of(run)
    lines = [(_aware(e.at), 0, e.id, e.summary_zh) for e in run.events
             if e.kind in LOG_KINDS and e.kind not in ("acknowledged", "ended")]
    lines += [(_aware(i.delivered_at), 1, i.id,
               f"下达情景注入 {i.inject_id}({MODES.get(i.mode, (i.mode,))[0]},"
               f"{i.sender} → {i.recipient}):{i.message}") for i in run.injects]
    lines += [(_aware(e.at), 2, e.id, e.summary_zh) for e in run.events
              if e.kind in ("acknowledged", "ended")]
    log = [LogLine(at, text) for at, _rank, _id, text in sorted(lines, key=lambda x: x[:3])]
    return ReportDocument(report, scenario, log, run_names(run, scenario,
                                                           _linked(session, run)))


# ------------------------------------------------------------------ headless play
@dataclass
class AutoPlayers:
    """Scripted players (脚本角色) for a headless run: each expected action is done on time
    with probability ``on_time`` (at 20–90 % of the time allowed), else late (two thirds: 10–100 %
    of the time allowed after the deadline) or never."""

    on_time: float = 0.8
    seed: int = 1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def when(self, delivered: datetime, within: timedelta) -> datetime | None:
        if self.rng.random() < self.on_time:
            return delivered + within * self.rng.uniform(0.2, 0.9)
        if self.rng.random() < 2 / 3:
            return delivered + within * (1 + self.rng.uniform(0.1, 1.0))
        return None


def auto_run(database, ctx: EngineContext, scenario: Scenario, yaml_text: str, *,
             players: AutoPlayers, step_minutes: float = 60.0, actor: str = "auto",
             echo: Callable[[str], None] = lambda line: None, max_steps: int = 10_000) -> int:
    """Play a scenario headless: the clock advances in steps of ``step_minutes`` (and stops at
    every known trigger time and player action), scripted players check off the expected
    actions. Returns the run id. ``database``: a :class:`emergency.store.Database`."""
    wall = datetime.now(UTC)
    printed: set[str] = set()
    with database.session() as s:
        run = start_drill(s, ctx, scenario, yaml_text, actor=actor, wall=wall, speed=0.0,
                          anchor="scenario")
        run_id = run.id
        _echo_new(run, printed, echo)
    seen: set[str] = set()
    agenda: list[tuple[datetime, int, str, str]] = []  # (when, seq, inject, action)
    step_size = timedelta(minutes=step_minutes)
    for _ in range(max_steps):
        with database.session() as s:
            run = get_run(s, run_id)
            if run.status == "ended":
                break
            world = _world(s, run, scenario)
            now = _aware(run.t0) + timedelta(seconds=run.processed_s)
            for state in eng.action_states(scenario, world, now):
                if state.key not in seen:
                    seen.add(state.key)
                    when = players.when(state.delivered, state.action.within)
                    if when is not None:
                        heapq.heappush(agenda, (max(when, now), len(seen), state.inject_id,
                                                state.action.id))
            candidates = [now + step_size, eng.next_time(scenario, world, now)]
            if agenda:
                candidates.append(agenda[0][0])
            target = min(c for c in candidates if c is not None and c >= now)
            if target > now:
                step(s, ctx, run_id, target - now, wall=wall, actor=actor)
            while agenda and agenda[0][0] <= target and run.status != "ended":
                _when, _n, inject_id, action_id = heapq.heappop(agenda)
                _complete(s, ctx, run, scenario, inject_id, action_id, wall)
                advance(s, ctx, run_id, wall=wall, actor=actor)
            _echo_new(run, printed, echo)
    return run_id


def _echo_new(run: DrillRun, printed: set[str], echo: Callable[[str], None]) -> None:
    """Print the injects and run events not printed yet (``printed`` is updated)."""
    t0 = _aware(run.t0)
    lines = []
    for i in run.injects:
        if f"inject:{i.inject_id}" not in printed:
            printed.add(f"inject:{i.inject_id}")
            lines.append((_aware(i.delivered_at), 0,
                          f"{format_t(_aware(i.delivered_at) - t0)}  [{i.inject_id}] "
                          f"{MODES.get(i.mode, (i.mode,))[0]} {i.sender} → {i.recipient}: "
                          f"{i.message}"))
    for e in run.events:
        if f"event:{e.id}" not in printed and e.kind in ("phase", "late", "ended"):
            printed.add(f"event:{e.id}")
            lines.append((_aware(e.at), 1, f"{format_t(_aware(e.at) - t0)}  · {e.summary_zh}"))
    for _at, _k, line in sorted(lines, key=lambda x: (x[0], x[1])):
        echo(line)


def _complete(session: Session, ctx: EngineContext, run: DrillRun, scenario: Scenario,
              inject_id: str, action_id: str, wall: datetime) -> None:
    """A scripted player checks off the item(s) an expected action names."""
    inj = eng.all_injects(scenario, _world(session, run, scenario).adhoc).get(inject_id)
    action = next((a for a in inj.expected if a.id == action_id), None) if inj else None
    if action is None:
        return
    sid = action.incident or scenario.primary
    row = next((r for s, r in _linked(session, run) if s == sid), None)
    if row is None:
        return
    by_key = ":" in action.checklist
    items = [i for i in row.checklist if i.status != "superseded" and
             (i.item_key == action.checklist if by_key else i.kind == action.checklist)]
    if action.match == "any" and any(i.status == "done" for i in items):
        return
    far = datetime.max.replace(tzinfo=UTC)
    todo = sorted((i for i in items if i.status == "open"),
                  key=lambda i: (_aware(i.due_at) or far, i.id))
    for item in todo if action.match == "all" else todo[:1]:
        incidents.update_checklist_item(
            session, on_scenario_clock(ctx), row.id, item.id,
            {"status": "done", "version": item.version,
             "note": f"{DRILL_MARK}脚本角色按预期行动 {inject_id}/{action_id} 完成"},
            actor=f"auto:{action.by or 'player'}"[:64], now=wall, drills=True)
