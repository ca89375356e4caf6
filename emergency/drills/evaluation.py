"""After-action evaluation (演练评估) of a drill run: from the timeline to a report. Pure.

Method, in the spirit of GB/T 46792-2025 (observe and record → analyse → conclude → report):

1. **Observe and record** (观察记录). The engine's timeline gives, for every expected action of
   every delivered inject, the time allowed (delivery + ``within``) and when the matching
   checklist item was checked off; evaluators add observations against objectives, each rated
   P / S / M / U (HSEEP: performed without challenges / with some / with major challenges /
   unable to be performed) with a note and a timestamp. Each observation keeps who recorded it
   and when, and when its evaluator submitted it (a draft until then); the report lists the
   evaluators (``sign_offs``).
2. **Analyse** (分析). Each action is *on time* (done by its deadline), *late* (done after it),
   *missed* (not done when the drill ended although its deadline had passed) or *not due* (the
   drill ended before its deadline and it was not done: not assessed).
3. **Conclude** (评估结论): a score 0–100 per objective and overall.

   * timeliness of an objective = mean over its assessed actions of
     on time 100, late 50, missed 0 (``TIMELINESS_POINTS``);
   * rating of an objective = mean over its observations of P 100, S 70, M 40, U 0
     (``RATING_POINTS``);
   * objective score = 0.6 × timeliness + 0.4 × rating (``TIMELINESS_WEIGHT``); when only one of
     the two exists it is the score; with neither the objective is not scored;
   * overall score = the objectives' scores averaged with their ``weight`` (scored ones only);
   * grade (评定等级): ≥ 90 优 (excellent), ≥ 75 良 (good), ≥ 60 中 (fair), below 60 差 (poor).

   Every number is rounded to one decimal only for display; the arithmetic is exact.
4. **Report** (评估报告): strengths (objectives scoring ≥ 90, P-rated observations), areas for
   improvement (late and missed actions, M/U observations, objectives graded 差) and an
   improvement plan: one item per area with an owner (the unit expected to act, else the
   objective's owner, else the organiser) and a due date (30 days for missed actions and U
   ratings, 60 days for late actions and M ratings, from the report date), plus the items the
   organisers add by hand.

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

TIMELINESS_POINTS = {"on_time": 100.0, "late": 50.0, "missed": 0.0}
RATING_POINTS = {"P": 100.0, "S": 70.0, "M": 40.0, "U": 0.0}
RATING_LABELS = {"P": ("顺利完成", "performed without challenges"),
                 "S": ("完成但存在一些困难", "performed with some challenges"),
                 "M": ("完成但存在较大困难", "performed with major challenges"),
                 "U": ("未能完成", "unable to be performed")}
TIMELINESS_WEIGHT = 0.6
GRADES = ((90.0, "优", "excellent"), (75.0, "良", "good"), (60.0, "中", "fair"),
          (0.0, "差", "poor"))
IMPROVEMENT_DAYS = {"missed": 30, "U": 30, "late": 60, "M": 60}
STATUS_LABELS = {"on_time": ("按时", "on time"), "late": ("超时", "late"),
                 "missed": ("未完成", "missed"), "not_due": ("未到期", "not due")}
END_REASONS = {"terminated": ("终止条件满足", "termination conditions met"),
               "time_limit": ("达到演练时长上限", "time limit reached"),
               "controller": ("导调结束", "ended by the controller")}
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
    delivered: datetime
    deadline: datetime
    done_at: datetime | None
    status: str
    late_minutes: float | None
    has_item: bool


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
    tz: tzinfo = DEFAULT_TZ  # the business time zone its times are shown in

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
    objectives = tuple(_objective_result(o, actions, observations) for o in scenario.objectives)
    scored = [o for o in objectives if o.score is not None]
    total_weight = sum(o.weight for o in scored)
    score = (sum(o.score * o.weight for o in scored) / total_weight  # type: ignore[operator]
             if scored and total_weight > 0 else None)
    grade_zh, grade_en = grade(score)
    strengths, areas, plan = _conclusions(scenario, actions, objectives, observations,
                                          report_date)
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
    )


def _action_result(scenario: Scenario, state) -> ActionResult:
    status = {"overdue": "missed", "open": "not_due"}.get(state.status, state.status)
    late = None
    if status == "late" and state.done_at is not None:
        late = (state.done_at - state.deadline).total_seconds() / 60
    return ActionResult(
        inject_id=state.inject_id, action_id=state.action.id, text=state.action.text,
        objective_id=state.action.objective, by=scenario.party_name(state.action.by),
        checklist=state.action.checklist, delivered=state.delivered, deadline=state.deadline,
        done_at=state.done_at, status=status, late_minutes=late, has_item=state.has_item)


def _objective_result(objective, actions: Sequence[ActionResult],
                      observations: Sequence[EvaluatorObservation]) -> ObjectiveResult:
    mine = [a for a in actions if a.objective_id == objective.id and a.status != "not_due"]
    timeliness = _mean([TIMELINESS_POINTS[a.status] for a in mine])
    ratings = tuple(o.rating for o in sorted(observations, key=lambda o: o.observed_at)
                    if o.objective_id == objective.id)
    rating_score = _mean([RATING_POINTS[r] for r in ratings])
    if timeliness is not None and rating_score is not None:
        score = TIMELINESS_WEIGHT * timeliness + (1 - TIMELINESS_WEIGHT) * rating_score
    else:
        score = timeliness if timeliness is not None else rating_score
    grade_zh, grade_en = grade(score)
    return ObjectiveResult(
        id=objective.id, text=objective.text, weight=objective.weight, assessed=len(mine),
        on_time=sum(a.status == "on_time" for a in mine),
        late=sum(a.status == "late" for a in mine),
        missed=sum(a.status == "missed" for a in mine), timeliness=timeliness, ratings=ratings,
        rating_score=rating_score, score=score, grade_zh=grade_zh, grade_en=grade_en)


def _owner(scenario: Scenario, action: ActionResult | None, objective_id: str | None) -> str:
    if action is not None and action.by:
        return action.by
    objective = scenario.objective(objective_id or "")
    if objective is not None and objective.owner:
        return scenario.party_name(objective.owner)
    return ORGANISER


def _conclusions(scenario: Scenario, actions: Sequence[ActionResult],
                 objectives: Sequence[ObjectiveResult],
                 observations: Sequence[EvaluatorObservation], report_date: date
                 ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[ImprovementItem, ...]]:
    strengths: list[str] = []
    areas: list[str] = []
    plan: list[ImprovementItem] = []

    def due(kind: str) -> date:
        return report_date + timedelta(days=IMPROVEMENT_DAYS[kind])

    for o in objectives:
        if o.score is not None and o.score >= 90:
            strengths.append(f"目标 {o.id}「{o.text}」得分 {o.score:.1f}({o.grade_zh})")
    for obs in observations:
        if obs.rating == "P" and obs.note:
            strengths.append(f"目标 {obs.objective_id}:{obs.note}(评估员 {obs.evaluator})")
    for a in actions:
        where = "" if a.has_item else "(事件任务清单中没有对应任务项,请核对脚本)"
        if a.status == "late":
            allowed = format_duration(a.deadline - a.delivered)
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
    for obs in observations:
        if obs.rating in ("M", "U"):
            label = RATING_LABELS[obs.rating][0]
            areas.append(f"目标 {obs.objective_id} 评估为 {obs.rating}({label})"
                         + (f":{obs.note}" if obs.note else ""))
            plan.append(ImprovementItem(
                f"针对评估发现整改:{obs.note or label}", _owner(scenario, None, obs.objective_id),
                due(obs.rating), obs.objective_id))
    for o in objectives:
        if o.grade_zh == "差":
            areas.append(f"目标 {o.id}「{o.text}」得分 {o.score:.1f},评定为差")
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
             "grade_en": o.grade_en} for o in report.objectives],
        "actions": [
            {"inject_id": a.inject_id, "action_id": a.action_id, "text": a.text,
             "objective_id": a.objective_id, "by": a.by, "checklist": a.checklist,
             "delivered_at": _iso(a.delivered, tz), "deadline": _iso(a.deadline, tz),
             "deadline_t": format_t(a.deadline - t0), "done_at": _iso(a.done_at, tz),
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
