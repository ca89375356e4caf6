"""Plans API (/api/plans): the key-river plans with their sites snapped to the network, and
their management (预案管理): versions, diffs, drafts, review, restore.

``/api/plans/<id>`` also lists the river's risk sources (风险源) from the inventory, upstream
first, each with the km mark where its water joins the river (see :mod:`emergency.river_risks`),
and the version in force (``version``, ``published_at``, ``published_by``).

Drafts and review (see :mod:`emergency.plan_management.service`): ``POST /<id>/drafts`` →
201 ``{"id", "base_version", "document", "revision"}``; ``PUT /<id>/drafts/<d>`` with
``{"document", "revision"}`` (422 with every problem, 409 when stale);
``POST …/submit`` ``{"note"}``; ``POST …/approve`` / ``…/return`` ``{"comment"}``;
``POST /<id>/versions/<n>/restore`` — the plan store's handlers, shared with the chemical-park
plans (:mod:`emergency.web.plan_store`).
"""

from __future__ import annotations

import io
from dataclasses import asdict
from datetime import date

from flask import Blueprint, current_app, jsonify, request, send_file

from emergency.exports import XLSX_MIME
from emergency.plan_management import placement
from emergency.plan_management.workbook import export_workbook, read_workbook
from emergency.river_risks import PlanRiskSource
from emergency.web.errors import ApiError
from emergency.web.params import parse_float
from emergency.web.plan_store import (  # noqa: F401 - acting … are used by plan_pages
    PlanKindWeb,
    acting,
    add_management_routes,
    draft_dict,
    plan_session,
    version_dict,
)
from emergency.web.plan_store import published_info as store_published_info
from emergency.web.river_pages import open_major_hazards, plan_risk_sources
from plans.loader import Plan, Site

bp = Blueprint("plans_api", __name__, url_prefix="/api/plans")
# /api/plans.xlsx sits beside the blueprint's prefix, not under it
workbook_bp = Blueprint("plans_workbook", __name__)
KIND = "river"
RIVERS = PlanKindWeb(kind=KIND, snapshot_key="plans", noun_zh="河流预案", noun_en="river plan",
                     title_zh="一河一策一图", file_prefix="预案", export_workbook=export_workbook,
                     read_workbook=read_workbook)


def plan_set():
    return current_app.extensions["plans"].get()


def snapshot():
    return current_app.extensions["plans"]


def check(document, plan_id: str) -> list:  # noqa: ANN001 - a document (any JSON value)
    return snapshot().check(document, plan_id)


def published_info(plan_id: str) -> dict:
    """version, published_at, published_by of the version in force (None: plans from files)."""
    return store_published_info(KIND, plan_id)


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
    return jsonify(plan_summary(plan) | published_info(plan.id) | {
        "sample_note_zh": plan.sample_note_zh,
        "sites": [site_dict(s) for s in sorted(sites, key=lambda s: s.river_km or 0)],
        "risk_sources": [risk_source_dict(r) | {"open_major_hazards": majors.get(r.id, 0)}
                         for r in risks],
        "response_cards": cards,
        "contacts": [{"unit_zh": c.unit_zh, "role_zh": c.role_zh, "phone": c.phone}
                     for c in plan.contacts],
        "segment_ids": list(plan.seg_ids),
    })


@workbook_bp.get("/api/plans.xlsx")
def export_all_xlsx():
    data = export_workbook([doc for _pid, _v, doc in snapshot().documents()])
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"重点河流预案_{date.today().isoformat()}.xlsx")


# ----------------------------------------------------------------------------- the editor
@bp.get("/<plan_id>/place")
def place(plan_id: str):
    """Where a typed (``at``: decimal or 度分秒) or picked (``lon``, ``lat``) site lands on the
    plan's own river: km, distance, or refused naming the nearest river."""
    plan = plan_set().plans.get(plan_id)
    if plan is None:
        raise ApiError(404, "unknown_plan", f"没有河流预案 {plan_id!r}",
                       f"no river plan {plan_id!r}")
    text = request.args.get("at")
    lon = lat = None
    if text is None:
        lon = parse_float(request.args.get("lon"), "lon", "经度")
        lat = parse_float(request.args.get("lat"), "lat", "纬度")
    found = placement.place(current_app.extensions["rivers"].get(), plan, text=text, lon=lon,
                            lat=lat)
    return jsonify(asdict(found))


add_management_routes(bp, RIVERS)  # versions, drafts, review, restore, check, import, export
