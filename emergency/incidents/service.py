"""Incident use cases (事件处置): report, update, observe, check off — no Flask here.

Each function takes a SQLAlchemy session (the unit of work: the caller commits) and an
:class:`EngineContext` holding everything the pure engine reads. Every change is written to the
incident's append-only timeline. Writes that race are refused (optimistic versions), never
silently overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emergency.config import DEFAULT_TZ
from emergency.incidents.geometry import path_geometry
from emergency.incidents.inputs import (
    FieldProblem,
    IncidentInput,
    InvalidIncident,
    parse_incident,
    parse_time,
)
from emergency.incidents.observations import samples_from
from emergency.incidents.package import ResponsePackage, compute_package, load_response_rules
from emergency.labels import roman
from emergency.parks.engine import ContainedRelease, contain, river_input, with_containment
from emergency.store.incident_models import (
    ITEM_STATUSES,
    ChecklistItem,
    Incident,
    IncidentEvent,
)
from rivers.exceptions import NotDownstream
from rivers.network import (
    SNAP_MAX_DISTANCE_M,
    SNAP_WARN_DISTANCE_M,
    RiverNetwork,
    RiverPosition,
    SnapResult,
    Trace,
)

#: The three-level containment inputs (三级防控), stored as they were reported (None: estimated).
CONTAINMENT_FIELDS = ("released_volume_m3", "firewater_m3_per_h", "firewater_hours",
                      "park_id", "park_enterprise_id")
FLAG_FIELDS = ("residential_school_hospital", "mass_incident", "sensitive_area",
               "important_period", "public_attention")
VELOCITY_FACTOR_RANGE = (0.2, 5.0)


class NotFound(LookupError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(what_en)
        self.message_zh, self.message_en = f"未找到{what_zh}", f"{what_en} not found"


class Conflict(RuntimeError):
    """Someone else saved first: the caller must reload and redo the change."""

    def __init__(self, current_version: int) -> None:
        super().__init__("version conflict")
        self.current_version = current_version
        self.message_zh = f"该记录已被他人修改(当前版本 {current_version}),请刷新后重试"
        self.message_en = (f"someone else changed this record (now version {current_version}); "
                           "reload and try again")


@dataclass
class EngineContext:
    """What the engine reads, loaded once per process (plans/resources via providers)."""

    network: RiverNetwork
    catalogue: Any
    flow_ratios: dict[str, float]
    season_by_month: dict[int, str]
    plans: Callable[[], Any] = lambda: None
    #: The plan set with some plans at given published versions ({plan id: version}): a drill
    #: uses the versions in force at its start. None: always the plans in force.
    pinned_plans: Callable[[Mapping[str, int]], Any] | None = None
    resources: Callable[[Session], Any] = lambda session: None
    snap_max_m: float = SNAP_MAX_DISTANCE_M
    snap_warn_m: float = SNAP_WARN_DISTANCE_M
    tz: tzinfo = DEFAULT_TZ  # the business time zone (config TIMEZONE)
    rules: dict = field(default_factory=load_response_rules)
    #: Drill incidents run on their drill's scenario clock: (incident, wall-clock now) →
    #: scenario now. The app passes :func:`emergency.drills.service.scenario_now`; None: every
    #: incident runs on the wall clock.
    scenario_clock: Callable[[Incident, datetime], datetime] | None = None
    #: The chemical-park plans (:class:`plans.parks.ParkPlanSet`); None: no park containment.
    parks: Callable[[], Any] = lambda: None
    #: The park plans with some at given published versions, as ``pinned_plans`` for drills.
    pinned_parks: Callable[[Mapping[str, int]], Any] | None = None


DRILL_ITEM_PREFIX = "drill:"  # checklist items a drill adds: kept when the package is recomputed


def now_for(ctx: EngineContext, row: Incident, now: datetime) -> datetime:
    """The time of an action on ``row``: ``now``, or for a drill incident its scenario time."""
    if row.is_drill and ctx.scenario_clock is not None:
        return ctx.scenario_clock(row, now)
    return now


# ------------------------------------------------------------------ mapping row ↔ input
def input_from_row(row: Incident) -> IncidentInput:
    """The engine's input for a stored incident."""
    flags = row.flags or {}
    return IncidentInput(
        substance=row.substance, mass_kg=row.mass_kg, occurred_at=_aware(row.occurred_at),
        discovered_at=_aware(row.discovered_at), lon=row.lon, lat=row.lat,
        risk_source_id=row.risk_source_id, segment_id=row.segment_id,
        release_hours=row.release_hours, flow_condition=row.flow_condition,
        discharge_m3s=row.discharge_m3s, flow_chosen_from_date=row.flow_chosen_from_date,
        deaths=row.deaths, injured=row.injured, evacuated=row.evacuated,
        economic_loss_cny=row.economic_loss_cny, title=row.title, description=row.description,
        is_drill=row.is_drill, velocity_factor=row.velocity_factor,
        **{name: getattr(row, name) for name in CONTAINMENT_FIELDS},
        **{name: bool(flags.get(name)) for name in FLAG_FIELDS},
    )


def _write_input(row: Incident, inc: IncidentInput) -> None:
    for name in ("substance", "mass_kg", "occurred_at", "discovered_at", "lon", "lat",
                 "risk_source_id", "segment_id", "release_hours", "flow_condition",
                 "discharge_m3s", "flow_chosen_from_date", "deaths", "injured", "evacuated",
                 "economic_loss_cny", "title", "description", "is_drill", "velocity_factor",
                 *CONTAINMENT_FIELDS):
        setattr(row, name, getattr(inc, name))
    row.flags = {name: getattr(inc, name) for name in FLAG_FIELDS}


def _aware(dt: datetime | None) -> datetime | None:
    """SQLite returns naive UTC datetimes; PostgreSQL aware ones."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ------------------------------------------------------------------ the engine, for one row
def entry_point(ctx: EngineContext, session: Session, inc: IncidentInput) -> SnapResult:
    """Where the release enters the river: the reported point, or the risk source's route."""
    if inc.risk_source_id is not None and (inc.lon is None or inc.lat is None):
        resources = ctx.resources(session)
        source = next((s for s in getattr(resources, "risk_sources", ()) or ()
                       if s.id == inc.risk_source_id), None)
        if source is None:
            raise InvalidIncident([FieldProblem("risk_source_id", "风险源不存在",
                                                "no such risk source")])
        return ctx.network.snap(source.entry_lon, source.entry_lat,
                                max_distance_m=ctx.snap_max_m, warn_distance_m=ctx.snap_warn_m,
                                segment_id=source.entry_seg_id)
    return ctx.network.snap(inc.lon, inc.lat, max_distance_m=ctx.snap_max_m,
                            warn_distance_m=ctx.snap_warn_m, segment_id=inc.segment_id)


def contained_release(ctx: EngineContext, session: Session, inc: IncidentInput,
                      substance: Any, row: Incident | None = None) -> ContainedRelease | None:
    """The three-level assessment when the release is inside a chemical park: the park (and
    enterprise) named in the report, or the park plan covering the incident's risk source
    (a chemical park, or an enterprise in one). None for any other incident."""
    parks = parks_for(ctx, row)
    if parks is None:
        if inc.park_id is not None:
            raise InvalidIncident([FieldProblem("park_id", "未加载化工园区预案",
                                                "no chemical-park plans are loaded")])
        return None
    if inc.park_id is not None:
        park = parks.get(inc.park_id)
        if park is None:
            raise InvalidIncident([FieldProblem("park_id", f"没有编号为 {inc.park_id} 的园区预案",
                                                f"no park plan {inc.park_id}")])
        enterprise = None
        if inc.park_enterprise_id is not None:
            enterprise = park.enterprise(inc.park_enterprise_id)
            if enterprise is None:
                raise InvalidIncident([FieldProblem(
                    "park_enterprise_id",
                    f"{park.doc.name_zh}预案中没有企业 {inc.park_enterprise_id}",
                    f"park plan {park.id} has no enterprise {inc.park_enterprise_id}")])
        return contain(inc, substance, park, enterprise, tz=ctx.tz)
    if inc.risk_source_id is None:
        return None
    resources = ctx.resources(session)
    source = resources.risk_source(inc.risk_source_id) if resources is not None else None
    found = parks.for_risk_source(source.name_zh) if source is not None else None
    if found is None:
        return None
    return contain(inc, substance, *found, tz=ctx.tz)


def package_for(ctx: EngineContext, session: Session, inc: IncidentInput, now: datetime,
                extra_points=(), row: Incident | None = None) -> ResponsePackage:
    """The package of ``inc``; with a stored ``row``, fitted to its valid observations."""
    substance = ctx.catalogue.get(inc.substance)
    contained = contained_release(ctx, session, inc, substance, row)
    engine_input, snap = inc, None
    if contained is not None:
        # inside a park, water reaches the river only by the park's outfall: the trace starts
        # there; what overflows the park enters the river there, when it overflows
        outfall = contained.outfall
        snap = ctx.network.snap(outfall.lon, outfall.lat, max_distance_m=ctx.snap_max_m,
                                warn_distance_m=ctx.snap_warn_m, segment_id=outfall.segment_id)
        if contained.result.river_release is not None:
            engine_input = river_input(inc, contained)
    pkg = compute_package(
        engine_input, snap=snap or entry_point(ctx, session, inc), network=ctx.network,
        substance=substance, plans=plans_for(ctx, row), resources=ctx.resources(session),
        as_of=now,
        flow_ratios=ctx.flow_ratios, rules=ctx.rules, extra_points=extra_points, tz=ctx.tz,
        # a park's overflow reaches the river at its start: the fit's clock starts there too
        samples=row_samples(ctx, row, engine_input) if row is not None else (),
        reaches_river=contained is None or contained.result.river_release is not None,
    )
    return pkg if contained is None else with_containment(pkg, inc, contained)


def plans_for(ctx: EngineContext, row: Incident | None) -> Any:
    """The plans the engine uses for ``row``: those in force — but a drill incident keeps the
    plan versions in force when it started (its recorded ``plans_used``)."""
    pins = _drill_pins(row, "river")
    if pins and ctx.pinned_plans is not None:
        return ctx.pinned_plans(pins)
    return ctx.plans()


def parks_for(ctx: EngineContext, row: Incident | None) -> Any:
    """The park plans the engine uses for ``row``: as :func:`plans_for`, a drill keeps the park
    plan version in force when it started."""
    pins = _drill_pins(row, "park")
    if pins and ctx.pinned_parks is not None:
        return ctx.pinned_parks(pins)
    return ctx.parks()


def _drill_pins(row: Incident | None, kind: str) -> dict[str, int]:
    """{plan id: version} of the ``kind`` plans a drill incident recorded (empty otherwise)."""
    if row is None or not row.is_drill or not row.plans_used:
        return {}
    return {u["id"]: u["version"] for u in row.plans_used
            if isinstance(u, dict) and u.get("version") is not None
            and u.get("kind", "river") == kind}


def row_samples(ctx: EngineContext, row: Incident, inc: IncidentInput) -> list:
    """The stored observations that enter the fit (not voided, on the path, after the
    release, of the incident's substance), as :class:`rivers.assimilation.Sample`."""
    def same_substance(parameter: str | None) -> bool:
        if not parameter:
            return True
        found = ctx.catalogue.get(parameter)
        return found is not None and found.id == inc.substance

    return samples_from(row.observations, occurred_at=inc.occurred_at,
                        same_substance=same_substance)


def _event(row: Incident, actor: str, kind: str, zh: str, en: str = "", now=None, **data) -> None:
    row.events.append(IncidentEvent(actor=actor, kind=kind, summary_zh=zh, summary_en=en,
                                    data=_jsonable(data), at=now or datetime.now(UTC)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _sync(row: Incident, pkg: ResponsePackage, actor: str, now: datetime) -> None:
    """Bring the stored checklist and cached results in line with a fresh package."""
    old_tier, old_warning = row.tier_level, row.warning_level
    row.tier_level = pkg.tier.level
    row.warning_level = str(pkg.warning.level)
    row.river_name_zh = pkg.snap.river_name_zh
    _record_plans_used(row, pkg, now)
    if old_tier != row.tier_level and old_tier is not None:
        _event(row, "system", "regraded",
               f"事件级别由 {roman(old_tier)} 级调整为 {roman(row.tier_level)} 级",
               f"tier changed from {roman(old_tier)} to {roman(row.tier_level)}", now,
               old=old_tier, new=row.tier_level)
    if old_warning != row.warning_level and old_warning is not None:
        _event(row, "system", "warning_changed",
               f"预警级别由 {old_warning} 调整为 {row.warning_level}",
               f"warning changed from {old_warning} to {row.warning_level}", now)
    stored = {item.item_key: item for item in row.checklist}
    fresh = {t.id for t in pkg.checklist}
    moved: list[str] = []
    for template in pkg.checklist:
        item = stored.get(template.id)
        if item is None:
            row.checklist.append(ChecklistItem(
                item_key=template.id, group=template.group, kind=template.kind,
                text_zh=template.text_zh, text_en=template.text_en,
                responsible_zh=template.responsible_zh, basis_zh=template.basis_zh,
                due_at=template.due_at, status="open", updated_at=now,
                immediate=template.immediate, arrival_at=template.arrival_at))
            continue
        if item.status == "superseded":
            item.status = "open"
        due_changed = _aware(item.due_at) != template.due_at
        if due_changed and item.status == "open" and item.due_at is not None:
            moved.append(template.id)
        if due_changed:  # the new deadline became known now: 立即 if it is already past
            item.immediate = template.immediate
        item.arrival_at = template.arrival_at
        item.due_at, item.text_zh, item.text_en = template.due_at, template.text_zh, \
            template.text_en
        item.basis_zh, item.responsible_zh = template.basis_zh, template.responsible_zh
    for key, item in stored.items():
        if key not in fresh and item.status == "open" and \
                not key.startswith(DRILL_ITEM_PREFIX):
            item.status = "superseded"
    if moved:
        _event(row, "system", "deadlines_changed", f"{len(moved)} 项未完成任务的截止时间随预测调整",
               f"{len(moved)} open checklist deadlines moved with the new prediction", now,
               items=moved)


def _record_plans_used(row: Incident, pkg: ResponsePackage, now: datetime) -> None:
    """Keep which plan versions the package used; a new version in use goes on the timeline."""
    used = [u.as_dict() for u in pkg.plans_used]
    before = {u.get("id"): u.get("version") for u in row.plans_used or []}
    changed = [u for u in used if u["id"] in before and before[u["id"]] != u["version"]]
    if changed:
        _event(row, "system", "plans_recomputed",
               "重新计算采用新版预案:" + ",".join(
                   f"{u['id']} v{before[u['id']]}→v{u['version']}" for u in changed),
               "recomputed with new plan versions: " + ", ".join(
                   f"{u['id']} v{before[u['id']]}→v{u['version']}" for u in changed), now,
               plans=changed)
    if used != (row.plans_used or []):
        row.plans_used = used


def _local(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M") if dt else "—"


# ------------------------------------------------------------------ use cases
def report_incident(session: Session, ctx: EngineContext, data: Any, *, actor: str,
                    now: datetime, is_drill: bool = False) -> tuple[Incident, ResponsePackage]:
    inc = parse_incident(data, substances=ctx.catalogue, season_by_month=ctx.season_by_month,
                         now=now, tz=ctx.tz)
    inc = replace(inc, is_drill=is_drill or inc.is_drill)
    pkg = package_for(ctx, session, inc, now)  # raises on an unusable location: nothing saved
    if inc.lon is None and inc.risk_source_id is None and pkg.containment is not None:
        # reported by park (and enterprise) only: the incident is marked where it happened
        place = pkg.containment.enterprise or pkg.containment.park.doc
        inc = replace(inc, lon=place.lon, lat=place.lat)
    row = Incident(created_by=actor, created_at=now, updated_at=now, status="reported")
    _write_input(row, inc)
    if not row.title:
        row.title = f"{pkg.snap.river_name_zh or '未命名河道'}{pkg.substance.name_zh}泄漏"
    session.add(row)
    prefix = "【演练】" if row.is_drill else ""
    _event(row, actor, "reported",
           f"{prefix}接报:{row.title},{pkg.substance.name_zh} {inc.mass_kg:g} kg,"
           f"入河点 {pkg.snap.river_name_zh or '未命名河道'}"
           + (f" km {pkg.snap.river_km:g}" if pkg.snap.river_km is not None else ""),
           f"{'[DRILL] ' if row.is_drill else ''}reported: {inc.mass_kg:g} kg of "
           f"{pkg.substance.name_en}", now, input=_input_summary(inc))
    _event(row, "system", "graded",
           f"初判:{roman(pkg.tier.level)} 级,预警 {pkg.warning.label_zh}",
           f"first assessment: tier {roman(pkg.tier.level)}, warning {pkg.warning.label_en}",
           now, tier=pkg.tier.level, warning=str(pkg.warning.level))
    _sync(row, pkg, actor, now)
    session.flush()
    return row, pkg


def _input_summary(inc: IncidentInput) -> dict:
    return {k: v for k, v in inc.__dict__.items() if k != "extra"}


def get_incident(session: Session, incident_id: int, *, drills: bool | None = None) -> Incident:
    row = session.get(Incident, incident_id)
    if row is None or (drills is not None and row.is_drill != drills):
        raise NotFound(f"事件 {incident_id}", f"incident {incident_id}")
    return row


def list_incidents(session: Session, *, drills: bool = False, status: str | None = None,
                   limit: int = 200) -> list[Incident]:
    query = select(Incident).where(Incident.is_drill.is_(drills))
    if status:
        query = query.where(Incident.status == status)
    return list(session.scalars(query.order_by(Incident.discovered_at.desc()).limit(limit)))


def update_incident(session: Session, ctx: EngineContext, incident_id: int, data: Any, *,
                    actor: str, now: datetime, expected_version: int | None,
                    drills: bool | None = False) -> tuple[Incident, ResponsePackage]:
    row = get_incident(session, incident_id, drills=drills)
    now = now_for(ctx, row, now)
    _check_version(row.version, expected_version)
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象",
                                            "the body must be a JSON object")])
    changes = dict(data)
    changes.pop("version", None)
    status = changes.pop("status", None)
    before = input_from_row(row)
    inc = parse_incident(changes, substances=ctx.catalogue,
                         season_by_month=ctx.season_by_month, now=now, base=before, tz=ctx.tz)
    if status is not None:
        _change_status(row, status, actor, now)
    pkg = package_for(ctx, session, inc, now, row=row)
    diff = {k: (_plain(getattr(before, k)), _plain(getattr(inc, k)))
            for k in changes if hasattr(inc, k) and getattr(before, k) != getattr(inc, k)}
    _write_input(row, inc)
    row.updated_at = now
    if diff:
        _event(row, actor, "updated",
               "更新事件信息:" + ",".join(f"{k} {a}→{b}" for k, (a, b) in diff.items()),
               "updated: " + ", ".join(diff), now, changes=diff)
    _sync(row, pkg, actor, now)
    session.flush()
    return row, pkg


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


_TRANSITIONS = {"reported": {"responding", "terminated"}, "responding": {"terminated"},
                "terminated": set()}


def _change_status(row: Incident, status: str, actor: str, now: datetime) -> None:
    if status == row.status:
        return
    if status not in _TRANSITIONS.get(row.status, set()):
        raise InvalidIncident([FieldProblem(
            "status", f"状态不能由 {row.status} 改为 {status}",
            f"status cannot change from {row.status} to {status}")])
    labels = {"responding": ("启动响应", "response started"),
              "terminated": ("响应终止", "response terminated")}
    _event(row, actor, f"status_{status}", labels[status][0], labels[status][1], now)
    row.status = status


def _check_version(current: int, expected: int | None) -> None:
    if expected is None:
        raise InvalidIncident([FieldProblem("version", "缺少版本号(防止覆盖他人的修改)",
                                            "the record's version is required")])
    if int(expected) != current:
        raise Conflict(current)


def update_checklist_item(session: Session, ctx: EngineContext, incident_id: int, item_id: int,
                          data: Any, *, actor: str, now: datetime, drills: bool | None = False
                          ) -> ChecklistItem:
    row = get_incident(session, incident_id, drills=drills)
    now = now_for(ctx, row, now)
    item = next((i for i in row.checklist if i.id == item_id), None)
    if item is None:
        raise NotFound(f"任务 {item_id}", f"checklist item {item_id}")
    if row.status == "terminated":
        raise InvalidIncident([FieldProblem("status", "响应已终止,任务清单只读",
                                            "the response is terminated: the checklist is "
                                            "read-only")])
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象", "not a JSON object")])
    _check_version(item.version, data.get("version"))
    problems = []
    unknown = set(data) - {"version", "status", "note", "due_at"}
    problems += [FieldProblem(k, "未知字段", "unknown field") for k in sorted(unknown)]
    status = data.get("status", item.status)
    if status not in ITEM_STATUSES or status == "superseded":
        problems.append(FieldProblem("status", "状态须为 open / done / not_applicable",
                                     "status must be open, done or not_applicable"))
    note = data.get("note", item.note)
    if not isinstance(note, str) or len(note) > 2000:
        problems.append(FieldProblem("note", "备注须为不超过 2000 字的文本",
                                     "note must be text up to 2000 characters"))
    due = item.due_at
    if "due_at" in data:
        try:
            due = parse_time(data["due_at"], ctx.tz) if data["due_at"] else None
        except ValueError:
            problems.append(FieldProblem("due_at", "时间格式有误", "not an ISO 8601 time"))
    if problems:
        raise InvalidIncident(problems)
    changes = []
    if status != item.status:
        changes.append(f"{item.status}→{status}")
        item.status = status
        if status == "done":
            item.done_by, item.done_at = actor, now
        else:
            item.done_by, item.done_at = None, None
    if note != item.note:
        changes.append("备注")
        item.note = note
    if "due_at" in data and due != _aware(item.due_at):
        changes.append(f"截止 {_local(due, ctx.tz)}")
        item.due_at = due
    if changes:
        item.updated_at = now
        verb = {"done": "完成", "open": "重新打开", "not_applicable": "标记不适用"}
        _event(row, actor, "checklist",
               f"{verb.get(status, '更新') if status != 'open' or 'open' in changes[0] else '更新'}"
               f"任务「{item.text_zh[:50]}」(" + ",".join(changes) + ")",
               f"checklist item {item.item_key}: {', '.join(changes)}", now,
               item=item.item_key, status=status)
        # The incident row itself is untouched: a check-off must not conflict with an edit.
    session.flush()
    return item


def arrival_at(session: Session, ctx: EngineContext, incident_id: int, lon: float, lat: float,
               *, now: datetime, drills: bool | None = False):
    """The plume at any point downstream (raises NotDownstream otherwise)."""
    row = get_incident(session, incident_id, drills=drills)
    inc = input_from_row(row)
    snap = ctx.network.snap(lon, lat, max_distance_m=ctx.snap_max_m)
    entry = entry_point(ctx, session, inc)
    if ctx.network.trace_downstream(entry.position).distance_to(snap.position) is None:
        raise NotDownstream(
            f"该点({snap.river_name_zh or '未命名河道'})不在事发点下游,污染团不会到达",
            f"the point ({snap.river_name_en or snap.river_name_zh or 'unnamed channel'}) is "
            "not downstream of the release: the plume does not reach it")
    pkg = package_for(ctx, session, inc, now_for(ctx, row, now),
                      extra_points=[("point", lon, lat, snap.position)], row=row)
    item = next(i for i in pkg.downstream if i.kind == "point")
    return snap, item


def package_now(session: Session, ctx: EngineContext, row: Incident,
                now: datetime) -> ResponsePackage:
    """The response package of a stored incident as of ``now`` (a drill incident: as of its
    scenario time)."""
    return package_for(ctx, session, input_from_row(row), now_for(ctx, row, now), row=row)


@dataclass(frozen=True)
class IncidentPath:
    """Where the release enters the river and the downstream path as one line."""

    snap: SnapResult
    trace: Trace
    coords: list[list[float]]  # [[lon, lat], ...], upstream first
    km: list[float]  # of each vertex, along the trace


def incident_path(session: Session, ctx: EngineContext, incident_id: int) -> IncidentPath:
    row = get_incident(session, incident_id, drills=None)
    snap = entry_point(ctx, session, input_from_row(row))
    trace = ctx.network.trace_downstream(snap.position)
    coords, km = path_geometry(ctx.network, trace)
    return IncidentPath(snap, trace, coords, km)


@dataclass(frozen=True)
class Changes:
    """What happened to an incident after the event ``since``."""

    incident: Incident
    since: int
    events: list[IncidentEvent]
    items: list[ChecklistItem]  # the checklist items those events touched
    server_now: datetime  # the incident's time (a drill's: scenario time)

    @property
    def last_event_id(self) -> int:
        return self.events[-1].id if self.events else self.since


def changes_since(session: Session, ctx: EngineContext, incident_id: int, since: int,
                  now: datetime) -> Changes:
    """New timeline events and the checklist items they touched: cheap enough to poll."""
    row = get_incident(session, incident_id, drills=None)
    events = list(session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id,
                                    IncidentEvent.id > since).order_by(IncidentEvent.id)))
    keys = {e.data.get("item") for e in events if e.kind == "checklist" and e.data}
    keys.discard(None)
    items = list(session.scalars(
        select(ChecklistItem).where(ChecklistItem.incident_id == incident_id,
                                    ChecklistItem.item_key.in_(keys)))) if keys else []
    return Changes(row, since, events, items, now_for(ctx, row, now))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Incident.is_drill, func.count()).group_by(Incident.is_drill))
    return {("drill" if d else "real"): n for d, n in rows}


__all__ = ["EngineContext", "report_incident", "update_incident", "update_checklist_item",
           "arrival_at", "list_incidents", "get_incident", "NotFound",
           "Conflict", "RiverPosition", "package_now", "incident_path", "changes_since",
           "input_from_row"]
