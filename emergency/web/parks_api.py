"""Chemical-park plans (一园一策一图): ``/api/parks``, ``/parks``, ``/parks/<id>``.

The park plans in force are the published versions kept in the database (预案管理, like the river
plans: ``app.extensions["parks"]``, a :class:`emergency.plan_management.snapshot.PlanSnapshot`;
the bundled files while the database holds none); this module only serialises them and the
containment assessment of an incident (:func:`containment_dict`, used by the response package).
Pages are rendered by Jinja (text escaped); the map script (``static/js/park_map.js``) builds
every label from text nodes.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template

from emergency.parks.engine import ITEM_PREFIX, ContainedRelease
from emergency.plan_management import service as store_service
from emergency.plan_management.park_workbook import export_park_workbook, read_park_workbook
from emergency.web import i18n
from emergency.web.clock import iso, today
from emergency.web.errors import ApiError
from emergency.web.i18n import lang
from emergency.web.plan_store import PlanKindWeb, add_management_routes
from emergency.web.plan_store import published_info as store_published_info
from plans.parks import PARK_SCENARIOS, PREVENTION_LEVELS, ParkPlan, ParkPlanSet

bp = Blueprint("parks", __name__, template_folder="templates")
KIND = "park"
# 预案管理 of the park plans: the river plans' handlers (emergency.web.plan_store) under
# /api/parks/<id>/… — versions, drafts, review, restore, check, import, <id>.yaml / <id>.xlsx
PARKS = PlanKindWeb(kind=KIND, snapshot_key="parks", noun_zh="园区预案", noun_en="park plan",
                    title_zh="一园一策一图", file_prefix="园区预案",
                    export_workbook=export_park_workbook, read_workbook=read_park_workbook)
store_bp = Blueprint("parks_store", __name__, url_prefix="/api/parks")
add_management_routes(store_bp, PARKS)

MESSAGES: dict[str, dict[str, str]] = {
    "nav_parks": {"zh": "化工园区", "en": "Chemical parks"},
    "parks_title": {"zh": "化工园区 一园一策一图",
                    "en": "Chemical parks: one park, one plan, one map"},
    "parks_intro": {"zh": "园区级环境风险三级防控体系:企业级(事故应急池、雨水排口切断阀、"
                          "围堰)→ 园区级(公共应急池、雨水管网闸门、泵站)→ 流域级(河流预案"
                          "拦截点)。",
                    "en": "The three-level prevention system: enterprise (accident pool, "
                          "rain-outfall cut-off valve, bund) → park (public pools, gates, pumps) "
                          "→ river (the river plans' intercept sites)."},
    "parks_sample_banner": {"zh": "园区预案内容(容积、阀门、人员、电话)均为示例数据,"
                                  "仅用于演示和测试。",
                            "en": "Park plan contents (volumes, valves, people, phones) are sample "
                                  "data, for demonstration and tests only."},
    "parks_col_park": {"zh": "园区", "en": "Park"},
    "parks_col_prefecture": {"zh": "市(州)", "en": "Prefecture"},
    "parks_col_county": {"zh": "县(市、区)", "en": "County"},
    "parks_col_enterprises": {"zh": "企业", "en": "Enterprises"},
    "parks_col_ent_pools": {"zh": "企业事故池可用(m³)", "en": "Enterprise pools free (m³)"},
    "parks_col_park_pools": {"zh": "园区应急池可用(m³)", "en": "Park pools free (m³)"},
    "parks_col_outfalls": {"zh": "入河排口", "en": "Outfalls to rivers"},
    "parks_col_readiness": {"zh": "汛前核查", "en": "Readiness"},
    "parks_col_version": {"zh": "现行版本", "en": "Version in force"},
    "parks_version_files": {"zh": "文件(未入库)", "en": "from the files"},
    "parks_back": {"zh": "全部园区", "en": "All parks"},
    "parks_map": {"zh": "园区三级防控图", "en": "Three-level map"},
    "parks_level_enterprise": {"zh": "企业级", "en": "Enterprise level"},
    "parks_level_park": {"zh": "园区级", "en": "Park level"},
    "parks_level_river": {"zh": "流域级", "en": "River level"},
    "parks_pool": {"zh": "事故应急池", "en": "Accident pool"},
    "parks_volume": {"zh": "容积", "en": "Volume"},
    "parks_in_use": {"zh": "已占用", "en": "In use"},
    "parks_free": {"zh": "可用", "en": "Free"},
    "parks_bund": {"zh": "围堰", "en": "Bund"},
    "parks_firewater": {"zh": "设计消防水量", "en": "Design fire water"},
    "parks_outfall": {"zh": "排口", "en": "Outfall"},
    "parks_valve": {"zh": "切断阀", "en": "Cut-off valve"},
    "parks_normally_closed": {"zh": "常闭", "en": "normally closed"},
    "parks_close_minutes": {"zh": "关闭用时", "en": "Time to close"},
    "parks_closer": {"zh": "负责关闭", "en": "Closed by"},
    "parks_runoff": {"zh": "汇流时间", "en": "Runoff time"},
    "parks_gates": {"zh": "雨水管网闸门", "en": "Rain-network gates"},
    "parks_pools": {"zh": "公共应急池", "en": "Public emergency pools"},
    "parks_park_outfalls": {"zh": "园区入河排口", "en": "Park outfalls to rivers"},
    "parks_ditches": {"zh": "应急导流渠", "en": "Diversion ditches"},
    "parks_pumping": {"zh": "转输泵能力", "en": "Pumping capacity"},
    "parks_river_plans": {"zh": "衔接的河流预案", "en": "River plans that take over"},
    "parks_intercepts": {"zh": "流域级拦截点", "en": "River intercept sites"},
    "parks_contacts": {"zh": "联系人", "en": "Contacts"},
    "parks_cards": {"zh": "应急处置卡", "en": "Response cards"},
    "parks_readiness": {"zh": "汛前核查", "en": "Readiness this season"},
    "parks_pools_confirmed": {"zh": "应急池容积核实", "en": "Pools confirmed"},
    "parks_valves_tested": {"zh": "切断阀试验", "en": "Valves tested"},
    "parks_not_this_season": {"zh": "本年度未核查", "en": "not this season"},
    "parks_never": {"zh": "未记录", "en": "never"},
    "parks_to_river": {"zh": "距河道", "en": "to the river"},
    "parks_none": {"zh": "无", "en": "none"},
    "parks_min": {"zh": "分钟", "en": "min"},
    "parks_yes": {"zh": "是", "en": "yes"},
    "parks_no": {"zh": "否", "en": "no"},
    "parks_col_step": {"zh": "措施", "en": "Step"},
    "parks_col_level": {"zh": "层级", "en": "Level"},
    "parks_col_responsible": {"zh": "责任人", "en": "Responsible"},
    # the incident page's containment block
    "cont_title": {"zh": "三级防控研判", "en": "Three-level containment"},
    "cont_intake_legend": {"zh": "化工园区三级防控(可选)",
                           "en": "Chemical-park containment (optional)"},
    "cont_intake_note": {"zh": "事发于化工园区或园区内企业时填写;"
                                 "不填则按物料密度估算体积、不计消防水",
                         "en": "for a release in a chemical park or one of its plants; left empty, "
                               "the volume comes from the density and no fire water is counted"},
    "cont_intake_volume": {"zh": "泄漏液体体积(m³)", "en": "Liquid released (m³)"},
    "cont_intake_firewater": {"zh": "消防水量(m³/h)", "en": "Fire-fighting water (m³/h)"},
    "cont_intake_fire_hours": {"zh": "消防持续时间(小时)", "en": "Fire-fighting duration (h)"},
    "cont_held_enterprise": {"zh": "企业级可截留:泄漏物料和消防废水不出厂区,无污染物入河",
                             "en": "Held by the enterprise: nothing leaves the plant or "
                                   "reaches the river"},
    "cont_held_park": {"zh": "园区级可截留:流出企业的废水由园区截留,无污染物入河",
                       "en": "Held by the park: nothing reaches the river"},
    "cont_held_river": {"zh": "园区防控失效:污染物将经园区排口入河,下游预测按入河量计算",
                        "en": "The park does not hold it: the river forecast is for what "
                              "overflows"},
    "cont_col_level": {"zh": "层级", "en": "Level"},
    "cont_col_free": {"zh": "可用容积 m³", "en": "Free m³"},
    "cont_col_inflow": {"zh": "来水 m³", "en": "Inflow m³"},
    "cont_col_held": {"zh": "截留 m³", "en": "Held m³"},
    "cont_col_passed": {"zh": "外排 m³", "en": "Passed m³"},
    "cont_col_arrival": {"zh": "来水到达", "en": "Water arrives"},
    "cont_col_closed": {"zh": "阀/闸关闭", "en": "Barrier holds"},
    "cont_col_overflow": {"zh": "满溢", "en": "Full at"},
    "cont_river_release": {"zh": "入河", "en": "River release"},
    "cont_water": {"zh": "水量", "en": "Water"},
    "cont_firewater_estimated": {"zh": "消防水量按园区预案设计值估算",
                                 "en": "fire-water rate from the plan"},
}


def park_set() -> ParkPlanSet:
    return current_app.extensions["parks"].get()


def _season_ok(day: date | None, now: date) -> bool:
    """Confirmed this season: on or after 1 January of the current year (汛前核查)."""
    return day is not None and day.year == now.year


def _outfall_dict(o) -> dict:  # noqa: ANN001 - plans.parks.OutfallOnRiver
    return {"id": o.outfall.id, "name_zh": o.outfall.name_zh, "lon": o.outfall.lon,
            "lat": o.outfall.lat, "gate": o.outfall.gate, "river_name_zh": o.river_name_zh,
            "segment_id": o.segment_id, "river_lon": round(o.lon, 6),
            "river_lat": round(o.lat, 6), "distance_m": round(o.distance_m, 1)}


def _levels(park: ParkPlan) -> dict:
    doc = park.doc
    return {
        "enterprise": {
            "enterprises": len(doc.enterprises),
            "pool_volume_m3": sum(e.accident_pool.volume_m3 for e in doc.enterprises),
            "pool_free_m3": sum(e.accident_pool.free_m3 for e in doc.enterprises),
            "valves": sum(len(e.outfalls) for e in doc.enterprises)},
        "park": {
            "pool_volume_m3": sum(p.volume_m3 for p in doc.park.pools),
            "pool_free_m3": sum(p.volume_m3 - p.in_use_m3 for p in doc.park.pools),
            "gates": len(doc.park.gates), "outfalls": len(doc.park.outfalls),
            "pumping_m3_per_h": doc.park.pumping_m3_per_h,
            "runoff_minutes": doc.park.runoff_minutes},
        "river": {"plans": list(doc.river.plans),
                  "intercept_sites": list(doc.river.intercept_sites)},
    }


def park_summary(park: ParkPlan) -> dict:
    doc = park.doc
    return {"id": doc.id, "name_zh": doc.name_zh, "prefecture_zh": doc.prefecture_zh,
            "county_zh": doc.county_zh, "risk_source_zh": doc.risk_source_zh,
            "sample": doc.sample, "lon": doc.lon, "lat": doc.lat, "version": park.version,
            "levels": _levels(park),
            "outfalls": [_outfall_dict(o) for o in park.outfalls]}


def park_detail(park: ParkPlan) -> dict:
    body = park_summary(park) | published_info(park.id)
    body["plan"] = park.doc.model_dump(mode="json")
    return body


def published_info(park_id: str) -> dict:
    """version, published_at, published_by of the version in force (None: from the files)."""
    return store_published_info(KIND, park_id)


@bp.get("/api/parks")
def api_index():
    return jsonify({"parks": [park_summary(p) for p in park_set()]})


@bp.get("/api/parks/<park_id>")
def api_show(park_id: str):
    park = park_set().get(park_id)
    if park is None:
        raise ApiError(404, "not_found", f"未找到化工园区预案 {park_id}",
                       f"park plan {park_id} not found")
    return jsonify(park_detail(park))


def published_versions() -> dict[str, dict]:
    """The version in force of every park plan kept in the database: vN, when, by whom (the
    index's version column; none while the plans come from the files)."""
    with current_app.extensions["database"].session() as s:
        return {pid: {"version": v.version, "published_at": iso(v.published_at),
                      "published_by": v.published_by}
                for pid, v in store_service.version_infos(s, KIND).items()}


@bp.get("/parks")
def index():
    now = today()
    versions = published_versions()
    rows = []
    for park in sorted(park_set(), key=lambda p: (p.doc.prefecture_zh, p.id)):
        levels = _levels(park)
        readiness = park.doc.readiness
        rows.append({
            "id": park.id, "name": park.doc.name_zh, "prefecture": park.doc.prefecture_zh,
            "county": park.doc.county_zh, "enterprises": levels["enterprise"]["enterprises"],
            "ent_free": levels["enterprise"]["pool_free_m3"],
            "park_free": levels["park"]["pool_free_m3"],
            "outfalls": "、".join(f"{o.outfall.name_zh} → {o.river_name_zh}"
                                 for o in park.outfalls),
            "ready": _season_ok(readiness.pools_confirmed_on, now)
            and _season_ok(readiness.valves_tested_on, now),
            "sample": park.doc.sample, "published": versions.get(park.id)})
    return render_template("parks.html", rows=rows)


@bp.get("/parks/<park_id>")
def show(park_id: str):
    park = park_set().get(park_id)
    if park is None:
        abort(404)
    doc, now = park.doc, today()
    en = lang() == "en"
    cards = [{"id": key, "label": PARK_SCENARIOS[key][1 if en else 0],
              "steps": [{"text": s.text_zh, "responsible": s.responsible_zh,
                         "level": PREVENTION_LEVELS[s.level][1 if en else 0]} for s in steps]}
             for key, steps in doc.response_cards.items()]
    readiness = {
        "pools": doc.readiness.pools_confirmed_on,
        "pools_ok": _season_ok(doc.readiness.pools_confirmed_on, now),
        "valves": doc.readiness.valves_tested_on,
        "valves_ok": _season_ok(doc.readiness.valves_tested_on, now)}
    map_data = park_map_data(park)
    network = current_app.extensions["rivers"].get()
    map_data["rivers"] = [[[round(float(y), 5), round(float(x), 5)]
                           for x, y in network.data.coords_lonlat[o.segment_index]]
                          for o in park.outfalls]
    river_plans = current_app.extensions["plans"].get().plans
    linked_plans = [(pid, river_plans[pid].river_name_zh if pid in river_plans else pid)
                    for pid in doc.river.plans]
    intercepts = []
    for ref in doc.river.intercept_sites:  # "<plan id>/<site id>", a Site's global id
        plan = river_plans.get(ref.partition("/")[0])
        site = next((x for x in plan.sites if x.id == ref), None) if plan else None
        intercepts.append(f"{plan.river_name_zh} · {site.name_zh}" if site else ref)
    map_data["legend"] = {kind: i18n.t(key) for kind, key in (
        ("enterprise", "parks_col_enterprises"), ("valve", "parks_valve"),
        ("pool", "parks_pools"), ("gate", "parks_gates"), ("outfall", "parks_park_outfalls"))}
    return render_template("park.html", park=doc, outfalls=park.outfalls, cards=cards,
                           readiness=readiness, map_data=map_data, linked_plans=linked_plans,
                           intercepts=intercepts, published=published_info(park.id))


def park_map_data(park: ParkPlan) -> dict:
    """What the park map draws: every facility of the three levels and the way to the river."""
    doc = park.doc
    features = []
    for e in doc.enterprises:
        features.append({"kind": "enterprise", "level": "enterprise", "name": e.name_zh,
                         "lon": e.lon, "lat": e.lat,
                         "detail": f"事故应急池 {e.accident_pool.volume_m3:,.0f} m³(可用 "
                                   f"{e.accident_pool.free_m3:,.0f}),围堰 {e.bund_m3:,.0f} m³",
                         "volume_m3": e.accident_pool.volume_m3})
        for o in e.outfalls:
            features.append({"kind": "valve", "level": "enterprise",
                             "name": f"{o.name_zh}切断阀", "lon": o.lon, "lat": o.lat,
                             "detail": f"{o.valve_type_zh}"
                                       + (",常闭" if o.normally_closed else
                                          f",{o.close_minutes:g} 分钟关闭")
                                       + f",{o.closer_zh}"})
    for p in doc.park.pools:
        features.append({"kind": "pool", "level": "park", "name": p.name_zh, "lon": p.lon,
                         "lat": p.lat, "volume_m3": p.volume_m3,
                         "detail": f"容积 {p.volume_m3:,.0f} m³,可用 "
                                   f"{p.volume_m3 - p.in_use_m3:,.0f} m³"})
    for g in doc.park.gates:
        features.append({"kind": "gate", "level": "park", "name": g.name_zh, "lon": g.lon,
                         "lat": g.lat, "detail": ("常闭" if g.normally_closed else
                                                  f"{g.close_minutes:g} 分钟关闭")
                         + f",{g.closer_zh}"})
    paths = []
    for o in park.outfalls:
        features.append({"kind": "outfall", "level": "park", "name": o.outfall.name_zh,
                         "lon": o.outfall.lon, "lat": o.outfall.lat,
                         "detail": f"入{o.river_name_zh},距河道 {o.distance_m:,.0f} m"})
        paths.append([[o.outfall.lat, o.outfall.lon], [o.lat, o.lon]])
    return {"centre": [doc.lat, doc.lon], "radius_m": doc.radius_m, "features": features,
            "paths": paths}


# ---------------------------------------------------------------- the incident's containment
def containment_dict(contained: ContainedRelease | None, checklist=()) -> dict | None:
    """``containment`` of the response package: which level holds it, every number, the
    first-hour actions of each level (checklist keys), and the river release if any."""
    if contained is None:
        return None
    result = contained.result
    by_level: dict[str, list[str]] = {"enterprise": [], "park": [], "river": []}
    prefix = f"{ITEM_PREFIX}{contained.park.id}:"
    for item in checklist:
        if item.id.startswith(prefix):
            by_level[item.id[len(prefix):].split(":", 1)[0]].append(item.id)
    levels = [{
        "level": level.level, "name_zh": level.name_zh, "free_m3": round(level.free_m3, 1),
        "inflow_m3": round(level.inflow_m3, 1), "held_m3": round(level.held_m3, 1),
        "passed_m3": round(level.passed_m3, 1), "passed_kg": round(level.passed_kg, 2),
        "first_arrival_at": iso(level.first_arrival_at),
        "barrier_closed_at": iso(level.barrier_closed_at), "overflow_at": iso(level.overflow_at),
        "reasons_zh": list(level.reasons_zh), "reasons_en": list(level.reasons_en),
        "actions": by_level[level.level]} for level in result.levels]
    river = result.river_release
    levels.append({"level": "river", "name_zh": contained.outfall.river_name_zh,
                   "free_m3": None, "inflow_m3": round(river.volume_m3, 1) if river else 0.0,
                   "overflow_at": None, "actions": by_level["river"],
                   "intercept_sites": list(contained.park.doc.river.intercept_sites)})
    return {
        "held_at": result.held_at, "park_id": contained.park.id,
        "park_name_zh": contained.park.doc.name_zh,
        "enterprise_id": contained.enterprise.id if contained.enterprise else None,
        "enterprise_name_zh": contained.enterprise.name_zh if contained.enterprise else None,
        "scenarios": list(contained.scenarios), "liquid_m3": round(result.liquid_m3, 2),
        "firewater_m3": round(result.firewater_m3, 1),
        "firewater_estimated": contained.firewater_estimated,
        "total_water_m3": round(result.total_water_m3, 1), "levels": levels,
        "river_release": None if river is None else {
            "mass_kg": round(river.mass_kg, 2), "volume_m3": round(river.volume_m3, 1),
            "starts_at": iso(river.starts_at), "ends_at": iso(river.ends_at),
            "outfall_id": river.outfall_id, "outfall_name_zh": river.outfall_name_zh,
            "river_name_zh": contained.outfall.river_name_zh,
            "lon": contained.outfall.lon, "lat": contained.outfall.lat},
        "reasons_zh": list(result.reasons_zh), "reasons_en": list(result.reasons_en),
        "sample": contained.park.doc.sample,
    }


def init_park_pages(app: Flask) -> None:
    from emergency.web.pages import NAV_ITEMS

    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    if ("parks.index", "nav_parks") not in NAV_ITEMS:
        NAV_ITEMS.append(("parks.index", "nav_parks"))
    app.register_blueprint(bp)
    app.register_blueprint(store_bp)
    from emergency.web.park_plan_pages import init_park_plan_pages

    init_park_plan_pages(app)  # /parks/<id>/edit, review, versions
