"""A release inside a chemical park, through the three levels, into the response package.

Pure: no Flask, no database. The incident's park plan (一园一策一图) gives the barriers and pools
of level 1 (the enterprise) and level 2 (the park); :func:`emergency.parks.containment.assess`
says which level holds the release and, for what overflows, the river release (mass, start,
outfall). The response package is then computed for that river release at the park's outfall
— or, when the park holds everything, without a river plume — and gains the first-hour
checklist: the park plan's level-1 and level-2 actions with their physical deadlines, first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from emergency.config import DEFAULT_TZ
from emergency.incidents.checklist import mark_immediate
from emergency.incidents.inputs import IncidentInput
from emergency.incidents.package import ChecklistTemplate, PlanUsed, ResponsePackage
from emergency.parks.containment import (
    DEFAULT_FIREWATER_HOURS,
    Barrier,
    Containment,
    EnterpriseLevel,
    ParkLevel,
    Release,
    assess,
    liquid_volume_m3,
)
from plans.parks import PARK_SCENARIOS, PREVENTION_LEVELS, Enterprise, OutfallOnRiver, ParkPlan

#: Checklist items of the first hour: ``park:<park id>:<level>:<key>`` (level as in
#: PREVENTION_LEVELS), so the level of each action can be read from its key.
ITEM_PREFIX = "park:"
#: The basis named on every containment action.
BASIS_ZH = "一园一策一图(园区级环境风险三级防控体系)"


@dataclass(frozen=True)
class ContainedRelease:
    """The containment assessment of one incident inside a park."""

    park: ParkPlan
    enterprise: Enterprise | None
    outfall: OutfallOnRiver
    scenarios: tuple[str, ...]        # response-card scenarios that apply (PARK_SCENARIOS)
    result: Containment
    firewater_estimated: bool         # the rate came from the plan, not the report

    @property
    def held_at(self) -> str:
        return self.result.held_at


def _barrier(id: str, name_zh: str, normally_closed: bool, close_minutes: float,
             closer_zh: str) -> Barrier:
    return Barrier(id, name_zh, normally_closed, close_minutes, closer_zh)


def contain(incident: IncidentInput, substance: Any, park: ParkPlan,
            enterprise: Enterprise | None, *, tz: tzinfo = DEFAULT_TZ) -> ContainedRelease:
    """Assess the three levels for ``incident`` at ``enterprise`` (None: on park ground);
    times in the business time zone ``tz``."""
    liquid = (incident.released_volume_m3 if incident.released_volume_m3 is not None
              else liquid_volume_m3(incident.mass_kg, getattr(substance, "density_g_cm3", None)))
    rate = incident.firewater_m3_per_h
    hours = incident.firewater_hours
    estimated = False
    if rate is None and hours:  # a fire of known duration: the plant's design fire-water flow
        rate = enterprise.firewater_m3_per_h if enterprise else 0.0
        estimated = True
    if rate and hours is None:
        hours = DEFAULT_FIREWATER_HOURS
    rate, hours = rate or 0.0, hours or 0.0
    release = Release(
        occurred_at=incident.occurred_at, discovered_at=incident.discovered_at,
        liquid_m3=liquid, pollutant_kg=incident.mass_kg, release_hours=incident.release_hours,
        firewater_m3_per_h=rate, firewater_hours=hours)

    outfall = park.outfall_for(enterprise)
    gate = park.gate_for(outfall.outfall)
    facilities = park.doc.park
    level2 = ParkLevel(
        id=park.id, name_zh=park.doc.name_zh,
        pool_free_m3=sum(p.volume_m3 - p.in_use_m3 for p in facilities.pools),
        gate=(_barrier(gate.id, gate.name_zh, gate.normally_closed, gate.close_minutes,
                       gate.closer_zh) if gate else None),
        runoff_minutes=facilities.runoff_minutes, pumping_m3_per_h=facilities.pumping_m3_per_h,
        outfall_id=outfall.outfall.id, outfall_name_zh=outfall.outfall.name_zh,
        pool_names_zh=tuple(p.name_zh for p in facilities.pools))
    level1 = None
    if enterprise is not None:
        valve = enterprise.rain_outfall
        level1 = EnterpriseLevel(
            id=enterprise.id, name_zh=enterprise.name_zh,
            pool_free_m3=enterprise.accident_pool.free_m3, bund_m3=enterprise.bund_m3,
            valve=_barrier(valve.id, f"{valve.name_zh}切断阀", valve.normally_closed,
                           valve.close_minutes, valve.closer_zh),
            runoff_minutes=valve.runoff_minutes)
    result = assess(release, level2, level1, tz=tz)
    scenarios = ("fire_explosion", "firewater") if rate > 0 else ("leak",)
    return ContainedRelease(park, enterprise, outfall, scenarios, result, estimated)


def river_input(incident: IncidentInput, contained: ContainedRelease) -> IncidentInput:
    """The engine's input for what reaches the river: the overflow, at the park's outfall."""
    river = contained.result.river_release
    if river is None:
        raise ValueError("the park holds the release: nothing reaches the river")
    return replace(
        incident, mass_kg=river.mass_kg, occurred_at=river.starts_at,
        release_hours=river.hours, lon=contained.outfall.lon, lat=contained.outfall.lat,
        segment_id=contained.outfall.segment_id, risk_source_id=None)


def _hm(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%H:%M") if dt else "—"


def first_hour_checklist(contained: ContainedRelease, *,
                         tz: tzinfo = DEFAULT_TZ) -> tuple[ChecklistTemplate, ...]:
    """Level-1 and level-2 actions with physical deadlines, then the river-level card steps.

    A barrier must hold before the first water reaches it; a pool must be open by then; the
    next level must be ready before the level above overflows.
    """
    park, result = contained.park, contained.result
    prefix = f"{ITEM_PREFIX}{park.id}"
    items: list[ChecklistTemplate] = []

    def add(level: str, key: str, zh: str, en: str, who: str, due: datetime | None,
            kind: str) -> None:
        items.append(ChecklistTemplate(
            id=f"{prefix}:{level}:{key}", group="on_site", text_zh=zh, text_en=en,
            responsible_zh=who, due_at=due, basis_zh=f"{park.doc.name_zh}{BASIS_ZH}", kind=kind,
            arrival_at=due if kind != "card" else None))

    levels = {level.level: level for level in result.levels}
    ent = contained.enterprise
    if ent is not None and "enterprise" in levels:
        level = levels["enterprise"]
        valve = ent.rain_outfall
        arrive = level.first_arrival_at
        if valve.normally_closed:
            add("enterprise", f"{ent.id}:valve",
                f"确认{valve.name_zh}切断阀({valve.valve_type_zh})处于关闭状态",
                f"confirm the cut-off valve of {valve.name_zh} is closed", valve.closer_zh,
                arrive, "close_valve")
        else:
            add("enterprise", f"{ent.id}:valve",
                f"关闭{valve.name_zh}切断阀({valve.valve_type_zh},约需 {valve.close_minutes:g} "
                f"分钟),须在来水到达({_hm(arrive, tz)})前关闭",
                f"close the cut-off valve of {valve.name_zh} ({valve.close_minutes:g} min) "
                f"before the water reaches it ({_hm(arrive, tz)})", valve.closer_zh, arrive,
                "close_valve")
        add("enterprise", f"{ent.id}:pool",
            f"开启事故应急池进水,将泄漏物料和消防废水导入"
            f"(可用 {ent.accident_pool.free_m3:,.0f} m³)",
            f"open the accident pool and lead spilled liquid and fire-fighting water into it "
            f"(free {ent.accident_pool.free_m3:,.0f} m³)", f"{ent.name_zh}当班班长", arrive,
            "open_pool")
        if level.overflow_at is not None:
            add("enterprise", f"{ent.id}:overflow",
                f"企业事故应急池预计 {_hm(level.overflow_at, tz)} 满溢:"
                "此前启动转输泵,通知园区启用公共应急池",
                f"the enterprise accident pool is full at {_hm(level.overflow_at, tz)}: start "
                "transfer pumps before then and have the park open its public pools",
                "园区应急办", level.overflow_at, "transfer")
    level = levels["park"]
    reaches_park = level.inflow_m3 > 0
    gate = park.gate_for(contained.outfall.outfall)
    park_due = level.first_arrival_at if reaches_park else None
    if gate is not None:
        action_zh = "确认" if gate.normally_closed else "关闭"
        add("park", f"{gate.id}:close",
            f"{action_zh}{gate.name_zh}(约需 {gate.close_minutes:g} 分钟)"
            + (f",须在来水到达({_hm(park_due, tz)})前完成" if park_due
               else ",企业级失效时立即执行"),
            f"{'confirm' if gate.normally_closed else 'close'} {gate.name_zh} "
            f"({gate.close_minutes:g} min)"
            + (f" before the water arrives ({_hm(park_due, tz)})" if park_due
               else ", at once if the enterprise level fails"), gate.closer_zh, park_due,
            "close_gate")
    pools = park.doc.park.pools
    if pools:
        free = sum(p.volume_m3 - p.in_use_m3 for p in pools)
        names = "、".join(p.name_zh for p in pools)
        add("park", "pools", f"启用{names}(可用 {free:,.0f} m³)并开启导流设施"
            + ("" if reaches_park else "(备用)"),
            f"open the park's public emergency pools (free {free:,.0f} m³) and diversion"
            + ("" if reaches_park else " (standby)"), "园区应急办", park_due, "open_pool")
    if level.overflow_at is not None or result.river_release is not None:
        river = result.river_release
        start = river.starts_at if river else level.overflow_at
        add("river", "alert",
            f"园区防控预计 {_hm(start, tz)} 失效:经{contained.outfall.outfall.name_zh}入"
            f"{contained.outfall.river_name_zh},立即通知流域级启动河流预案拦截点",
            f"the park level fails at {_hm(start, tz)}: water reaches "
            f"{contained.outfall.river_name_zh} by {contained.outfall.outfall.name_zh}; "
            "alert the river level and activate the river plan's intercept sites",
            "县级生态环境分局", start, "alert_river")
    order = {name: i for i, name in enumerate(PREVENTION_LEVELS)}
    for scenario in contained.scenarios:
        steps = park.doc.response_cards.get(scenario, ())
        for n, step in sorted(enumerate(steps, start=1), key=lambda s: order[s[1].level]):
            level_zh = PREVENTION_LEVELS[step.level][0]
            add(step.level, f"card:{scenario}:{n}",
                f"【{PARK_SCENARIOS[scenario][0]}·{level_zh}】{step.text_zh}",
                f"[{PARK_SCENARIOS[scenario][1]}, {PREVENTION_LEVELS[step.level][1]}] "
                f"{step.text_zh}", step.responsible_zh,
                None if step.level != "river" or result.river_release is None
                else result.river_release.starts_at, "card")
    return tuple(items)


def with_containment(pkg: ResponsePackage, incident: IncidentInput,
                     contained: ContainedRelease) -> ResponsePackage:
    """The package for the reported incident, with the three levels and the first hour first;
    the park plan (and its version) first among the plans used."""
    result = contained.result
    park = contained.park
    # an action due before it became known is 立即, as for the river's own actions
    first = mark_immediate(first_hour_checklist(contained, tz=pkg.tz),
                           max(pkg.as_of, incident.discovered_at), incident.discovered_at)
    return replace(
        pkg, incident=incident, containment=contained,
        checklist=tuple(first) + tuple(pkg.checklist),
        plans_used=(PlanUsed(park.id, park.version, "park"),
                    *pkg.plans_used),
        notes_zh=tuple(result.reasons_zh) + tuple(pkg.notes_zh),
        notes_en=tuple(result.reasons_en) + tuple(pkg.notes_en))


def overflow_events(contained: ContainedRelease) -> list[tuple[str, datetime]]:
    """(event id, time) of every level that overflows — for drill injects: ``<level>_overflow``
    and ``river_release``."""
    events = [(f"{level.level}_overflow", level.overflow_at)
              for level in contained.result.levels if level.overflow_at is not None]
    if contained.result.river_release is not None:
        events.append(("river_release", contained.result.river_release.starts_at))
    return events


__all__ = ["ContainedRelease", "contain", "river_input", "first_hour_checklist",
           "with_containment", "overflow_events", "ITEM_PREFIX"]
