"""Inspection API (隐患排查接口): campaigns, tasks, results, hazards, photos, exports.

Thin: parse the request, call one function of :mod:`emergency.inspection.service`, serialise.

=============================================== ====================================================
``GET/POST /api/inspections``                    campaigns with progress by prefecture / a new one
``POST /api/inspections/<id>/tasks``             assign tasks (``tasks`` list, or ``inspector``)
``GET /api/inspection-tasks?mine=1``             tasks (``campaign``, ``status``, ``prefecture``)
``GET /api/inspection-tasks/<t>``                one task with its checklist and answers
``POST /api/inspection-tasks/<t>/results``       ``{"items": [{item_id, result, note, hazard}],
                                                 "version", "submit", "signed_name"}``
``GET /api/inspection-checklists``               the checklists (version, grades, items, basis)
``POST /api/inspection-photos``                  multipart ``file`` (JPEG/PNG/WebP) → id, URLs
``GET /api/inspection-photos/<id>[/thumb]``      the photo or its thumbnail
``GET /api/hazards?status=&prefecture=…``        the register (``grade``, ``kind``,
                                                 ``risk_source``, ``overdue``); ``status=open``:
                                                 every status but 已销号
``GET /api/hazards/<h>``                         one hazard with its steps and photos
``POST /api/hazards/<h>/rectify|verify|reopen``  a step (``version``, ``note``, ``photo_ids``;
                                                 rectify: ``complete``)
``GET /api/hazards/stats``                       counts by prefecture, type, grade, status
``GET /api/hazards/register.xlsx``               the register as XLSX
``GET /api/hazards/notice/<risk_source_id>.docx`` 整改通知书 for one risk source's open hazards
``GET /api/hazards/risk-sources``                risk sources with an open hazard (``grade``,
                                                 ``kind``): the map layer and the drill editor
``GET /api/risk-sources/<id>``                   one risk source with ``open_hazards``
=============================================== ====================================================
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file, url_for

from emergency.auth_rules import Permission
from emergency.inspection import documents, rules, service
from emergency.inspection import photos as photo_files
from emergency.inspection.checklists import SOURCE_KINDS, Checklists, load_checklists
from emergency.inspection.service import Actor, HazardQuery
from emergency.inventory import export as inventory_export
from emergency.inventory import service as inventory
from emergency.inventory.vocab import RISK_SOURCE_KINDS
from emergency.refresh.prefectures import PREFECTURES
from emergency.refresh.prefectures import find as find_prefecture
from emergency.store.inspection_models import Hazard, InspectionCampaign, InspectionTask
from emergency.substances import load_catalogue
from emergency.web.auth import current_user, require
from emergency.web.clock import now, today
from emergency.web.errors import ApiError
from emergency.web.params import uploaded_file

bp = Blueprint("inspection_api", __name__, url_prefix="/api")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def db():
    return current_app.extensions["database"]


def checklists() -> Checklists:
    return current_app.extensions.get("inspection_checklists") or load_checklists()


def actor() -> Actor:
    return Actor.of(current_user())


def photo_folder() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / photo_files.FOLDER


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "请求体须为 JSON 对象",
                       "the body must be a JSON object")
    return data


def _arg(name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


def _int_arg(name: str) -> int | None:
    value = _arg(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"参数 {name} 须为整数",
                       f"parameter {name} must be an integer") from None


def _choice(name: str, allowed, aliases: dict | None = None) -> str | None:  # noqa: ANN001
    value = _arg(name)
    if value is None:
        return None
    value = (aliases or {}).get(value, value)
    if value not in allowed:
        raise ApiError(400, "invalid_parameter",
                       f"参数 {name} 须为 {' / '.join(allowed)} 之一",
                       f"parameter {name} must be one of {', '.join(allowed)}")
    return value


def _prefecture_arg() -> str | None:
    value = _arg("prefecture")
    if value is None:
        return None
    found = find_prefecture(value)
    if found is None or found not in PREFECTURES:
        raise ApiError(400, "invalid_parameter", f"「{value}」不是吉林省的市(州)",
                       f"{value!r} is not a prefecture of Jilin")
    return found.name_zh


def _flag(name: str) -> bool | None:
    value = _arg(name)
    if value is None:
        return None
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise ApiError(400, "invalid_parameter", f"参数 {name} 须为 1 或 0",
                   f"parameter {name} must be 1 or 0")


def iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None


# ----------------------------------------------------------------------------- serialise
def campaign_dict(c: InspectionCampaign, progress: dict | None = None) -> dict:
    body = {"id": c.id, "name": c.name, "year": c.year, "kinds": c.kinds,
            "prefectures": c.prefectures, "risk_levels": c.risk_levels,
            "due_date": iso(c.due_date), "note": c.note, "status": c.status,
            "sample": c.sample, "created_by": c.created_by, "created_at": iso(c.created_at),
            "version": c.version}
    if progress is not None:
        body["progress"] = progress
    return body


def task_dict(t: InspectionTask, *, full: bool = False) -> dict:
    body = {"id": t.id, "campaign_id": t.campaign_id, "risk_source_id": t.risk_source_id,
            "risk_source_name": t.risk_source_name, "source_kind": t.source_kind,
            "source_kind_zh": RISK_SOURCE_KINDS.get(t.source_kind, ("", ""))[0],
            "prefecture_zh": t.prefecture_zh, "county_zh": t.county_zh,
            "inspector": t.inspector, "due_date": iso(t.due_date), "status": t.status,
            "signed_by": t.signed_by, "signed_name": t.signed_name, "signed_at": iso(t.signed_at),
            "sample": t.sample, "version": t.version,
            "answered": len(t.results or {}), "items": len(t.checklist or [])}
    if full:
        body["checklist_version"] = t.checklist_version
        body["checklist"] = t.checklist
        body["results"] = t.results
        body["url"] = url_for("inspection_pages.task_form", task_id=t.id)
    return body


def photo_urls(photo_id: int) -> dict:
    return {"id": photo_id, "url": url_for("inspection_api.photo", photo_id=photo_id),
            "thumb_url": url_for("inspection_api.photo_thumb", photo_id=photo_id)}


def hazard_dict(h: Hazard, day: date, *, full: bool = False) -> dict:
    body = {"id": h.id, "risk_source_id": h.risk_source_id,
            "risk_source_name": h.risk_source_name, "source_kind": h.source_kind,
            "source_kind_zh": RISK_SOURCE_KINDS.get(h.source_kind, ("", ""))[0],
            "prefecture_zh": h.prefecture_zh, "county_zh": h.county_zh,
            "item_id": h.item_id, "item_text_zh": h.item_text_zh, "basis": h.basis,
            "grade": h.grade, "grade_zh": rules.GRADES[h.grade][0],
            "grade_en": rules.GRADES[h.grade][1], "description": h.description,
            "responsible_unit": h.responsible_unit, "deadline": iso(h.deadline),
            "status": h.status, "status_zh": rules.STATUSES[h.status][0],
            "status_en": rules.STATUSES[h.status][1],
            "overdue": rules.is_overdue(h.status, h.deadline, day),
            "days_left": (h.deadline - day).days, "found_by": h.found_by,
            "found_at": iso(h.found_at), "reported_by": h.reported_by,
            "closed_by": h.closed_by, "closed_at": iso(h.closed_at), "sample": h.sample,
            "version": h.version, "task_id": h.task_id,
            "url": url_for("inspection_pages.hazard_page", hazard_id=h.id)}
    if full:
        body["plan"] = h.plan
        body["events"] = [{"kind": e.kind, "status_after": e.status_after,
                           "status_after_zh": rules.STATUSES[e.status_after][0],
                           "actor": e.actor, "at": iso(e.at), "note": e.note,
                           "photos": [photo_urls(p) for p in e.photo_ids]} for e in h.events]
    return body


def open_hazards_block(hazards: list[Hazard], day: date) -> list[dict]:
    return [{"id": h.id, "grade": h.grade, "grade_zh": rules.GRADES[h.grade][0],
             "status": h.status, "status_zh": rules.STATUSES[h.status][0],
             "description": h.description, "deadline": iso(h.deadline),
             "overdue": rules.is_overdue(h.status, h.deadline, day), "sample": h.sample,
             "url": url_for("inspection_pages.hazard_page", hazard_id=h.id)} for h in hazards]


# ----------------------------------------------------------------------------- campaigns
@bp.get("/inspections")
def campaigns():
    with db().session() as s:
        rows = service.list_campaigns(s)
        body = [campaign_dict(c, service.progress(s, c)) for c in rows]
    return jsonify({"count": len(body), "campaigns": body})


@bp.post("/inspections")
@require(Permission.INSPECTION_MANAGE)
def create_campaign():
    data = _body()
    with db().session() as s:
        row = service.create_campaign(s, data, actor(), today())
        body = campaign_dict(row, service.progress(s, row))
    return jsonify(body), 201


@bp.post("/inspections/<int:campaign_id>/tasks")
@require(Permission.INSPECTION_MANAGE)
def assign(campaign_id: int):
    data = _body()
    with db().session() as s:
        tasks = service.assign_tasks(s, campaign_id, data, actor(), today(), checklists())
        body = [task_dict(t) for t in tasks]
    return jsonify({"count": len(body), "tasks": body}), 201


# ----------------------------------------------------------------------------- tasks
@bp.get("/inspection-tasks")
def tasks():
    mine = _flag("mine")
    with db().session() as s:
        rows = service.list_tasks(s, inspector=current_user().username if mine else None,
                                  campaign_id=_int_arg("campaign"),
                                  status=_choice("status", ("assigned", "in_progress", "done")),
                                  prefecture_zh=_prefecture_arg())
        body = [task_dict(t) for t in rows]
    return jsonify({"count": len(body), "tasks": body})


@bp.get("/inspection-tasks/<int:task_id>")
def task(task_id: int):
    with db().session() as s:
        return jsonify(task_dict(service.get_task(s, task_id), full=True))


@bp.post("/inspection-tasks/<int:task_id>/results")
@require(Permission.INSPECTION_RECORD)
def results(task_id: int):
    data = _body()
    day = today()
    with db().session() as s:
        row, hazards = service.save_results(s, task_id, data, actor(), now(), checklists())
        body = task_dict(row, full=True) | {"hazards": [hazard_dict(h, day) for h in hazards]}
    return jsonify(body), 201 if hazards else 200


@bp.get("/inspection-checklists")
def checklist_index():
    c = checklists()
    return jsonify({
        "version": c.version,
        "grades": {k: {"label_zh": g.label_zh, "label_en": g.label_en,
                       "definition_zh": g.definition_zh, "definition_en": g.definition_en,
                       "default_days": g.default_days, "max_days": g.max_days}
                   for k, g in c.grades.items()},
        "categories": {k: {"label_zh": v[0], "label_en": v[1]} for k, v in c.categories.items()},
        "checklists": {k: {"label_zh": cl.label_zh, "label_en": cl.label_en,
                           "items": [i.as_dict() for i in cl.items]}
                       for k, cl in c.by_kind.items()}})


# ----------------------------------------------------------------------------- photos
@bp.post("/inspection-photos")
@require(Permission.INSPECTION_EVIDENCE)
def upload_photo():
    limit = int(current_app.config["INSPECTION_PHOTO_MAX_BYTES"])
    data, _client_name = uploaded_file(limit + 64 * 1024)  # the client's name is never used
    with db().session() as s:
        row = service.save_photo(s, photo_folder(), data, actor(), now(), limit)
        body = photo_urls(row.id) | {"width": row.width, "height": row.height,
                                     "mime": row.mime}
    return jsonify(body), 201


def _send_photo(photo_id: int, thumb: bool):
    with db().session() as s:
        row = service.get_photo(s, photo_id)
        name, mime = row.stored_name, row.mime
    path = photo_files.path_of(photo_folder(), name, thumb=thumb)
    if not path.is_file():
        raise ApiError(404, "not_found", "照片文件不存在", "the photo file is missing")
    resp = send_file(io.BytesIO(path.read_bytes()), mimetype="image/jpeg" if thumb else mime,
                     max_age=3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Disposition"] = "inline"
    return resp


@bp.get("/inspection-photos/<int:photo_id>")
def photo(photo_id: int):
    return _send_photo(photo_id, thumb=False)


@bp.get("/inspection-photos/<int:photo_id>/thumb")
def photo_thumb(photo_id: int):
    return _send_photo(photo_id, thumb=True)


# ----------------------------------------------------------------------------- hazards
def _hazard_query() -> HazardQuery:
    status = _choice("status", (*rules.STATUSES, "open", "all"),
                     {v[0]: k for k, v in rules.STATUSES.items()} | {"未销号": "open"})
    return HazardQuery(status=None if status == "all" else status,
                       prefecture_zh=_prefecture_arg(),
                       grade=_choice("grade", tuple(rules.GRADES), rules.GRADE_ALIASES),
                       kind=_choice("kind", SOURCE_KINDS),
                       risk_source_id=_int_arg("risk_source"), overdue=_flag("overdue"))


@bp.get("/hazards")
def hazards():
    day = today()
    with db().session() as s:
        rows = service.list_hazards(s, _hazard_query(), day)
        body = [hazard_dict(h, day) for h in rows]
    return jsonify({"count": len(body), "hazards": body})


@bp.get("/hazards/<int:hazard_id>")
def hazard(hazard_id: int):
    with db().session() as s:
        return jsonify(hazard_dict(service.get_hazard(s, hazard_id), today(), full=True))


def _step(fn, hazard_id: int):  # noqa: ANN001
    data = _body()
    with db().session() as s:
        row = fn(s, hazard_id, data, actor(), now())
        return jsonify(hazard_dict(row, today(), full=True))


@bp.post("/hazards/<int:hazard_id>/rectify")
@require(Permission.HAZARD_RECTIFY)
def rectify(hazard_id: int):
    return _step(service.rectify, hazard_id)


@bp.post("/hazards/<int:hazard_id>/verify")
@require(Permission.INSPECTION_RECORD)
def verify(hazard_id: int):
    return _step(service.verify, hazard_id)


@bp.post("/hazards/<int:hazard_id>/reopen")
@require(Permission.INSPECTION_RECORD)
def reopen(hazard_id: int):
    return _step(service.reopen, hazard_id)


@bp.get("/hazards/stats")
def stats():
    with db().session() as s:
        return jsonify(service.statistics(s, today(), _prefecture_arg()))


@bp.get("/hazards/register.xlsx")
def register_xlsx():
    day = today()
    with db().session() as s:
        rows = service.list_hazards(s, _hazard_query(), day)
        data = documents.register_xlsx(rows, day)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"隐患台账_{day.isoformat()}.xlsx")


@bp.get("/hazards/notice/<int:risk_source_id>.docx")
def notice_docx(risk_source_id: int):
    day = today()
    with db().session() as s:
        source = service.get_risk_source(s, risk_source_id)
        rows = service.list_hazards(s, HazardQuery(status="open", risk_source_id=source.id), day)
        if not rows:
            raise ApiError(404, "no_open_hazards", f"「{source.name}」没有未销号的隐患",
                           f"{source.name} has no open hazard")
        data = documents.rectification_notice(source, rows, day)
        name = source.name
    return send_file(io.BytesIO(data), mimetype=DOCX, as_attachment=True,
                     download_name=f"整改通知书_{name}.docx")


@bp.get("/hazards/risk-sources")
def sources_with_hazards():
    grade = _choice("grade", tuple(rules.GRADES), rules.GRADE_ALIASES)
    kind = _choice("kind", SOURCE_KINDS)
    day = today()
    with db().session() as s:
        found = service.risk_sources_with_open_hazard(s, grade=grade, kind=kind)
        body = [{"id": src.id, "name_zh": src.name, "kind": src.kind,
                 "kind_zh": f"{RISK_SOURCE_KINDS[src.kind][0]} · 未销号"
                            f"{'重大' if grade == 'major' else ''}隐患 {len(hs)} 项",
                 "kind_en": f"{RISK_SOURCE_KINDS[src.kind][1]} · {len(hs)} open "
                            f"{'major ' if grade == 'major' else ''}hazard(s)",
                 "prefecture_zh": src.prefecture_zh, "county_zh": src.county_zh,
                 "lon": src.lon, "lat": src.lat, "risk_level": src.risk_level,
                 "sample": src.sample or any(h.sample for h in hs),
                 "detail_url": url_for("inspection_pages.register", risk_source=src.id),
                 "open_hazards": open_hazards_block(hs, day)} for src, hs in found]
    return jsonify({"count": len(body), "risk_sources": body})


@bp.get("/risk-sources/<int:risk_source_id>")
def risk_source(risk_source_id: int):
    day = today()
    with db().session() as s:
        found = inventory.stored_records(s, "risk_sources", [risk_source_id])
        if not found:
            raise ApiError(404, "not_found", f"风险源 {risk_source_id} 不存在",
                           f"no risk source {risk_source_id}")
        stored = found[0]
        body = inventory_export.record_dict(
            stored.record, load_catalogue(), id=stored.id, today=day,
            meta={"version": stored.version, "updated_at": iso(stored.updated_at)})
        hs = service.open_hazards_by_source(s, [risk_source_id]).get(risk_source_id, [])
        body["open_hazards"] = open_hazards_block(hs, day)
    return jsonify(body)


# ----------------------------------------------------------------------------- incidents
def incident_hazards(pkg) -> list[dict]:  # noqa: ANN001 - an incidents.package.ResponsePackage
    """The response package's block: open hazards at the incident's risk source or on its
    downstream trace (INSPECTION_INCIDENT_REACH_KM, default 50 km), majors first, with the
    sentence the duty officer reads: 该风险源存在未销号重大隐患: …"""
    day = today()
    reach = float(current_app.config["INSPECTION_INCIDENT_REACH_KM"])
    network = current_app.extensions["rivers"].get()
    with db().session() as s:
        found = service.hazards_near_incident(
            s, network, pkg.trace, risk_source_id=pkg.incident.risk_source_id, reach_km=reach)
        out = []
        for f in found:
            majors = [h for h in f.hazards if h.grade == "major"]
            what = "、".join(h.description for h in (majors or f.hazards)[:3])
            label = "该风险源" if f.relation == "at" else f"下游 {f.km:g} km 的「{f.source.name}」"
            label_en = ("this risk source" if f.relation == "at"
                        else f"{f.source.name}, {f.km:g} km downstream,")
            text_zh = (f"{label}存在未销号{'重大' if majors else ''}隐患:{what}")
            text_en = (f"{label_en} has {len(majors) or len(f.hazards)} open "
                       f"{'major ' if majors else ''}hazard(s): {what}")
            out.append({"risk_source_id": f.source.id, "name_zh": f.source.name,
                        "relation": f.relation, "km": f.km, "major": bool(majors),
                        "text_zh": text_zh, "text_en": text_en,
                        "sample": f.source.sample or any(h.sample for h in f.hazards),
                        "url": url_for("inspection_pages.register", risk_source=f.source.id),
                        "hazards": open_hazards_block(list(f.hazards), day)})
    return out
