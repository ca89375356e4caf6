"""Automatic stations and source tracing (水质自动站, 溯源; issue 16 parts 5–6).

* ``GET /api/stations``: the sample stations (示例) at the plans' monitoring sections.
* ``POST /api/trace-source`` ``{"lon", "lat" | "station_id", "substance", "concentration_mg_l",
  "observed_at", "flow_condition"?, "clean"?: [{"lon","lat"|"station_id","observed_at"}]}`` →
  ``{"candidates": [{"risk_source_id", "name_zh", "release_window": [from, to], "mass_kg",
  "rank", "reasons_zh", ...}]}``; each candidate carries ``incident``, the body that reports it
  (``POST /api/incidents``): one click makes the incident.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from emergency.auth_rules import Permission
from emergency.incidents.inputs import InvalidIncident
from emergency.monitoring import tracing_service
from emergency.web.auth import require
from emergency.web.clock import iso, now
from emergency.web.params import json_body

bp = Blueprint("tracing", __name__, url_prefix="/api")


def _engine():
    return current_app.extensions["engine"].get()


def _db():
    return current_app.extensions["database"]


@bp.get("/stations")
def station_list():
    rows = tracing_service.stations(_engine())
    return jsonify({"stations": [
        {"id": s.id, "name_zh": s.name_zh, "river_zh": s.river_zh, "lon": s.lon, "lat": s.lat,
         "level": s.level, "sample": s.sample, "label_zh": "示例" if s.sample else ""}
        for s in rows]})


@bp.post("/trace-source")
@require(Permission.READ)  # a question, not a change: anyone on duty may ask it
def trace_source():
    with _db().session() as session:
        result = tracing_service.trace(session, _engine(), json_body(), now=now())
    d = result.detection
    return jsonify({
        "where_zh": result.where_zh, "flow_condition": result.flow_condition,
        "substance": d.substance_id, "concentration_mg_l": d.concentration_mg_l,
        "observed_at": iso(d.observed_at),
        "candidates": [{
            "rank": h.rank, "risk_source_id": h.risk_source_id, "name_zh": h.name_zh,
            "unlisted": h.unlisted, "sample": h.sample,
            "release_window": [iso(h.release_from), iso(h.release_to)],
            "mass_kg": float(f"{h.mass_kg:.3g}"), "distance_km": h.distance_km,
            "score": h.score, "ruled_out": h.ruled_out,
            "reasons_zh": list(h.reasons_zh), "reasons_en": list(h.reasons_en),
            "incident": None if h.risk_source_id is None else {
                "risk_source_id": h.risk_source_id, "substance": d.substance_id,
                "mass_kg": float(f"{h.mass_kg:.3g}"),
                "occurred_at": iso(h.release_from + (h.release_to - h.release_from) / 2),
                "discovered_at": iso(d.observed_at),
                "title": f"溯源:{h.name_zh}疑似排放",
                "description": f"由 {result.where_zh} {iso(d.observed_at)} 检出 "
                               f"{d.concentration_mg_l:g} mg/L 溯源(第 {h.rank} 位候选)"},
        } for h in result.hits[:20]]})


@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    problems = [{"field": p.field, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in err.problems]
    return jsonify({"error": {"code": "invalid_trace", "message_zh": err.message_zh,
                              "message_en": err.message_en, "problems": problems}}), 422
