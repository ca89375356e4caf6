"""Drill API (/api/drills): scenarios, runs, the controller's clock and injects, evaluators'
observations, the after-action report (JSON, XLSX).

Three kinds of people (HSEEP): controllers drive the drill (``drill.run``: start, clock, injects,
end), evaluators observe and score it (``drill.evaluate``: observations, submission, improvement
items) and players respond on the incident pages. Every route declares its permission (a test
walks the url map); evaluators' drafts are shown to evaluators and organisers only, and to
everyone else — the players — only once submitted and the drill has ended.

Players do not use this API: they work the drill-flagged incident on the normal incident API and
pages. Errors are the house format ``{"error": {code, message_zh, message_en[, problems]}}``,
always 4xx for what the client can fix.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from emergency.auth_rules import Permission, sees_draft_evaluations
from emergency.drills import DRILL_MARK, managed, service
from emergency.drills.docx_report import report_docx
from emergency.drills.engine import SPEEDS
from emergency.drills.evaluation import report_dict
from emergency.drills.export import report_xlsx
from emergency.drills.scenario import (
    LEVELS,
    MODES,
    InvalidScenario,
    format_duration,
    format_t,
    load_text,
    summary,
)
from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.service import NotFound
from emergency.web.auth import actor, require
from emergency.web.clock import iso, now, tz
from emergency.web.errors import ApiError, invalid_incident_response
from emergency.web.incident_api import db, engine
from emergency.web.params import json_body

bp = Blueprint("drills", __name__, url_prefix="/api/drills")

# Who may do what: the one place to change it. The auth guard reads these declarations on every
# request. drill.run: 演练组织者 drill_organizer and the administrator (the controllers);
# drill.evaluate: 演练评估员 drill_evaluator, the organiser and the administrator.
drill_write = require(Permission.DRILL_RUN)
drill_evaluate = require(Permission.DRILL_EVALUATE)
drill_read = require(Permission.READ)

MAX_YAML_BYTES = 512 * 1024


# ------------------------------------------------------------------ helpers
def _yaml_from_request() -> tuple[str, str]:
    """The uploaded scenario: a multipart file ``file``, JSON ``{"yaml": ...}`` or a raw body."""
    if "file" in request.files:
        upload = request.files["file"]
        raw, name = upload.read(MAX_YAML_BYTES + 1), upload.filename or "upload.yaml"
    elif request.is_json:
        data = json_body(optional=True)
        text = data.get("yaml")
        if not isinstance(text, str):
            raise ApiError(400, "missing_yaml", "缺少演练脚本(yaml 字段)",
                           "the scenario is missing (field yaml)")
        raw, name = text.encode("utf-8"), str(data.get("name") or "upload.yaml")
    else:
        raw, name = request.get_data(cache=False)[: MAX_YAML_BYTES + 1], "upload.yaml"
    if not raw:
        raise ApiError(400, "missing_yaml", "缺少演练脚本", "no scenario was sent")
    if len(raw) > MAX_YAML_BYTES:
        raise ApiError(413, "too_large", "演练脚本过大(上限 512 KB)", "the scenario exceeds 512 KB")
    try:
        return raw.decode("utf-8"), name
    except UnicodeDecodeError:
        raise ApiError(400, "not_utf8", "演练脚本须为 UTF-8 编码",
                       "the scenario must be UTF-8 text") from None


def _speed(data: dict, default: float | None = None) -> float:
    value = data.get("speed", data.get("mode", default))
    if isinstance(value, str) and value in SPEEDS:
        return SPEEDS[value]
    try:
        speed = float(value)
        if isinstance(value, bool) or not math.isfinite(speed) or not 0 <= speed <= 3600:
            raise ValueError
    except (TypeError, ValueError):
        raise ApiError(422, "invalid_speed", "速度须为 0(手动步进)至 3600 的数字,或 real / x10 / "
                       "x60 / stepped", "speed must be a number 0 (stepped) to 3600, or real, "
                       "x10, x60, stepped") from None
    return speed


def insider() -> bool:
    """May the user read draft evaluations (an evaluator or an organiser)?"""
    user = getattr(g, "user", None)
    return user is not None and sees_draft_evaluations(user.role)


def evaluator_name() -> str:
    user = getattr(g, "user", None)
    return (getattr(user, "display_name", "") or actor())[:64]


def _state(run_id: int) -> dict:
    with db().session() as session:
        return run_state_dict(service.run_view(session, run_id, wall=now(), insider=insider()))


def _controller(run_id: int, action) -> Response:
    with db().session() as session:
        action(session)
    return jsonify(_state(run_id))


# ------------------------------------------------------------------ scenarios
@bp.get("/scenarios")
@drill_read
def scenarios():
    with db().session() as session:
        stored = [stored_summary(x) for x in managed.list_stored(session)]
    return jsonify({"scenarios": stored + [summary(s) | {"stored": False}
                                           for s, _text in service.library().values()]})


def stored_summary(x: managed.Stored) -> dict:
    return summary(x.scenario) | {
        "id": x.row.id, "key": managed.stored_key(x.row.id), "stored": True,
        "version": x.row.current_version, "revision": x.row.revision,
        "draft": x.version.draft, "prefecture": x.row.prefecture,
        "copied_from": x.row.copied_from, "updated_at": iso(x.row.updated_at),
        "updated_by": x.version.created_by}


def _scenario_body(data: dict) -> dict:
    """The scenario of a POST/PUT body: ``scenario`` (a JSON object) or ``yaml`` (text)."""
    if isinstance(data.get("yaml"), str):
        if len(data["yaml"].encode("utf-8")) > MAX_YAML_BYTES:
            raise ApiError(413, "too_large", "演练脚本过大(上限 512 KB)",
                           "the scenario exceeds 512 KB")
        return {"text": data["yaml"]}
    if isinstance(data.get("scenario"), dict):
        return {"document": data["scenario"]}
    raise ApiError(400, "missing_scenario", "须给出 scenario(对象)或 yaml(文本)",
                   "give scenario (an object) or yaml (text)")


def _prefecture() -> str | None:
    user = getattr(g, "user", None)
    return getattr(user, "prefecture_zh", None) if user is not None else None


@bp.post("/scenarios")
@drill_write
def create_scenario():
    """Store a new scenario (the body: ``{"scenario": {...}}``, ``{"yaml": "..."}`` or the YAML
    text itself) → 201 ``{"id", "version"}``; invalid → 422 with every problem, nothing stored."""
    if request.is_json:
        data = json_body(optional=True)
        body = _scenario_body(data)
    else:
        text, _name = _yaml_from_request()
        data, body = {}, {"text": text}
    with db().session() as session:
        row = managed.create(session, **body, actor=actor(), wall=now(),
                             prefecture=_prefecture(), note=data.get("note"),
                             draft=bool(data.get("draft")), copied_from=data.get("copied_from")
                             or "")
        out = {"id": row.id, "version": row.current_version, "revision": row.revision}
    return jsonify(out), 201


@bp.get("/scenarios/<int:scenario_id>")
@drill_read
def stored_scenario(scenario_id: int):
    with db().session() as session:
        found = managed.load(session, scenario_id)
        body = stored_summary(found)
        if insider():
            body |= {"yaml": found.version.yaml,
                     "scenario": managed.document_of(found.version.yaml)}
        else:
            body |= {"script_hidden": True}
    return jsonify(body)


@bp.put("/scenarios/<int:scenario_id>")
@drill_write
def update_scenario(scenario_id: int):
    """A new version: ``{"revision", "scenario" | "yaml", "note"?, "draft"?}``; a stale
    revision → 409."""
    data = json_body(optional=True)
    body = _scenario_body(data)
    with db().session() as session:
        row = managed.update(session, scenario_id, revision=data.get("revision"), **body,
                             actor=actor(), wall=now(), prefecture=_prefecture(),
                             note=data.get("note"), draft=bool(data.get("draft")))
        out = {"id": row.id, "version": row.current_version, "revision": row.revision}
    return jsonify(out)


@bp.get("/scenarios/<int:scenario_id>/versions")
@drill_read
def scenario_versions(scenario_id: int):
    with db().session() as session:
        row = managed.get(session, scenario_id)
        body = {"id": row.id, "current": row.current_version, "versions": [
            {"number": v.number, "title": v.title, "note": v.note, "draft": v.draft,
             "created_by": v.created_by, "created_at": iso(v.created_at)}
            for v in reversed(row.versions)]}
    return jsonify(body)


@bp.get("/scenarios/<int:scenario_id>/export.yaml")
@drill_evaluate
def export_scenario(scenario_id: int):
    with db().session() as session:
        found = managed.load(session, scenario_id)
        text, number = found.version.yaml, found.version.number
    return Response(text, mimetype="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="scenario-{scenario_id}-v{number}.yaml"'})


@bp.post("/scenarios/preview")
@drill_write
def preview_unsaved():
    """The dry run of the editor's scenario (not stored): every problem (422), or when each
    inject fires on the engine, when each expected action falls due, and the warnings."""
    body = _scenario_body(json_body(optional=True))
    scen, _text = managed.parse_body(body.get("document"), body.get("text"))
    return jsonify(_preview(scen))


@bp.post("/scenarios/<int:scenario_id>/preview")
@drill_write
def preview_stored(scenario_id: int):
    with db().session() as session:
        scen = managed.load(session, scenario_id).scenario
    return jsonify(_preview(scen))


def _preview(scen) -> dict:
    extras: dict = {}
    with db().session() as session:
        findings = service.check_scenario(engine(), scen, session, extras)
    dry, t0 = extras.get("preview"), scen.t0

    def hours(at) -> float:
        return round((at - t0).total_seconds() / 3600, 2)

    body = {"valid": not any(f["level"] == "error" for f in findings), "findings": findings,
            "scenario": summary(scen), "injects": [], "expected": [], "phases": [],
            "ended_t": None, "end_reason": None,
            "targets": [{"id": d.id, "kind": d.kind, "name_zh": d.name_zh,
                         "name_en": d.name_en or d.name_zh, "level": d.attrs.get("level"),
                         "front_t": format_t(d.front_at - t0), "km": round(d.km, 1)}
                        for d in extras["downstream"]],
            "checklist": [{"key": c.id, "kind": c.kind, "text_zh": c.text_zh,
                           "text_en": c.text_en or c.text_zh} for c in extras["checklist"]]}
    if dry is not None:
        body["injects"] = [{"id": i.inject_id, "fires_at_offset_h": hours(i.fires_at)
                            if i.fires_at else None,
                            "fires_t": format_t(i.fires_at - t0) if i.fires_at else None,
                            "plume": i.plume, "warning_zh": i.warning_zh,
                            "warning_en": i.warning_en} for i in dry.injects]
        body["expected"] = [{"inject_id": a.inject_id, "action_id": a.action_id,
                             "due_offset_h": hours(a.due_at), "due_t": format_t(a.due_at - t0)}
                            for a in dry.actions]
        body["phases"] = [{"id": pid, "t": format_t(at - t0)} for pid, at in dry.phases]
        body["ended_t"], body["end_reason"] = format_t(dry.ended_at - t0), dry.end_reason
    return body


@bp.get("/scenarios/<scenario_id>")
@drill_read
def scenario(scenario_id: str):
    scen, text = service.library_scenario(scenario_id)
    if not insider():  # a player: what the exercise is about, not its script
        return jsonify(summary(scen) | {
            "objectives": [{"id": o.id, "text": o.text} for o in scen.objectives],
            "script_hidden": True})
    body = summary(scen) | {
        "yaml": text,
        "objectives": [{"id": o.id, "text": o.text, "weight": o.weight} for o in scen.objectives],
        "participants": [{"id": p.id, "name": p.name, "level": p.level,
                          "level_zh": LEVELS[p.level][0], "roles": list(p.roles)}
                         for p in scen.participants],
        "injects": [{"id": i.id, "trigger_zh": i.trigger.describe(scen.names())[0]
                     if i.trigger else None,
                     "mode_zh": MODES[i.mode][0], "from": scen.party_name(i.sender),
                     "to": scen.party_name(i.recipient), "message": i.message,
                     "objective": i.objective,
                     "expected_actions": [{"id": a.id, "text": a.text,
                                           "within": format_duration(a.within)}
                                          for a in i.expected]} for i in scen.injects],
    }
    return jsonify(body)


@bp.post("/scenarios/validate")
@drill_read
def validate():
    text, name = _yaml_from_request()
    scen = load_text(text, name=name)
    with db().session() as session:
        findings = service.check_scenario(engine(), scen, session)
    return jsonify({"valid": not any(f["level"] == "error" for f in findings),
                    "scenario": summary(scen), "findings": findings})


# ------------------------------------------------------------------ runs
@bp.get("/runs")
@drill_read
def runs():
    with db().session() as session:
        rows = service.list_runs(session)
        return jsonify({"runs": [{"id": r.id, "title": f"{DRILL_MARK}{r.title}",
                                  "scenario_id": r.scenario_id, "status": r.status,
                                  "speed": r.speed, "end_reason": r.end_reason,
                                  "started_by": r.started_by} for r in rows]})


@bp.post("/runs")
@drill_write
def start():
    data = json_body(optional=True)
    version = None
    if data.get("scenario_id") not in (None, ""):
        key = data["scenario_id"]
        stored = managed.stored_id(key)
        if stored is not None:
            number = data.get("version")
            if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
                raise ApiError(422, "invalid_version", "version 须为版本号(整数)",
                               "version must be a version number")
            with db().session() as session:
                found = managed.load(session, stored, number, published=number is None)
                scen, text, version = found.scenario, found.version.yaml, found.version.number
        else:
            scen, text = service.library_scenario(str(key))
    elif isinstance(data.get("yaml"), str):
        text = data["yaml"]
        if len(text.encode("utf-8")) > MAX_YAML_BYTES:
            raise ApiError(413, "too_large", "演练脚本过大(上限 512 KB)",
                           "the scenario exceeds 512 KB")
        scen = load_text(text, name=str(data.get("name") or "upload.yaml"))
    else:
        raise ApiError(400, "missing_scenario", "须给出 scenario_id 或 yaml",
                       "give scenario_id or yaml")
    anchor = data.get("anchor")
    if anchor is not None and anchor not in ("now", "scenario"):
        raise ApiError(422, "invalid_anchor", "anchor 须为 now 或 scenario",
                       "anchor must be now or scenario")
    with db().session() as session:
        run = service.start_drill(session, engine(), scen, text, actor=actor(), wall=now(),
                                  speed=_speed(data, 1.0), anchor=anchor,
                                  scenario_version=version)
        run_id = run.id
    return jsonify(_state(run_id)), 201


@bp.get("/runs/<int:run_id>")
@drill_read
def run(run_id: int):
    return jsonify(_state(run_id))


@bp.post("/runs/<int:run_id>/advance")
@drill_write
def advance(run_id: int):
    return _controller(run_id, lambda s: service.advance(s, engine(), run_id, wall=now(),
                                                         actor=actor()))


@bp.post("/runs/<int:run_id>/step")
@drill_write
def step(run_id: int):
    data = json_body(optional=True)
    try:
        minutes = float(data.get("minutes", 60))
        if isinstance(data.get("minutes"), bool) or not math.isfinite(minutes):
            raise ValueError
    except (TypeError, ValueError):
        raise ApiError(422, "invalid_step", "minutes 须为分钟数",
                       "minutes must be a number") from None
    return _controller(run_id, lambda s: service.step(s, engine(), run_id,
                                                      timedelta(minutes=minutes), wall=now(),
                                                      actor=actor()))


@bp.post("/runs/<int:run_id>/pause")
@drill_write
def pause(run_id: int):
    return _controller(run_id, lambda s: service.pause(s, engine(), run_id, wall=now(),
                                                       actor=actor()))


@bp.post("/runs/<int:run_id>/resume")
@drill_write
def resume(run_id: int):
    return _controller(run_id, lambda s: service.resume(s, engine(), run_id, wall=now(),
                                                        actor=actor()))


@bp.post("/runs/<int:run_id>/speed")
@drill_write
def speed(run_id: int):
    value = _speed(json_body(optional=True))
    return _controller(run_id, lambda s: service.set_speed(s, engine(), run_id, value,
                                                           wall=now(), actor=actor()))


@bp.post("/runs/<int:run_id>/end")
@drill_write
def end(run_id: int):
    return _controller(run_id, lambda s: service.end_drill(s, engine(), run_id, wall=now(),
                                                           actor=actor()))


@bp.post("/runs/<int:run_id>/injects")
@drill_write
def inject(run_id: int):
    data = json_body(optional=True)
    with db().session() as session:
        row = service.fire_inject(session, engine(), run_id, data, wall=now(), actor=actor())
        body = {"inject_id": row.inject_id, "kind": row.kind, "message": row.message,
                "delivered_at": iso(row.delivered_at)}
    return jsonify(body | {"run": _state(run_id)}), 201


@bp.get("/incidents/<int:incident_id>/injects")
@drill_read
def player_injects(incident_id: int):
    """The injects delivered so far to the players of a drill incident (the incident page's
    banner and list): what a player may see, nothing of the script."""
    with db().session() as session:
        view = service.player_injects(session, incident_id)
        body = {"run_id": view.run.id, "status": view.run.status,
                "injects": [player_inject_dict(i, view.t0) for i in view.injects]}
    return jsonify(body)


@bp.post("/runs/<int:run_id>/injects/<inject_id>/ack")
@require(Permission.INCIDENT_WRITE)
def acknowledge(run_id: int, inject_id: str):
    """A player acknowledges an inject (签收)."""
    with db().session() as session:
        row = service.acknowledge_inject(session, run_id, inject_id, wall=now(), actor=actor())
        body = player_inject_dict(row, service.run_t0(service.get_run(session, run_id)))
    return jsonify(body)


@bp.get("/runs/<int:run_id>/observations")
@drill_read
def observations(run_id: int):
    return jsonify({"observations": _state(run_id)["observations"]})


@bp.post("/runs/<int:run_id>/observations")
@drill_evaluate
def observe(run_id: int):
    """An evaluator scores an objective (a draft until submitted)."""
    data = json_body(optional=True)
    with db().session() as session:
        obs = service.record_observation(session, run_id, data, wall=now(), actor=actor(),
                                         evaluator_name=evaluator_name())
        run = service.get_run(session, run_id)
        body = observation_dict(obs, service.run_t0(run))
    return jsonify(body), 201


@bp.post("/runs/<int:run_id>/evaluation")
@drill_evaluate
def submit_evaluation(run_id: int):
    """The evaluator submits their draft observations (提交评估)."""
    with db().session() as session:
        submitted = service.submit_evaluation(session, run_id, wall=now(), actor=actor())
        run = service.get_run(session, run_id)
        t0 = service.run_t0(run)
        body = {"submitted": [observation_dict(o, t0) for o in submitted]}
    return jsonify(body | {"run": _state(run_id)})


@bp.post("/runs/<int:run_id>/improvements")
@drill_evaluate
def improve(run_id: int):
    data = json_body(optional=True)
    with db().session() as session:
        item = service.add_improvement(session, run_id, data, wall=now(), actor=actor())
        body = {"id": item.id, "item": item.item, "owner": item.owner,
                "due": item.due.isoformat(), "objective_id": item.objective_id}
    return jsonify(body), 201


@bp.get("/runs/<int:run_id>/report")
@drill_read
def report(run_id: int):
    with db().session() as session:
        rep = service.build_report(session, run_id, insider=insider(), tz=tz())
    return jsonify(report_dict(rep))


@bp.get("/runs/<int:run_id>/report.xlsx")
@drill_read
def report_xlsx_file(run_id: int):
    with db().session() as session:
        rep = service.build_report(session, run_id, insider=insider(), tz=tz())
    name = f"drill-{run_id}-report.xlsx"
    return Response(report_xlsx(rep), headers={
        "Content-Disposition": f'attachment; filename="{name}"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/runs/<int:run_id>/report.docx")
@drill_read
def report_docx_file(run_id: int):
    """The 演练总结报告 as a Word document."""
    with db().session() as session:
        doc = service.report_document(session, run_id, insider=insider(), tz=tz())
        body = report_docx(doc.report, doc.scenario, log=doc.log, names=doc.names)
    name = f"drill-{run_id}-summary-report.docx"
    return Response(body, headers={"Content-Disposition": f'attachment; filename="{name}"'},
                    mimetype="application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document")


# ------------------------------------------------------------------ errors of this blueprint
def _error(status: int, code: str, zh: str, en: str, **extra) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message_zh": zh, "message_en": en, **extra}}), status


@bp.errorhandler(InvalidScenario)
def _invalid_scenario(err: InvalidScenario):
    problems = [{"file": p.file, "path": p.path, "message_zh": p.message_zh,
                 "message_en": p.message_en} for p in err.problems]
    return _error(422, err.code, err.message_zh, err.message_en, problems=problems)


@bp.errorhandler(InvalidIncident)
def _invalid(err: InvalidIncident):
    return invalid_incident_response(err)


@bp.errorhandler(NotFound)
def _not_found(err: NotFound):
    return _error(404, "not_found", err.message_zh, err.message_en)


@bp.errorhandler(managed.ScenarioConflict)
def _scenario_conflict(err: managed.ScenarioConflict):
    return _error(err.status, err.code, err.message_zh, err.message_en)


@bp.errorhandler(service.DrillError)
def _drill_error(err: service.DrillError):
    return _error(err.status, err.code, err.message_zh, err.message_en)


@bp.errorhandler(StaleDataError)
@bp.errorhandler(IntegrityError)
def _conflict(_err: Exception):
    return _error(409, "conflict", "演练状态已被他人同时修改,请刷新后重试",
                  "the drill was changed at the same time by someone else; reload and retry")


# ------------------------------------------------------------------ shapes (the one place)
def run_state_dict(view: service.RunView) -> dict:
    """The controller console's JSON (a player's: only what has happened, see
    :class:`emergency.drills.service.RunView`)."""
    run, scenario, t0 = view.run, view.scenario, view.t0
    msel = []
    for inj in view.injects.values():
        fired = view.fired.get(inj.id)
        kind = fired.kind if fired else ("contingency" if inj.contingency else "scheduled")
        trig_zh, trig_en = (inj.trigger.describe(view.names) if inj.trigger else
                            (("预期行动超时", "an expected action is late") if inj.contingency
                             else ("导调临时注入", "ad hoc")))
        msel.append({
            "id": inj.id, "kind": kind, "status": "fired" if fired else "pending",
            "trigger_zh": trig_zh, "trigger_en": trig_en,
            "predicted_at": iso(view.predicted.get(inj.id)),
            "predicted_t": format_t(view.predicted[inj.id] - t0)
            if inj.id in view.predicted else None,
            "due_t": format_t(_utc(fired.due_at) - t0) if fired else None,
            "delivered_at": iso(fired.delivered_at) if fired else None,
            "delivered_t": format_t(_utc(fired.delivered_at) - t0) if fired else None,
            "mode": inj.mode, "mode_zh": MODES.get(inj.mode, (inj.mode,))[0],
            "from": scenario.party_name(inj.sender), "to": scenario.party_name(inj.recipient),
            "message": f"{DRILL_MARK}{inj.message}", "objective": inj.objective,
            "notes": inj.notes, "cause": fired.cause if fired else None,
            "expected_actions": [
                action_dict(a, view.states.get(f"{inj.id}/{a.id}"), scenario, t0)
                for a in inj.expected],
        })
    msel.sort(key=lambda r: (r["status"] != "fired", r["delivered_at"] or r["predicted_at"]
                             or "9999", r["id"]))
    late = [action_dict(s.action, s, scenario, t0) | {"inject_id": s.inject_id}
            for s in view.late]
    if not view.insider:
        msel = [{k: v for k, v in r.items() if k not in service.PLAYER_HIDDEN}
                for r in msel if r["status"] == "fired"]
    phases = [{"id": p.id, "name": p.name, "started_at": iso(view.world.phases.get(p.id)),
               "t": format_t(view.world.phases[p.id] - t0) if p.id in view.world.phases
               else None}
              for p in scenario.phases]
    current = [p for p in phases if p["started_at"]]
    return {
        "id": run.id, "is_drill": True, "watermark": DRILL_MARK, "scenario_id": run.scenario_id,
        "scenario_version": run.scenario_version,
        "title": run.title, "type": run.scenario_type, "status": run.status,
        "clock": {"t0": iso(t0), "now": iso(view.now), "t": format_t(view.now - t0),
                  "processed_t": format_t(view.processed - t0), "speed": run.speed,
                  "speed_zh": service.speed_label(run.speed),
                  "running": run.status == "running",
                  "limit_t": format_t(scenario.duration)},
        "incidents": [{"scenario_incident": sid, "incident_id": row.id, "title": row.title,
                       "status": row.status, "is_drill": row.is_drill}
                      for sid, row in view.linked],
        "phases": phases, "current_phase": current[-1]["name"] if current else None,
        "msel": msel,
        "expected_next": [{"at": iso(u.at), "t": format_t(u.at - t0), "kind": u.kind,
                           "ref": u.ref, "text": u.text} for u in view.upcoming[:12]],
        "late_actions": late, "warnings": list(run.warnings or []),
        "observations": [observation_dict(o, t0) for o in view.observations],
        "evaluators": [{"evaluator": e.evaluator, "recorded_by": e.recorded_by,
                        "observations": e.observations, "objectives": list(e.objectives),
                        "drafts": e.drafts, "submitted_at": iso(e.submitted_at)}
                       for e in view.evaluators],
        "timeline": [{"at": iso(e.at), "t": format_t(_utc(e.at) - t0),
                      "kind": e.kind, "summary_zh": e.summary_zh} for e in run.events],
        "ended": {"reason": run.end_reason, "t": format_t(timedelta(seconds=run.ended_s))}
        if run.status == "ended" and run.ended_s is not None else None,
    }


def player_inject_dict(i, t0: datetime) -> dict:
    """A delivered inject as the players see it (the message, never the script)."""
    return {"inject_id": i.inject_id, "mode": i.mode,
            "mode_zh": MODES.get(i.mode, (i.mode,))[0],
            "mode_en": MODES.get(i.mode, (i.mode, i.mode))[1], "from": i.sender,
            "to": i.recipient, "message": i.message, "delivered_at": iso(i.delivered_at),
            "delivered_t": format_t(_utc(i.delivered_at) - t0),
            "acknowledged_at": iso(i.acknowledged_at) if i.acknowledged_at else None,
            "acknowledged_t": format_t(_utc(i.acknowledged_at) - t0)
            if i.acknowledged_at else None, "acknowledged_by": i.acknowledged_by or None}


def observation_dict(o, t0: datetime) -> dict:
    return {"id": o.id, "objective_id": o.objective_id, "rating": o.rating, "note": o.note,
            "inject_id": o.inject_id, "observed_at": iso(o.observed_at),
            "observed_t": format_t(_utc(o.observed_at) - t0), "evaluator": o.evaluator,
            "recorded_by": o.recorded_by, "recorded_at": iso(o.recorded_at),
            "submitted_at": iso(o.submitted_at),
            "status": "draft" if o.submitted_at is None else "submitted"}


def action_dict(action, state, scenario, t0: datetime) -> dict:
    return {"id": action.id, "text": action.text, "checklist": action.checklist,
            "within": format_duration(action.within), "by": scenario.party_name(action.by),
            "objective": action.objective, "if_late": action.if_late,
            "deadline": iso(state.deadline) if state else None,
            "deadline_t": format_t(state.deadline - t0) if state else None,
            "done_at": iso(state.done_at) if state and state.done_at else None,
            "status": state.status if state else "not_delivered"}


def _utc(dt: datetime) -> datetime:
    """A stored time (SQLite gives it back naive, in UTC) as an aware one."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
