"""Command API (指挥调度): the commander's decisions on an incident.

* ``GET  /api/incidents/<id>/decisions`` — the decision log, the response level in force, the
  computed tier with its reasons and the termination conditions checked against the data;
* ``POST /api/incidents/<id>/decisions`` ``{"kind": "start"|"change_level"|"terminate",
  "level", "basis", "override_reason"}`` — commander only (``incident.command``); 422 naming the
  unmet termination conditions when no override reason is given.

Parses, calls one service, serialises.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from emergency import labels
from emergency.auth_rules import Permission
from emergency.incidents import command_service
from emergency.incidents.command import KIND_LABELS, DecisionRefused
from emergency.web.auth import actor, current_user, require
from emergency.web.clock import iso, now
from emergency.web.params import json_body

bp = Blueprint("command", __name__, url_prefix="/api/incidents")


def _engine():
    return current_app.extensions["engine"].get()


def _db():
    return current_app.extensions["database"]


def decision_dict(d) -> dict:
    zh, en = KIND_LABELS.get(d.kind, (d.kind, d.kind))
    return {"id": d.id, "kind": d.kind, "kind_zh": zh, "kind_en": en, "level": d.level,
            "level_roman": labels.roman(d.level) if d.level else None,
            "computed_tier": d.computed_tier, "basis": d.basis,
            "override_reason": d.override_reason, "unmet": list(d.unmet or []),
            "actor": d.actor, "role": d.role, "at": iso(d.at)}


def condition_dict(c) -> dict:
    return {"id": c.id, "met": c.met, "text_zh": c.text_zh, "text_en": c.text_en}


@bp.get("/<int:incident_id>/decisions")
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


@bp.post("/<int:incident_id>/decisions")
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
