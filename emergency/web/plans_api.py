"""Plans API (/api/plans): the key-river plans with their sites snapped to the network.

``/api/plans/<id>`` also lists the river's risk sources (风险源) from the inventory, upstream
first, each with the km mark where its water joins the river (see :mod:`emergency.river_risks`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from emergency.river_risks import PlanRiskSource
from emergency.web.errors import ApiError
from emergency.web.river_pages import open_major_hazards, plan_risk_sources
from plans.loader import Plan, Site

bp = Blueprint("plans_api", __name__, url_prefix="/api/plans")


def plan_set():
    return current_app.extensions["plans"].get()


def site_dict(s: Site) -> dict:
    return {"id": s.id, "kind": s.kind, "name_zh": s.name_zh, "name_en": s.name_en,
            "lon": s.lon, "lat": s.lat, "segment_id": s.seg_id, "km": s.river_km,
            "snap_distance_m": round(s.snap_distance_m, 1),
            "attrs": {k: v for k, v in s.attrs.items()
                      if isinstance(v, str | int | float | bool | list | tuple) or v is None}}


def risk_source_dict(r: PlanRiskSource) -> dict:
    return {"id": r.id, "name_zh": r.name_zh, "kind": r.kind, "kind_zh": r.kind_zh,
            "kind_en": r.kind_en, "risk_level": r.risk_level, "county_zh": r.county_zh,
            "substances": [{"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en,
                            "max_t": s.max_t} for s in r.substances],
            "lon": r.lon, "lat": r.lat, "entry_lon": r.entry_lon, "entry_lat": r.entry_lat,
            "km": r.km, "via_km": r.via_km, "via_river_zh": r.via_river_zh,
            "via_river_en": r.via_river_en, "sample": r.sample}


def plan_summary(p: Plan) -> dict:
    kinds: dict[str, int] = {}
    for s in p.sites:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    return {"id": p.id, "river_name_zh": p.river_name_zh, "river_name_en": p.river_name_en,
            "basin": p.basin, "prefectures": list(p.prefectures), "counties": list(p.counties),
            "upstream": list(p.upstream), "downstream": list(p.downstream),
            "sites": kinds, "sample": p.sample, "identified": p.identified is not None}


@bp.get("")
def index():
    """Filters: county, prefecture, basin (substring), q (river name, zh or en)."""
    county, prefecture = request.args.get("county"), request.args.get("prefecture")
    basin, q = request.args.get("basin"), (request.args.get("q") or "").lower()
    plans = [p for p in plan_set().plans.values()
             if (not county or county in p.counties)
             and (not prefecture or prefecture in p.prefectures)
             and (not basin or basin in p.basin)
             and (not q or q in p.river_name_zh.lower() or q in (p.river_name_en or "").lower())]
    plans.sort(key=lambda p: p.id)
    return jsonify({"plans": [plan_summary(p) for p in plans], "count": len(plans)})


@bp.get("/<plan_id>")
def show(plan_id: str):
    """One plan: sites with km marks (filter ``kind``), risk sources, response cards, contacts."""
    plan = plan_set().plans.get(plan_id)
    if plan is None:
        raise ApiError(404, "unknown_plan", f"没有河流预案 {plan_id!r}",
                       f"no river plan {plan_id!r}")
    kind = request.args.get("kind")
    sites = [s for s in plan.sites if not kind or s.kind == kind]
    cards = {cls: [{"order": m.order, "text_zh": m.text_zh, "responsible_zh": m.responsible_zh,
                    "group": m.group, "deadline_h": m.deadline_h} for m in measures]
             for cls, measures in plan.response_cards.items()}
    risks = plan_risk_sources().get(plan.id, ())
    majors = open_major_hazards([r.id for r in risks])
    return jsonify(plan_summary(plan) | {
        "sample_note_zh": plan.sample_note_zh,
        "sites": [site_dict(s) for s in sorted(sites, key=lambda s: s.river_km or 0)],
        "risk_sources": [risk_source_dict(r) | {"open_major_hazards": majors.get(r.id, 0)}
                         for r in risks],
        "response_cards": cards,
        "contacts": [{"unit_zh": c.unit_zh, "role_zh": c.role_zh, "phone": c.phone}
                     for c in plan.contacts],
        "segment_ids": list(plan.seg_ids),
    })
