"""After-action evaluation (演练评估) of a drill run: from the timeline to a report. Pure.

Method, in the spirit of GB/T 46792-2025 (observe and record → analyse → conclude → report):

1. **Observe and record** (观察记录). The engine's timeline gives, for every expected action of
   every delivered inject, the time allowed (delivery + ``within``) and when the matching
   checklist item was checked off; evaluators add observations against objectives, each rated
   P / S / M / U (HSEEP: performed without challenges / with some / with major challenges /
   unable to be performed) with a note and a timestamp. Each observation keeps who recorded it
   and when, and when its evaluator submitted it (a draft until then); the report lists the
   evaluators (``sign_offs``).
2. **Analyse** (分析). Every expected action the scenario plans — those of every scripted
   inject, and of the contingency and ad-hoc injects that were delivered — is *on time* (done by
   its deadline), *late* (done after it), *missed* (not done when the drill ended although its
   deadline had passed), *not due* (delivered, but the drill ended before its deadline and it
   was not done) or *not played* (its inject was never delivered). Not due and not played are
   both "未进行 / not played".
3. **Conclude** (评估结论): a score 0–100 per objective and overall.

   * timeliness of an objective = mean over **all** its planned actions of on time 100, late 50,
     missed 0, and not due / not played 0 (``TIMELINESS_POINTS``): what was not played is not
     achieved, so an unplayed drill never earns a full mark;
   * rating of an objective = mean over its observations of P 100, S 70, M 40, U 0
     (``RATING_POINTS``);
   * objective score = 0.6 × timeliness + 0.4 × rating (``TIMELINESS_WEIGHT``); when only one of
     the two exists it is the score; with neither the objective was not observed (未观察到) and
     scores 0 (not achieved);
   * overall score = the objectives' scores averaged with their ``weight``;
   * grade (评定等级): ≥ 90 优 (excellent), ≥ 75 良 (good), ≥ 60 中 (fair), below 60 差 (poor) —
     for a **complete** drill only. A drill is complete when every scripted inject was delivered,
     every expected action was assessed (on time, late or missed) and every objective was
     observed; otherwise it is graded 未完成 (incomplete) and the report states why, with its
     coverage (X of Y injects, A of B expected actions, objectives observed). The score on what
     was played alone (the old rule: unplayed actions left out) is given beside it as
     ``played_score``, for reference only.

   Every number is rounded to one decimal only for display; the arithmetic is exact.
4. **Report** (评估报告): strengths (complete objectives scoring ≥ 90, P-rated observations),
   areas for improvement (late and missed actions, M/U observations, objectives graded 差, and
   for an incomplete drill: the early end, every inject not delivered, every action not played,
   every objective not observed) and an improvement plan: one item per area with an owner (the
   unit expected to act, else the objective's owner, else the organiser) and a due date (30 days
   for missed actions and U ratings, 60 days for late actions, M ratings and the follow-up drill
   of what was not played, from the report date), plus the items the organisers add by hand.

The weights and points are module constants so that a province can adopt its own scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from emergency.config import DEFAULT_TZ
from emergency.drills import DRILL_MARK
from emergency.drills.engine import World, action_states, all_injects
from emergency.drills.scenario import (
    MODES,
    TYPE_LABELS,
    Scenario,
    format_duration,
    format_t,
)

TIMELINESS_POINTS = {"on_time": 100.0, "late": 50.0, "missed": 0.0, "not_due": 0.0,
                     "not_played": 0.0}
UNPLAYED = ("not_due", "not_played")   # 未进行: scored as not achieved
RATING_POINTS = {"P": 100.0, "S": 70.0, "M": 40.0, "U": 0.0}
RATING_LABELS = {"P": ("顺利完成", "performed without challenges"),
                 "S": ("完成但存在一些困难", "performed with some challenges"),
                 "M": ("完成但存在较大困难", "performed with major challenges"),
                 "U": ("未能完成", "unable to be performed")}
TIMELINESS_WEIGHT = 0.6
GRADES = ((90.0, "优", "excellent"), (75.0, "良", "good"), (60.0, "中", "fair"),
          (0.0, "差", "poor"))
INCOMPLETE = ("未完成", "incomplete")   # the grade of a drill not played in full
IMPROVEMENT_DAYS = {"missed": 30, "U": 30, "late": 60, "M": 60, "unplayed": 60}
STATUS_LABELS = {"on_time": ("按时", "on time"), "late": ("超时", "late"),
                 "missed": ("未完成", "missed"),
                 "not_due": ("未到期(未进行)", "not due (not played)"),
                 "not_played": ("未进行", "not played")}
END_REASONS = {"terminated": ("终止条件满足", "termination conditions met"),
               "time_limit": ("达到演练时长上限", "time limit reached"),
               "controller": ("导调结束", "ended by the controller"),
               "in_progress": ("进行中(中期报告)", "in progress (interim report)")}
ORGANISER = "演练组织单位"


@dataclass(frozen=True)
class EvaluatorObservation:
    """An observation against an objective. ``observed_at`` is scenario time; ``recorded_by``
    (the account), ``recorded_at`` and ``submitted_at`` (None: a draft) are wall-clock facts."""

    objective_id: str
    rating: str
    note: str
    observed_at: datetime
    evaluator: str
    inject_id: str | None = None
    recorded_by: str = ""
    recorded_at: datetime | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class EvaluatorSignOff:
    """Who evaluated what (评估人员): one row per evaluator of the report."""

    evaluator: str
    recorded_by: str
    observations: int
    objectives: tuple[str, ...]
    drafts: int
    first_recorded_at: datetime | None
    last_recorded_at: datetime | None
    submitted_at: datetime | None       # the latest submission; None: nothing submitted


def sign_offs(observations: Sequence[EvaluatorObservation]) -> tuple[EvaluatorSignOff, ...]:
    """The evaluators of ``observations``, in order of their first observation."""
    groups: dict[tuple[str, str], list[EvaluatorObservation]] = {}
    for o in sorted(observations, key=lambda o: (o.recorded_at or o.observed_at, o.observed_at)):
        groups.setdefault((o.evaluator, o.recorded_by), []).append(o)
    out = []
    for (evaluator, recorded_by), mine in groups.items():
        recorded = [o.recorded_at for o in mine if o.recorded_at is not None]
        submitted = [o.submitted_at for o in mine if o.submitted_at is not None]
        out.append(EvaluatorSignOff(
            evaluator=evaluator, recorded_by=recorded_by, observations=len(mine),
            objectives=tuple(sorted({o.objective_id for o in mine})),
            drafts=sum(o.submitted_at is None for o in mine),
            first_recorded_at=min(recorded, default=None),
            last_recorded_at=max(recorded, default=None),
            submitted_at=max(submitted, default=None)))
    return tuple(out)


@dataclass(frozen=True)
class ImprovementItem:
    item: str
    owner: str
    due: date
    objective_id: str | None = None
    source: str = "auto"      # auto (from the timeline) | manual (added by the organisers)


@dataclass(frozen=True)
class ActionResult:
    inject_id: str
    action_id: str
    text: str
    objective_id: str
    by: str
    checklist: str
    delivered: datetime | None          # None: the inject was never delivered (not played)
    deadline: datetime | None
    done_at: datetime | None
    status: str
    late_minutes: float | None
    has_item: bool
    within: timedelta = timedelta(0)


@dataclass(frozen=True)
class ObjectiveResult:
    id: str
    text: str
    weight: float
    assessed: int
    on_time: int
    late: int
    missed: int
    timeliness: float | None
    ratings: tuple[str, ...]
    rating_score: float | None
    score: float | None
    grade_zh: str | None
    grade_en: str | None
    planned: int = 0                    # its planned expected actions
    unplayed: int = 0                   # of them not due or not played
    played_score: float | None = None   # on what was played only (for reference)
    observed: bool = True               # any assessed action or observation

    @property
    def complete(self) -> bool:
        return self.unplayed == 0 and self.observed


@dataclass(frozen=True)
class Coverage:
    """How much of the scenario was played (演练完成度)."""

    injects_delivered: int              # scripted injects delivered
    injects_planned: int
    actions_assessed: int               # on time, late or missed
    actions_planned: int
    objectives_observed: int
    objectives_total: int
    ended_early: bool
    reasons: tuple[tuple[str, str], ...]   # (zh, en), empty when complete

    @property
    def complete(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class DeliveredInject:
    inject_id: str
    kind: str
    due: datetime
    delivered: datetime
    mode: str
    sender: str
    recipient: str
    message: str
    cause: str | None


@dataclass(frozen=True)
class Report:
    watermark: str
    scenario_id: str
    title: str
    type_zh: str
    t0: datetime
    started_at: datetime
    ended_at: datetime
    end_reason: str
    report_date: date
    phases: tuple[tuple[str, datetime], ...]
    injects: tuple[DeliveredInject, ...]
    injects_planned: int
    actions: tuple[ActionResult, ...]
    objectives: tuple[ObjectiveResult, ...]
    observations: tuple[EvaluatorObservation, ...]
    evaluators: tuple[EvaluatorSignOff, ...]
    score: float | None
    grade_zh: str | None
    grade_en: str | None
    strengths: tuple[str, ...]
    areas_for_improvement: tuple[str, ...]
    improvement_plan: tuple[ImprovementItem, ...]
    coverage: Coverage | None = None
    played_score: float | None = None    # on what was played only (for reference)
    duration: timedelta = timedelta(0)   # the scenario's duration
    tz: tzinfo = DEFAULT_TZ  # the business time zone its times are shown in

    @property
    def complete(self) -> bool:
        return self.coverage is None or self.coverage.complete

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in STATUS_LABELS}
        for a in self.actions:
            out[a.status] += 1
        return out


def grade(score: float | None) -> tuple[str | None, str | None]:
    if score is None:
        return None, None
    return next((zh, en) for floor, zh, en in GRADES if score >= floor)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def evaluate(scenario: Scenario, world: World, *, started_at: datetime, ended_at: datetime,
             end_reason: str, observations: Sequence[EvaluatorObservation] = (),
             manual_plan: Sequence[ImprovementItem] = (),
             report_date: date | None = None) -> Report:
    """The after-action report of a run that ended at ``ended_at`` (scenario time)."""
    report_date = report_date or ended_at.date()
    actions = tuple(_action_result(scenario, s) for s in action_states(scenario, world, ended_at))
    actions += tuple(_not_played(scenario, world))
    objectives = tuple(_objective_result(o, actions, observations) for o in scenario.objectives)
    coverage = _coverage(scenario, world, actions, objectives, ended_at, end_reason)
    score = _weighted(objectives, lambda o: o.score)
    played_score = _weighted(objectives, lambda o: o.played_score)
    grade_zh, grade_en = grade(score) if coverage.complete else INCOMPLETE
    strengths, areas, plan = _conclusions(scenario, world, actions, objectives, observations,
                                          coverage, report_date)
    defs = all_injects(scenario, world.adhoc)
    delivered = tuple(
        DeliveredInject(f.inject_id, f.kind, f.due, f.delivered,
                        defs[f.inject_id].mode if f.inject_id in defs else "",
                        scenario.party_name(defs[f.inject_id].sender) if f.inject_id in defs
                        else "", scenario.party_name(defs[f.inject_id].recipient)
                        if f.inject_id in defs else "",
                        defs[f.inject_id].message if f.inject_id in defs else "", f.cause)
        for f in sorted(world.fired.values(), key=lambda f: (f.delivered, f.due, f.inject_id)))
    phases = tuple(sorted(((next((p.name for p in scenario.phases if p.id == pid), pid), at)
                           for pid, at in world.phases.items()), key=lambda x: x[1]))
    return Report(
        watermark=DRILL_MARK, scenario_id=scenario.id, title=scenario.title,
        type_zh=TYPE_LABELS[scenario.type][0], t0=world.t0, started_at=started_at,
        ended_at=ended_at, end_reason=end_reason, report_date=report_date, phases=phases,
        injects=delivered, injects_planned=len(scenario.injects), actions=actions,
        objectives=objectives, observations=tuple(sorted(observations,
                                                         key=lambda o: o.observed_at)),
        evaluators=sign_offs(observations), score=score, grade_zh=grade_zh, grade_en=grade_en,
        strengths=strengths,
        areas_for_improvement=areas, improvement_plan=plan + tuple(manual_plan),
        coverage=coverage, played_score=played_score, duration=scenario.duration,
    )


def _weighted(objectives: Sequence[ObjectiveResult], value) -> float | None:
    scored = [(value(o), o.weight) for o in objectives if value(o) is not None]
    total = sum(w for _v, w in scored)
    return sum(v * w for v, w in scored) / total if scored and total > 0 else None


def _action_result(scenario: Scenario, state) -> ActionResult:
    status = {"overdue": "missed", "open": "not_due"}.get(state.status, state.status)
    late = None
    if status == "late" and state.done_at is not None:
        late = (state.done_at - state.deadline).total_seconds() / 60
    return ActionResult(
        inject_id=state.inject_id, action_id=state.action.id, text=state.action.text,
        objective_id=state.action.objective, by=scenario.party_name(state.action.by),
        checklist=state.action.checklist, delivered=state.delivered, deadline=state.deadline,
        done_at=state.done_at, status=status, late_minutes=late, has_item=state.has_item,
        within=state.action.within)


def _not_played(scenario: Scenario, world: World) -> list[ActionResult]:
    """The expected actions of the scripted injects never delivered (未进行)."""
    return [ActionResult(
        inject_id=inj.id, action_id=a.id, text=a.text, objective_id=a.objective,
        by=scenario.party_name(a.by), checklist=a.checklist, delivered=None, deadline=None,
        done_at=None, status="not_played", late_minutes=None, has_item=True, within=a.within)
        for inj in scenario.injects if inj.id not in world.fired for a in inj.expected]


def _objective_result(objective, actions: Sequence[ActionResult],
                      observations: Sequence[EvaluatorObservation]) -> ObjectiveResult:
    planned = [a for a in actions if a.objective_id == objective.id]
    played = [a for a in planned if a.status not in UNPLAYED]
    ratings = tuple(o.rating for o in sorted(observations, key=lambda o: o.observed_at)
                    if o.objective_id == objective.id)
    rating_score = _mean([RATING_POINTS[r] for r in ratings])

    def combine(timeliness: float | None) -> float | None:
        if timeliness is not None and rating_score is not None:
            return TIMELINESS_WEIGHT * timeliness + (1 - TIMELINESS_WEIGHT) * rating_score
        return timeliness if timeliness is not None else rating_score

    timeliness = _mean([TIMELINESS_POINTS[a.status] for a in planned])
    observed = bool(played or ratings)
    score = combine(timeliness)
    if score is None:       # nothing planned and nobody observed it: not achieved
        score = 0.0
    played_score = combine(_mean([TIMELINESS_POINTS[a.status] for a in played]))
    unplayed = len(planned) - len(played)
    grade_zh, grade_en = grade(score) if unplayed == 0 and observed else INCOMPLETE
    return ObjectiveResult(
        id=objective.id, text=objective.text, weight=objective.weight, assessed=len(played),
        on_time=sum(a.status == "on_time" for a in played),
        late=sum(a.status == "late" for a in played),
        missed=sum(a.status == "missed" for a in played), timeliness=timeliness,
        ratings=ratings, rating_score=rating_score, score=score, grade_zh=grade_zh,
        grade_en=grade_en, planned=len(planned), unplayed=unplayed, played_score=played_score,
        observed=observed)


def _coverage(scenario: Scenario, world: World, actions: Sequence[ActionResult],
              objectives: Sequence[ObjectiveResult], ended_at: datetime,
              end_reason: str) -> Coverage:
    t0 = world.t0
    scripted = [i for i in scenario.injects]
    delivered = [i for i in scripted if i.id in world.fired]
    assessed = [a for a in actions if a.status not in UNPLAYED]
    observed = [o for o in objectives if o.observed]
    ended_early = (end_reason in ("controller", "in_progress")
                   and ended_at < t0 + scenario.duration)
    reasons: list[tuple[str, str]] = []
    if ended_early:
        verb = ("演练进行中(中期报告)", "the drill is still in progress (interim report)") \
            if end_reason == "in_progress" else ("演练提前结束", "the drill was ended early")
        reasons.append((f"{verb[0]}:结束于 {format_t(ended_at - t0)},脚本时长 "
                        f"{format_duration(scenario.duration)}",
                        f"{verb[1]}: at {format_t(ended_at - t0)} of "
                        f"{format_duration(scenario.duration)}"))
    missing = [i.id for i in scripted if i.id not in world.fired]
    if missing:
        reasons.append((f"{len(missing)} 个情景注入未下达:{'、'.join(missing)}",
                        f"{len(missing)} inject(s) never delivered: {', '.join(missing)}"))
    pending = [f"{a.inject_id}/{a.action_id}" for a in actions if a.status == "not_due"]
    if pending:
        reasons.append((f"{len(pending)} 项预期行动在结束时尚未到期、未完成:{'、'.join(pending)}",
                        f"{len(pending)} expected action(s) still pending at the end: "
                        f"{', '.join(pending)}"))
    unobserved = [o.id for o in objectives if not o.observed]
    if unobserved:
        reasons.append((f"{len(unobserved)} 个演练目标未观察到(无已评估行动、无评估记录):"
                        f"{'、'.join(unobserved)}",
                        f"{len(unobserved)} objective(s) not observed (no assessed action, no "
                        f"observation): {', '.join(unobserved)}"))
    return Coverage(len(delivered), len(scripted), len(assessed), len(actions), len(observed),
                    len(objectives), ended_early, tuple(reasons))


def _owner(scenario: Scenario, action: ActionResult | None, objective_id: str | None) -> str:
    if action is not None and action.by:
        return action.by
    objective = scenario.objective(objective_id or "")
    if objective is not None and objective.owner:
        return scenario.party_name(objective.owner)
    return ORGANISER


def _conclusions(scenario: Scenario, world: World, actions: Sequence[ActionResult],
                 objectives: Sequence[ObjectiveResult],
                 observations: Sequence[EvaluatorObservation], coverage: Coverage,
                 report_date: date
                 ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[ImprovementItem, ...]]:
    strengths: list[str] = []
    areas: list[str] = []
    plan: list[ImprovementItem] = []

    def due(kind: str) -> date:
        return report_date + timedelta(days=IMPROVEMENT_DAYS[kind])

    for o in objectives:
        if o.complete and o.score is not None and o.score >= 90:
            strengths.append(f"目标 {o.id}「{o.text}」得分 {o.score:.1f}({o.grade_zh})")
    for obs in observations:
        if obs.rating == "P" and obs.note:
            strengths.append(f"目标 {obs.objective_id}:{obs.note}(评估员 {obs.evaluator})")
    if not coverage.complete:
        areas.append(
            f"演练未完成:情景注入下达 {coverage.injects_delivered}/{coverage.injects_planned},"
            f"预期行动评估 {coverage.actions_assessed}/{coverage.actions_planned},演练目标观察 "
            f"{coverage.objectives_observed}/{coverage.objectives_total};未进行部分按未达成计分")
    for a in actions:
        where = "" if a.has_item else "(事件任务清单中没有对应任务项,请核对脚本)"
        if a.status == "late":
            allowed = format_duration(a.within)
            areas.append(f"「{a.text}」超时 {a.late_minutes:.0f} 分钟完成(要求 {allowed} 内,"
                         f"注入 {a.inject_id})")
            plan.append(ImprovementItem(
                f"梳理「{a.text}」超时原因,优化流程和分工,在下次演练前复训", _owner(
                    scenario, a, a.objective_id), due("late"), a.objective_id))
        elif a.status == "missed":
            areas.append(f"「{a.text}」未完成(注入 {a.inject_id}){where}")
            plan.append(ImprovementItem(
                f"明确「{a.text}」的责任人和操作规程,纳入预案并开展专项训练",
                _owner(scenario, a, a.objective_id), due("missed"), a.objective_id))
        elif a.status == "not_due":
            areas.append(f"「{a.text}」未进行:演练结束时尚未到期、未完成(注入 {a.inject_id},"
                         f"时限 {format_t(a.deadline - world.t0) if a.deadline else '—'})")
    for inj in scenario.injects:
        if inj.id not in world.fired:
            acts = "、".join(f"「{a.text}」" for a in inj.expected)
            areas.append(f"情景注入 {inj.id}「{inj.message}」未下达(未进行)"
                         + (f",预期行动 {acts} 未检验" if acts else ""))
    for o in objectives:
        if not o.observed:
            areas.append(f"目标 {o.id}「{o.text}」未观察到(无已评估行动、无评估记录),按未达成计")
    for obs in observations:
        if obs.rating in ("M", "U"):
            label = RATING_LABELS[obs.rating][0]
            areas.append(f"目标 {obs.objective_id} 评估为 {obs.rating}({label})"
                         + (f":{obs.note}" if obs.note else ""))
            plan.append(ImprovementItem(
                f"针对评估发现整改:{obs.note or label}", _owner(scenario, None, obs.objective_id),
                due(obs.rating), obs.objective_id))
    for o in objectives:
        if o.complete and o.grade_zh == "差":
            areas.append(f"目标 {o.id}「{o.text}」得分 {o.score:.1f},评定为差")
    unplayed = [i.id for i in scenario.injects if i.id not in world.fired] + [
        f"{a.inject_id}/{a.action_id}" for a in actions if a.status == "not_due"]
    if unplayed:
        plan.append(ImprovementItem(
            f"对未进行的演练内容({'、'.join(unplayed)})组织补充演练并重新评估", ORGANISER,
            due("unplayed")))
    return tuple(strengths), tuple(areas), tuple(plan)


# ------------------------------------------------------------------ shapes for JSON / pages
def _iso(dt: datetime | None, tz: tzinfo) -> str | None:
    return dt.astimezone(tz).isoformat(timespec="minutes") if dt else None


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def report_dict(report: Report) -> dict:
    """The report as JSON (times in ``report.tz``, the business time zone; scenario-relative
    ``T+`` alongside)."""
    tz = report.tz
    t0 = report.t0
    return {
        "watermark": report.watermark, "is_drill": True, "scenario_id": report.scenario_id,
        "title": report.title, "type_zh": report.type_zh, "t0": _iso(t0, tz),
        "started_at": _iso(report.started_at, tz), "ended_at": _iso(report.ended_at, tz),
        "duration_played": format_duration(report.ended_at - report.started_at),
        "end_reason": report.end_reason,
        "end_reason_zh": END_REASONS.get(report.end_reason, (report.end_reason,))[0],
        "report_date": report.report_date.isoformat(),
        "score": _r(report.score), "grade_zh": report.grade_zh, "grade_en": report.grade_en,
        "complete": report.complete, "played_score": _r(report.played_score),
        "coverage": _coverage_dict(report.coverage),
        "scoring": {"timeliness_points": TIMELINESS_POINTS, "rating_points": RATING_POINTS,
                    "timeliness_weight": TIMELINESS_WEIGHT,
                    "grades": [{"min": g[0], "zh": g[1], "en": g[2]} for g in GRADES]},
        "counts": report.counts() | {"injects_delivered": len(report.injects),
                                     "injects_planned": report.injects_planned},
        "phases": [{"name": n, "at": _iso(at, tz), "t": format_t(at - t0)}
                   for n, at in report.phases],
        "objectives": [
            {"id": o.id, "text": o.text, "weight": o.weight, "assessed": o.assessed,
             "on_time": o.on_time, "late": o.late, "missed": o.missed,
             "timeliness": _r(o.timeliness), "ratings": list(o.ratings),
             "rating_score": _r(o.rating_score), "score": _r(o.score), "grade_zh": o.grade_zh,
             "grade_en": o.grade_en, "planned": o.planned, "unplayed": o.unplayed,
             "played_score": _r(o.played_score), "observed": o.observed,
             "complete": o.complete} for o in report.objectives],
        "actions": [
            {"inject_id": a.inject_id, "action_id": a.action_id, "text": a.text,
             "objective_id": a.objective_id, "by": a.by, "checklist": a.checklist,
             "delivered_at": _iso(a.delivered, tz), "deadline": _iso(a.deadline, tz),
             "deadline_t": format_t(a.deadline - t0) if a.deadline else None,
             "within": format_duration(a.within), "done_at": _iso(a.done_at, tz),
             "done_t": format_t(a.done_at - t0) if a.done_at else None, "status": a.status,
             "status_zh": STATUS_LABELS[a.status][0], "late_minutes": _r(a.late_minutes),
             "has_item": a.has_item} for a in report.actions],
        "injects": [
            {"inject_id": i.inject_id, "kind": i.kind, "due_t": format_t(i.due - t0),
             "delivered_at": _iso(i.delivered, tz), "delivered_t": format_t(i.delivered - t0),
             "mode": i.mode, "mode_zh": MODES.get(i.mode, (i.mode,))[0], "from": i.sender,
             "to": i.recipient, "message": i.message, "cause": i.cause} for i in report.injects],
        "observations": [
            {"objective_id": o.objective_id, "rating": o.rating,
             "rating_zh": RATING_LABELS[o.rating][0], "note": o.note,
             "observed_at": _iso(o.observed_at, tz), "t": format_t(o.observed_at - t0),
             "evaluator": o.evaluator, "inject_id": o.inject_id, "recorded_by": o.recorded_by,
             "recorded_at": _iso(o.recorded_at, tz), "submitted_at": _iso(o.submitted_at, tz),
             "status": "draft" if o.submitted_at is None else "submitted"}
            for o in report.observations],
        "evaluators": [
            {"evaluator": e.evaluator, "recorded_by": e.recorded_by,
             "observations": e.observations, "objectives": list(e.objectives),
             "drafts": e.drafts, "first_recorded_at": _iso(e.first_recorded_at, tz),
             "last_recorded_at": _iso(e.last_recorded_at, tz),
             "submitted_at": _iso(e.submitted_at, tz)}
            for e in report.evaluators],
        "strengths": list(report.strengths),
        "areas_for_improvement": list(report.areas_for_improvement),
        "improvement_plan": [
            {"item": p.item, "owner": p.owner, "due": p.due.isoformat(),
             "objective_id": p.objective_id, "source": p.source}
            for p in report.improvement_plan],
    }


def _coverage_dict(c: Coverage | None) -> dict | None:
    if c is None:
        return None
    return {"complete": c.complete, "injects_delivered": c.injects_delivered,
            "injects_planned": c.injects_planned, "actions_assessed": c.actions_assessed,
            "actions_planned": c.actions_planned, "objectives_observed": c.objectives_observed,
            "objectives_total": c.objectives_total, "ended_early": c.ended_early,
            "reasons": [{"zh": zh, "en": en} for zh, en in c.reasons]}
