"""Monitoring results of an incident (应急监测数据, issue 16): void, bulk import and ingest, fit.

``POST /api/incidents/<id>/observations`` (one result) stays in incident_api; here:

* ``POST /api/incidents/<id>/observations/<o>/void`` ``{"reason"}``
* ``POST /api/incidents/<id>/observations/import``: a CSV/XLSX upload (form field ``file``,
  optional ``confirm_implausible=1``) or, for laboratory and automatic-station systems with a
  bearer token (``POST /api/auth/token``; role ``monitoring_system``), JSON
  ``{"results": [{...as one observation...}], "confirm_implausible": false}``. All or nothing.
* ``GET /api/incidents/<id>/fit``: "fitted to N observations", factors, residuals, bands.
* ``GET /api/incidents/<id>/series?site=``: the chart at one site (forecast, P5–P95, results).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from emergency.auth_rules import Permission
from emergency.incidents import observation_service
from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.service import Conflict, NotFound, get_incident
from emergency.monitoring.results_file import FIELD_HEADINGS, read_results
from emergency.web.auth import actor, require
from emergency.web.clock import iso, now
from emergency.web.errors import ApiError, invalid_incident_response
from emergency.web.incident_api import downstream_dict, package_dict
from emergency.web.observation_shapes import fit_dict, observation_dict
from emergency.web.params import json_body, uploaded_file

bp = Blueprint("monitoring", __name__, url_prefix="/api/incidents")

MAX_RESULTS = 5000


def _engine():
    return current_app.extensions["engine"].get()


def _db():
    return current_app.extensions["database"]


@bp.post("/<int:incident_id>/observations/<int:observation_id>/void")
def void(incident_id: int, observation_id: int):
    with _db().session() as session:
        obs, pkg = observation_service.void_observation(
            session, _engine(), incident_id, observation_id, json_body(), actor=actor(),
            now=now(), drills=None)
        row = get_incident(session, incident_id, drills=None)
        body = {"observation": observation_dict(obs), "fit": fit_dict(pkg),
                "response": package_dict(pkg, row)}
    return jsonify(body)


def _bodies() -> tuple[list[tuple[int, dict]], list, bool, str]:
    """(row number, body) pairs, the file's own problems, confirm flag and the source."""
    if request.mimetype == "application/json":
        data = json_body()
        results = data.get("results")
        if not isinstance(results, list) or len(results) > MAX_RESULTS:
            raise ApiError(400, "bad_parameter",
                           f"results 须为监测结果列表(不超过 {MAX_RESULTS} 条)",
                           f"results must be a list of results (at most {MAX_RESULTS})")
        confirm = data.get("confirm_implausible") is True
        return [(k + 1, r) for k, r in enumerate(results)], [], confirm, "ingest"
    raw, filename = uploaded_file(current_app.config["MONITORING_MAX_UPLOAD_BYTES"])
    parsed = read_results(raw, filename)
    bad_rows = {p.row for p in parsed.problems}
    prior = [observation_service.RowProblem(p.row, p.column, p.message_zh, p.message_en)
             for p in parsed.problems]
    confirm = request.form.get("confirm_implausible") in ("1", "true", "on")
    return [(n, b) for n, b in parsed.bodies if n not in bad_rows], prior, confirm, "import"


@bp.post("/<int:incident_id>/observations/import")
@require(Permission.MONITORING_INGEST)
def import_results(incident_id: int):
    bodies, prior, confirm, source = _bodies()
    with _db().session() as session:
        stored, pkg = observation_service.record_many(
            session, _engine(), incident_id, bodies, actor=actor(), now=now(), drills=None,
            source=source, confirm_implausible=confirm, prior=prior)
        row = get_incident(session, incident_id, drills=None)
        body = {"imported": len(stored), "observations": [observation_dict(o) for o in stored],
                "fit": fit_dict(pkg), "response": package_dict(pkg, row)}
    return jsonify(body), 201


@bp.get("/<int:incident_id>/fit")
def fit(incident_id: int):
    with _db().session() as session:
        row, pkg = observation_service.fit_of(session, _engine(), incident_id, now())
        body = fit_dict(pkg) | {
            "observations": [observation_dict(o) for o in row.observations],
            "downstream": [downstream_dict(i) for i in pkg.downstream]}
    return jsonify(body)


@bp.get("/<int:incident_id>/series")
def series(incident_id: int):
    """Concentration against time at a downstream site (``?site=``): the fitted forecast, the
    ensemble's P5–P95, the limit and the observed results (the incident page's chart)."""
    site = request.args.get("site", "").strip()
    if not site:
        raise ApiError(400, "bad_parameter", "缺少 site(下游点位编号)",
                       "site is required (a downstream site id)")
    with _db().session() as session:
        s = observation_service.series_at(session, _engine(), incident_id, site, now())
        body = {"site": downstream_dict(s.item), "members": s.members,
                "times": [iso(t) for t in s.times],
                "p05": [_sig(v) for v in s.p05], "p50": [_sig(v) for v in s.mid],
                "p95": [_sig(v) for v in s.p95], "limit_mg_l": s.item.limit_mg_l,
                "observations": [observation_dict(o) for o in s.observations]}
    return jsonify(body)


def _sig(value: float) -> float:
    return float(f"{value:.4g}")


# ------------------------------------------------------------------ errors of this blueprint
@bp.errorhandler(observation_service.ImportRefused)
def _refused(err: observation_service.ImportRefused):
    problems = [{"row": p.row, "column": FIELD_HEADINGS.get(p.column, p.column),
                 "field": p.column, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in err.problems]
    return jsonify({"error": {"code": err.code, "message_zh": err.message_zh,
                              "message_en": err.message_en, "problems": problems}}), 422


@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    return invalid_incident_response(err)


@bp.errorhandler(NotFound)
def _not_found(err: NotFound):
    return jsonify({"error": {"code": "not_found", "message_zh": err.message_zh,
                              "message_en": err.message_en}}), 404


@bp.errorhandler(Conflict)
def _conflict(err: Conflict):
    return jsonify({"error": {"code": "version_conflict", "message_zh": err.message_zh,
                              "message_en": err.message_en,
                              "current_version": err.current_version}}), 409
