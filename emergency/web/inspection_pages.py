"""Inspection pages (隐患排查页面): campaigns and tasks, the phone-sized form, the register.

* ``/inspections`` — my tasks; campaigns with progress by prefecture; (managers) new campaign
  and task assignment;
* ``/inspections/tasks/<id>`` — the inspection form (works at 390 px): per item 合格 / 存在隐患 /
  不适用, a hazard's grade (with the definition), description, photos, responsible unit,
  deadline, a 治理方案 for a major one, sign-off;
* ``/hazards`` — the register: filters, statistics, overdue highlighted, XLSX and 整改通知书;
* ``/hazards/<id>`` — one hazard: its steps with evidence; rectify / verify / reopen.

Pages are rendered from the service's rows (text escaped by Jinja); page JS
(``static/js/inspection.js``) only sends forms to the API and builds DOM from text nodes.
Also here: the province map's layer of risk sources with an open 重大隐患.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template, request

from emergency.auth_rules import Permission, allows
from emergency.inspection import rules, service
from emergency.inspection.checklists import SOURCE_KINDS, load_checklists
from emergency.inspection.service import HazardQuery, InspectionError
from emergency.inventory.vocab import RISK_LEVELS, RISK_SOURCE_KINDS
from emergency.refresh.prefectures import PREFECTURES
from emergency.refresh.prefectures import find as find_prefecture
from emergency.web import i18n
from emergency.web.auth import current_user
from emergency.web.clock import today
from emergency.web.errors import error_body
from emergency.web.i18n import lang, t

bp = Blueprint("inspection_pages", __name__, template_folder="templates")

MESSAGES: dict[str, dict[str, str]] = {
    "nav_inspections": {"zh": "隐患排查", "en": "Inspections"},
    "insp_title": {"zh": "隐患排查", "en": "Hazard inspections"},
    "insp_my_tasks": {"zh": "我的排查任务", "en": "My inspection tasks"},
    "insp_no_tasks": {"zh": "暂无分配给您的排查任务",
                      "en": "No inspection task is assigned to you"},
    "insp_campaigns": {"zh": "排查行动", "en": "Campaigns"},
    "insp_no_campaigns": {"zh": "暂无排查行动", "en": "No campaign yet"},
    "insp_new_campaign": {"zh": "新建排查行动", "en": "New campaign"},
    "insp_assign": {"zh": "分配排查任务", "en": "Assign tasks"},
    "insp_name": {"zh": "行动名称", "en": "Name"},
    "insp_kinds": {"zh": "风险源类型", "en": "Risk-source types"},
    "insp_prefectures": {"zh": "市(州)(不选为全省)", "en": "Prefectures (none: all)"},
    "insp_levels": {"zh": "风险等级(不选为全部)", "en": "Risk levels (none: all)"},
    "insp_due": {"zh": "完成期限", "en": "Due date"},
    "insp_note": {"zh": "说明", "en": "Note"},
    "insp_create": {"zh": "创建", "en": "Create"},
    "insp_inspector": {"zh": "排查员账号", "en": "Inspector (username)"},
    "insp_prefecture": {"zh": "市(州)", "en": "Prefecture"},
    "insp_all": {"zh": "全部", "en": "All"},
    "insp_progress": {"zh": "进度(按市州)", "en": "Progress by prefecture"},
    "insp_sources": {"zh": "风险源", "en": "Sources"},
    "insp_assigned": {"zh": "已分配", "en": "Assigned"},
    "insp_done": {"zh": "已完成", "en": "Done"},
    "insp_hazards": {"zh": "隐患", "en": "Hazards"},
    "insp_major": {"zh": "重大", "en": "Major"},
    "insp_total": {"zh": "合计", "en": "Total"},
    "insp_source": {"zh": "风险源", "en": "Risk source"},
    "insp_status": {"zh": "状态", "en": "Status"},
    "insp_open_form": {"zh": "填写", "en": "Fill in"},
    "insp_view": {"zh": "查看", "en": "View"},
    "insp_task_assigned": {"zh": "待排查", "en": "To inspect"},
    "insp_task_in_progress": {"zh": "填写中", "en": "In progress"},
    "insp_task_done": {"zh": "已签字提交", "en": "Signed off"},
    "insp_sample": {"zh": "示例", "en": "Sample"},
    "insp_form_intro": {"zh": "逐项填写:合格 / 存在隐患 / 不适用。发现隐患时填写等级、描述、照片、"
                                "责任单位和整改期限;重大隐患须制定治理方案。",
                        "en": "Answer every item: compliant / hazard / not applicable. For a "
                              "hazard give its grade, description, photos, the responsible unit "
                              "and a deadline; a major hazard needs a remediation plan."},
    "insp_checklist_version": {"zh": "排查表版本", "en": "Checklist version"},
    "insp_basis": {"zh": "依据", "en": "Basis"},
    "insp_ok": {"zh": "合格", "en": "Compliant"},
    "insp_hazard": {"zh": "存在隐患", "en": "Hazard"},
    "insp_na": {"zh": "不适用", "en": "N/A"},
    "insp_item_note": {"zh": "备注", "en": "Note"},
    "insp_grade": {"zh": "隐患等级", "en": "Grade"},
    "insp_grade_major": {"zh": "重大隐患", "en": "Major hazard"},
    "insp_grade_minor": {"zh": "一般隐患", "en": "Ordinary hazard"},
    "insp_description": {"zh": "隐患描述", "en": "Description"},
    "insp_photos": {"zh": "现场照片", "en": "Photos"},
    "insp_add_photo": {"zh": "添加照片", "en": "Add photo"},
    "insp_responsible": {"zh": "整改责任单位", "en": "Responsible unit"},
    "insp_deadline": {"zh": "整改期限", "en": "Deadline"},
    "insp_plan": {"zh": "治理方案(重大隐患必填)", "en": "Remediation plan (major hazards)"},
    "insp_plan_goal": {"zh": "治理目标", "en": "Goal"},
    "insp_plan_measures": {"zh": "治理措施", "en": "Measures"},
    "insp_plan_funds": {"zh": "经费和物资", "en": "Funds and materials"},
    "insp_plan_responsible": {"zh": "负责机构和人员", "en": "Responsible"},
    "insp_plan_interim": {"zh": "治理期间的防范和应急措施", "en": "Interim safeguards"},
    "insp_sign_name": {"zh": "排查人员签字(姓名)", "en": "Inspector's signature (name)"},
    "insp_save_draft": {"zh": "暂存", "en": "Save draft"},
    "insp_submit": {"zh": "签字提交", "en": "Sign and submit"},
    "insp_signed": {"zh": "已由 {name} 于 {at} 签字提交", "en": "Signed off by {name} at {at}"},
    "insp_register": {"zh": "隐患台账", "en": "Hazard register"},
    "insp_filter": {"zh": "筛选", "en": "Filter"},
    "insp_overdue": {"zh": "逾期", "en": "Overdue"},
    "insp_overdue_only": {"zh": "仅逾期", "en": "Overdue only"},
    "insp_export_xlsx": {"zh": "导出台账(XLSX)", "en": "Export register (XLSX)"},
    "insp_notice": {"zh": "整改通知书", "en": "Rectification notice"},
    "insp_stats": {"zh": "统计", "en": "Statistics"},
    "insp_open": {"zh": "未销号", "en": "Open"},
    "insp_major_open": {"zh": "未销号重大", "en": "Open major"},
    "insp_closed": {"zh": "已销号", "en": "Closed"},
    "insp_none": {"zh": "没有符合条件的隐患", "en": "No hazard matches"},
    "insp_place": {"zh": "所在地", "en": "Location"},
    "insp_item": {"zh": "排查条目", "en": "Checklist item"},
    "insp_found": {"zh": "发现", "en": "Found"},
    "insp_steps": {"zh": "整改过程", "en": "Steps"},
    "insp_rectify": {"zh": "报告整改情况", "en": "Report rectification"},
    "insp_rectify_note": {"zh": "整改情况说明", "en": "What was done"},
    "insp_complete": {"zh": "整改已完成,申请验收", "en": "Rectification complete: ask for "
                                                       "verification"},
    "insp_verify": {"zh": "验收销号", "en": "Verify and close"},
    "insp_verify_note": {"zh": "验收意见", "en": "Verification note"},
    "insp_reopen": {"zh": "退回重新整改", "en": "Reopen"},
    "insp_reopen_note": {"zh": "退回原因", "en": "Reason"},
    "insp_days_left": {"zh": "剩余 {n} 天", "en": "{n} days left"},
    "insp_days_over": {"zh": "已逾期 {n} 天", "en": "{n} days overdue"},
    "insp_send": {"zh": "提交", "en": "Send"},
    "insp_nobody_else": {"zh": "验收须由报告整改完成者以外的人员进行",
                         "en": "Someone other than the person who reported the rectification "
                               "verifies it"},
    "layer_open_major_hazards": {"zh": "未销号重大隐患", "en": "Open major hazards"},
    "insp_back": {"zh": "返回", "en": "Back"},
    "insp_grade_help": {"zh": "等级说明", "en": "What the grades mean"},
    "insp_reminders": {"zh": "整改期限提醒(定时任务)", "en": "Deadline reminders (scheduled job)"},
}

# Words the page JS shows (sent as a JSON block, never as HTML).
JS_KEYS = ("insp_ok", "insp_hazard", "insp_na", "insp_send", "insp_add_photo")
JS_TEXT = {
    "saved": ("已保存", "Saved"), "submitted": ("已签字提交", "Signed off and submitted"),
    "failed": ("未保存:", "Not saved: "), "uploading": ("正在上传…", "Uploading…"),
    "uploaded": ("照片已上传", "Photo uploaded"), "remove": ("移除", "Remove"),
    "created": ("已创建", "Created"), "assigned": ("已分配 {n} 项任务", "{n} tasks assigned"),
    "done": ("已完成", "Done"), "network": ("网络错误,请重试", "Network error: try again"),
    "confirm_submit": ("签字提交后不能再修改,确认提交?",
                       "After signing off nothing can be changed. Submit?"),
}


def _db():
    return current_app.extensions["database"]


def _can(permission: Permission) -> bool:
    user = current_user()
    return user is not None and allows(user.role, permission)


def js_messages() -> dict:
    en = lang() == "en"
    out = {k: t(k) for k in JS_KEYS}
    out.update({k: (v[1] if en else v[0]) for k, v in JS_TEXT.items()})
    return out


def _kind_label(kind: str) -> str:
    zh, en = RISK_SOURCE_KINDS.get(kind, (kind, kind))
    return en if lang() == "en" else zh


def _status_label(status: str) -> str:
    zh, en = rules.STATUSES.get(status, (status, status))
    return en if lang() == "en" else zh


def _grade_label(grade: str) -> str:
    return t("insp_grade_major") if grade == "major" else t("insp_grade_minor")


@bp.get("/inspections")
def index():
    user = current_user()
    with _db().session() as s:
        campaigns = [(c, service.progress(s, c)) for c in service.list_campaigns(s)]
        mine = service.list_tasks(s, inspector=user.username)
    return render_template(
        "inspections.html", campaigns=campaigns, mine=mine, kinds=SOURCE_KINDS,
        kind_label=_kind_label, prefectures=PREFECTURES, risk_levels=list(RISK_LEVELS),
        can_manage=_can(Permission.INSPECTION_MANAGE), js=js_messages(),
        today=today())


@bp.get("/inspections/tasks/<int:task_id>")
def task_form(task_id: int):
    with _db().session() as s:
        task = service.get_task(s, task_id)
    grades = load_checklists().grades
    user = current_user()
    editable = (task.status != "done" and _can(Permission.INSPECTION_RECORD)
                and (task.inspector == user.username or _can(Permission.INSPECTION_MANAGE)))
    categories = load_checklists().categories
    return render_template(
        "inspection_form.html", task=task, grades=grades, editable=editable,
        categories=categories, kind_label=_kind_label, today=today(), js=js_messages(),
        plan_fields=list(rules.PLAN_FIELDS),
        default_deadlines={k: (today().toordinal() + g.default_days) for k, g in grades.items()})


def _query_from_args() -> HazardQuery:
    status = request.args.get("status") or "open"
    status = status if status in (*rules.STATUSES, "open", "all") else "open"
    pref = find_prefecture(request.args.get("prefecture") or "")
    grade = request.args.get("grade")
    kind = request.args.get("kind")
    source = request.args.get("risk_source", "")
    return HazardQuery(status=None if status == "all" else status,
                       prefecture_zh=pref.name_zh if pref in PREFECTURES else None,
                       grade=grade if grade in rules.GRADES else None,
                       kind=kind if kind in SOURCE_KINDS else None,
                       risk_source_id=int(source) if source.isdigit() else None,
                       overdue=True if request.args.get("overdue") == "1" else None)


@bp.get("/hazards")
def register():
    q = _query_from_args()
    day = today()
    user = current_user()
    with _db().session() as s:
        rows = service.list_hazards(s, q, day)
        stats = service.statistics(s, day)
        notices = service.hazard_notices(s, user.prefecture_zh, limit=5)
    sources = sorted({(h.risk_source_id, h.risk_source_name) for h in rows
                      if h.risk_source_id is not None and h.status != "closed"},
                     key=lambda x: x[1])
    return render_template(
        "hazards.html", rows=rows, stats=stats, q=q, day=day, args=request.args,
        statuses=rules.STATUSES, status_label=_status_label, grade_label=_grade_label,
        kind_label=_kind_label, kinds=SOURCE_KINDS, prefectures=PREFECTURES,
        is_overdue=rules.is_overdue, sources=sources, user=user, notices=notices,
        export_query=request.query_string.decode("ascii", "ignore"))


@bp.get("/hazards/<int:hazard_id>")
def hazard_page(hazard_id: int):
    day = today()
    user = current_user()
    with _db().session() as s:
        h = service.get_hazard(s, hazard_id)
        events = list(h.events)
    in_area = user.prefecture_zh is None or user.prefecture_zh == h.prefecture_zh
    actions = {
        "rectify": in_area and _can(Permission.HAZARD_RECTIFY) and h.status in
        rules.RUNNING_STATUSES,
        "verify": in_area and _can(Permission.INSPECTION_RECORD)
        and h.status == "awaiting_verification" and h.reported_by != user.username,
        "reopen": in_area and _can(Permission.INSPECTION_RECORD)
        and h.status in ("awaiting_verification", "closed"),
        "evidence": _can(Permission.INSPECTION_EVIDENCE),
    }
    return render_template(
        "hazard.html", h=h, events=events, day=day, actions=actions,
        status_label=_status_label, grade_label=_grade_label, kind_label=_kind_label,
        overdue=rules.is_overdue(h.status, h.deadline, day), plan_fields=rules.PLAN_FIELDS,
        js=js_messages(), grades=load_checklists().grades)


# ----------------------------------------------------------------------------- map layer
def _open_major_layer(m, language: str) -> None:  # noqa: ANN001
    from emergency.web.maps import ApiMarkerLayer

    name = MESSAGES["layer_open_major_hazards"]["en" if language == "en" else "zh"]
    ApiMarkerLayer("open_major_hazards", "/api/hazards/risk-sources?grade=major", name,
                   "#6a1b9a", True).add_to(m)


def init_inspection_pages(app: Flask) -> None:
    from emergency.web.pages import NAV_ITEMS, register_map_layer

    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    if ("inspection_pages.index", "nav_inspections") not in NAV_ITEMS:
        NAV_ITEMS.append(("inspection_pages.index", "nav_inspections"))
    app.register_blueprint(bp)
    register_map_layer(app, _open_major_layer)

    @app.errorhandler(InspectionError)
    def _inspection_error(err: InspectionError):
        if request.path.startswith("/api/"):
            return jsonify(error_body(err.code, err.message_zh, err.message_en,
                                      err.details)), err.status
        message = err.message_en if lang() == "en" else err.message_zh
        return render_template("error.html", title=message, message=message), err.status
