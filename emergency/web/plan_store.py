"""The plan store's HTTP API, one set of handlers for every kind of plan (预案管理).

The key-river plans (``/api/plans/<id>/…``, :mod:`emergency.web.plans_api`) and the chemical-park
plans (``/api/parks/<id>/…``, :mod:`emergency.web.parks_api`) are kept by the same service
(:mod:`emergency.plan_management.service`, ``kind`` ``river`` | ``park``); a :class:`PlanKindWeb`
says what differs — the snapshot the engine reads, the words for the plan, the workbook layout —
and :func:`add_management_routes` adds the same thin handlers to the kind's blueprint:

* ``POST`` (the kind's root: a new plan as a draft for review, plan.edit);
* ``GET …/versions``, ``GET …/versions/<n>``, ``GET …/diff?from=&to=``,
  ``POST …/versions/<n>/restore`` (plan.review);
* ``GET|POST …/drafts``, ``GET|PUT|DELETE …/drafts/<d>`` (PUT ``{"document", "revision"}``:
  422 with every problem, 409 when stale naming who), ``POST …/drafts/<d>/submit``
  ``{"note"}``, ``…/approve`` / ``…/return`` ``{"comment"}`` (plan.review);
* ``POST …/check`` (every problem, nothing stored), ``POST …/import`` (an XLSX or YAML file
  becomes the editor's draft, all or nothing: 422 with every problem located);
* ``GET <id>.yaml``, ``GET <id>.xlsx`` (``?version=n`` for an earlier version).

Rights come from :mod:`emergency.auth_rules` (plan.edit, plan.review; a prefecture's account only
the plans of its prefecture), checked by the service.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from flask import Blueprint, current_app, jsonify, request, send_file
from sqlalchemy.exc import IntegrityError

from emergency.auth_rules import Permission
from emergency.exports import XLSX_MIME
from emergency.plan_management import service
from emergency.plan_management.service import Actor, PlanError
from emergency.plan_management.workbook import CellProblem, Locator, WorkbookInvalid
from emergency.store.plan_models import PlanDraft, PlanVersion
from emergency.web.auth import current_user, require
from emergency.web.clock import iso, now
from emergency.web.errors import ApiError
from emergency.web.params import json_body, to_int, uploaded_file


@dataclass(frozen=True)
class PlanKindWeb:
    """What the API needs to know about one kind of plan."""

    kind: str                  # the service's kind: river | park
    snapshot_key: str          # app.extensions[…]: its PlanSnapshot
    noun_zh: str               # 河流预案 | 园区预案
    noun_en: str               # river plan | park plan
    title_zh: str              # 一河一策一图 | 一园一策一图 (the exported YAML's first line)
    file_prefix: str           # the exported workbook's file name: <prefix>_<id>_<vN>.xlsx
    export_workbook: Callable[[Sequence[Mapping[str, Any]]], bytes]
    read_workbook: Callable[[bytes, str], tuple[dict, Locator]]

    def snapshot(self) -> Any:
        return current_app.extensions[self.snapshot_key]

    def check(self, document: Any, plan_id: str) -> list:
        return self.snapshot().check(document, plan_id)

    def not_found(self, plan_id: str) -> ApiError:
        return ApiError(404, "unknown_plan", f"没有{self.noun_zh} {plan_id!r}",
                        f"no {self.noun_en} {plan_id!r}")


def revision_of(body: Mapping[str, Any]) -> int | None:
    """The draft revision the client last read (``revision`` in the body), None when not given."""
    revision = body.get("revision")
    return None if revision is None else to_int(revision, "revision")


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


def published_info(kind: str, plan_id: str) -> dict:
    """version, published_at, published_by of the version in force (None: plans from files)."""
    with plan_session() as s:
        v = service.in_force(s, kind, plan_id)
        return {"version": v.version if v else None,
                "published_at": iso(v.published_at) if v else None,
                "published_by": v.published_by if v else None}


def problem_dict(problem: Any) -> dict:  # a plans.schema.Problem
    return {"path": problem.path, "message_zh": problem.message_zh,
            "message_en": problem.message_en}


def read_upload(web: PlanKindWeb, plan_id: str) -> tuple[dict, Locator | None]:
    """The uploaded ``file`` (XLSX or YAML) as a plan document, and where each item came from
    (None for YAML); 422 with every unreadable cell, 415 for another kind of file."""
    data, filename = uploaded_file(current_app.config["PLAN_MAX_IMPORT_BYTES"])
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
            return web.read_workbook(data, plan_id)
    except WorkbookInvalid as exc:
        raise ApiError(422, "plan_invalid", f"导入文件有 {len(exc.problems)} 处问题,未保存",
                       f"the file has {len(exc.problems)} problem(s); nothing was saved",
                       problems=[p.as_dict() for p in exc.problems]) from None
    raise ApiError(415, "unsupported_file", "只能导入 .xlsx 或 .yaml 文件",
                   "only .xlsx or .yaml files can be imported")


def _stamp(version_number: int | None) -> str:
    return f"v{version_number}" if version_number else date.today().isoformat()


def add_management_routes(bp: Blueprint, web: PlanKindWeb) -> None:
    """Versions, drafts, review, restore, check, import and export of ``web``'s plans, as
    routes of ``bp`` (whose prefix is the kind's API: ``/api/plans``, ``/api/parks``)."""
    kind = web.kind

    def check(document: Any, plan_id: str) -> list:
        return web.check(document, plan_id)

    def invalidate() -> None:
        web.snapshot().invalidate()

    def route(rule: str, endpoint: str, methods: Sequence[str],
              permission: Permission | None = None) -> Callable:
        def decorate(view: Callable) -> Callable:
            bp.add_url_rule(rule, endpoint, require(permission)(view) if permission else view,
                            methods=list(methods))
            return view
        return decorate

    # ------------------------------------------------------------------------- a new plan
    @route("", "create", ["POST"], Permission.PLAN_EDIT)
    def create():
        """A new plan (a river the network does not name, a chemical park not yet in the
        store) → 201 its draft, checked like any plan; published as version 1 on approval."""
        body = json_body()
        with plan_session() as s:
            rec, row = service.create_plan(s, kind, body.get("document"), actor=acting(),
                                           now=now(), check=check)
            out = draft_dict(row, rec.plan_id)
        return jsonify(out), 201

    # ------------------------------------------------------------------------- versions
    @route("/<plan_id>/versions", "versions", ["GET"])
    def versions(plan_id: str):
        with plan_session() as s:
            rec = service.record(s, kind, plan_id)
            rows = service.versions(s, kind, plan_id)
            body = {"plan_id": plan_id, "current_version": rec.current_version,
                    "versions": [version_dict(v) for v in rows]}
        return jsonify(body)

    @route("/<plan_id>/versions/<int:number>", "version", ["GET"])
    def version(plan_id: str, number: int):
        with plan_session() as s:
            body = version_dict(service.version(s, kind, plan_id, number), document=True)
        return jsonify({"plan_id": plan_id} | body)

    @route("/<plan_id>/diff", "diff", ["GET"])
    def diff(plan_id: str):
        a, b = to_int(request.args.get("from"), "from"), to_int(request.args.get("to"), "to")
        with plan_session() as s:
            changes = service.diff(s, kind, plan_id, a, b)
        return jsonify({"plan_id": plan_id, "from": a, "to": b,
                        "changes": [c.as_dict() for c in changes]})

    @route("/<plan_id>/versions/<int:number>/restore", "restore", ["POST"],
           Permission.PLAN_REVIEW)
    def restore(plan_id: str, number: int):
        body = json_body(optional=True)
        with plan_session() as s:
            v = service.restore(s, kind, plan_id, number, note=body.get("note"),
                                actor=acting(), now=now(), check=check)
            out = version_dict(v)
        invalidate()
        return jsonify({"plan_id": plan_id} | out), 201

    # ------------------------------------------------------------------------- drafts
    @route("/<plan_id>/drafts", "drafts", ["GET"])
    def drafts(plan_id: str):
        with plan_session() as s:
            rows = service.drafts(s, kind, plan_id)
            body = [draft_dict(d, plan_id, document=False) for _rec, d in rows]
        return jsonify({"plan_id": plan_id, "drafts": body})

    @route("/<plan_id>/drafts", "create_draft", ["POST"], Permission.PLAN_EDIT)
    def create_draft(plan_id: str):
        with plan_session() as s:
            row, created = service.open_draft(s, kind, plan_id, actor=acting(), now=now())
            body = draft_dict(row, plan_id)
        return jsonify(body), 201 if created else 200

    @route("/<plan_id>/drafts/<int:draft_id>", "show_draft", ["GET"])
    def show_draft(plan_id: str, draft_id: int):
        with plan_session() as s:
            row = service.draft(s, kind, plan_id, draft_id)
            body = draft_dict(row, plan_id) | {"changes": [
                c.as_dict() for c in service.draft_diff(s, kind, plan_id, draft_id)]}
        return jsonify(body)

    @route("/<plan_id>/drafts/<int:draft_id>", "save_draft", ["PUT"], Permission.PLAN_EDIT)
    def save_draft(plan_id: str, draft_id: int):
        body = json_body()
        with plan_session() as s:
            row = service.save_draft(
                s, kind, plan_id, draft_id, document=body.get("document"),
                revision=revision_of(body),
                actor=acting(), now=now(), check=check)
            out = draft_dict(row, plan_id)
        return jsonify(out)

    @route("/<plan_id>/drafts/<int:draft_id>", "withdraw_draft", ["DELETE"],
           Permission.PLAN_EDIT)
    def withdraw_draft(plan_id: str, draft_id: int):
        with plan_session() as s:
            out = draft_dict(service.withdraw(s, kind, plan_id, draft_id, actor=acting(),
                                              now=now()), plan_id, document=False)
        return jsonify(out)

    @route("/<plan_id>/drafts/<int:draft_id>/submit", "submit_draft", ["POST"],
           Permission.PLAN_EDIT)
    def submit_draft(plan_id: str, draft_id: int):
        body = json_body()
        with plan_session() as s:
            row = service.submit(
                s, kind, plan_id, draft_id, note=body.get("note"), revision=revision_of(body),
                actor=acting(), now=now())
            out = draft_dict(row, plan_id, document=False)
        return jsonify(out)

    @route("/<plan_id>/drafts/<int:draft_id>/approve", "approve_draft", ["POST"],
           Permission.PLAN_REVIEW)
    def approve_draft(plan_id: str, draft_id: int):
        body = json_body(optional=True)
        with plan_session() as s:
            v = service.approve(s, kind, plan_id, draft_id, comment=body.get("comment"),
                                actor=acting(), now=now(), check=check)
            out = version_dict(v)
        invalidate()
        return jsonify({"plan_id": plan_id} | out)

    @route("/<plan_id>/drafts/<int:draft_id>/return", "return_draft", ["POST"],
           Permission.PLAN_REVIEW)
    def return_draft(plan_id: str, draft_id: int):
        body = json_body()
        with plan_session() as s:
            row = service.return_draft(s, kind, plan_id, draft_id,
                                       comment=body.get("comment"), actor=acting(), now=now())
            out = draft_dict(row, plan_id, document=False)
        return jsonify(out)

    # ------------------------------------------------------------------------- exchange
    def document_of(plan_id: str) -> tuple[dict, int | None]:
        """The document of the plan in force (or ``?version=n``) and its version."""
        number = request.args.get("version")
        if number is not None:
            with plan_session() as s:
                v = service.version(s, kind, plan_id, to_int(number, "version"))
                return v.document, v.version
        for pid, version_number, doc in web.snapshot().documents():
            if pid == plan_id:
                return doc, version_number
        raise web.not_found(plan_id)

    @route("/<plan_id>.xlsx", "export_xlsx", ["GET"])
    def export_xlsx(plan_id: str):
        doc, number = document_of(plan_id)
        data = web.export_workbook([doc])
        return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                         download_name=f"{web.file_prefix}_{plan_id}_{_stamp(number)}.xlsx")

    @route("/<plan_id>.yaml", "export_yaml", ["GET"])
    def export_yaml(plan_id: str):
        doc, number = document_of(plan_id)
        text = (f"# {web.title_zh} {doc.get('name_zh', plan_id)} {_stamp(number)}"
                "(由系统导出;字段说明见 plans/README.md)\n"
                + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100))
        return send_file(io.BytesIO(text.encode("utf-8")), mimetype="application/yaml",
                         as_attachment=True, download_name=f"{plan_id}.yaml")

    @route("/<plan_id>/import", "import_file", ["POST"], Permission.PLAN_EDIT)
    def import_file(plan_id: str):
        """A filled workbook (or a YAML file) becomes the editor's draft: all or nothing."""
        document, locator = read_upload(web, plan_id)

        def describe(problem: Any) -> dict:  # a plans.schema.Problem
            if locator is None:
                return problem_dict(problem)
            return locator.locate(problem).as_dict() | {"path": problem.path}

        with plan_session() as s:
            row, _created = service.open_draft(s, kind, plan_id, actor=acting(), now=now(),
                                               document=document, source="import",
                                               check=check, describe=describe)
            body = draft_dict(row, plan_id) | {"changes": [
                c.as_dict() for c in service.draft_diff(s, kind, plan_id, row.id)]}
        return jsonify(body), 201

    @route("/<plan_id>/check", "check_draft", ["POST"], Permission.PLAN_EDIT)
    def check_draft(plan_id: str):
        """Every problem of a document (the editor's inline validation); nothing is stored."""
        problems = check(json_body().get("document"), plan_id)
        return jsonify({"plan_id": plan_id, "count": len(problems),
                        "problems": [problem_dict(p) for p in problems]})
