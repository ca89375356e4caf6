"""Plans API (/api/plans): the key-river plans with their sites snapped to the network, and
their management (预案管理): versions, diffs, drafts, review, restore.

``/api/plans/<id>`` also lists the river's risk sources (风险源) from the inventory, upstream
first, each with the km mark where its water joins the river (see :mod:`emergency.river_risks`),
and the version in force (``version``, ``published_at``, ``published_by``).

Drafts and review (see :mod:`emergency.plan_management.service`): ``POST /<id>/drafts`` →
201 ``{"id", "base_version", "document", "revision"}``; ``PUT /<id>/drafts/<d>`` with
``{"document", "revision"}`` (422 with every problem, 409 when stale);
``POST …/submit`` ``{"note"}``; ``POST …/approve`` / ``…/return`` ``{"comment"}``;
``POST /<id>/versions/<n>/restore``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date

import yaml
from flask import Blueprint, current_app, jsonify, request, send_file
from sqlalchemy.exc import IntegrityError

from emergency.auth_rules import Permission
from emergency.exports import XLSX_MIME
from emergency.plan_management import placement, service
from emergency.plan_management.service import Actor, PlanError
from emergency.plan_management.workbook import (
    CellProblem,
    Locator,
    WorkbookInvalid,
    export_workbook,
    read_workbook,
)
from emergency.river_risks import PlanRiskSource
from emergency.store.plan_models import PlanDraft, PlanVersion
from emergency.web.auth import current_user, require
from emergency.web.clock import iso, now
from emergency.web.errors import ApiError
from emergency.web.params import json_body, parse_float, to_int, uploaded_file
from emergency.web.river_pages import open_major_hazards, plan_risk_sources
from plans.loader import Plan, Site

bp = Blueprint("plans_api", __name__, url_prefix="/api/plans")
# /api/plans.xlsx sits beside the blueprint's prefix, not under it
workbook_bp = Blueprint("plans_workbook", __name__)
KIND = "river"
MAX_IMPORT_BYTES = 5 * 2**20


def plan_set():
    return current_app.extensions["plans"].get()


def snapshot():
    return current_app.extensions["plans"]


def check(document, plan_id: str) -> list:  # noqa: ANN001 - a document (any JSON value)
    return snapshot().check(document, plan_id)


def acting() -> Actor:
    user = current_user()
    return Actor(user.username, user.role, user.prefecture_zh)


@contextmanager
def plan_session() -> Iterator:
    """A unit of work whose refusals become API errors (nothing written)."""
    try:
        with current_app.extensions["database"].session() as s:
            yield s
    except PlanError as exc:
        raise ApiError(exc.status, exc.code, exc.message_zh, exc.message_en,
                       **exc.details) from None
    except IntegrityError:
        raise ApiError(409, "conflict", "数据已被他人同时修改,请刷新后重试",
                       "someone else changed the same record at the same time; reload and "
                       "try again") from None


def version_dict(v: PlanVersion, *, document: bool = False) -> dict:
    out = {"version": v.version, "source": v.source, "note": v.note, "author": v.author,
           "published_by": v.published_by, "published_at": iso(v.published_at),
           "restored_from": v.restored_from, "draft_id": v.draft_id}
    if document:
        out["document"] = v.document
    return out


def draft_dict(d: PlanDraft, plan_id: str, *, document: bool = True) -> dict:
    out = {"id": d.id, "plan_id": plan_id, "editor": d.editor, "base_version": d.base_version,
           "revision": d.revision, "status": d.status, "source": d.source, "note": d.note,
           "comment": d.comment, "created_at": iso(d.created_at),
           "updated_at": iso(d.updated_at), "updated_by": d.updated_by,
           "submitted_at": iso(d.submitted_at), "reviewed_by": d.reviewed_by,
           "reviewed_at": iso(d.reviewed_at), "published_version": d.published_version}
    if document:
        out["document"] = d.document
    return out


def published_info(plan_id: str) -> dict:
    """version, published_at, published_by of the version in force (None: plans from files)."""
    with plan_session() as s:
        v = service.in_force(s, KIND, plan_id)
    return {"version": v.version if v else None, "published_at": iso(v.published_at) if v
            else None, "published_by": v.published_by if v else None}


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


@bp.post("")
@require(Permission.PLAN_EDIT)
def create():
    """A new plan (a river the network does not name) → 201 its draft, for review."""
    body = json_body()
    with plan_session() as s:
        rec, row = service.create_plan(s, KIND, body.get("document"), actor=acting(), now=now(),
                                       check=check)
        out = draft_dict(row, rec.plan_id)
    return jsonify(out), 201


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


# ----------------------------------------------------------------------------- versions
@bp.get("/<plan_id>/versions")
def versions(plan_id: str):
    with plan_session() as s:
        rec = service.record(s, KIND, plan_id)
        rows = service.versions(s, KIND, plan_id)
        body = {"plan_id": plan_id, "current_version": rec.current_version,
                "versions": [version_dict(v) for v in rows]}
    return jsonify(body)


@bp.get("/<plan_id>/versions/<int:number>")
def version(plan_id: str, number: int):
    with plan_session() as s:
        body = version_dict(service.version(s, KIND, plan_id, number), document=True)
    return jsonify({"plan_id": plan_id} | body)


@bp.get("/<plan_id>/diff")
def diff(plan_id: str):
    a, b = to_int(request.args.get("from"), "from"), to_int(request.args.get("to"), "to")
    with plan_session() as s:
        changes = service.diff(s, KIND, plan_id, a, b)
    return jsonify({"plan_id": plan_id, "from": a, "to": b,
                    "changes": [c.as_dict() for c in changes]})


@bp.post("/<plan_id>/versions/<int:number>/restore")
@require(Permission.PLAN_REVIEW)
def restore(plan_id: str, number: int):
    body = json_body(optional=True)
    with plan_session() as s:
        v = service.restore(s, KIND, plan_id, number, note=body.get("note"), actor=acting(),
                            now=now(), check=check)
        out = version_dict(v)
    snapshot().invalidate()
    return jsonify({"plan_id": plan_id} | out), 201


# ----------------------------------------------------------------------------- drafts
@bp.get("/<plan_id>/drafts")
def drafts(plan_id: str):
    with plan_session() as s:
        rows = service.drafts(s, KIND, plan_id)
        body = [draft_dict(d, plan_id, document=False) for _rec, d in rows]
    return jsonify({"plan_id": plan_id, "drafts": body})


@bp.post("/<plan_id>/drafts")
@require(Permission.PLAN_EDIT)
def create_draft(plan_id: str):
    with plan_session() as s:
        row, created = service.open_draft(s, KIND, plan_id, actor=acting(), now=now())
        body = draft_dict(row, plan_id)
    return jsonify(body), 201 if created else 200


@bp.get("/<plan_id>/drafts/<int:draft_id>")
def show_draft(plan_id: str, draft_id: int):
    with plan_session() as s:
        row = service.draft(s, KIND, plan_id, draft_id)
        body = draft_dict(row, plan_id) | {
            "changes": [c.as_dict() for c in service.draft_diff(s, KIND, plan_id, draft_id)]}
    return jsonify(body)


@bp.put("/<plan_id>/drafts/<int:draft_id>")
@require(Permission.PLAN_EDIT)
def save_draft(plan_id: str, draft_id: int):
    body = json_body()
    revision = body.get("revision")
    with plan_session() as s:
        row = service.save_draft(s, KIND, plan_id, draft_id, document=body.get("document"),
                                 revision=None if revision is None else to_int(revision,
                                                                               "revision"),
                                 actor=acting(), now=now(), check=check)
        out = draft_dict(row, plan_id)
    return jsonify(out)


@bp.delete("/<plan_id>/drafts/<int:draft_id>")
@require(Permission.PLAN_EDIT)
def withdraw_draft(plan_id: str, draft_id: int):
    with plan_session() as s:
        out = draft_dict(service.withdraw(s, KIND, plan_id, draft_id, actor=acting(),
                                          now=now()), plan_id, document=False)
    return jsonify(out)


@bp.post("/<plan_id>/drafts/<int:draft_id>/submit")
@require(Permission.PLAN_EDIT)
def submit_draft(plan_id: str, draft_id: int):
    body = json_body()
    revision = body.get("revision")
    with plan_session() as s:
        row = service.submit(s, KIND, plan_id, draft_id, note=body.get("note"),
                             revision=None if revision is None else to_int(revision, "revision"),
                             actor=acting(), now=now())
        out = draft_dict(row, plan_id, document=False)
    return jsonify(out)


@bp.post("/<plan_id>/drafts/<int:draft_id>/approve")
@require(Permission.PLAN_REVIEW)
def approve_draft(plan_id: str, draft_id: int):
    body = json_body(optional=True)
    with plan_session() as s:
        v = service.approve(s, KIND, plan_id, draft_id, comment=body.get("comment"),
                            actor=acting(), now=now(), check=check)
        out = version_dict(v)
    snapshot().invalidate()
    return jsonify({"plan_id": plan_id} | out)


@bp.post("/<plan_id>/drafts/<int:draft_id>/return")
@require(Permission.PLAN_REVIEW)
def return_draft(plan_id: str, draft_id: int):
    body = json_body()
    with plan_session() as s:
        row = service.return_draft(s, KIND, plan_id, draft_id, comment=body.get("comment"),
                                   actor=acting(), now=now())
        out = draft_dict(row, plan_id, document=False)
    return jsonify(out)


# ----------------------------------------------------------------------------- exchange
def _document(plan_id: str) -> tuple[dict, int | None]:
    """The document of the plan in force (or ``?version=n``) and its version."""
    number = request.args.get("version")
    if number is not None:
        with plan_session() as s:
            v = service.version(s, KIND, plan_id, to_int(number, "version"))
            return v.document, v.version
    for pid, version_number, doc in snapshot().documents():
        if pid == plan_id:
            return doc, version_number
    raise ApiError(404, "unknown_plan", f"没有河流预案 {plan_id!r}", f"no river plan {plan_id!r}")


def _stamp(version_number: int | None) -> str:
    return f"v{version_number}" if version_number else date.today().isoformat()


@bp.get("/<plan_id>.xlsx")
def export_xlsx(plan_id: str):
    doc, number = _document(plan_id)
    data = export_workbook([doc])
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"预案_{plan_id}_{_stamp(number)}.xlsx")


@bp.get("/<plan_id>.yaml")
def export_yaml(plan_id: str):
    doc, number = _document(plan_id)
    text = (f"# 一河一策一图 {doc.get('name_zh', plan_id)} {_stamp(number)}"
            "(由系统导出;字段说明见 plans/README.md)\n"
            + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100))
    return send_file(io.BytesIO(text.encode("utf-8")), mimetype="application/yaml",
                     as_attachment=True, download_name=f"{plan_id}.yaml")


@workbook_bp.get("/api/plans.xlsx")
def export_all_xlsx():
    data = export_workbook([doc for _pid, _v, doc in snapshot().documents()])
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"重点河流预案_{date.today().isoformat()}.xlsx")


def _cell_problem(problem) -> dict:  # noqa: ANN001 - a plans.schema.Problem
    return {"path": problem.path, "message_zh": problem.message_zh,
            "message_en": problem.message_en}


def _read_upload(plan_id: str) -> tuple[dict, Locator | None]:
    data, filename = uploaded_file(current_app.config.get("PLAN_MAX_IMPORT_BYTES",
                                                          MAX_IMPORT_BYTES))
    name = filename.lower()
    try:
        if name.endswith((".yaml", ".yml")):
            try:
                raw = yaml.safe_load(data.decode("utf-8"))
            except (UnicodeDecodeError, yaml.YAMLError) as exc:
                raise WorkbookInvalid([CellProblem(filename, None, None,
                                                   f"YAML 无法读取:{exc}",
                                                   f"the YAML cannot be read: {exc}")]) from None
            if not isinstance(raw, dict):
                raise WorkbookInvalid([CellProblem(filename, None, None, "须为预案文档(键值映射)",
                                                   "must be a plan document (a mapping)")])
            return raw, None
        if name.endswith(".xlsx"):
            return read_workbook(data, plan_id)
    except WorkbookInvalid as exc:
        raise ApiError(422, "plan_invalid", f"导入文件有 {len(exc.problems)} 处问题,未保存",
                       f"the file has {len(exc.problems)} problem(s); nothing was saved",
                       problems=[p.as_dict() for p in exc.problems]) from None
    raise ApiError(415, "unsupported_file", "只能导入 .xlsx 或 .yaml 文件",
                   "only .xlsx or .yaml files can be imported")


@bp.post("/<plan_id>/import")
@require(Permission.PLAN_EDIT)
def import_file(plan_id: str):
    """A filled workbook (or a YAML file) becomes the editor's draft: all or nothing."""
    document, locator = _read_upload(plan_id)

    def describe(problem) -> dict:  # noqa: ANN001 - a plans.schema.Problem
        if locator is None:
            return _cell_problem(problem)
        return locator.locate(problem).as_dict() | {"path": problem.path}

    with plan_session() as s:
        row, _created = service.open_draft(s, KIND, plan_id, actor=acting(), now=now(),
                                           document=document, source="import", check=check,
                                           describe=describe)
        body = draft_dict(row, plan_id) | {
            "changes": [c.as_dict() for c in service.draft_diff(s, KIND, plan_id, row.id)]}
    return jsonify(body), 201


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


@bp.post("/<plan_id>/check")
@require(Permission.PLAN_EDIT)
def check_draft(plan_id: str):
    """Every problem of a document (the editor's inline validation); nothing is stored."""
    problems = check(json_body().get("document"), plan_id)
    return jsonify({"plan_id": plan_id, "count": len(problems),
                    "problems": [_cell_problem(p) for p in problems]})
