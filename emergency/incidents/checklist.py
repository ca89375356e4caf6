"""The response checklist (处置任务清单) with real deadlines: legal clocks and the plume's clock.

Items have stable ids (``report:first``, ``intake:<site>:close`` …) so that a recomputation
(re-grading, a new observation) updates due times without losing who did what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from emergency.config import DEFAULT_TZ
from emergency.incidents.package import ChecklistTemplate, DownstreamItem, InterceptOption
from plans.vocabulary import SAMPLED_KINDS

GROUP_BY_NAME: dict[str, str] = {}

#: Actions on the plume's clock (physical deadlines), as opposed to the legal clocks of reports.
#: Inside a chemical park the three-level containment actions (emergency.parks.engine) are on
#: the water's clock too: close the valve and open the pool before the water reaches them.
PHYSICAL_KINDS = frozenset({"close_intake", "activate_intercept", "notify", "international",
                            "sample", "close_valve", "open_pool", "close_gate", "transfer",
                            "alert_river"})
#: Urgency of the physical actions when deadlines tie: what protects people first; keeping the
#: release out of the river ranks with closing an intake.
URGENCY_RANK = {"close_intake": 0, "close_valve": 0, "open_pool": 0, "close_gate": 0,
                "transfer": 1, "alert_river": 1, "activate_intercept": 1, "notify": 2,
                "international": 3, "sample": 4}


def _group_ids(rules: Mapping[str, Any]) -> dict[str, str]:
    if not GROUP_BY_NAME:
        GROUP_BY_NAME.update({g["name_zh"]: g["id"] for g in rules["groups"]})
    return GROUP_BY_NAME


def _fmt(dt: datetime, tz: tzinfo = DEFAULT_TZ) -> str:
    """Local (business time zone) month-day hour:minute, as a duty officer reads it."""
    return dt.astimezone(tz).strftime("%m-%d %H:%M")


def _affected(item: DownstreamItem, rules: Mapping[str, Any]) -> bool:
    """Worth acting on: the worst case reaches the limit's notify fraction (or, with no limit,
    the front arrives within the horizon)."""
    if item.limit_mg_l is None:
        return item.hours_left <= float(rules["notify_horizon_hours_without_limit"])
    return item.peak_worst_mg_l >= item.limit_mg_l * float(rules["notify_fraction_of_limit"])


def build_checklist(*, incident, substance, downstream: Sequence[DownstreamItem], deadlines,
                    notifications, options: Sequence[InterceptOption], plan, rules, as_of,
                    snap, tier, tz: tzinfo = DEFAULT_TZ) -> tuple[ChecklistTemplate, ...]:
    groups = _group_ids(rules)
    start = max(as_of, incident.discovered_at)
    horizon = start + timedelta(hours=float(rules["action_horizon_hours"]))
    items: list[ChecklistTemplate] = []

    for d in deadlines:
        items.append(ChecklistTemplate(
            id=f"report:{d.id}", group="reporting",
            text_zh=f"{d.text_zh}(报送:{'、'.join(d.recipients_zh)})", text_en=d.text_en,
            responsible_zh=d.reporter_zh, due_at=d.due_at, basis_zh=d.legal_basis, kind="report"))
    for n in notifications:
        c = n.crossing
        items.append(ChecklistTemplate(
            id=f"notify:{c.level}:{c.to_zh}", group="reporting", text_zh=n.text_zh,
            text_en=n.text_en, responsible_zh=n.notifier_zh, due_at=n.due_at,
            basis_zh=n.legal_basis, kind="notify", arrival_at=c.front_arrives_at))
        if c.level == "nation":
            items.append(ChecklistTemplate(
                id=f"international:{c.to_zh}", group="international",
                text_zh=f"污染团预计 {_fmt(c.front_arrives_at, tz)} 到达国界({c.to_zh}):"
                        "报请生态环境部按程序开展国际通报",
                text_en=f"plume expected at the national border ({c.to_zh}) at "
                        f"{c.front_arrives_at.isoformat()}: ask the MEE to notify internationally",
                responsible_zh="省生态环境厅", due_at=n.due_at, kind="international",
                arrival_at=c.front_arrives_at))

    margin_intake = timedelta(hours=float(rules["intake_close_margin_hours"]))
    for item in downstream:
        if item.kind not in ("intake", "water_source") or item.front_at_earliest > horizon:
            continue
        if not (item.worst_exceeds or (item.limit_mg_l is None and _affected(item, rules))):
            continue
        backup = item.attrs.get("backup_source_zh")
        items.append(ChecklistTemplate(
            id=f"intake:{item.id}:close", group="on_site",
            text_zh=f"关闭{item.name_zh}(km {item.km:g}),预测峰值 {item.peak_mg_l:.3g} mg/L"
                    + (f"(限值 {item.limit_mg_l:g})" if item.limit_mg_l else "")
                    + (f";启用备用水源:{backup}" if backup else ";落实应急供水"),
            text_en=f"close intake {item.name_en or item.name_zh} (km {item.km:g}) before the "
                    "earliest front; switch to the backup source",
            responsible_zh=str(item.attrs.get("operator_zh") or "供水单位/属地政府"),
            due_at=item.front_at_earliest - margin_intake,
            basis_zh=f"最早前锋 {_fmt(item.front_at_earliest, tz)} 减安全余量 "
                     f"{rules['intake_close_margin_hours']} h",
            kind="close_intake", arrival_at=item.front_at_earliest))

    for option in [o for o in options if o.site.kind == "intercept" and o.feasible][:3]:
        site = option.site
        deploy = float(site.attrs.get("deploy_hours") or 4.0)
        items.append(ChecklistTemplate(
            id=f"intercept:{site.id}:activate", group="on_site",
            text_zh=f"启用拦截点 {site.name_zh}"
                    f"(km {site.km:g},{site.attrs.get('facility_type', '')})"
                    + (":" + "、".join(option.techniques) if option.techniques else ""),
            text_en=f"activate intercept site {site.name_en or site.name_zh} (km {site.km:g})",
            responsible_zh=str(site.attrs.get("operator_zh") or "属地生态环境局"),
            due_at=option.ready_by - timedelta(hours=deploy),
            basis_zh=f"最早前锋 {_fmt(site.front_at_earliest, tz)} 减布设 {deploy:g} h 和余量",
            kind="activate_intercept", arrival_at=site.front_at_earliest))

    items.append(ChecklistTemplate(
        id="sample:upstream-control", group="monitoring",
        text_zh=f"在事发点上游({snap.river_name_zh or '受纳水体'})设对照断面,立即采样",
        text_en="set an upstream control section above the release and sample at once",
        responsible_zh="应急监测队伍", due_at=start + timedelta(hours=1), kind="sample"))
    sampling = rules["sampling"]
    for item in downstream:
        if item.kind not in SAMPLED_KINDS:
            continue
        if item.front_at_earliest > horizon or not _affected(item, rules):
            continue
        if item.kind == "boundary" and item.attrs.get("level") == "county":
            continue
        begin = item.front_at_earliest - timedelta(hours=float(sampling["before_front_hours"]))
        items.append(ChecklistTemplate(
            id=f"sample:{item.id}", group="monitoring",
            text_zh=f"{item.name_zh}(km {item.km:g})加密监测:{_fmt(begin, tz)} 起每 "
                    f"{sampling['dense_interval_hours']:g} h "
                    f"采样至峰值过后({_fmt(item.peak_at, tz)}),"
                    f"此后每 {sampling['taper_interval_hours']:g} h 至 {_fmt(item.tail_at, tz)},"
                    f"再每 {sampling['final_interval_hours']:g} h 直至连续两次达标",
            text_en=f"sample at {item.name_en or item.name_zh}: every "
                    f"{sampling['dense_interval_hours']:g} h from {begin.isoformat()} until the "
                    f"peak, then every {sampling['taper_interval_hours']:g} h",
            responsible_zh="应急监测队伍", due_at=max(begin, start), kind="sample",
            arrival_at=item.front_at_earliest))

    cards = getattr(plan, "response_cards", None) or {}
    for n, measure in enumerate(cards.get(substance.pollutant_class, ()) or (), start=1):
        group = groups.get(getattr(measure, "group", ""), "on_site")
        offset = getattr(measure, "deadline_h", None)
        items.append(ChecklistTemplate(
            id=f"card:{substance.pollutant_class}:{n}", group=group,
            text_zh=f"{measure.text_zh}(处置卡示例)", text_en=getattr(measure, "text_en", "") or "",
            responsible_zh=getattr(measure, "responsible_zh", "") or "属地政府",
            due_at=start + timedelta(hours=float(offset)) if offset is not None else None,
            basis_zh=f"{getattr(plan, 'river_name_zh', '')}应急处置卡", kind="card"))

    covered = {i.group for i in items}
    for group in rules["groups"]:
        if group["id"] in covered:
            continue
        for k, text in enumerate(group.get("default") or (), start=1):
            items.append(ChecklistTemplate(
                id=f"default:{group['id']}:{k}", group=group["id"], text_zh=text, text_en="",
                responsible_zh="应急指挥部相关工作组", due_at=None, kind="default"))
    return tuple(mark_immediate(items, start, incident.discovered_at))


def mark_immediate(items: Sequence[ChecklistTemplate], known_at: datetime,
                   discovered_at: datetime | None = None) -> list[ChecklistTemplate]:
    """Flag as 立即 (immediate) the physical actions whose deadline falls at or before ``known_at``
    (the moment they became known: discovery, or now for a recomputation), and any action due at
    or before discovery (令17号's "立即报告": at once).

    Such an action was never "on time" to begin with: the plume may already be there or about to
    be. It is due now; counting it as overdue from a moment nobody knew of it misleads the desk.
    """
    discovered_at = discovered_at or known_at
    out = []
    for t in items:
        late = t.due_at is not None and (
            (t.kind in PHYSICAL_KINDS and t.due_at <= known_at) or t.due_at <= discovered_at)
        out.append(replace(t, immediate=True) if late else t)
    return out


def urgency_key(kind: str, due_at: datetime | None, immediate: bool,
                arrival_at: datetime | None, status: str = "open") -> tuple:
    """Sort key of the default checklist order (by urgency): open before closed; immediate
    actions first — what protects people first (intake closure, then intercepts, notifications,
    sampling), each by the plume's predicted arrival; then by due time; undated last."""
    far = datetime.max.replace(tzinfo=UTC)
    if immediate:
        return (status != "open", 0, URGENCY_RANK.get(kind, 9), arrival_at or due_at or far)
    return (status != "open", 1, due_at or far, URGENCY_RANK.get(kind, 9))


def most_urgent(items: Sequence[ChecklistTemplate]) -> ChecklistTemplate | None:
    """The single most urgent open action (the header shows it in full)."""
    dated = [t for t in items if t.due_at is not None or t.immediate]
    if not dated:
        return None
    return min(dated, key=lambda t: urgency_key(t.kind, t.due_at, t.immediate, t.arrival_at))
