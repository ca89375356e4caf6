"""Park plan management pages (一园一策一图 预案管理): the editor, the review page, the versions.

The park plans are kept like the river plans (:mod:`emergency.web.plan_pages`, whose review and
versions pages and review queue serve both kinds):

* ``/parks/<id>/edit`` — the version in force (vN, who, when), download it as YAML or XLSX,
  upload the edited file as one's draft (checked with the file rules: every problem located,
  nothing stored), or 在线编辑: one's open draft as tables of what a steward updates before
  every flood season (``static/js/park_plan_form.js``: PUT of the whole document with its
  revision; 422 problems at their fields, 409 naming who, typed values kept); read the
  field-level diff, submit it with a change note or discard it. Everyone else sees it
  read-only.
* ``/parks/<id>/review/<draft>`` — the reviewer approves or returns the draft (not their own).
* ``/parks/<id>/versions`` — every published version; restore one as a new version.

No inline scripts: the page's data (with the open draft's document) reaches
``static/js/park_plan_editor.js`` and ``park_plan_form.js`` as JSON, which write every message
and name as text.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, url_for

from emergency.plan_management import service
from emergency.plan_management.service import PlanNotFound
from emergency.web import i18n
from emergency.web.plan_pages import (
    PAGE_KINDS,
    PageKind,
    review_page,
    section_label,
    show_value,
    status_label,
    versions_page,
)
from emergency.web.plan_store import acting, draft_dict, version_dict
from plans.diff import PARK_SECTIONS
from plans.parks import ParkPlanDoc

bp = Blueprint("park_plan_pages", __name__, template_folder="templates")
PARK_PAGES = PageKind("park", "parks_store", "parks.show", "park_id", "park_plan_pages.edit",
                      "park_plan_pages.review", "park_plan_pages.versions")

MESSAGES: dict[str, dict[str, str]] = {
    "park_plan_edit_title": {"zh": "园区预案编制", "en": "Edit park plan"},
    "park_plan_read_only": {"zh": "只读:您的账号不能编制本园区预案"
                                  "(须为园区所在市州或省级的数据管理员)",
                            "en": "Read only: your account cannot edit this park plan (a data "
                                  "steward of the park's prefecture or of the province can)"},
    "park_plan_steps": {"zh": "编制步骤:① 下载现行版本(YAML 或 XLSX)→ ② 修改后上传为草稿"
                              "(全部校验通过才保存)→ ③ 核对修改内容 → ④ 填写修改说明,提交审核",
                        "en": "Steps: ① download the version in force (YAML or XLSX) → ② upload "
                              "the edited file as your draft (saved only if it passes every "
                              "check) → ③ read the changes → ④ submit with a change note"},
    "park_plan_upload": {"zh": "上传修改后的文件(.xlsx / .yaml)",
                         "en": "Upload the edited file (.xlsx / .yaml)"},
    "park_plan_import": {"zh": "导入为草稿", "en": "Import as draft"},
    "park_plan_no_draft": {"zh": "您没有此园区预案的草稿。",
                           "en": "You have no draft of this plan."},
    "park_plan_start": {"zh": "从现行版本新建草稿",
                        "en": "Start a draft from the version in force"},
    "park_plan_draft": {"zh": "我的草稿", "en": "My draft"},
    "park_plan_open_review": {"zh": "查看审核页", "en": "Open the review page"},
    "park_plan_edit_link": {"zh": "编制 / 导入", "en": "Edit / import"},
    "park_plan_history_link": {"zh": "版本记录", "en": "Versions"},
    "park_plan_review_link": {"zh": "待审核草稿", "en": "Drafts to review"},
    "plan_section_enterprises": {"zh": "企业", "en": "Enterprises"},
    "plan_section_enterprise_outfalls": {"zh": "企业排口", "en": "Enterprise outfalls"},
    "plan_section_park_pools": {"zh": "公共应急池", "en": "Public pools"},
    "plan_section_park_gates": {"zh": "闸门", "en": "Gates"},
    "plan_section_park_outfalls": {"zh": "园区排口", "en": "Park outfalls"},
    "plan_section_park_ditches": {"zh": "导流渠", "en": "Diversion ditches"},
    # the online editor (在线编辑): the numbers a steward updates before every flood season
    "park_form_open": {"zh": "在线编辑", "en": "Edit online"},
    "park_form_title": {"zh": "在线编辑草稿", "en": "Edit the draft online"},
    "park_form_intro": {"zh": "修改下表后点「保存草稿」:整份预案连同修订号一起保存,全部校验通过"
                              "才保存。浏览器中的数字检查只是提示,以服务器校验为准。",
                        "en": "Change the tables below and press “Save draft”: the whole plan is "
                              "saved with its revision, and only if it passes every check. The "
                              "browser's number checks are hints; the server decides."},
    "park_form_save": {"zh": "保存草稿", "en": "Save draft"},
    "park_form_saving": {"zh": "正在保存…", "en": "Saving…"},
    "park_form_saved": {"zh": "已保存(修订号 {n}),修改内容已更新",
                        "en": "Saved (revision {n}); the changes below are updated"},
    "park_form_unsaved": {"zh": "有未保存的修改", "en": "Unsaved changes"},
    "park_form_invalid": {"zh": "有 {n} 处问题,未保存:见各字段旁的说明",
                          "en": "{n} problem(s), nothing saved: see the notes next to the "
                                "fields"},
    "park_form_conflict": {"zh": "未保存:{message}。您输入的内容仍保留在表中,"
                                 "可记下后刷新页面重做,或按最新修订号覆盖保存。",
                           "en": "Not saved: {message}. What you typed is still in the tables: "
                                 "note it and reload to redo it, or save over the newer "
                                 "revision."},
    "park_form_stale": {"zh": "草稿已被 {who} 于 {at} 保存(当前修订号 {n})",
                        "en": "{who} saved the draft at {at} (now revision {n})"},
    "park_form_save_over": {"zh": "按最新修订号覆盖保存", "en": "Save over the newer revision"},
    "park_form_theirs": {"zh": "较新的修订与您的输入有 {n} 处不同;覆盖保存将以您的输入为准:",
                         "en": "The newer revision differs from what you typed in {n} place(s); "
                               "saving over it keeps what you typed:"},
    "park_form_theirs_row": {"zh": "较新修订:{theirs} → 您的输入:{mine}",
                             "en": "newer revision: {theirs} → yours: {mine}"},
    "park_form_save_first": {"zh": "请先保存在线修改,再提交审核",
                             "en": "Save your changes before submitting"},
    "park_form_not_number": {"zh": "须为数字", "en": "must be a number"},
    "park_form_negative": {"zh": "不能小于 0", "en": "must not be negative"},
    "park_form_problems": {"zh": "问题", "en": "Problems"},
    "park_form_level_enterprise": {"zh": "企业级:事故应急池、围堰、排口切断阀",
                                   "en": "Enterprise level: accident pools, bunds, outfall "
                                         "valves"},
    "park_form_level_park": {"zh": "园区级:公共应急池、闸门、转输泵、导流渠",
                             "en": "Park level: public pools, gates, pumping, diversion "
                                   "ditches"},
    "park_form_col_enterprise": {"zh": "企业", "en": "Enterprise"},
    "park_form_col_pool_volume": {"zh": "事故池容积(m³)", "en": "Accident pool volume (m³)"},
    "park_form_col_pool_in_use": {"zh": "事故池已占用(m³)", "en": "Accident pool in use (m³)"},
    "park_form_col_bund": {"zh": "围堰容积(m³)", "en": "Bund volume (m³)"},
    "park_form_col_outfall": {"zh": "排口", "en": "Outfall"},
    "park_form_col_valve": {"zh": "切断阀", "en": "Valve"},
    "park_form_col_normally_closed": {"zh": "常闭", "en": "Normally closed"},
    "park_form_col_closer": {"zh": "负责关闭", "en": "Closed by"},
    "park_form_col_close_minutes": {"zh": "关闭用时(分钟)", "en": "Minutes to close"},
    "park_form_col_name": {"zh": "名称", "en": "Name"},
    "park_form_col_volume": {"zh": "容积(m³)", "en": "Volume (m³)"},
    "park_form_col_in_use": {"zh": "已占用(m³)", "en": "In use (m³)"},
    "park_form_col_capacity": {"zh": "容量(m³)", "en": "Capacity (m³)"},
    "park_form_col_note": {"zh": "说明", "en": "Note"},
    "park_form_pools": {"zh": "公共应急池", "en": "Public emergency pools"},
    "park_form_gates": {"zh": "雨水管网闸门", "en": "Rain-network gates"},
    "park_form_ditches": {"zh": "应急导流渠", "en": "Diversion ditches"},
    "park_form_pumping": {"zh": "转输泵能力(m³/h,无则留空)",
                          "en": "Pumping capacity (m³/h; empty for none)"},
    "park_form_readiness": {"zh": "汛前核查", "en": "Readiness this season"},
    "park_form_pools_confirmed": {"zh": "应急池容积核实日期", "en": "Pools confirmed on"},
    "park_form_valves_tested": {"zh": "切断阀试验日期", "en": "Valves tested on"},
    "park_form_contacts": {"zh": "联系人", "en": "Contacts"},
    "park_form_col_unit": {"zh": "单位", "en": "Unit"},
    "park_form_col_role": {"zh": "职责", "en": "Role"},
    "park_form_col_phone": {"zh": "电话", "en": "Phone"},
    "park_form_add_contact": {"zh": "添加联系人", "en": "Add a contact"},
    "park_form_remove": {"zh": "删除", "en": "Remove"},
    "park_form_rain": {"zh": "雨水", "en": "rain"},
    "park_form_sewage": {"zh": "污水", "en": "sewage"},
    "park_form_none": {"zh": "—", "en": "—"},
    "park_form_yes": {"zh": "是", "en": "yes"},
    "park_form_no": {"zh": "否", "en": "no"},
    "park_form_changes": {"zh": "修改内容({n})", "en": "Changes ({n})"},
}
JS_KEYS = ("plan_js_saved", "plan_js_submitted", "plan_js_discarded", "plan_js_note_needed",
           "plan_js_confirm_discard", "plan_js_error", "plan_js_invalid", "plan_js_conflict",
           "plan_js_imported", "plan_no_changes",
           *(k for k in MESSAGES if k.startswith("park_form_")),
           *(f"plan_section_{section}" for section in ("plan", "contacts", "response_cards",
                                                       *PARK_SECTIONS)))
EDITABLE = ("editing", "returned")  # a draft in these states can be saved


def _doc(plan_id: str) -> ParkPlanDoc:
    park = current_app.extensions["parks"].get().get(plan_id)
    if park is None:
        abort(404)
    return park.doc


def _name(plan_id: str) -> str:
    return _doc(plan_id).name_zh


@bp.get("/parks/<plan_id>/edit")
def edit(plan_id: str):
    doc = _doc(plan_id)
    name = doc.name_zh
    with current_app.extensions["database"].session() as s:
        try:
            st = service.editor_state(s, PARK_PAGES.kind, plan_id, acting())
        except PlanNotFound:
            abort(404, i18n.t("plan_from_files"))
        draft = draft_dict(st.draft, plan_id, document=False) if st.draft else None
        changes = ([c.as_dict() for c in service.draft_diff(s, PARK_PAGES.kind, plan_id,
                                                             st.draft.id)]
                   if st.draft else [])
        in_force = version_dict(st.in_force)
        waiting = [draft_dict(d, plan_id, document=False) | {
            "url": PARK_PAGES.review_url(plan_id, d.id)} for d in st.waiting]
        can_edit = st.can_edit
        # the online editor's starting point: the whole document of one's open draft
        document = (st.draft.document if can_edit and st.draft and st.draft.status in EDITABLE
                    else None)
    api = PARK_PAGES.api
    data = {"can_edit": can_edit, "draft": draft, "document": document,
            "t": {k: i18n.t(k) for k in JS_KEYS},
            "urls": {"drafts": url_for(f"{api}.create_draft", plan_id=plan_id),
                     "import": url_for(f"{api}.import_file", plan_id=plan_id),
                     "draft": url_for(f"{api}.show_draft", plan_id=plan_id, draft_id=0)
                     .removesuffix("0")}}
    return render_template(
        "park_plan_edit.html", plan_id=plan_id, name=name, in_force=in_force, draft=draft,
        changes=changes, waiting=waiting, can_edit=can_edit, data=data, sample=doc.sample,
        links=PARK_PAGES.links(plan_id) | {
            "yaml": url_for(f"{api}.export_yaml", plan_id=plan_id),
            "xlsx": url_for(f"{api}.export_xlsx", plan_id=plan_id),
            "review": PARK_PAGES.review_url(plan_id, draft["id"]) if draft else None},
        status=status_label, section_label=section_label, show=show_value)


@bp.get("/parks/<plan_id>/review/<int:draft_id>")
def review(plan_id: str, draft_id: int):
    return review_page(PARK_PAGES, plan_id, draft_id)


@bp.get("/parks/<plan_id>/versions")
def versions(plan_id: str):
    return versions_page(PARK_PAGES, plan_id, _name(plan_id))


def init_park_plan_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    if PARK_PAGES not in PAGE_KINDS:
        PAGE_KINDS.append(PARK_PAGES)
    app.register_blueprint(bp)
