"""Plan management pages (预案管理): the editor, the review page, the version history, the review
queue and the printable A3 "一图".

* ``/rivers/<id>/edit`` — a steward edits the plan without YAML: the sections as editable tables,
  sites typed (decimal or 度分秒) or picked on the map and snapped live onto their own river,
  inline validation with the file validator's rules, save / submit with a note; the map is the
  preview of the plan as it will be published. Everyone else sees it read-only.
* ``/rivers/<id>/review/<draft>`` — the reviewer reads the field-level diff and approves or returns
  the draft with a comment (not their own draft).
* ``/rivers/<id>/versions`` — every published version: who, when, why, what changed; restore.
* ``/plans/review`` — drafts waiting for review, and one's own open drafts.
* ``/rivers/<id>/a3`` — the published plan as one A3 landscape sheet a field team can carry.

All data reaches the scripts as JSON (``<script type="application/json">``) and is written into the
page as text nodes; there are no inline scripts or handlers (CSP).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, current_app, render_template, url_for

from emergency.plan_management import service
from emergency.plan_management.service import PlanNotFound
from emergency.web import i18n
from emergency.web.clock import iso, now
from emergency.web.i18n import lang
from emergency.web.plans_api import KIND, acting, draft_dict, plan_set, version_dict
from emergency.web.river_pages import (
    KIND_COLOURS,
    pair_label,
    plan_risk_dict,
    plan_risk_sources,
    plan_site_dict,
    river_geometry,
)
from plans.vocabulary import (
    FACILITY_TYPES,
    KIND_LABELS,
    MEASURE_GROUPS,
    PLACE_LEVELS,
    POLLUTANT_CLASSES,
    RECEPTOR_KINDS,
    SECTION_LEVELS,
    TECHNIQUES,
)

bp = Blueprint("plan_pages", __name__, template_folder="templates")

MESSAGES: dict[str, dict[str, str]] = {
    "plan_edit_title": {"zh": "预案编制", "en": "Edit plan"},
    "plan_review_title": {"zh": "预案审核", "en": "Plan review"},
    "plan_versions_title": {"zh": "版本记录", "en": "Versions"},
    "plan_queue_title": {"zh": "预案审核", "en": "Plan review"},
    "plan_a3_title": {"zh": "一图(A3 打印)", "en": "The map (A3 print)"},
    "plan_edit_link": {"zh": "编制预案", "en": "Edit"},
    "plan_view_link": {"zh": "查看编制页", "en": "Open editor"},
    "plan_version_in_force": {"zh": "现行版本 v{n}({by},{at})",
                              "en": "in force: v{n} ({by}, {at})"},
    "plan_from_files": {"zh": "预案尚未导入数据库(运行 flask data load)",
                        "en": "the plans are not in the database yet (run flask data load)"},
    "plan_read_only": {"zh": "只读:您的账号不能编制本预案(须为本预案流经市州的数据管理员)",
                       "en": "Read only: your account cannot edit this plan (a data steward of a "
                             "prefecture the river runs through can)"},
    "plan_waiting": {"zh": "待审核草稿", "en": "Drafts waiting for review"},
    "plan_mine": {"zh": "我的草稿", "en": "My drafts"},
    "plan_none_waiting": {"zh": "没有待审核的草稿", "en": "No drafts are waiting for review"},
    "plan_col_plan": {"zh": "预案", "en": "Plan"},
    "plan_col_editor": {"zh": "编制人", "en": "Editor"},
    "plan_col_base": {"zh": "基于版本", "en": "Based on"},
    "plan_col_status": {"zh": "状态", "en": "Status"},
    "plan_col_note": {"zh": "修改说明", "en": "Change note"},
    "plan_col_updated": {"zh": "更新时间", "en": "Updated"},
    "plan_col_version": {"zh": "版本", "en": "Version"},
    "plan_col_published": {"zh": "发布", "en": "Published"},
    "plan_col_author": {"zh": "编制", "en": "Written by"},
    "plan_col_source": {"zh": "来源", "en": "Source"},
    "plan_col_changes": {"zh": "修改内容", "en": "Changes"},
    "plan_col_change": {"zh": "修改", "en": "Change"},
    "plan_col_section": {"zh": "部分", "en": "Section"},
    "plan_col_old": {"zh": "原值", "en": "Before"},
    "plan_col_new": {"zh": "新值", "en": "After"},
    "plan_no_changes": {"zh": "与所基于的版本相同,没有修改",
                        "en": "No changes from the base version"},
    "plan_approve": {"zh": "审核通过并发布", "en": "Approve and publish"},
    "plan_return": {"zh": "退回修改", "en": "Return for changes"},
    "plan_comment": {"zh": "审核意见", "en": "Comment"},
    "plan_restore": {"zh": "恢复为新版本", "en": "Restore as a new version"},
    "plan_own_draft": {"zh": "这是您自己编制的草稿:须由另一名审核人员审核",
                       "en": "This is your own draft: another reviewer must approve it"},
    "plan_cannot_review": {"zh": "您的账号不能审核本预案",
                           "en": "Your account cannot review this plan"},
    "plan_stale": {"zh": "草稿所基于的 v{base} 已不是现行版本(现行 v{now}):"
                         "审核通过会被拒绝,请退回编制人重新编制",
                   "en": "The draft is based on v{base}, no longer in force (now v{now}): approval "
                         "will be refused; return it to the editor"},
    "plan_reviewer_comment": {"zh": "审核意见", "en": "Reviewer's comment"},
    "plan_status_editing": {"zh": "编制中", "en": "editing"},
    "plan_status_submitted": {"zh": "待审核", "en": "waiting for review"},
    "plan_status_returned": {"zh": "已退回", "en": "returned"},
    "plan_status_approved": {"zh": "已发布", "en": "published"},
    "plan_status_discarded": {"zh": "已放弃", "en": "discarded"},
    "plan_source_seed": {"zh": "初始导入", "en": "seed"},
    "plan_source_review": {"zh": "审核发布", "en": "reviewed"},
    "plan_source_restore": {"zh": "版本恢复", "en": "restored"},
    "plan_restored_from": {"zh": "恢复自 v{n}", "en": "restored from v{n}"},
    "plan_export_xlsx": {"zh": "导出 XLSX", "en": "Export XLSX"},
    "plan_export_yaml": {"zh": "导出 YAML", "en": "Export YAML"},
    "plan_export_all": {"zh": "导出全部预案(XLSX)", "en": "Export all plans (XLSX)"},
    "plan_section_plan": {"zh": "基本信息", "en": "Plan"},
    "plan_section_receptors": {"zh": "敏感目标", "en": "Receptors"},
    "plan_section_facilities": {"zh": "应急空间与设施", "en": "Facilities"},
    "plan_section_monitoring": {"zh": "监测点位", "en": "Monitoring"},
    "plan_section_response_cards": {"zh": "应急处置卡", "en": "Response cards"},
    "plan_section_contacts": {"zh": "联系人", "en": "Contacts"},
    "plan_draft_of": {"zh": "草稿 #{id}(编制人 {editor},基于 v{base})",
                      "en": "Draft #{id} (by {editor}, based on v{base})"},
    "plan_a3_heading": {"zh": "{name}突发水污染事件应对指挥示意图(一河一策一图)",
                        "en": "{name}: command map for water pollution incidents"},
    "plan_a3_version": {"zh": "预案版本 v{n} · 发布 {at}({by}) · 打印 {printed}",
                        "en": "Plan version v{n} · published {at} ({by}) · printed {printed}"},
    "plan_a3_files": {"zh": "预案文件版本 · 打印 {printed}",
                      "en": "Plan files · printed {printed}"},
    "plan_a3_legend": {"zh": "图例", "en": "Legend"},
    "plan_a3_river": {"zh": "本河流", "en": "This river"},
    "plan_a3_other_rivers": {"zh": "其他河流", "en": "Other rivers"},
    "plan_a3_prefecture": {"zh": "市(州)界", "en": "Prefecture boundary"},
    "plan_a3_province": {"zh": "省界、国界", "en": "Provincial / national boundary"},
    "plan_a3_sites": {"zh": "点位一览(自上游向下游)", "en": "Sites (upstream first)"},
    "plan_a3_print": {"zh": "打印(A3 横向)", "en": "Print (A3 landscape)"},
    "plan_a3_km": {"zh": "km", "en": "km"},
}


def _snapshot():
    return current_app.extensions["plans"]


def _plan(plan_id: str):
    plan = plan_set().plans.get(plan_id)
    if plan is None:
        abort(404)
    return plan


def _name(plan) -> str:  # noqa: ANN001 - a plans.loader.Plan
    return (plan.river_name_en or plan.river_name_zh) if lang() == "en" else plan.river_name_zh


def status_label(status: str) -> str:
    return i18n.t(f"plan_status_{status}")


def _vocab() -> dict:
    en = lang() == "en"
    return {
        "receptor_kinds": {k: v[1] if en else v[0] for k, v in RECEPTOR_KINDS.items()},
        "place_levels": {k: v[1] if en else v[0] for k, v in PLACE_LEVELS.items()},
        "section_levels": {k: v[1] if en else v[0] for k, v in SECTION_LEVELS.items()},
        "facility_types": {k: f"{k} {v}" if en else k for k, v in FACILITY_TYPES.items()},
        "techniques": {k: f"{k} ({v})" if en else k for k, v in TECHNIQUES.items()},
        "pollutant_classes": {k: v[1] if en else v[0] for k, v in POLLUTANT_CLASSES.items()},
        "measure_groups": {k: v if en else k for k, v in MEASURE_GROUPS.items()},
        "kind_colours": KIND_COLOURS,
        "kind_labels": {k: v[1] if en else v[0] for k, v in KIND_LABELS.items()},
    }


JS_MESSAGES = (
    "start", "save", "submit", "discard", "note", "note_needed", "saved", "submitted",
    "discarded", "add_row", "delete", "up", "down", "pick", "pick_hint", "coords",
    "coords_hint", "placed", "problems", "no_problems", "checking", "conflict", "invalid",
    "confirm_discard", "import", "imported", "add_card", "measure", "responsible", "group",
    "deadline", "unit", "role", "phone", "id", "kind", "name_zh", "name_en", "basin", "sample",
    "sample_note_zh", "prefectures", "counties", "upstream", "downstream", "place_level",
    "serves_zh", "population_served", "backup_source_zh", "capacity_m3_per_day",
    "section_level", "cross_boundary", "boundary_zh", "irrigated_area_mu", "note_zh",
    "facility_type", "storage_m3", "techniques", "operator_zh", "contact_zh", "deploy_hours",
    "parameters_zh", "frequency_zh", "list_hint", "review", "draft_status", "none", "location",
    "unsaved", "read_only", "error", "returned_comment", "km", "details",
)
EDITOR_MESSAGES: dict[str, dict[str, str]] = {
    "start": {"zh": "开始编制(新建草稿)", "en": "Start a draft"},
    "save": {"zh": "保存草稿", "en": "Save draft"},
    "submit": {"zh": "提交审核", "en": "Submit for review"},
    "discard": {"zh": "放弃草稿", "en": "Discard draft"},
    "note": {"zh": "修改说明(提交审核时必填)", "en": "Change note (required to submit)"},
    "note_needed": {"zh": "请填写修改说明", "en": "Write a change note"},
    "saved": {"zh": "已保存(修订 {r})", "en": "Saved (revision {r})"},
    "submitted": {"zh": "已提交审核", "en": "Submitted for review"},
    "discarded": {"zh": "草稿已放弃", "en": "Draft discarded"},
    "add_row": {"zh": "+ 添加一行", "en": "+ Add a row"},
    "delete": {"zh": "删除", "en": "Delete"},
    "up": {"zh": "上移", "en": "Up"},
    "down": {"zh": "下移", "en": "Down"},
    "pick": {"zh": "在图上点选", "en": "Pick on map"},
    "pick_hint": {"zh": "请在地图上点击该点位的位置", "en": "Click the site's location on the map"},
    "coords": {"zh": "坐标(经度, 纬度)", "en": "Coordinates (lon, lat)"},
    "coords_hint": {"zh": "十进制度或度分秒,如 125.7671, 44.1422 或 东经125°46′01″ 北纬44°08′32″",
                    "en": "decimal or DMS, e.g. 125.7671, 44.1422 or 125°46′01″E 44°08′32″N"},
    "placed": {"zh": "定位", "en": "On the river"},
    "problems": {"zh": "校验问题({n})", "en": "Problems ({n})"},
    "no_problems": {"zh": "校验通过:与预案文件校验规则一致", "en": "Valid (the plan file rules)"},
    "checking": {"zh": "校验中…", "en": "Checking…"},
    "conflict": {"zh": "保存冲突", "en": "Conflict"},
    "invalid": {"zh": "有问题,未保存", "en": "Problems: nothing saved"},
    "confirm_discard": {"zh": "确定放弃草稿?未发布的修改将丢失。",
                        "en": "Discard the draft? Unpublished changes are lost."},
    "import": {"zh": "导入 XLSX/YAML 为草稿", "en": "Import XLSX/YAML as draft"},
    "imported": {"zh": "已导入为草稿({n} 处修改)", "en": "Imported as draft ({n} changes)"},
    "add_card": {"zh": "+ 添加处置卡", "en": "+ Add a card"},
    "measure": {"zh": "措施", "en": "Measure"},
    "responsible": {"zh": "责任单位", "en": "Responsible"},
    "group": {"zh": "措施类别", "en": "Group"},
    "deadline": {"zh": "时限(h)", "en": "Within (h)"},
    "unit": {"zh": "单位", "en": "Unit"},
    "role": {"zh": "职责", "en": "Role"},
    "phone": {"zh": "电话", "en": "Phone"},
    "id": {"zh": "编号", "en": "Id"},
    "kind": {"zh": "类型", "en": "Kind"},
    "name_zh": {"zh": "名称", "en": "Name (zh)"},
    "name_en": {"zh": "英文名称", "en": "Name (en)"},
    "basin": {"zh": "水系", "en": "Basin"},
    "sample": {"zh": "示例数据", "en": "Sample data"},
    "sample_note_zh": {"zh": "示例说明", "en": "Sample note"},
    "prefectures": {"zh": "流经市(州)", "en": "Prefectures"},
    "counties": {"zh": "流经县(市、区)", "en": "Counties"},
    "upstream": {"zh": "上游关联预案", "en": "Upstream plans"},
    "downstream": {"zh": "下游关联预案", "en": "Downstream plans"},
    "place_level": {"zh": "服务对象级别", "en": "Place served"},
    "serves_zh": {"zh": "供水/灌溉对象", "en": "Serves"},
    "population_served": {"zh": "服务人口", "en": "Population"},
    "backup_source_zh": {"zh": "备用水源", "en": "Backup source"},
    "capacity_m3_per_day": {"zh": "供水能力(m³/日)", "en": "Capacity (m³/d)"},
    "section_level": {"zh": "断面级别", "en": "Section level"},
    "cross_boundary": {"zh": "跨界断面", "en": "Cross-boundary"},
    "boundary_zh": {"zh": "所跨边界", "en": "Boundary"},
    "irrigated_area_mu": {"zh": "灌溉面积(亩)", "en": "Irrigated (mu)"},
    "note_zh": {"zh": "备注", "en": "Note"},
    "facility_type": {"zh": "设施类型", "en": "Type"},
    "storage_m3": {"zh": "可用库容(m³)", "en": "Storage (m³)"},
    "techniques": {"zh": "处置技术", "en": "Techniques"},
    "operator_zh": {"zh": "管理单位", "en": "Operator"},
    "contact_zh": {"zh": "联系人", "en": "Contact"},
    "deploy_hours": {"zh": "布设时间(h)", "en": "Deploy (h)"},
    "parameters_zh": {"zh": "监测项目", "en": "Parameters"},
    "frequency_zh": {"zh": "监测频次", "en": "Frequency"},
    "list_hint": {"zh": "多项用“；”分隔", "en": "separate items with ；"},
    "review": {"zh": "查看审核页", "en": "Open the review page"},
    "draft_status": {"zh": "草稿 #{id} · 修订 {r} · {status}", "en": "Draft #{id} · revision {r} · "
                                                                 "{status}"},
    "none": {"zh": "无草稿:下面是现行版本", "en": "No draft: the version in force is shown"},
    "location": {"zh": "位置", "en": "Location"},
    "unsaved": {"zh": "有未保存的修改", "en": "Unsaved changes"},
    "read_only": {"zh": "只读", "en": "read only"},
    "error": {"zh": "操作失败", "en": "Failed"},
    "returned_comment": {"zh": "审核退回意见:", "en": "Returned by the reviewer:"},
    "km": {"zh": "km {km} · 距河道 {d} m", "en": "km {km} · {d} m from the channel"},
    "details": {"zh": "详细信息", "en": "Details"},
}


def _js_messages() -> dict[str, str]:
    return {k: i18n.t(f"plan_js_{k}") for k in JS_MESSAGES} | {
        f"status_{s}": status_label(s) for s in ("editing", "submitted", "returned", "approved",
                                            "discarded")}


@bp.get("/rivers/<plan_id>/edit")
def edit(plan_id: str):
    plan = _plan(plan_id)
    with current_app.extensions["database"].session() as s:
        try:
            st = service.editor_state(s, KIND, plan_id, acting())
        except PlanNotFound:
            abort(404, i18n.t("plan_from_files"))
        data = {
            "plan_id": plan_id, "lang": lang(), "can_edit": st.can_edit,
            "version": version_dict(st.in_force),
            "draft": draft_dict(st.draft, plan_id) if st.draft else None,
            "document": st.draft.document if st.draft else st.in_force.document,
            "river": river_geometry(current_app.extensions["rivers"].get(), plan),
            "urls": {"api": url_for("plans_api.show", plan_id=plan_id),
                     "river": url_for("rivers.show", plan_id=plan_id),
                     "review": url_for("plan_pages.review", plan_id=plan_id, draft_id=0)
                     .removesuffix("0"),
                     "context": url_for("incident_pages.map_context")},
            "vocab": _vocab(), "t": _js_messages(),
        }
        waiting = [draft_dict(d, plan_id, document=False) for d in st.waiting]
        in_force = version_dict(st.in_force)
    return render_template("plan_edit.html", plan=plan, name=_name(plan), data=data,
                           in_force=in_force, waiting=waiting, can_edit=data["can_edit"],
                           status=status_label)


@dataclass(frozen=True)
class PageKind:
    """The endpoints of one kind of plan's pages and API (the review and versions pages, the
    queue are shared by every kind)."""

    kind: str          # the service's kind: river | park
    api: str           # the blueprint of its management API (emergency.web.plan_store)
    show: str          # the plan's own page, and the name of its id argument
    show_arg: str
    edit: str
    review: str
    versions: str

    def links(self, plan_id: str) -> dict[str, str]:
        return {"back": url_for(self.show, **{self.show_arg: plan_id}),
                "edit": url_for(self.edit, plan_id=plan_id),
                "versions": url_for(self.versions, plan_id=plan_id)}

    def review_url(self, plan_id: str, draft_id: int) -> str:
        return url_for(self.review, plan_id=plan_id, draft_id=draft_id)


RIVER_PAGES = PageKind(KIND, "plans_api", "rivers.show", "plan_id", "plan_pages.edit",
                       "plan_pages.review", "plan_pages.versions")
#: every kind with pages, in the order the review queue lists them (parks_api adds its own)
PAGE_KINDS: list[PageKind] = [RIVER_PAGES]


def review_page(pages: PageKind, plan_id: str, draft_id: int, name: str | None = None) -> str:
    """The review page of a draft of any kind of plan (``name``: the plan's as shown)."""
    with current_app.extensions["database"].session() as s:
        try:
            st = service.review_state(s, pages.kind, plan_id, draft_id, acting())
        except PlanNotFound:
            abort(404)
        draft = draft_dict(st.draft, plan_id, document=False)
        changes = [c.as_dict() for c in st.changes]
        current = st.record.current_version
        name = name or st.record.name_zh
    links = pages.links(plan_id) | {
        "approve": url_for(f"{pages.api}.approve_draft", plan_id=plan_id, draft_id=draft_id),
        "return": url_for(f"{pages.api}.return_draft", plan_id=plan_id, draft_id=draft_id)}
    return render_template(
        "plan_review.html", plan={"id": plan_id}, name=name, draft=draft, changes=changes,
        can_review=st.can_review and not st.own and draft["status"] == "submitted",
        own=st.own, may_review=st.can_review, stale=st.stale, current=current,
        status=status_label, section_label=section_label, show=show_value, links=links)


def versions_page(pages: PageKind, plan_id: str, name: str) -> str:
    """Every published version of a plan of any kind: who, when, why, what changed; restore."""
    with current_app.extensions["database"].session() as s:
        try:
            h = service.history(s, pages.kind, plan_id, acting())
        except PlanNotFound:
            abort(404)
        rows = [version_dict(v) | {
            "changes": [c.as_dict() for c in h.changes.get(v.version, ())],
            "url": url_for(f"{pages.api}.version", plan_id=plan_id, number=v.version),
            "xlsx": url_for(f"{pages.api}.export_xlsx", plan_id=plan_id, version=v.version),
            "restore": url_for(f"{pages.api}.restore", plan_id=plan_id, number=v.version)}
            for v in h.versions]
        current = h.record.current_version
    return render_template("plan_versions.html", plan={"id": plan_id}, name=name, versions=rows,
                           current=current, can_review=h.can_review, links=pages.links(plan_id),
                           source_label=lambda s: i18n.t(f"plan_source_{s}"))


@bp.get("/rivers/<plan_id>/review/<int:draft_id>")
def review(plan_id: str, draft_id: int):
    published_plan = plan_set().plans.get(plan_id)  # None: a new plan, not yet published
    return review_page(RIVER_PAGES, plan_id, draft_id,
                       _name(published_plan) if published_plan else None)


@bp.get("/rivers/<plan_id>/versions")
def versions(plan_id: str):
    return versions_page(RIVER_PAGES, plan_id, _name(_plan(plan_id)))


@bp.get("/plans/review")
def review_queue():
    """Drafts waiting for review and one's own open drafts, of every kind of plan."""
    waiting_rows: list[dict] = []
    mine_rows: list[dict] = []
    with current_app.extensions["database"].session() as s:
        for pages in PAGE_KINDS:
            waiting, mine = service.review_queue(s, pages.kind, acting())
            for rows, found in ((waiting_rows, waiting), (mine_rows, mine)):
                rows.extend(draft_dict(d, r.plan_id, document=False) | {
                    "name": r.name_zh, "url": pages.review_url(r.plan_id, d.id)}
                    for r, d in found)
    return render_template("plan_queue.html", waiting=waiting_rows, mine=mine_rows,
                           status=status_label)


@bp.get("/rivers/<plan_id>/a3")
def a3(plan_id: str):
    plan = _plan(plan_id)
    network = current_app.extensions["rivers"].get()
    sites = [plan_site_dict(s) for s in plan.sites]
    risks = [plan_risk_dict(r) for r in plan_risk_sources().get(plan.id, ())]
    marked = risks + sites
    kinds = [{"kind": k, "label": pair_label(KIND_LABELS[k]), "colour": c}
             for k, c in KIND_COLOURS.items() if any(s["kind"] == k for s in marked)]
    with current_app.extensions["database"].session() as s:
        in_force = service.in_force(s, KIND, plan_id)
        published = version_dict(in_force) if in_force else None
    data = {"river": river_geometry(network, plan), "sites": marked, "kinds": kinds,
            "context": url_for("incident_pages.map_context"), "lang": lang()}
    return render_template("plan_a3.html", plan=plan, name=_name(plan), data=data, kinds=kinds,
                           sites=sorted(sites, key=lambda x: x["km"] or 0), risks=risks,
                           published=published, printed=iso(now())[:16].replace("T", " "))


def section_label(section: str) -> str:
    return i18n.t(f"plan_section_{section}")


def show_value(value) -> str:  # noqa: ANN001 - a JSON value
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang() == "en" else ("是" if value else "否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 8000.0 m³ as 8000, as the diff's messages show it
    if isinstance(value, list):
        return "、".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name_zh") or value.get("text_zh") or value.get("unit_zh")
                   or value)
    return str(value)


def init_plan_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    for key, text in EDITOR_MESSAGES.items():
        i18n.MESSAGES.setdefault(f"plan_js_{key}", text)
    app.register_blueprint(bp)
