"""The refresh pages (/refresh, 汛前清单更新): board, upload, errors, diff, apply, history, restore.

Server-rendered (forms posting with the CSRF field, then redirecting), so that a steward's
whole campaign works without any script: templates to download, upload, every error with row
and column, a corrected upload, the field-level diff, apply, version history, restore. The
administrator also sees the scheduler: who holds the lease, the stored jobs and every run.
Words come from the app's i18n catalogue (``t``), to which this module adds its own keys.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from emergency.auth_rules import Permission, allows
from emergency.inventory.vocab import KINDS
from emergency.refresh import service
from emergency.refresh.board import STAGES
from emergency.refresh.diff import as_json, record_label, show
from emergency.refresh.plan_links import PLAN_CODES
from emergency.refresh.prefectures import PREFECTURES, PROVINCE, find
from emergency.substances import load_catalogue
from emergency.web import i18n, pages
from emergency.web.auth import current_user, require
from emergency.web.errors import ApiError
from emergency.web.i18n import lang, t
from emergency.web.refresh_api import (
    account_prefecture,
    apply_submission,
    board_data,
    db,
    jobs_data,
    kind_param,
    may_act,
    read_upload,
    recompare_submission,
    restore_version,
    run_job_now,
    scope_param,
    stage_upload,
)

bp = Blueprint("refresh", __name__, template_folder="templates")

LISTED = 200  # records / problems shown per section before "show all"
SHOW_ALL_CAP = 5000

MESSAGES: dict[str, dict[str, str]] = {
    "nav_refresh": {"zh": "清单更新", "en": "Inventory refresh"},
    "rf_title": {"zh": "汛前清单更新", "en": "Pre-flood-season inventory refresh"},
    "rf_campaign": {"zh": "{year} 年度更新", "en": "{year} refresh"},
    "rf_window": {"zh": "报送期 {opens} 至 {closes}", "en": "Submissions {opens} to {closes}"},
    "rf_days_to_flood": {"zh": "距汛期({start})还有 {days} 天",
                         "en": "{days} days to the flood season ({start})"},
    "rf_in_flood": {"zh": "汛期中", "en": "Flood season"},
    "rf_state_open": {"zh": "报送进行中", "en": "open"},
    "rf_state_closed": {"zh": "已截止", "en": "closed"},
    "rf_state_before": {"zh": "未开始", "en": "not yet open"},
    "rf_board": {"zh": "各市州进度", "en": "Progress by prefecture"},
    "rf_prefecture": {"zh": "市州", "en": "Prefecture"},
    "rf_status": {"zh": "状态", "en": "Status"},
    "rf_last_confirmed": {"zh": "最近核实日期", "en": "Last confirmed"},
    "rf_stale": {"zh": "本季未核实", "en": "Stale"},
    "rf_expired": {"zh": "过期物资", "en": "Expired"},
    "rf_reminders": {"zh": "催报", "en": "Reminders"},
    "rf_required": {"zh": "必报", "en": "required"},
    "stage_missing": {"zh": "未报送", "en": "missing"},
    "stage_submitted": {"zh": "有错误", "en": "submitted, errors"},
    "stage_validated": {"zh": "待应用", "en": "validated"},
    "stage_applied": {"zh": "已应用", "en": "applied"},
    "stage_restored": {"zh": "已恢复旧数据", "en": "restored to older data"},
    "rf_slices_applied": {"zh": "必报清单已应用 {n}/{m}", "en": "required lists applied {n}/{m}"},
    "rf_required_applied": {"zh": "必报 {n}/{m} 已应用", "en": "{n}/{m} required applied"},
    "rf_upload": {"zh": "上传报送文件", "en": "Upload a file"},
    "rf_upload_hint": {"zh": "每个文件为一个市州的一类清单(全量)。"
                             "文件中没有的该市州记录不会被悄悄删除:应用前须逐条确认删除,"
                             "或选择保留。先下载模板或本市州现有数据,修改后上传。",
                       "en": "Each file is one prefecture's complete list of one inventory. "
                             "Records of that prefecture missing from the file are never "
                             "removed silently: applying asks to confirm each deletion or to "
                             "keep them. Start from the template or the prefecture's current "
                             "data."},
    "rf_kind": {"zh": "清单", "en": "Inventory"},
    "rf_file": {"zh": "文件(CSV 或 XLSX)", "en": "File (CSV or XLSX)"},
    "rf_submit": {"zh": "上传并校验", "en": "Upload and validate"},
    "rf_templates": {"zh": "模板", "en": "Templates"},
    "rf_current_data": {"zh": "现有数据", "en": "Current data"},
    "rf_choose": {"zh": "请选择", "en": "Choose"},
    "rf_submissions": {"zh": "最近报送", "en": "Recent submissions"},
    "rf_no_submissions": {"zh": "尚无报送", "en": "No submissions yet"},
    "rf_submission": {"zh": "报送 #{id}", "en": "Submission #{id}"},
    "rf_filename": {"zh": "文件", "en": "File"},
    "rf_by": {"zh": "报送人", "en": "By"},
    "rf_at": {"zh": "时间", "en": "Time"},
    "rf_rows": {"zh": "数据行", "en": "Rows"},
    "rf_records": {"zh": "记录", "en": "Records"},
    "sub_invalid": {"zh": "有错误", "en": "errors"},
    "sub_staged": {"zh": "校验通过,待应用", "en": "validated, not yet applied"},
    "sub_applied": {"zh": "已应用", "en": "applied"},
    "sub_superseded": {"zh": "已被新文件取代", "en": "superseded"},
    "rf_errors": {"zh": "错误({n} 处):未暂存,请改正后重新上传",
                  "en": "Errors ({n}): not staged — correct the file and upload it again"},
    "rf_warnings": {"zh": "提示({n} 条,不影响应用)", "en": "Warnings ({n}; applying is allowed)"},
    "rf_row": {"zh": "行", "en": "Row"},
    "rf_column": {"zh": "列", "en": "Column"},
    "rf_problem": {"zh": "问题", "en": "Problem"},
    "rf_value": {"zh": "值", "en": "Value"},
    "rf_whole_file": {"zh": "整个文件", "en": "whole file"},
    "rf_download_problems": {"zh": "下载问题清单(CSV)", "en": "Download the list (CSV)"},
    "src_baseline_by": {"zh": "系统(首次更新前的数据)", "en": "system (data before the first "
                                                          "refresh)"},
    "rf_download_file": {"zh": "下载原文件", "en": "Download the file"},
    "rf_shown_of": {"zh": "显示前 {shown} 条,共 {n} 条", "en": "first {shown} of {n}"},
    "rf_show_all": {"zh": "全部显示", "en": "show all"},
    "rf_diff": {"zh": "与现有数据的差异", "en": "Differences from the live data"},
    "rf_added": {"zh": "新增", "en": "Added"},
    "rf_removed": {"zh": "删除", "en": "Removed"},
    "rf_changed": {"zh": "修改", "en": "Changed"},
    "rf_unchanged": {"zh": "未变", "en": "Unchanged"},
    "rf_reconfirmed": {"zh": "其中仅更新核实日期 {n} 条", "en": "{n} of them only re-confirmed"},
    "rf_field": {"zh": "字段", "en": "Field"},
    "rf_old": {"zh": "原值", "en": "Old"},
    "rf_new": {"zh": "新值", "en": "New"},
    "rf_items": {"zh": "物资明细", "en": "Items"},
    "item_added": {"zh": "新增物资", "en": "item added"},
    "item_removed": {"zh": "删除物资", "en": "item removed"},
    "item_changed": {"zh": "物资变化", "en": "item changed"},
    "rf_no_changes": {"zh": "与现有数据完全一致", "en": "Identical to the live data"},
    "rf_apply": {"zh": "确认并应用", "en": "Approve and apply"},
    "rf_apply_confirm": {"zh": "应用后将替换{scope}的{kind}清单(新增 {a},删除 {r},修改 {c}),"
                               "并生成新版本。确认应用?",
                         "en": "This replaces {scope}'s {kind} list (+{a} −{r} ~{c}) and makes "
                               "a new version. Apply?"},
    "rf_applied": {"zh": "已应用,生成版本 {id}", "en": "Applied: version {id}"},
    "rf_deletions": {"zh": "⚠ 文件中缺少现有的 {n} 条记录:应用将删除它们",
                     "en": "⚠ The file lacks {n} record(s) of the live data: applying deletes "
                           "them"},
    "rf_deletions_hint": {"zh": "文件中没有的记录不会被悄悄删除:请逐条勾选确认删除,"
                                "或勾选“全部删除”,或选择保留它们。",
                          "en": "Records missing from the file are never deleted silently: tick "
                                "each one to delete, or all of them, or keep them."},
    "rf_delete_all": {"zh": "确认删除以上全部 {n} 条", "en": "Delete all {n} listed above"},
    "rf_keep_missing": {"zh": "保留文件中缺少的记录(只应用新增和修改)",
                        "en": "Keep the records missing from the file (apply additions and "
                              "changes only)"},
    "rf_delete_one": {"zh": "删除", "en": "delete"},
    "rf_download_problems_xlsx": {"zh": "下载问题清单(XLSX)", "en": "Download the list (XLSX)"},
    "rf_record": {"zh": "记录", "en": "Record"},
    "rf_recompare": {"zh": "重新比对", "en": "Compare again"},
    "rf_stale_hint": {"zh": "现有数据在比对后已变化:请重新比对并确认差异后再应用",
                      "en": "The live data changed after the comparison: compare again and "
                            "review the differences before applying"},
    "rf_upload_again": {"zh": "上传改正后的文件", "en": "Upload the corrected file"},
    "rf_history": {"zh": "版本记录", "en": "Version history"},
    "rf_all": {"zh": "全部", "en": "All"},
    "rf_filter": {"zh": "筛选", "en": "Filter"},
    "rf_version": {"zh": "版本", "en": "Version"},
    "rf_seq": {"zh": "序号", "en": "No."},
    "rf_source": {"zh": "来源", "en": "Source"},
    "src_baseline": {"zh": "首次更新前", "en": "before the first refresh"},
    "src_submission": {"zh": "报送应用", "en": "applied submission"},
    "src_rollback": {"zh": "恢复", "en": "restore"},
    "rf_current": {"zh": "当前", "en": "current"},
    "rf_view": {"zh": "查看", "en": "View"},
    "rf_restore": {"zh": "恢复到此版本", "en": "Restore this version"},
    "rf_restore_confirm": {"zh": "将{scope}的{kind}清单恢复为版本 {id} 的内容(作为新版本保存)。"
                                 "确认恢复?",
                           "en": "Restore {scope}'s {kind} list to version {id} (saved as a new "
                                 "version)?"},
    "rf_restored": {"zh": "已恢复到版本 {old},生成版本 {id}",
                    "en": "Restored version {old}: version {id}"},
    "rf_no_versions": {"zh": "尚无版本", "en": "No versions yet"},
    "rf_version_changes": {"zh": "本版本的变化(与上一版本相比)",
                           "en": "What this version changed (from the previous one)"},
    "rf_version_records": {"zh": "本版本的记录", "en": "Records of this version"},
    "rf_restored_from": {"zh": "恢复自版本 {id}", "en": "restored from version {id}"},
    "rf_from_submission": {"zh": "来自报送 #{id}", "en": "from submission #{id}"},
    "rf_export": {"zh": "下载", "en": "Download"},
    "rf_jobs": {"zh": "定时任务", "en": "Scheduled jobs"},
    "rf_lease": {"zh": "调度进程", "en": "Scheduler process"},
    "rf_lease_none": {"zh": "尚无调度进程运行过(启动 flask --app app scheduler run)",
                      "en": "No scheduler has run yet (start flask --app app scheduler run)"},
    "rf_lease_live": {"zh": "运行中", "en": "running"},
    "rf_lease_expired": {"zh": "已失效", "en": "expired"},
    "rf_expires": {"zh": "租约到期", "en": "lease expires"},
    "rf_job": {"zh": "任务", "en": "Job"},
    "rf_next_run": {"zh": "下次运行", "en": "Next run"},
    "rf_run_now": {"zh": "立即运行", "en": "Run now"},
    "rf_runs": {"zh": "运行记录", "en": "Runs"},
    "rf_occurrence": {"zh": "计划时间", "en": "Scheduled for"},
    "rf_trigger": {"zh": "触发", "en": "Trigger"},
    "rf_owner": {"zh": "进程", "en": "Process"},
    "rf_started": {"zh": "开始", "en": "Started"},
    "rf_finished": {"zh": "结束", "en": "Finished"},
    "rf_result": {"zh": "结果", "en": "Result"},
    "rf_error": {"zh": "错误", "en": "Error"},
    "run_ok": {"zh": "成功", "en": "ok"},
    "run_error": {"zh": "失败", "en": "error"},
    "run_running": {"zh": "运行中", "en": "running"},
    "run_skipped": {"zh": "已由其他进程运行", "en": "run by another process"},
    "trigger_scheduled": {"zh": "定时", "en": "scheduled"},
    "trigger_manual": {"zh": "手动", "en": "manual"},
    "rf_no_runs": {"zh": "尚无运行记录", "en": "No runs yet"},
    "rf_job_done": {"zh": "任务 {job}:{status}", "en": "Job {job}: {status}"},
    "rf_notices": {"zh": "通知", "en": "Notices"},
    "rf_no_notices": {"zh": "暂无通知", "en": "No notices"},
    "rf_read_only": {"zh": "只读:您的角色不能上传或应用清单(需数据管理员)",
                     "en": "Read only: uploading and applying need the data steward role"},
    "rf_back": {"zh": "返回清单更新", "en": "Back to the refresh"},
    "rf_other_prefecture": {"zh": "您的账号负责{mine}:{scope}的数据由{scope}的数据管理员"
                                  "或省级账号应用、恢复",
                            "en": "Your account answers for {mine}: {scope}'s data is applied "
                                  "and restored by {scope}'s data steward or a provincial "
                                  "account"},
    "rf_mine": {"zh": "本市州", "en": "yours"},
    "rf_plan_notes": {"zh": "涉及的一河一策预案", "en": "Key-river plans this changes"},
    "rf_inbox_hint": {"zh": "也可将文件放入收件目录,命名为 <市州代码>_<清单>_<任意>.csv/xlsx"
                            "(如 220100_materials_2026.xlsx),系统每 5 分钟自动校验。",
                      "en": "Files may also be dropped in the inbox folder, named "
                            "<prefecture code>_<inventory>_<anything>.csv/xlsx (e.g. "
                            "220100_materials_2026.xlsx); they are validated every 5 minutes."},
}


def init_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    if ("refresh.index", "nav_refresh") not in pages.NAV_ITEMS:
        pages.NAV_ITEMS.append(("refresh.index", "nav_refresh"))
    app.register_blueprint(bp)

    @app.template_filter("rf_label")
    def _label(record) -> str:  # noqa: ANN001
        return record_label(record)

    app.jinja_env.globals["rf_run_summary"] = run_summary
    app.jinja_env.globals["rf_can_change"] = _can_change
    app.jinja_env.globals["rf_account_prefecture"] = account_prefecture


def run_summary(job_id: str, result: dict | None) -> str:
    """One line of a job run's result, for the administrator's list."""
    if not result:
        return ""
    en = lang() == "en"
    if job_id == "refresh_campaign":
        state = {"open": ("报送中", "open"), "closed": ("已截止", "closed"),
                 "before": ("未开始", "not open yet")}.get(result.get("state", ""), ("", ""))
        parts = [state[1] if en else state[0]]
        if result.get("opened"):
            parts.append("opened" if en else "已开启")
        if result.get("reminded"):
            n = len(result["reminded"])
            parts.append(f"{n} reminded" if en else f"催报 {n} 个市州")
        if result.get("closed"):
            parts.append("closed" if en else "已截止")
        return " · ".join(p for p in parts if p)
    gaps = (result.get("duty_gaps") or {}).get("count")
    duty = "" if gaps is None else (f", {gaps} duty seats uncovered" if en
                                    else f" · 值班缺口 {gaps}")
    if job_id == "nightly_checks":
        c = result.get("counts", {})
        if en:
            return (f"{c.get('expired', 0)} expired, {c.get('expiring', 0)} expiring, "
                    f"{c.get('unconfirmed', 0)} unconfirmed, {c.get('drift', 0)} drifted{duty}")
        return (f"过期 {c.get('expired', 0)} · 将过期 {c.get('expiring', 0)} · "
                f"未核实 {c.get('unconfirmed', 0)} · 坐标偏离 {c.get('drift', 0)}{duty}")
    if job_id == "flood_season_switch":
        if result.get("switched"):
            return ("flood season recorded" if en else "已记录汛期开始") + duty
        return "no change" if en else "无变化"
    if job_id == "inbox_pickup":
        n = len(result.get("files", []))
        return f"{n} file(s)" if en else f"{n} 个文件"
    return ""


# ----------------------------------------------------------------------------- helpers
def _role() -> str:
    user = current_user()
    return user.role if user else ""


def _can_import() -> bool:
    return allows(_role(), Permission.DATA_IMPORT)


def _can_change(scope: str) -> bool:
    """Whether the account may upload, apply or restore ``scope``'s slices."""
    return _can_import() and may_act(scope)


def _is_admin() -> bool:
    return allows(_role(), Permission.USER_ADMIN)


def _kinds() -> list[tuple[str, str]]:
    return [(k, names[1][:1].upper() + names[1][1:] if lang() == "en" else names[0])
            for k, names in KINDS.items()]


def _scope_names() -> dict[str, str]:
    return {p.name_zh: p.name_en if lang() == "en" else p.name_zh
            for p in (*PREFECTURES, PROVINCE)}


def _scope_choices() -> list[dict]:
    return [{"name": p.name_zh, "label": p.name_en if lang() == "en" else p.name_zh,
             "adcode": p.adcode} for p in (*PREFECTURES, PROVINCE)]


def _flash_error(err: ApiError) -> None:
    flash(err.message_en if lang() == "en" else err.message_zh, "error")


def _substance_name():
    return service.substance_namer(load_catalogue())


# ----------------------------------------------------------------------------- pages
@bp.get("/refresh")
def index():
    data = board_data()
    with db().session() as s:
        recent = service.submissions(s, year=data["year"], limit=20)
        notices = service.notices(s, limit=12)
    return render_template(
        "refresh.html", board=data, stages=STAGES, kinds=_kinds(), scopes=_scope_choices(),
        recent=recent, notices=notices, can_import=_can_import(), is_admin=_is_admin(),
        kind_names=dict(_kinds()), scope_names=_scope_names(),
        upload_scopes=[c for c in _scope_choices() if may_act(c["name"])],
        chosen_scope=request.args.get("prefecture", "") or account_prefecture() or "",
        chosen_kind=request.args.get("kind", ""))


@bp.get("/refresh/current")
def current():
    """The live slice chosen in the form, as a file in the import layout (no script needed)."""
    kind = request.args.get("kind", "")
    fmt = request.args.get("fmt", "xlsx")
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    return redirect(url_for("refresh_api.export_slice", kind=kind, fmt=fmt,
                            prefecture=request.args.get("prefecture", "")))


@bp.post("/refresh/upload")
@require(Permission.DATA_IMPORT)
def upload():
    try:
        kind = kind_param(request.form.get("kind"))
        scope = scope_param(kind, request.form.get("prefecture"))
        data, filename = read_upload()
        sub = stage_upload(kind, scope, data, filename)
    except ApiError as err:
        _flash_error(err)
        return redirect(url_for("refresh.index", prefecture=request.form.get("prefecture", ""),
                                kind=request.form.get("kind", "")))
    return redirect(url_for("refresh.submission", submission_id=sub.id))


@bp.get("/refresh/submissions/<int:submission_id>")
def submission(submission_id: int):
    show_all = request.args.get("all") == "1"
    limit = SHOW_ALL_CAP if show_all else LISTED
    with db().session() as s:
        try:
            sub = service.submission(s, submission_id)
        except service.NotFound:
            abort(404)
        problems = service.problems_of(sub)
        diff = service.diff_of(sub)
        head = service.head(s, sub.kind, sub.prefecture_zh)
        stale = sub.status == "staged" and \
            service.slice_fingerprint(s, sub.kind, sub.prefecture_zh) != sub.base_digest
    plan_notes = [w for w in problems["warnings"] if w["code"] in PLAN_CODES]
    return render_template(
        "refresh_submission.html", sub=sub, problems=problems, diff=diff, limit=limit,
        plan_notes=plan_notes,
        can_import=_can_import(), kind_names=dict(_kinds()), head=head, stale=stale,
        show_all=show_all)


@bp.post("/refresh/submissions/<int:submission_id>/apply")
@require(Permission.DATA_IMPORT)
def apply(submission_id: int):
    try:
        count = request.form.get("delete_all")
        v = apply_submission(submission_id, delete=request.form.getlist("delete"),
                             delete_all=int(count) if count and count.isdigit() else None,
                             keep_missing=request.form.get("keep_missing") == "1")
    except ApiError as err:
        _flash_error(err)
        return redirect(url_for("refresh.submission", submission_id=submission_id))
    flash(t("rf_applied", id=v.id), "ok")
    return redirect(url_for("refresh.version", version_id=v.id))


@bp.post("/refresh/submissions/<int:submission_id>/recompare")
@require(Permission.DATA_IMPORT)
def recompare(submission_id: int):
    try:
        recompare_submission(submission_id)
    except ApiError as err:
        _flash_error(err)
    return redirect(url_for("refresh.submission", submission_id=submission_id))


@bp.get("/refresh/versions")
def history():
    kind = request.args.get("kind") or None
    scope = request.args.get("prefecture") or None
    if kind is not None and kind not in KINDS:
        kind = None
    found = find(scope) if scope else None
    with db().session() as s:
        rows = service.versions(s, kind=kind, scope=found.name_zh if found else None)
        heads = {}
        for v in rows:
            key = (v.kind, v.prefecture_zh)
            if key not in heads or v.seq > heads[key]:
                heads[key] = v.seq
    return render_template("refresh_history.html", versions=rows, heads=heads,
                           kind_names=dict(_kinds()), kinds=_kinds(), scopes=_scope_choices(),
                           chosen_kind=kind or "", chosen_scope=found.name_zh if found else "",
                           can_import=_can_import())


@bp.get("/refresh/versions/<int:version_id>")
def version(version_id: int):
    show_all = request.args.get("all") == "1"
    limit = SHOW_ALL_CAP if show_all else LISTED
    with db().session() as s:
        try:
            v = service.version(s, version_id)
        except service.NotFound:
            abort(404)
        changes = as_json(service.version_diff(s, v), _substance_name())
        records = service.records_of_version(v)
        current = service.head(s, v.kind, v.prefecture_zh)
    return render_template("refresh_version.html", v=v, diff=changes, records=records[:limit],
                           record_total=len(records), limit=limit, show_all=show_all,
                           kind_names=dict(_kinds()), can_import=_can_import(),
                           is_current=current is not None and current.id == v.id, show=show)


@bp.post("/refresh/versions/<int:version_id>/restore")
@require(Permission.DATA_IMPORT)
def restore(version_id: int):
    try:
        v = restore_version(version_id)
    except ApiError as err:
        _flash_error(err)
        return redirect(url_for("refresh.version", version_id=version_id))
    flash(t("rf_restored", old=version_id, id=v.id), "ok")
    return redirect(url_for("refresh.version", version_id=v.id))


@bp.get("/refresh/jobs")
@require(Permission.USER_ADMIN)
def jobs():
    return render_template("refresh_jobs.html", data=jobs_data(100))


@bp.post("/refresh/jobs/<job_id>/run")
@require(Permission.USER_ADMIN)
def run_job(job_id: str):
    try:
        outcome = run_job_now(job_id)
    except ApiError as err:
        _flash_error(err)
        return redirect(url_for("refresh.jobs"))
    flash(t("rf_job_done", job=job_id, status=t(f"run_{outcome.status}")),
          "ok" if outcome.status == "ok" else "error")
    return redirect(url_for("refresh.jobs"))
