"""Park plan management pages (一园一策一图 预案管理): the editor, the review page, the versions.

The park plans are kept like the river plans (:mod:`emergency.web.plan_pages`, whose review and
versions pages and review queue serve both kinds):

* ``/parks/<id>/edit`` — the simplest honest editor: the version in force (vN, who, when),
  download it as YAML or XLSX, upload the edited file as one's draft (checked with the file
  rules: every problem located, nothing stored), read the field-level diff, submit it with a
  change note or discard it. Everyone else sees it read-only.
* ``/parks/<id>/review/<draft>`` — the reviewer approves or returns the draft (not their own).
* ``/parks/<id>/versions`` — every published version; restore one as a new version.

No inline scripts: the page's data reaches ``static/js/park_plan_editor.js`` as JSON, which
writes every message as text.
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
}
JS_KEYS = ("plan_js_saved", "plan_js_submitted", "plan_js_discarded", "plan_js_note_needed",
           "plan_js_confirm_discard", "plan_js_error", "plan_js_invalid", "plan_js_conflict",
           "plan_js_imported")


def _name(plan_id: str) -> str:
    park = current_app.extensions["parks"].get().get(plan_id)
    if park is None:
        abort(404)
    return park.doc.name_zh


@bp.get("/parks/<plan_id>/edit")
def edit(plan_id: str):
    name = _name(plan_id)
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
    api = PARK_PAGES.api
    data = {"can_edit": can_edit, "draft": draft, "t": {k: i18n.t(k) for k in JS_KEYS},
            "urls": {"drafts": url_for(f"{api}.create_draft", plan_id=plan_id),
                     "import": url_for(f"{api}.import_file", plan_id=plan_id),
                     "draft": url_for(f"{api}.show_draft", plan_id=plan_id, draft_id=0)
                     .removesuffix("0")}}
    return render_template(
        "park_plan_edit.html", plan_id=plan_id, name=name, in_force=in_force, draft=draft,
        changes=changes, waiting=waiting, can_edit=can_edit, data=data,
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
