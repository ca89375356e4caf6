"""Refresh API (/api/refresh): submissions, diff, apply, versions, restore, board, job runs.

Thin: parameters in, :mod:`emergency.refresh.service` (in one unit of work), JSON out. Errors are
the API's bilingual format (``emergency.web.errors``).

* ``GET  /api/refresh/board`` — the status board of this year's campaign
* ``POST /api/refresh/submissions`` (multipart ``file``, ``prefecture``, ``kind``) → 201 staged,
  or 422 with every error (row, column) — nothing is applied by a submission
* ``GET  /api/refresh/submissions[?year=&kind=&prefecture=]``, ``…/<id>`` (problems and diff),
  ``…/<id>/file`` (as received), ``…/<id>/problems.csv``
* ``POST /api/refresh/submissions/<id>/apply`` → the new version (one transaction)
* ``POST /api/refresh/submissions/<id>/recompare`` — the diff against the live data as it is now
* ``GET  /api/refresh/versions[?kind=&prefecture=]``, ``…/<id>`` (+ ``?records=1``),
  ``…/<id>/export.csv|xlsx``; ``POST …/<id>/restore`` (rollback as a new version)
* ``GET  /api/refresh/export/<prefecture>/<kind>.csv|xlsx`` — a prefecture's live slice in the
  import layout (the steward's starting point)
* ``GET  /api/refresh/jobs`` (admin: lease, stored jobs, runs); ``POST …/jobs/<id>/run``

Uploading, applying and restoring need ``data.import`` (数据管理员), and an account bound to a
prefecture (a prefecture's steward) acts on that prefecture's slices only (403 otherwise); job
runs need the administrator's ``user.admin``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, current_app, jsonify, request, send_file
from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError, OperationalError

from emergency.auth_rules import Permission
from emergency.exports import append_row, csv_bytes, inert_copy, workbook_bytes
from emergency.inventory import export
from emergency.inventory.columns import SHEETS
from emergency.inventory.service import StaleInventory
from emergency.inventory.vocab import KINDS
from emergency.jobs import leases, runner
from emergency.jobs.context import JobContext
from emergency.jobs.definitions import JOB_TITLES
from emergency.jobs.scheduler import stored_jobs
from emergency.refresh import service
from emergency.refresh.board import BoardRow, totals
from emergency.refresh.diff import as_json
from emergency.refresh.prefectures import find, may_act_for
from emergency.store.refresh_models import InventoryVersion, RefreshSubmission
from emergency.substances import load_catalogue
from emergency.web.auth import actor, current_user, require
from emergency.web.errors import ApiError
from emergency.web.params import bad_parameter, json_body, uploaded_file

bp = Blueprint("refresh_api", __name__, url_prefix="/api/refresh")

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# ----------------------------------------------------------------------------- context
def ctx() -> JobContext:
    """The jobs' context for this request (the web process is not the scheduler)."""
    return JobContext.from_app(current_app, owner="web")


def db():
    return current_app.extensions["database"]


@contextmanager
def unit_of_work() -> Iterator:
    """A session whose refresh and concurrency errors become API errors (nothing is written)."""
    try:
        with db().session() as s:
            yield s
    except service.RefreshError as exc:
        raise ApiError(exc.status, exc.code, exc.message_zh, exc.message_en,
                       **exc.details) from None
    except (StaleInventory, IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc).lower():
            raise
        raise ApiError(409, "conflict", "与同时进行的操作冲突,未写入任何数据;请刷新后重试",
                       "conflicts with a change made at the same time; nothing was written: "
                       "reload and try again") from None


def kind_param(value: str | None) -> str:
    kind = (value or "").strip().replace("-", "_")
    if kind not in KINDS:
        raise ApiError(400, "invalid_parameter", f"参数 kind(清单)须为 {' / '.join(KINDS)} 之一",
                       f"parameter kind must be one of {', '.join(KINDS)}", parameter="kind",
                       value=value)
    return kind


def scope_param(kind: str, value: str | None) -> str:
    if not value or not value.strip():
        raise ApiError(400, "missing_parameter", "请选择报送市州(prefecture)",
                       "choose the prefecture (prefecture)", parameter="prefecture")
    try:
        return service.check_scope(kind, value)
    except service.RefreshError as exc:
        raise ApiError(400, exc.code, exc.message_zh, exc.message_en, **exc.details) from None


def account_prefecture() -> str | None:
    """The prefecture the logged-in account answers for (None: the provincial centre)."""
    user = current_user()
    return user.prefecture_zh if user is not None else None


def may_act(scope: str) -> bool:
    return may_act_for(account_prefecture(), scope)


def check_rights(scope: str) -> None:
    """Refuse (403, nothing written) when the account answers for another prefecture."""
    mine = account_prefecture()
    if not may_act_for(mine, scope):
        raise ApiError(403, "other_prefecture",
                       f"您的账号负责{mine}的数据,不能报送、应用或恢复{scope}的数据",
                       f"your account answers for {mine}; it cannot submit, apply or restore "
                       f"the data of {scope}", prefecture=mine, requested=scope)


def read_upload() -> tuple[bytes, str]:
    return uploaded_file(current_app.config["INVENTORY_MAX_UPLOAD_BYTES"])


# ----------------------------------------------------------------------------- shaping
def submission_dict(sub: RefreshSubmission, *, full: bool = False) -> dict:
    body = {"id": sub.id, "kind": sub.kind, "kind_zh": KINDS[sub.kind][0],
            "prefecture": sub.prefecture_zh, "status": sub.status, "filename": sub.filename,
            "source": sub.source, "created_at": sub.created_at.isoformat(),
            "created_by": sub.created_by, "campaign_year": sub.campaign_year,
            "rows_read": sub.rows_read, "records": sub.record_count,
            "errors": sub.error_count, "warnings": sub.warning_count,
            "diff": {"added": sub.added, "removed": sub.removed, "changed": sub.changed,
                     "unchanged": sub.unchanged} if sub.status != "invalid" else None,
            "applied_at": sub.applied_at.isoformat() if sub.applied_at else None,
            "applied_by": sub.applied_by}
    if full:
        problems = service.problems_of(sub)
        body["problems"] = problems
        body["diff_detail"] = service.diff_of(sub)
    return body


def version_dict(v: InventoryVersion) -> dict:
    return {"id": v.id, "kind": v.kind, "kind_zh": KINDS[v.kind][0],
            "prefecture": v.prefecture_zh, "seq": v.seq, "source": v.source,
            "created_at": v.created_at.isoformat(), "created_by": v.created_by,
            "submission_id": v.submission_id, "restored_from": v.restored_from,
            "records": v.record_count, "added": v.added, "removed": v.removed,
            "changed": v.changed, "unchanged": v.unchanged, "note": v.note,
            "digest": v.snapshot_digest}


def board_rows_dict(rows: list[BoardRow]) -> list[dict]:
    out = []
    for r in rows:
        c = r.confirmation
        out.append({
            "prefecture": r.prefecture.name_zh, "prefecture_en": r.prefecture.name_en,
            "adcode": r.prefecture.adcode, "stage": r.stage,
            "kinds": {k: {"stage": s.stage, "latest_submission": s.latest_id,
                          "latest_status": s.latest_status,
                          "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
                          "applied_at": s.applied_at.isoformat() if s.applied_at else None}
                      for k, s in r.kinds.items()},
            "records": c.records, "stale": c.stale,
            "last_confirmed": c.last_confirmed.isoformat() if c.last_confirmed else None,
            "expired_items": c.expired_items, "expiring_items": c.expiring_items,
            "reminders": r.reminders})
    return out


def board_data() -> dict:
    """The board and the campaign calendar (for the page and the API)."""
    c = ctx()
    today = c.today()
    cal = c.calendar()
    with db().session() as s:
        rows = service.board(s, today=today, calendar=cal, required=c.required_kinds(),
                             expiry_warning_days=c.expiry_warning_days)
        year = cal.campaign_year(today)
        campaign = service.campaign(s, year)
    return {"year": year, "today": today, "opens": cal.opens_on(year),
            "closes": cal.closes_on(year), "flood_start": cal.next_flood_start(today),
            "days_to_flood_season": cal.days_to_flood_season(today),
            "window_open": cal.is_open(today), "window_state": cal.state(today),
            "campaign_status": campaign.status if campaign else None,
            "required": c.required_kinds(), "rows": rows, "totals": totals(rows)}


def jobs_data(limit: int = 50) -> dict:
    c = ctx()
    with db().session() as s:
        lease = leases.holder(s)
        runs = runner.recent_runs(s, limit)
    return {"lease": lease, "lease_live": bool(lease and lease.live(c.clock())),
            "jobs": stored_jobs(db(), c.tz), "runs": runs, "titles": JOB_TITLES}


# ----------------------------------------------------------------------------- board
@bp.get("/board")
def board():
    data = board_data()
    return jsonify({"year": data["year"], "opens": data["opens"].isoformat(),
                    "closes": data["closes"].isoformat(),
                    "flood_start": data["flood_start"].isoformat(),
                    "days_to_flood_season": data["days_to_flood_season"],
                    "window_open": data["window_open"], "window_state": data["window_state"],
                    "campaign_status": data["campaign_status"],
                    "required": list(data["required"]), "totals": data["totals"],
                    "prefectures": board_rows_dict(data["rows"])})


@bp.get("/notices")
def notices():
    scope = request.args.get("prefecture")
    found = find(scope) if scope else None
    with db().session() as s:
        rows = service.notices(s, prefecture_zh=found.name_zh if found else None, limit=100)
        body = [{"id": n.id, "kind": n.kind, "prefecture": n.prefecture_zh, "year": n.year,
                 "created_at": n.created_at.isoformat(), "message_zh": n.message_zh,
                 "message_en": n.message_en, "details": n.details} for n in rows]
    return jsonify({"count": len(body), "notices": body})


# ----------------------------------------------------------------------------- submissions
def stage_upload(kind: str, scope: str, data: bytes, filename: str) -> RefreshSubmission:
    check_rights(scope)
    c = ctx()
    now = c.now()
    with unit_of_work() as s:
        sub = service.stage(s, kind=kind, scope=scope, data=data, filename=filename,
                            inputs=c.stage_inputs(c.today(now)), user=actor(),
                            source="upload", now=now)
    return sub


@bp.post("/submissions")
@require(Permission.DATA_IMPORT)
def submit():
    kind = kind_param(request.form.get("kind"))
    scope = scope_param(kind, request.form.get("prefecture"))
    data, filename = read_upload()
    sub = stage_upload(kind, scope, data, filename)
    body = submission_dict(sub, full=True)
    if sub.status == "invalid":
        raise ApiError(422, "invalid_rows",
                       f"文件有 {sub.error_count} 处错误,未暂存;请改正后重新上传",
                       f"the file has {sub.error_count} error(s) and was not staged: correct "
                       "them and upload again", submission=body)
    return jsonify(body), 201


@bp.get("/submissions")
def list_submissions():
    kind = kind_param(request.args["kind"]) if request.args.get("kind") else None
    scope = scope_param(kind or "experts", request.args["prefecture"]) \
        if request.args.get("prefecture") else None
    year = request.args.get("year", type=int)
    with db().session() as s:
        rows = [submission_dict(x) for x in service.submissions(s, year=year, kind=kind,
                                                                scope=scope)]
    return jsonify({"count": len(rows), "submissions": rows})


@bp.get("/submissions/<int:submission_id>")
def get_submission(submission_id: int):
    with unit_of_work() as s:
        body = submission_dict(service.submission(s, submission_id), full=True)
    return jsonify(body)


@bp.get("/submissions/<int:submission_id>/file")
def submission_file(submission_id: int):
    with unit_of_work() as s:
        sub = service.submission(s, submission_id)
        data, name = service.file_of(sub), sub.filename
    fmt = "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "csv"
    try:
        data = inert_copy(data, name)  # formulas in the upload come back as text, never live
    except ValueError:
        raise ApiError(409, "unreadable_file", "该报送文件无法读取,不能安全地提供下载",
                       "the stored file cannot be read, so it cannot be offered safely") from None
    if fmt == "xlsx" and name.lower().endswith(".xlsm"):
        name = name[:-5] + ".xlsx"  # rewritten without macros
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=name)


PROBLEM_HEADINGS = ["类型", "行", "记录", "列", "代码", "说明", "description", "值"]


def _problem_rows(submission_id: int) -> list[list]:
    """The submission's errors then warnings, each naming its row and record."""
    with unit_of_work() as s:
        problems = service.problems_of(service.submission(s, submission_id))
    return [[label, p["row"], p.get("record") or "", p["column"], p["code"], p["message_zh"],
             p["message_en"], p["value"]]
            for label, key in (("错误 error", "errors"), ("提示 warning", "warnings"))
            for p in problems[key]]


@bp.get("/submissions/<int:submission_id>/problems.csv")
def submission_problems(submission_id: int):
    data = csv_bytes(PROBLEM_HEADINGS, _problem_rows(submission_id))
    return send_file(io.BytesIO(data), mimetype=MIME["csv"], as_attachment=True,
                     download_name=f"报送{submission_id}问题清单.csv")


@bp.get("/submissions/<int:submission_id>/problems.xlsx")
def submission_problems_xlsx(submission_id: int):
    """The same list as an Excel workbook (written cell by cell through emergency.exports)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "问题清单"
    append_row(sheet, PROBLEM_HEADINGS)
    for row in _problem_rows(submission_id):
        append_row(sheet, row)
    for column, width in zip("ABCDEFGH", (12, 6, 28, 14, 22, 60, 60, 20), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    return send_file(io.BytesIO(workbook_bytes(book)), mimetype=MIME["xlsx"],
                     as_attachment=True, download_name=f"报送{submission_id}问题清单.xlsx")


def apply_submission(submission_id: int, *, delete: list[str] | None = None,
                     delete_all: int | None = None, keep_missing: bool = False
                     ) -> InventoryVersion:
    c = ctx()
    with unit_of_work() as s:
        check_rights(service.submission(s, submission_id).prefecture_zh)
        v = service.apply(s, submission_id, user=actor(), now=c.now(), delete=delete,
                          delete_all=delete_all, keep_missing=keep_missing)
    return v


@bp.post("/submissions/<int:submission_id>/apply")
@require(Permission.DATA_IMPORT)
def apply(submission_id: int):
    """``{delete: [key, …] | delete_all: N | keep_missing: true}``: how to treat the live
    records missing from the file (422 ``deletions_unconfirmed`` when there are some and
    none of these says what to do)."""
    data = json_body(optional=True)
    delete = data.get("delete")
    if delete is not None and not (isinstance(delete, list)
                                   and all(isinstance(x, str) for x in delete)):
        raise bad_parameter("delete", "须为记录键的列表", "must be a list of record keys", delete)
    delete_all = data.get("delete_all")
    if delete_all is not None and (not isinstance(delete_all, int) or isinstance(delete_all,
                                                                                 bool)):
        raise bad_parameter("delete_all", "须为整数", "must be an integer", delete_all)
    keep = data.get("keep_missing", False)
    if not isinstance(keep, bool):
        raise bad_parameter("keep_missing", "须为 true 或 false", "must be true or false", keep)
    return jsonify(version_dict(apply_submission(submission_id, delete=delete,
                                                 delete_all=delete_all, keep_missing=keep)))


def recompare_submission(submission_id: int) -> RefreshSubmission:
    with unit_of_work() as s:
        check_rights(service.submission(s, submission_id).prefecture_zh)
        c = ctx()
        sub = service.restage(s, submission_id, now=c.now(), plan_finder=c.plan_finder())
    return sub


@bp.post("/submissions/<int:submission_id>/recompare")
@require(Permission.DATA_IMPORT)
def recompare(submission_id: int):
    return jsonify(submission_dict(recompare_submission(submission_id), full=True))


# ----------------------------------------------------------------------------- versions
@bp.get("/versions")
def list_versions():
    kind = kind_param(request.args["kind"]) if request.args.get("kind") else None
    scope = scope_param(kind or "experts", request.args["prefecture"]) \
        if request.args.get("prefecture") else None
    with db().session() as s:
        rows = [version_dict(v) for v in service.versions(s, kind=kind, scope=scope)]
    return jsonify({"count": len(rows), "versions": rows})


@bp.get("/versions/<int:version_id>")
def get_version(version_id: int):
    catalogue = load_catalogue()
    with unit_of_work() as s:
        v = service.version(s, version_id)
        body = version_dict(v)
        body["changes"] = as_json(service.version_diff(s, v),
                                  service.substance_namer(catalogue))
        if request.args.get("records") in ("1", "true"):
            body["records"] = [export.record_dict(r, catalogue)
                               for r in service.records_of_version(v)]
    return jsonify(body)


@bp.get("/versions/<int:version_id>/export.<fmt>")
def export_version(version_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise ApiError(404, "unknown_format", "仅支持 .csv 和 .xlsx", "use .csv or .xlsx")
    with unit_of_work() as s:
        v = service.version(s, version_id)
        records, kind, scope = service.records_of_version(v), v.kind, v.prefecture_zh
    return _records_file(kind, records, f"{scope}{SHEETS[kind]}_版本{version_id}", fmt)


def restore_version(version_id: int) -> InventoryVersion:
    with unit_of_work() as s:
        check_rights(service.version(s, version_id).prefecture_zh)
        c = ctx()
        v = service.restore(s, version_id, user=actor(), now=c.now(),
                            plan_finder=c.plan_finder())
    return v


@bp.post("/versions/<int:version_id>/restore")
@require(Permission.DATA_IMPORT)
def restore(version_id: int):
    return jsonify(version_dict(restore_version(version_id)))


@bp.get("/export/<prefecture>/<kind>.<fmt>")
def export_slice(prefecture: str, kind: str, fmt: str):
    kind = kind_param(kind)
    scope = scope_param(kind, prefecture)
    if fmt not in ("csv", "xlsx"):
        raise ApiError(404, "unknown_format", "仅支持 .csv 和 .xlsx", "use .csv or .xlsx")
    with db().session() as s:
        records = [x.record for x in service.live_slice(s, kind, scope)]
    return _records_file(kind, records, f"{scope}{SHEETS[kind]}", fmt)


def _records_file(kind: str, records: list, stem: str, fmt: str):
    catalogue = load_catalogue()
    data = export.to_csv(kind, records, catalogue) if fmt == "csv" \
        else export.to_xlsx(kind, records, catalogue)
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=f"{stem}.{fmt}")


# ----------------------------------------------------------------------------- jobs
def run_job_now(job_id: str) -> runner.RunOutcome:
    if job_id not in JOB_TITLES:
        raise ApiError(404, "unknown_job", f"没有名为「{job_id}」的任务", f"no job {job_id!r}")
    c = JobContext.from_app(current_app, owner=f"web:{actor()}")
    return runner.run_job(c, job_id, trigger="manual")


@bp.get("/jobs")
@require(Permission.USER_ADMIN)
def jobs():
    data = jobs_data()
    lease = data["lease"]
    return jsonify({
        "lease": None if lease is None else {
            "owner": lease.owner, "acquired_at": lease.acquired_at.isoformat(),
            "renewed_at": lease.renewed_at.isoformat(),
            "expires_at": lease.expires_at.isoformat(), "live": data["lease_live"]},
        "jobs": [{"id": j, "title_zh": JOB_TITLES.get(j, (j, j))[0],
                  "title_en": JOB_TITLES.get(j, (j, j))[1],
                  "next_run": t.isoformat() if t else None} for j, t in data["jobs"]],
        "runs": [{"id": r.id, "job_id": r.job_id, "occurrence": r.occurrence,
                  "trigger": r.trigger, "owner": r.owner, "status": r.status,
                  "started_at": r.started_at.isoformat(),
                  "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                  "result": r.result, "error": r.error} for r in data["runs"]]})


@bp.post("/jobs/<job_id>/run")
@require(Permission.USER_ADMIN)
def run_job(job_id: str):
    return jsonify(run_job_now(job_id).as_dict())

