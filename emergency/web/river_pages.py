"""River pages (一河一策一图): the list of key-river plans and each river's "one map".

``/rivers`` lists the plans; ``/rivers/<plan_id>`` shows one plan on its own map (the river's
segments, its sites by kind, its risk sources) and as tables — receptors, intercept facilities,
monitoring points, risk sources, response cards by pollutant class, contacts — printable.
Sample plans (``sample: true``) are marked 示例 everywhere, with the plan's own note.

A plan's risk sources (风险源) come from the inventory through the engine's fingerprinted
snapshot (``ResourceCache``), assigned to the first key river their water reaches by
:mod:`emergency.river_risks`; the assignment is computed once per snapshot and kept in
``app.extensions["river_risks"]``.

The plans also name the province map's key rivers: ``KEY_RIVERS`` is set to the plan rivers'
names, read from the plans on first use (the map renders once per process).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Blueprint, Flask, abort, current_app, render_template

from emergency.inventory.vocab import RISK_LEVELS
from emergency.river_risks import PlanRiskSource, RiverRiskCache
from emergency.web import i18n
from emergency.web.i18n import lang
from plans.schema import PlanValidationError
from plans.vocabulary import (
    FACILITY_TYPES,
    KIND_LABELS,
    MEASURE_GROUPS,
    PLACE_LEVELS,
    POLLUTANT_CLASSES,
    RECEPTOR_KINDS,
    SECTION_LEVELS,
    TECHNIQUES,
)

bp = Blueprint("rivers", __name__, template_folder="templates")
log = logging.getLogger(__name__)

KIND_COLOURS = {"intake": "#c62828", "water_source": "#ad1457", "section": "#1565c0",
                "irrigation_intake": "#6a1b9a", "intercept": "#2e7d32", "monitoring": "#00838f",
                "risk_source": "#ef6c00"}

MESSAGES: dict[str, dict[str, str]] = {
    "rivers_title": {"zh": "一河一策一图", "en": "River plans"},
    "rivers_intro": {"zh": "重点河流突发水污染事件“一河一策一图”:"
                           "河流信息清单、应急响应方案与指挥示意图。",
                     "en": "Key-river plans: the river's inventory, its response plan and its "
                           "command map."},
    "rivers_sample_banner": {"zh": "示例数据:除河流、河段、行政区与水库位置外,预案内容均为虚构示例,"
                                   "不得用于实际处置。",
                             "en": "Sample data: apart from rivers, segments, administrative "
                                   "units and reservoirs, the plans' contents are made up and "
                                   "must not be used in a real response."},
    "river_col_name": {"zh": "河流", "en": "River"},
    "river_col_basin": {"zh": "流域", "en": "Basin"},
    "river_col_prefectures": {"zh": "流经市(州)", "en": "Prefectures"},
    "river_col_receptors": {"zh": "敏感目标", "en": "Receptors"},
    "river_col_facilities": {"zh": "拦截设施", "en": "Intercepts"},
    "river_col_monitoring": {"zh": "监测点", "en": "Monitoring"},
    "river_col_data": {"zh": "数据", "en": "Data"},
    "river_sample": {"zh": "示例", "en": "sample"},
    "river_official": {"zh": "正式", "en": "official"},
    "river_map": {"zh": "一图:河流与点位", "en": "The map"},
    "river_receptors": {"zh": "敏感目标", "en": "Receptors"},
    "river_facilities": {"zh": "环境应急空间与设施", "en": "Emergency spaces and facilities"},
    "river_monitoring": {"zh": "监测点", "en": "Monitoring points"},
    "river_cards": {"zh": "应急处置卡(按污染物类别)", "en": "Response cards (by pollutant class)"},
    "river_contacts": {"zh": "责任单位联系方式", "en": "Contacts"},
    "river_col_kind": {"zh": "类型", "en": "Kind"},
    "river_col_site": {"zh": "名称", "en": "Name"},
    "river_col_km": {"zh": "里程(km)", "en": "km"},
    "river_col_lonlat": {"zh": "经纬度", "en": "Lon, lat"},
    "river_col_details": {"zh": "说明", "en": "Details"},
    "river_col_type": {"zh": "设施类型", "en": "Type"},
    "river_col_storage": {"zh": "库容(万m³)", "en": "Storage (10⁴ m³)"},
    "river_col_techniques": {"zh": "处置技术", "en": "Techniques"},
    "river_col_deploy": {"zh": "布设(h)", "en": "Deploy (h)"},
    "river_col_operator": {"zh": "管理单位/联系人", "en": "Operator / contact"},
    "river_col_step": {"zh": "序号", "en": "#"},
    "river_col_measure": {"zh": "措施", "en": "Measure"},
    "river_col_group": {"zh": "措施类别", "en": "Group"},
    "river_col_responsible": {"zh": "责任单位", "en": "Responsible"},
    "river_col_deadline": {"zh": "时限(h)", "en": "Within (h)"},
    "river_col_unit": {"zh": "单位", "en": "Unit"},
    "river_col_role": {"zh": "职责", "en": "Role"},
    "river_col_phone": {"zh": "电话", "en": "Phone"},
    "river_counties": {"zh": "流经县(市、区)", "en": "Counties"},
    "river_linked": {"zh": "上下游关联预案", "en": "Linked plans"},
    "river_upstream": {"zh": "上游", "en": "Upstream"},
    "river_downstream": {"zh": "下游", "en": "Downstream"},
    "river_identified": {"zh": "河道识别依据", "en": "How the river was identified"},
    "river_none": {"zh": "无", "en": "none"},
    "river_print": {"zh": "打印", "en": "Print"},
    "river_back": {"zh": "返回预案列表", "en": "All plans"},
    "river_serves": {"zh": "供水", "en": "serves"},
    "river_population": {"zh": "服务人口", "en": "population"},
    "river_backup": {"zh": "备用水源", "en": "backup"},
    "river_cross_boundary": {"zh": "跨界断面", "en": "cross-boundary"},
    "river_plans_error": {"zh": "预案数据有误,无法加载", "en": "The plans cannot be loaded"},
    "river_risk_sources": {"zh": "风险源", "en": "Risk sources"},
    "river_open_major": {"zh": "未销号重大隐患 {n} 项", "en": "{n} open major hazard(s)"},
    "river_open_major_title": {"zh": "隐患排查发现的重大隐患尚未整改销号,点击查看",
                               "en": "Major hazards found by inspection and not yet closed"},
    "river_risk_intro": {"zh": "按入河位置自上游向下游排列;支流上的风险源列于其汇入本河处"
                               "(支流另有预案的除外)。",
                         "en": "Ordered from upstream by where their water joins the river; "
                               "sources on tributaries are listed where the tributary joins "
                               "(unless the tributary has a plan of its own)."},
    "river_col_substances": {"zh": "主要物质(最大存在量)", "en": "Main substances (maximum)"},
    "river_col_risk_level": {"zh": "风险等级", "en": "Risk level"},
    "river_col_county": {"zh": "所在县(市、区)", "en": "County"},
    "river_col_entry": {"zh": "入河途径", "en": "Route to the river"},
    "river_direct": {"zh": "直接入河", "en": "directly"},
    "river_via": {"zh": "经{river}汇入({km} km)", "en": "via {river} ({km} km)"},
}


class PlanRiverNames:
    """The key rivers' names (重点河流) from the plans, read on first use.

    Set as ``app.config["KEY_RIVERS"]``: the province map asks ``name in KEY_RIVERS`` when it
    first renders. If the plans cannot be loaded every named river counts as key (the map's
    own default), and the failure is logged.
    """

    def __init__(self, plans) -> None:  # noqa: ANN001 - a Lazy[PlanSet]
        self._plans = plans
        self._names: frozenset[str] | None = None
        self._all = False

    def _load(self) -> frozenset[str]:
        if self._names is None:
            try:
                self._names = frozenset(p.river_name_zh for p in self._plans.get().plans.values())
            except PlanValidationError:
                log.exception("plans not loaded: every named river is a key river on the map")
                self._names, self._all = frozenset(), True
        return self._names

    def __contains__(self, name: object) -> bool:
        names = self._load()
        return self._all or name in names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._load()))

    def __len__(self) -> int:
        return len(self._load())


def _plans():
    try:
        return current_app.extensions["plans"].get()
    except PlanValidationError:
        log.exception("plans not loaded")
        abort(503)


def pair_label(pair: tuple[str, str] | None, fallback: str = "") -> str:
    if not pair:
        return fallback
    return pair[1] if lang() == "en" else pair[0]


def _site_details(site) -> str:  # noqa: ANN001 - a plans.loader.Site
    a = site.attrs
    en = lang() == "en"
    parts = []
    if a.get("place_level"):
        parts.append(pair_label(PLACE_LEVELS.get(str(a["place_level"]))))
    if a.get("serves_zh"):
        parts.append(f"{'serves' if en else '供水'} {a['serves_zh']}")
    if a.get("population_served"):
        n = int(a["population_served"])
        parts.append(f"{n:,} people" if en else f"服务人口 {n / 1e4:g} 万")
    if a.get("capacity_m3_per_day"):
        n = float(a["capacity_m3_per_day"])
        parts.append(f"{n:,.0f} m³/d" if en else f"{n / 1e4:g} 万m³/日")
    if a.get("backup_source_zh"):
        parts.append(f"{'backup' if en else '备用水源'} {a['backup_source_zh']}")
    if a.get("section_level"):
        parts.append(pair_label(SECTION_LEVELS.get(str(a["section_level"]))))
    if a.get("cross_boundary"):
        parts.append(("cross-boundary " if en else "跨界断面 ") + str(a.get("boundary_zh") or ""))
    if a.get("irrigated_area_mu"):
        parts.append(f"{'irrigates' if en else '灌溉'} {float(a['irrigated_area_mu']):g} 亩")
    if a.get("parameters_zh"):
        parts.append(str(a["parameters_zh"]))
    if a.get("frequency_zh"):
        parts.append(str(a["frequency_zh"]))
    if a.get("note_zh"):
        parts.append(str(a["note_zh"]))
    return ";".join(p for p in parts if p) if not en else "; ".join(p for p in parts if p)


def plan_site_dict(site) -> dict:  # noqa: ANN001 - a plans.loader.Site
    a = site.attrs
    storage = a.get("storage_m3")
    return {
        "id": site.id, "kind": site.kind, "kind_label": pair_label(KIND_LABELS.get(site.kind),
                                                               site.kind),
        "colour": KIND_COLOURS.get(site.kind, "#455a64"),
        "name": (site.name_en or site.name_zh) if lang() == "en" else site.name_zh,
        "name_zh": site.name_zh, "lon": site.lon, "lat": site.lat, "km": site.river_km,
        "details": _site_details(site),
        "facility_type": a.get("facility_type"),
        "facility_type_label": (FACILITY_TYPES.get(str(a.get("facility_type")), "")
                                if lang() == "en" else a.get("facility_type")),
        "storage_wan_m3": None if storage is None else round(float(storage) / 1e4, 1),
        "techniques": [TECHNIQUES.get(x, x) if lang() == "en" else x
                       for x in (a.get("techniques") or ())],
        "deploy_hours": a.get("deploy_hours"),
        "operator": " / ".join(str(x) for x in (a.get("operator_zh"), a.get("contact_zh"),
                                                 a.get("phone")) if x),
    }


def plan_risk_sources() -> dict[str, tuple[PlanRiskSource, ...]]:
    """Every plan's risk sources (plan id → upstream first), from the inventory snapshot.

    One fingerprint query per call; the assignment is recomputed only when the snapshot is
    rebuilt (an inventory changed) or the network or plans were reloaded.
    """
    engine = current_app.extensions["engine"].get()
    with current_app.extensions["database"].session() as session:
        return current_app.extensions["river_risks"].get(
            engine.network, engine.plans(), engine.resources(session),
            catalogue=engine.catalogue)


def open_major_hazards(risk_source_ids: list[int]) -> dict[int, int]:
    """How many open 重大隐患 each of these risk sources has (隐患排查): the plan's list marks
    them, as the province map does."""
    from emergency.inspection.service import open_hazards_by_source

    with current_app.extensions["database"].session() as session:
        found = open_hazards_by_source(session, risk_source_ids, grade="major")
    return {source_id: len(rows) for source_id, rows in found.items()}


def _tonnes(t: float) -> str:
    return f"{t:,.0f} t" if t >= 100 else f"{t:g} t"


def plan_risk_dict(r: PlanRiskSource) -> dict:
    en = lang() == "en"
    substances = [f"{s.name_en if en else s.name_zh} {_tonnes(s.max_t)}" for s in r.substances]
    level = (RISK_LEVELS.get(r.risk_level, r.risk_level) if en else r.risk_level) or ""
    via = None
    if not r.direct:
        river = (r.via_river_en or r.via_river_zh) if en else r.via_river_zh
        via = i18n.t("river_via", river=river, km=f"{r.via_km:.1f}")
    kind_label = r.kind_en if en else r.kind_zh
    return {
        "id": r.id, "kind": "risk_source", "source_kind": r.kind, "kind_label": kind_label,
        "colour": KIND_COLOURS["risk_source"], "name": r.name_zh, "name_zh": r.name_zh,
        "lon": r.lon, "lat": r.lat, "km": r.km, "via_km": r.via_km, "via": via,
        "substances": substances, "risk_level": level, "county": r.county_zh,
        "sample": r.sample,
        "details": ("; " if en else ";").join(x for x in (
            level and (f"risk level {level}" if en else f"风险等级{level}"),
            ("、" if not en else ", ").join(substances), via) if x),
    }


def river_geometry(network, plan) -> dict:  # noqa: ANN001
    """The plan river's segments as a MultiLineString (lon/lat, 5 decimals)."""
    lines = [[[round(float(x), 5), round(float(y), 5)] for x, y in network.data.coords_lonlat[i]]
             for i in plan.segments]
    return {"type": "MultiLineString", "coordinates": lines}


@bp.get("/rivers")
def index():
    plans = _plans()
    risks = plan_risk_sources()
    rows = []
    for plan in sorted(plans.plans.values(), key=lambda p: (p.basin, p.id)):
        rows.append({
            "id": plan.id, "name": (plan.river_name_en or plan.river_name_zh)
            if lang() == "en" else plan.river_name_zh, "name_zh": plan.river_name_zh,
            "basin": plan.basin.partition(" (")[2].rstrip(")") or plan.basin
            if lang() == "en" else plan.basin.partition(" (")[0],
            "prefectures": "、".join(plan.prefectures),
            "receptors": len(plan.sites_of_kind(*RECEPTOR_KINDS)),
            "facilities": len(plan.sites_of_kind("intercept")),
            "monitoring": len(plan.sites_of_kind("monitoring")),
            "risk_sources": len(risks.get(plan.id, ())), "sample": plan.sample})
    return render_template("rivers.html", rows=rows,
                           any_sample=any(r["sample"] for r in rows))


@bp.get("/rivers/<plan_id>")
def show(plan_id: str):
    plans = _plans()
    plan = plans.plans.get(plan_id)
    if plan is None:
        abort(404)
    network = current_app.extensions["rivers"].get()
    sites = [plan_site_dict(s) for s in plan.sites]
    plan_risks = plan_risk_sources().get(plan.id, ())
    majors = open_major_hazards([r.id for r in plan_risks])
    risks = [plan_risk_dict(r) | {"open_major": majors.get(r.id, 0)} for r in plan_risks]
    cards = [{"id": cls, "label": pair_label(POLLUTANT_CLASSES.get(cls), cls),
              "measures": [{"order": m.order, "text": m.text_zh, "group": m.group,
                            "group_label": MEASURE_GROUPS.get(m.group, m.group)
                            if lang() == "en" else m.group,
                            "responsible": m.responsible_zh, "deadline_h": m.deadline_h}
                           for m in sorted(measures, key=lambda m: m.order)]}
             for cls, measures in plan.response_cards.items()]
    linked = {key: [(pid, plans.plans[pid].river_name_zh if pid in plans.plans else pid)
                    for pid in ids]
              for key, ids in (("upstream", plan.upstream), ("downstream", plan.downstream))}
    marked = risks + sites  # the plan's own sites are drawn on top
    map_data = {"river": river_geometry(network, plan), "sites": marked,
                "kinds": [{"kind": k, "label": pair_label(KIND_LABELS[k]), "colour": c}
                          for k, c in KIND_COLOURS.items()
                          if any(s["kind"] == k for s in marked)]}
    return render_template(
        "river.html", plan=plan, sites=sites, cards=cards, linked=linked, map_data=map_data,
        risk_sources=risks,
        receptors=[s for s in sites if s["kind"] in RECEPTOR_KINDS],
        facilities=[s for s in sites if s["kind"] == "intercept"],
        monitoring=[s for s in sites if s["kind"] == "monitoring"],
        name=(plan.river_name_en or plan.river_name_zh) if lang() == "en"
        else plan.river_name_zh)


def init_river_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    if app.config["KEY_RIVERS"] is None:  # None: the rivers the published plans name
        app.config["KEY_RIVERS"] = PlanRiverNames(app.extensions["plans"])
    app.extensions.setdefault("river_risks", RiverRiskCache())
    app.register_blueprint(bp)
