"""Command API (指挥调度): the commander's decisions and the dispatch of teams and materials.

* ``GET  /api/incidents/<id>/decisions`` — the decision log, the response level in force, the
  computed tier with its reasons and the termination conditions checked against the data;
* ``POST /api/incidents/<id>/decisions`` ``{"kind": "start"|"change_level"|"terminate",
  "level", "basis", "override_reason"}`` — commander only (``incident.command``); 422 naming the
  unmet termination conditions when no override reason is given;
* ``GET/POST /api/incidents/<id>/dispatches`` — dispatches with the shortfall per site; request
  a team or materials (``{"site_id", "kind": "team"|"depot", "resource_id", "items": [{"item",
  "quantity"}], "note"}``);
* ``PATCH /api/incidents/<id>/dispatches/<d>`` ``{"status", "version"}`` — requested →
  dispatched → en_route → arrived → released (or cancelled); a stale version → 409;
* ``GET /incidents/<id>/dispatches/<d>/print`` — the printable dispatch order (调度单);
* ``GET/POST /api/incidents/<id>/reports`` — 初报 / 续报 / 处理结果报告 drafted from the incident
  (``{"kind": "first"|"follow_up"|"final", "signer", "reporting_unit", "contact", "phone",
  "info_source"}``); ``PATCH …/reports/<r>`` edits (``text``, signature, ``version``);
  ``POST …/reports/<r>/sent`` records the sending (``sent_to``, ``sent_at``) against the legal
  clock; ``GET …/reports/<r>.docx`` the Word file.

Parses, calls one service, serialises.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, render_template, send_file

from emergency import labels
from emergency.auth_rules import Permission
from emergency.incidents import command_service, dispatch_service, report_service, service
from emergency.incidents.command import DECISION_KIND_LABELS, DecisionRefused
from emergency.incidents.dispatch import KINDS, STATUS_LABELS, TRANSITIONS, DispatchRefused
from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.reports import KINDS as REPORT_KINDS
from emergency.web.auth import actor, current_user, require
from emergency.web.clock import iso, now
from emergency.web.errors import invalid_incident_response
from emergency.web.params import json_body

bp = Blueprint("command", __name__, template_folder="templates")


def _engine():
    return current_app.extensions["engine"].get()


def _db():
    return current_app.extensions["database"]


def decision_dict(d) -> dict:
    zh, en = DECISION_KIND_LABELS.get(d.kind, (d.kind, d.kind))
    return {"id": d.id, "kind": d.kind, "kind_zh": zh, "kind_en": en, "level": d.level,
            "level_roman": labels.roman(d.level) if d.level else None,
            "computed_tier": d.computed_tier, "basis": d.basis,
            "override_reason": d.override_reason, "unmet": list(d.unmet or []),
            "actor": d.actor, "role": d.role, "at": iso(d.at)}


def condition_dict(c) -> dict:
    return {"id": c.id, "met": c.met, "text_zh": c.text_zh, "text_en": c.text_en}


@bp.get("/api/incidents/<int:incident_id>/decisions")
def decisions(incident_id: int):
    with _db().session() as session:
        view = command_service.decisions_view(session, _engine(), incident_id, now())
        body = {"incident_id": incident_id, "status": view.incident.status,
                "response_level": view.response_level,
                "response_level_roman": labels.roman(view.response_level)
                if view.response_level else None,
                "computed_tier": view.computed_tier,
                "decisions": [decision_dict(d) for d in view.decisions],
                "termination": {"ready": view.termination_ready,
                                "conditions": [condition_dict(c) for c in view.conditions]}}
    return jsonify(body)


@bp.post("/api/incidents/<int:incident_id>/decisions")
@require(Permission.INCIDENT_COMMAND)
def decide(incident_id: int):
    data = json_body()
    user = current_user()
    with _db().session() as session:
        record, decision = command_service.decide(session, _engine(), incident_id, data,
                                                  actor=actor(), role=getattr(user, "role", ""),
                                                  now=now())
        body = decision_dict(record) | {"status": decision.new_status}
    return jsonify(body), 201


@bp.errorhandler(DecisionRefused)
def _refused(err: DecisionRefused):
    return jsonify({"error": {
        "code": "decision_refused", "message_zh": err.message_zh, "message_en": err.message_en,
        "problems": [{"field": err.field, "message_zh": err.message_zh,
                      "message_en": err.message_en}],
        "unmet": [condition_dict(c) for c in err.unmet]}}), 422


# ------------------------------------------------------------------ dispatch (调度)
def dispatch_dict(d) -> dict:
    zh, en = STATUS_LABELS.get(d.status, (d.status, d.status))
    eta, ready = _utc(d.eta), _utc(d.ready_by)
    return {"id": d.id, "kind": d.kind, "kind_zh": KINDS[d.kind][0], "kind_en": KINDS[d.kind][1],
            "resource_id": d.resource_id, "resource_name_zh": d.resource_name_zh,
            "resource_lon": d.resource_lon, "resource_lat": d.resource_lat,
            "site_id": d.site_id, "site_name_zh": d.site_name_zh, "site_lon": d.site_lon,
            "site_lat": d.site_lat, "items": list(d.items or []), "status": d.status,
            "status_zh": zh, "status_en": en, "next": list(TRANSITIONS.get(d.status, ())),
            "history": [h | {"at": iso(datetime.fromisoformat(h["at"])),
                             "status_zh": STATUS_LABELS[h["status"]][0],
                             "status_en": STATUS_LABELS[h["status"]][1]}
                        for h in (d.history or [])],
            "travel_hours": d.travel_hours, "eta": iso(d.eta), "ready_by": iso(d.ready_by),
            "in_time": bool(eta and ready and eta <= ready) if ready else None,
            "phone": d.phone, "contact_zh": d.contact_zh, "sample": d.sample, "note": d.note,
            "requested_by": d.requested_by, "requested_at": iso(d.requested_at),
            "version": d.version}


def _utc(value: datetime | None) -> datetime | None:
    """Stored times read back naive from SQLite are UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def shortfall_dict(s) -> dict:
    return {"site_id": s.site_id, "site_name_zh": s.site_name_zh, "items": list(s.items),
            "teams_sent": s.teams_sent, "teams_arrived": s.teams_arrived}


@bp.get("/api/incidents/<int:incident_id>/dispatches")
def dispatches(incident_id: int):
    with _db().session() as session:
        b = dispatch_service.board(session, _engine(), incident_id, now())
        body = {"dispatches": [dispatch_dict(d) for d in b.dispatches],
                "shortfalls": [shortfall_dict(s) for s in b.shortfalls],
                "reserved": [{"depot_id": k[0], "item": k[1], "quantity": v}
                             for k, v in sorted(b.reserved.items())]}
    return jsonify(body)


@bp.post("/api/incidents/<int:incident_id>/dispatches")
@require(Permission.INCIDENT_WRITE)
def request_dispatch(incident_id: int):
    with _db().session() as session:
        d = dispatch_service.request(session, _engine(), incident_id, json_body(),
                                     actor=actor(), now=now())
        body = dispatch_dict(d)
    return jsonify(body), 201


@bp.patch("/api/incidents/<int:incident_id>/dispatches/<int:dispatch_id>")
@require(Permission.INCIDENT_WRITE)
def move_dispatch(incident_id: int, dispatch_id: int):
    with _db().session() as session:
        d = dispatch_service.move(session, _engine(), incident_id, dispatch_id, json_body(),
                                  actor=actor(), now=now())
        body = dispatch_dict(d)
    return jsonify(body)


@bp.get("/incidents/<int:incident_id>/dispatches/<int:dispatch_id>/print")
def dispatch_order(incident_id: int, dispatch_id: int):
    """The printable dispatch order (调度单) of one team or depot."""
    with _db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        d = next((x for x in dispatch_service.of_incident(session, incident_id)
                  if x.id == dispatch_id), None)
        if d is None:
            raise service.NotFound(f"调度 {dispatch_id}", f"dispatch {dispatch_id}")
        return render_template("dispatch_order.html", inc={"id": row.id, "title": row.title,
                                                           "is_drill": row.is_drill},
                               d=dispatch_dict(d), printed=iso(now()))


# ------------------------------------------------------------------ reports (信息报告)
def report_dict(r, clock=None) -> dict:
    zh, en = REPORT_KINDS[r.kind]
    return {"id": r.id, "kind": r.kind, "kind_zh": zh, "kind_en": en, "number": r.number,
            "title": r.title, "text": "\n".join(r.paragraphs or []),
            "table_header": list(r.table_header or []), "table_rows": list(r.table_rows or []),
            "reporting_unit": r.reporting_unit, "signer": r.signer, "contact": r.contact,
            "phone": r.phone, "created_by": r.created_by, "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at), "sent_to": r.sent_to, "sent_at": iso(r.sent_at),
            "sent_by": r.sent_by, "version": r.version,
            "due_at": iso(clock.due_at) if clock else None,
            "on_time": clock.on_time if clock else None,
            "docx": f"/api/incidents/{r.incident_id}/reports/{r.id}.docx"}


@bp.get("/api/incidents/<int:incident_id>/reports")
def reports(incident_id: int):
    with _db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        body = {"reports": [report_dict(r, report_service.legal_clock(session, _engine(), row,
                                                                      r, now()))
                            for r in report_service.of_incident(session, incident_id)]}
    return jsonify(body)


@bp.post("/api/incidents/<int:incident_id>/reports")
@require(Permission.INCIDENT_WRITE)
def create_report(incident_id: int):
    with _db().session() as session:
        r = report_service.create(session, _engine(), incident_id, json_body(), actor=actor(),
                                  now=now(),
                                  default_unit=current_app.config["REPORTING_UNIT"] or "")
        body = report_dict(r)
    return jsonify(body), 201


@bp.patch("/api/incidents/<int:incident_id>/reports/<int:report_id>")
@require(Permission.INCIDENT_WRITE)
def edit_report(incident_id: int, report_id: int):
    with _db().session() as session:
        r = report_service.edit(session, _engine(), incident_id, report_id, json_body(),
                                actor=actor(), now=now())
        body = report_dict(r)
    return jsonify(body)


@bp.post("/api/incidents/<int:incident_id>/reports/<int:report_id>/sent")
@require(Permission.INCIDENT_WRITE)
def report_sent(incident_id: int, report_id: int):
    with _db().session() as session:
        r = report_service.mark_sent(session, _engine(), incident_id, report_id, json_body(),
                                     actor=actor(), now=now())
        row = service.get_incident(session, incident_id, drills=None)
        body = report_dict(r, report_service.legal_clock(session, _engine(), row, r, now()))
    return jsonify(body)


@bp.get("/api/incidents/<int:incident_id>/reports/<int:report_id>.docx")
def report_docx(incident_id: int, report_id: int):
    with _db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        r = report_service.get(session, incident_id, report_id)
        data = report_service.docx_bytes(r, row.is_drill)
        name = f"incident-{incident_id}-{r.kind}-{r.number}.docx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "wordprocessingml.document")


@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    return invalid_incident_response(err)


@bp.errorhandler(DispatchRefused)
def _dispatch_refused(err: DispatchRefused):
    return jsonify({"error": {
        "code": "dispatch_refused", "message_zh": err.message_zh, "message_en": err.message_en,
        "problems": [{"field": err.field, "message_zh": err.message_zh,
                      "message_en": err.message_en}]}}), 422


@bp.errorhandler(service.Conflict)
def _conflict(err: service.Conflict):
    return jsonify({"error": {"code": "version_conflict", "message_zh": err.message_zh,
                              "message_en": err.message_en,
                              "current_version": err.current_version}}), 409


@bp.errorhandler(service.NotFound)
def _not_found(err: service.NotFound):
    return jsonify({"error": {"code": "not_found", "message_zh": err.message_zh,
                              "message_en": err.message_en}}), 404
