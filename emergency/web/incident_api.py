"""Incident API (/api/incidents): report, read, update, observe, check off."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from emergency import labels
from emergency.incidents import observation_service, report_service, service
from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.package import ResponsePackage
from emergency.store.incident_models import ChecklistItem, Incident
from emergency.web.auth import actor
from emergency.web.clock import iso, now
from emergency.web.errors import ApiError, invalid_incident_response
from emergency.web.inspection_api import incident_hazards
from emergency.web.observation_shapes import band_fields, fit_dict, observation_dict
from emergency.web.params import json_body, required_float, to_optional_int
from emergency.web.parks_api import containment_dict
from emergency.web.roster_api import on_duty_block
from emergency.web.serialize import crossing_dict, snap_dict
from plans.vocabulary import KIND_LABELS

bp = Blueprint("incidents", __name__, url_prefix="/api/incidents")



def engine() -> service.EngineContext:
    return current_app.extensions["engine"].get()


def db():
    return current_app.extensions["database"]


# ------------------------------------------------------------------ routes
@bp.post("")
def create():
    with db().session() as session:
        row, pkg = service.report_incident(session, engine(), json_body(), actor=actor(),
                                           now=now())
        body = incident_dict(row) | {"response": package_dict(pkg, row)}
    return jsonify(body), 201


@bp.get("")
def index():
    status = request.args.get("status")
    with db().session() as session:
        rows = service.list_incidents(session, drills=False, status=status)
        return jsonify({"incidents": [incident_dict(r) for r in rows]})


@bp.get("/<int:incident_id>")
def show(incident_id: int):
    with db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        body = incident_dict(row)
        body["timeline"] = [event_dict(e) for e in row.events]
        body["observations"] = [observation_dict(o) for o in row.observations]
        return jsonify(body)


@bp.patch("/<int:incident_id>")
def update(incident_id: int):
    data = json_body()
    if "status" in data:
        # starting and ending a response are the commander's decisions, with a level, a basis
        # and the termination conditions: POST /api/incidents/<id>/decisions (command_api)
        raise ApiError(422, "use_decisions",
                       "启动或终止响应须由指挥长通过指挥决策作出"
                       "(POST /api/incidents/<id>/decisions)",
                       "starting or ending a response is a commander's decision: POST "
                       "/api/incidents/<id>/decisions")
    with db().session() as session:
        row, pkg = service.update_incident(
            session, engine(), incident_id, data, actor=actor(), now=now(),
            expected_version=_version(data), drills=None)
        body = incident_dict(row) | {"response": package_dict(pkg, row)}
    return jsonify(body)


@bp.get("/<int:incident_id>/response")
def response(incident_id: int):
    with db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        pkg = service.package_now(session, engine(), row, now())
        return jsonify(package_dict(pkg, row))


@bp.get("/<int:incident_id>/arrival")
def arrival(incident_id: int):
    lon, lat = required_float("lon", "经度"), required_float("lat", "纬度")
    with db().session() as session:
        snap, item = service.arrival_at(session, engine(), incident_id, lon, lat, now=now(),
                                        drills=None)
        return jsonify({"snap": snap_dict(snap), "arrival": downstream_dict(item)})


@bp.post("/<int:incident_id>/observations")
def observe(incident_id: int):
    with db().session() as session:
        obs, pkg = observation_service.record_observation(
            session, engine(), incident_id, json_body(), actor=actor(), now=now(), drills=None)
        row = service.get_incident(session, incident_id, drills=None)
        body = {"observation": observation_dict(obs), "fit": fit_dict(pkg),
                "response": package_dict(pkg, row)}
    return jsonify(body), 201


@bp.patch("/<int:incident_id>/checklist/<int:item_id>")
def check(incident_id: int, item_id: int):
    data = json_body()
    data["version"] = _version(data)
    with db().session() as session:
        item = service.update_checklist_item(session, engine(), incident_id, item_id, data,
                                             actor=actor(), now=now(), drills=None)
        body = checklist_dict(item)
    return jsonify(body)


@bp.get("/<int:incident_id>/first-report")
def first_report(incident_id: int):
    """The 初报 draft, filled from the incident; gaps are marked 【待填】."""
    with db().session() as session:
        text, is_drill = report_service.first_report_text(
            session, engine(), incident_id, now(),
            reporting_unit=current_app.config["REPORTING_UNIT"])
    return jsonify({"text": text, "is_drill": is_drill})


def _version(data: dict) -> int | None:
    """The version the client saw: ``version`` in the body, else the ``If-Match`` header."""
    if data.get("version") is not None:
        return to_optional_int(data["version"], "version", minimum=1)
    raw = request.headers.get("If-Match", "").strip('"')
    return to_optional_int(raw, "If-Match", minimum=1)


# ------------------------------------------------------------------ errors of this blueprint
@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    return invalid_incident_response(err)


@bp.errorhandler(observation_service.ImplausibleObservation)
def _implausible(err):
    return jsonify({"error": {"code": err.code, "message_zh": err.message_zh,
                              "message_en": err.message_en, "confirm_required": True,
                              "doubts": [d.as_dict() for d in err.doubts]}}), 422


@bp.errorhandler(service.NotFound)
def _not_found(err: service.NotFound):
    return jsonify({"error": {"code": "not_found", "message_zh": err.message_zh,
                              "message_en": err.message_en}}), 404


@bp.errorhandler(service.Conflict)
def _conflict(err: service.Conflict):
    return jsonify({"error": {"code": "version_conflict", "message_zh": err.message_zh,
                              "message_en": err.message_en,
                              "current_version": err.current_version}}), 409


# ------------------------------------------------------------------ shapes
def incident_dict(row: Incident) -> dict:
    tier = labels.tier_label(row.tier_level)
    return {
        "id": row.id, "title": row.title, "status": row.status, "is_drill": row.is_drill,
        "version": row.version, "lon": row.lon, "lat": row.lat,
        "risk_source_id": row.risk_source_id, "segment_id": row.segment_id,
        "substance": row.substance, "mass_kg": row.mass_kg, "release_hours": row.release_hours,
        "occurred_at": iso(row.occurred_at),
        "discovered_at": iso(row.discovered_at),
        "flow_condition": row.flow_condition, "discharge_m3s": row.discharge_m3s,
        "flow_chosen_from_date": row.flow_chosen_from_date, "deaths": row.deaths,
        "injured": row.injured, "evacuated": row.evacuated,
        "economic_loss_cny": row.economic_loss_cny, "description": row.description,
        **(row.flags or {}), "velocity_factor": row.velocity_factor,
        "tier_level": row.tier_level, "tier_zh": tier[0] if tier else None,
        "warning_level": row.warning_level, "river_name_zh": row.river_name_zh,
        "created_by": row.created_by, "updated_at": iso(row.updated_at),
        "plans_used": list(row.plans_used or []),
    }


def event_dict(e) -> dict:
    return {"id": e.id, "at": iso(e.at), "actor": e.actor, "kind": e.kind,
            "summary_zh": e.summary_zh, "summary_en": e.summary_en}


def checklist_dict(item: ChecklistItem) -> dict:
    return {"id": item.id, "key": item.item_key, "group": item.group, "kind": item.kind,
            "text_zh": item.text_zh, "text_en": item.text_en,
            "responsible_zh": item.responsible_zh, "basis_zh": item.basis_zh,
            "due_at": iso(item.due_at), "immediate": bool(item.immediate),
            "arrival_at": iso(item.arrival_at), "status": item.status,
            "done_by": item.done_by, "done_at": iso(item.done_at),
            "note": item.note, "version": item.version}


def downstream_dict(i) -> dict:
    label_zh, label_en = KIND_LABELS.get(i.kind, (i.kind, i.kind))
    return {
        "kind": i.kind, "kind_zh": label_zh, "kind_en": label_en, "id": i.id,
        "name_zh": i.name_zh, "name_en": i.name_en, "km": i.km, "river_name_zh": i.river_name_zh,
        "lon": i.lon, "lat": i.lat, "front_at": iso(i.front_at),
        "front_at_earliest": iso(i.front_at_earliest), "peak_at": iso(i.peak_at),
        "peak_at_earliest": iso(i.peak_at_earliest), "tail_at": iso(i.tail_at),
        "peak_mg_l": _sig(i.peak_mg_l), "peak_worst_mg_l": _sig(i.peak_worst_mg_l),
        "limit_mg_l": i.limit_mg_l, "exceeds": i.exceeds, "worst_exceeds": i.worst_exceeds,
        "hours_left": i.hours_left, "behind_reservoir": i.behind_reservoir,
        "discharge_m3s": i.discharge_m3s, **band_fields(i),
        "attrs": {k: v for k, v in i.attrs.items() if isinstance(v, str | int | float | bool | list)
                  or v is None},
    }


def _sig(value: float) -> float:
    return float(f"{value:.4g}")


def package_dict(pkg: ResponsePackage, row: Incident | None = None) -> dict:
    sub = pkg.substance
    tier_label = labels.tier_label(pkg.tier.level)
    body = {
        "as_of": iso(pkg.as_of),
        "is_drill": pkg.incident.is_drill,
        "snap": snap_dict(pkg.snap),
        "substance": {"id": sub.id, "name_zh": sub.name_zh, "name_en": sub.name_en,
                      "cas": sub.cas, "pollutant_class": sub.pollutant_class,
                      "limit_mg_l": sub.limit_mg_l, "limit_source": sub.limit_source,
                      "heavy_metal": sub.heavy_metal_or_metalloid},
        "flow": {"condition": pkg.hydraulics.flow_condition,
                 "discharge_at_source_m3s": round(pkg.hydraulics.discharge_at_source_m3s, 2),
                 "mean_discharge_at_source_m3s": round(
                     pkg.hydraulics.mean_discharge_at_source_m3s, 2),
                 "ratio": round(pkg.hydraulics.ratio, 3),
                 "chosen_from_date": pkg.incident.flow_chosen_from_date,
                 "velocity_factor": pkg.incident.velocity_factor},
        "tier": {"level": pkg.tier.level, "roman": labels.roman(pkg.tier.level),
                 "label_zh": tier_label[0] if tier_label else None,
                 "label_en": tier_label[1] if tier_label else None,
                 "reasons": [{"criterion": r.criterion, "level": r.level, "text_zh": r.text_zh,
                              "text_en": r.text_en, "advisory": r.advisory}
                             for r in pkg.tier.reasons]},
        "warning": {"level": str(pkg.warning.level), "label_zh": pkg.warning.label_zh,
                    "label_en": pkg.warning.label_en, "urgency_hours": pkg.warning.urgency_hours,
                    "reasons": [{"condition": r.condition, "text_zh": r.text_zh,
                                 "text_en": r.text_en} for r in pkg.warning.reasons]},
        "art4": {k: v for k, v in pkg.art4.__dict__.items()},
        "report_deadlines": [
            {"id": d.id, "text_zh": d.text_zh, "text_en": d.text_en, "reporter_zh": d.reporter_zh,
             "recipients_zh": list(d.recipients_zh), "due_at": iso(d.due_at),
             "legal_basis": d.legal_basis} for d in pkg.report_deadlines],
        "downstream": [downstream_dict(i) for i in pkg.downstream],
        "crossings": [crossing_dict(c) for c in pkg.trace.crossings],
        "path": {"length_km": round(pkg.trace.length_m / 1000, 2), "ends_at": pkg.trace.end,
                 "reaches": [{"river_name_zh": r.river_name_zh or "未命名河道",
                              "from_km": r.from_km, "to_km": r.to_km}
                             for r in pkg.trace.reaches]},
        "intercept_options": [
            {"rank": o.rank, "site_id": o.site.id, "name_zh": o.site.name_zh, "kind": o.site.kind,
             "km": o.site.km, "feasible": o.feasible, "needed_hours": o.needed_hours,
             "available_hours": o.available_hours,
             "contaminated_volume_m3": o.contaminated_volume_m3, "storage_m3": o.storage_m3,
             "techniques": list(o.techniques), "ready_by": iso(o.ready_by),
             "front_at_earliest": iso(o.site.front_at_earliest),
             "reasons_zh": list(o.reasons_zh), "reasons_en": list(o.reasons_en)}
            for o in pkg.intercept_options],
        "resources": [
            {"site_id": r.site_id, "site_name_zh": r.site_name_zh, "needed": list(r.needed),
             "depots": [_offer(o) for o in r.depots], "teams": [_offer(o) for o in r.teams]}
            for r in pkg.resources],
        "notifications": [
            {"level": n.crossing.level, "from_zh": n.crossing.from_zh, "to_zh": n.crossing.to_zh,
             "front_arrives_at": iso(n.crossing.front_arrives_at), "notifier_zh": n.notifier_zh,
             "recipient_zh": n.recipient_zh, "text_zh": n.text_zh, "text_en": n.text_en,
             "due_at": iso(n.due_at), "due_basis": n.due_basis, "legal_basis": n.legal_basis}
            for n in pkg.notifications],
        "plan_id": pkg.plan_id,
        "fit": fit_dict(pkg),  # the assimilation of monitoring results (issue 16)
        "plans_used": [u.as_dict() for u in pkg.plans_used],
        "notes_zh": list(pkg.notes_zh), "notes_en": list(pkg.notes_en),
        "on_duty": on_duty_block(),  # who is on duty now: they make the notifications above
        # open hazards at the risk source or on the trace (隐患排查, inspection_api)
        "open_hazards": incident_hazards(pkg),
        # a release inside a chemical park: which level holds it (三级防控, parks_api)
        "containment": containment_dict(pkg.containment, pkg.checklist),
    }
    if row is not None:
        body["checklist"] = [checklist_dict(i) for i in row.checklist
                             if i.status != "superseded"]
    else:
        body["checklist"] = [{"key": t.id, "group": t.group, "kind": t.kind,
                              "text_zh": t.text_zh, "due_at": iso(t.due_at),
                              "immediate": t.immediate, "arrival_at": iso(t.arrival_at),
                              "status": "open"} for t in pkg.checklist]
    return body


def _offer(o) -> dict:
    return {"kind": o.kind, "id": o.id, "name_zh": o.name_zh, "distance_km": o.distance_km,
            "travel_hours": o.travel_hours, "arrives_at": iso(o.arrives_at), "in_time": o.in_time,
            "phone": o.phone, "contact_zh": o.contact_zh, "items": list(o.items),
            "sample": o.sample}
