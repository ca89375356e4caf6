"""Automatic stations and source tracing (水质自动站, 溯源; issue 16 parts 5–6).

* ``GET /api/stations``: the sample stations (示例) at the plans' monitoring sections.
* ``POST /api/stations/<id>/readings`` ``{"readings": [{"parameter", "value_mg_l",
  "observed_at"}]}`` (bearer token of a ``monitoring_system`` account, or a duty officer): a
  reading above its threshold raises an alarm (shown in every page header until acknowledged,
  written to the duty log). ``GET /api/alarms``, ``POST /api/alarms/<a>/acknowledge``.
* ``POST /api/trace-source`` ``{"lon", "lat" | "station_id", "substance", "concentration_mg_l",
  "observed_at", "flow_condition"?, "clean"?: [{"lon","lat"|"station_id","observed_at"}]}`` →
  ``{"candidates": [{"risk_source_id", "name_zh", "release_window": [from, to], "mass_kg",
  "rank", "reasons_zh", ...}]}``; each candidate carries ``incident``, the body that reports it
  (``POST /api/incidents``): one click makes the incident.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from emergency.auth_rules import Permission
from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.service import NotFound
from emergency.monitoring import alarm_service, tracing_service
from emergency.web.auth import actor, require
from emergency.web.clock import iso, now
from emergency.web.errors import invalid_incident_response
from emergency.web.params import json_body

bp = Blueprint("tracing", __name__, url_prefix="/api")
pages = Blueprint("tracing_pages", __name__)

MESSAGES: dict[str, dict[str, str]] = {
    "st_alarm_header": {"zh": "水质自动站报警 {n} 条未确认", "en": "{n} station alarm(s) open"},
    # the header is full at 1366 px (nav, on duty, bell): the short form, the rest in the title
    "st_alarm_short": {"zh": "报警 {n}", "en": "Alarm {n}"},
    "st_alarms_title": {"zh": "水质自动站报警", "en": "Station alarms"},
    "st_alarms_note": {"zh": "自动站为示例数据(设于各河流预案的监测断面);"
                             "阈值为该项目的地表水标准限值",
                       "en": "stations are sample data (at the plans' monitoring sections); "
                             "thresholds are the parameters' surface-water limits"},
    "st_col_station": {"zh": "自动站", "en": "Station"},
    "st_col_param": {"zh": "监测项目", "en": "Parameter"},
    "st_col_value": {"zh": "读数/阈值(mg/L)", "en": "Reading/threshold (mg/L)"},
    "st_col_time": {"zh": "监测时间", "en": "Observed"},
    "st_col_state": {"zh": "状态", "en": "State"},
    "st_none": {"zh": "暂无报警", "en": "No alarms"},
    "st_open": {"zh": "未确认", "en": "open"},
    "st_acked": {"zh": "已确认", "en": "acknowledged"},
    "st_ack": {"zh": "确认", "en": "Acknowledge"},
    "st_trace": {"zh": "溯源", "en": "Trace source"},
    "st_tracing": {"zh": "正在溯源…", "en": "tracing…"},
    "st_candidates": {"zh": "可能来源(按可能性排序)", "en": "Possible sources (most likely first)"},
    "st_window": {"zh": "推算排放时段", "en": "release window"},
    "st_mass": {"zh": "所需泄漏量", "en": "mass needed"},
    "st_make_incident": {"zh": "据此建立事件", "en": "Report this incident"},
}


@pages.get("/alarms")
def alarms_page():
    from emergency.auth_rules import allows
    from emergency.web.auth import current_user
    from emergency.web.i18n import lang

    user = current_user()
    can_write = bool(user and allows(user.role, Permission.INCIDENT_WRITE))
    messages = {k: (v.get(lang()) or v["zh"]) for k, v in MESSAGES.items()}
    return render_template("alarms.html", messages=messages, can_write=can_write)


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


@bp.post("/stations/<path:station_id>/readings")
@require(Permission.MONITORING_INGEST)
def readings(station_id: str):
    with _db().session() as session:
        rows, alarms = alarm_service.record_readings(session, _engine(), station_id,
                                                     json_body(), actor=actor(), now=now())
        body = {"readings": len(rows), "alarms": [alarm_dict(a) for a in alarms]}
    return jsonify(body), 201


@bp.get("/alarms")
def alarms():
    with _db().session() as session:
        rows = alarm_service.list_alarms(session)
        return jsonify({"open": sum(1 for a in rows if a.acknowledged_at is None),
                        "alarms": [alarm_dict(a) for a in rows]})


@bp.post("/alarms/<int:alarm_id>/acknowledge")
@require(Permission.INCIDENT_WRITE)
def acknowledge(alarm_id: int):
    with _db().session() as session:
        alarm = alarm_service.acknowledge(session, alarm_id, json_body(optional=True),
                                          actor=actor(), now=now())
        return jsonify(alarm_dict(alarm))


def alarm_dict(a) -> dict:
    return {"id": a.id, "station_id": a.station_id, "station_name_zh": a.station_name_zh,
            "parameter": a.parameter, "value_mg_l": a.value_mg_l,
            "threshold_mg_l": a.threshold_mg_l, "observed_at": iso(a.observed_at),
            "raised_at": iso(a.raised_at), "acknowledged": a.acknowledged_at is not None,
            "acknowledged_at": iso(a.acknowledged_at), "acknowledged_by": a.acknowledged_by,
            "note": a.note, "incident_id": a.incident_id}


def header_alarms() -> dict | None:
    """For every page header: the open station alarms (None when there are none)."""
    with _db().session() as session:
        n = alarm_service.open_count(session)
    return {"open": n} if n else None


def init_tracing(app) -> None:
    from emergency.web import i18n

    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    app.register_blueprint(bp)
    app.register_blueprint(pages)

    @app.context_processor
    def _alarms() -> dict:
        from emergency.web.auth import current_user

        if current_user() is None:
            return {"station_alarms": None}
        try:
            return {"station_alarms": header_alarms()}
        except Exception:  # noqa: BLE001 - an alarm query fault must not take a page down
            current_app.logger.exception("station alarms for the header")
            return {"station_alarms": None}


@bp.errorhandler(NotFound)
def _not_found(err: NotFound):
    return jsonify({"error": {"code": "not_found", "message_zh": err.message_zh,
                              "message_en": err.message_en}}), 404


@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    return invalid_incident_response(err, "invalid_trace")
