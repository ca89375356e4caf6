"""Drill pages (演练): the scenario library with runs, and the controller console of one run.

What a reader sees follows the permissions: a controller (``drill.run``) gets the clock and
inject controls, an evaluator (``drill.evaluate``) the evaluation form and submit button with
the console read-only, everyone else (players) a read-only console without draft evaluations.

The pages read the drill service for the first paint; everything after that goes through the
JSON API of :mod:`emergency.web.drill_api` (``static/js/drill_console.js`` polls the run state
every 3 s and, for a controller, POSTs ``advance`` while the run is live). Players work the
drill incident on the normal incident page; the console links to it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from emergency.auth_rules import Permission, allows, sees_draft_evaluations
from emergency.drills import managed, service
from emergency.drills.scenario import (
    CHECKLIST_KINDS,
    LEVELS,
    MODES,
    RESERVED_PARTIES,
    summary,
)
from emergency.incidents.inputs import FLOW_CONDITIONS, FLOW_LABELS
from emergency.web import i18n
from emergency.web.auth import current_user, require
from emergency.web.clock import now, today
from emergency.web.drill_api import run_state_dict
from emergency.web.i18n import lang, t
from emergency.web.incident_api import db, engine
from plans.vocabulary import BOUNDARY_LEVELS

bp = Blueprint("drill_pages", __name__, template_folder="templates")

SPEED_CHOICES = (("stepped", "drill_speed_stepped"), ("real", "drill_speed_real"),
                 ("x10", "drill_speed_x10"), ("x60", "drill_speed_x60"))
RATINGS = ("P", "S", "M", "U")

MESSAGES: dict[str, dict[str, str]] = {
    "nav_drills": {"zh": "演练", "en": "Drills"},
    "drill_title": {"zh": "应急演练", "en": "Emergency drills"},
    "drill_library": {"zh": "演练脚本库", "en": "Scenario library"},
    "drill_runs": {"zh": "演练记录", "en": "Drill runs"},
    "drill_no_runs": {"zh": "暂无演练", "en": "No drills yet"},
    "drill_col_title": {"zh": "名称", "en": "Title"},
    "drill_col_type": {"zh": "类型", "en": "Type"},
    "drill_col_river": {"zh": "河流", "en": "River"},
    "drill_col_substance": {"zh": "物质", "en": "Substance"},
    "drill_col_duration": {"zh": "时长", "en": "Duration"},
    "drill_col_injects": {"zh": "注入", "en": "Injects"},
    "drill_col_status": {"zh": "状态", "en": "Status"},
    "drill_col_speed": {"zh": "速度", "en": "Speed"},
    "drill_col_by": {"zh": "发起人", "en": "Started by"},
    "drill_speed": {"zh": "速度", "en": "Speed"},
    "drill_speed_stepped": {"zh": "手动步进", "en": "Manual step"},
    "drill_speed_real": {"zh": "实时", "en": "Real time"},
    "drill_speed_x10": {"zh": "×10", "en": "×10"},
    "drill_speed_x60": {"zh": "×60", "en": "×60"},
    "drill_start": {"zh": "开始演练", "en": "Start drill"},
    "drill_open": {"zh": "导调台", "en": "Console"},
    "drill_status_running": {"zh": "进行中", "en": "Running"},
    "drill_status_paused": {"zh": "已暂停", "en": "Paused"},
    "drill_status_ended": {"zh": "已结束", "en": "Ended"},
    "drill_console": {"zh": "演练导调台", "en": "Drill control console"},
    "drill_clock": {"zh": "想定时间", "en": "Scenario time"},
    "drill_phase": {"zh": "当前阶段", "en": "Phase"},
    "drill_pause": {"zh": "暂停", "en": "Pause"},
    "drill_resume": {"zh": "继续", "en": "Resume"},
    "drill_step": {"zh": "步进", "en": "Step"},
    "drill_minutes": {"zh": "分钟", "en": "min"},
    "drill_end": {"zh": "结束演练", "en": "End drill"},
    "drill_end_confirm": {"zh": "确定结束本次演练?", "en": "End this drill?"},
    "drill_player_page": {"zh": "参演人员事件页面", "en": "Players' incident page"},
    "drill_msel": {"zh": "主情景事件清单(MSEL)", "en": "Master scenario events list (MSEL)"},
    "drill_col_id": {"zh": "编号", "en": "ID"},
    "drill_col_trigger": {"zh": "触发", "en": "Trigger"},
    "drill_col_time": {"zh": "时间", "en": "Time"},
    "drill_col_mode": {"zh": "方式", "en": "Mode"},
    "drill_col_route": {"zh": "发出 → 接收", "en": "From → to"},
    "drill_col_message": {"zh": "内容", "en": "Message"},
    "drill_col_actions": {"zh": "预期行动", "en": "Expected actions"},
    "drill_inj_fired": {"zh": "已下达", "en": "Fired"},
    "drill_inj_pending": {"zh": "待触发", "en": "Pending"},
    "drill_act_open": {"zh": "待完成", "en": "Open"},
    "drill_act_done": {"zh": "按时完成", "en": "On time"},
    "drill_act_on_time": {"zh": "按时完成", "en": "On time"},
    "drill_act_late": {"zh": "迟到", "en": "Late"},
    "drill_act_overdue": {"zh": "已超时", "en": "Overdue"},
    "drill_act_not_delivered": {"zh": "未下达", "en": "Not delivered"},
    "drill_expected_next": {"zh": "预计接下来", "en": "Expected next"},
    "drill_late_actions": {"zh": "超时行动", "en": "Late actions"},
    "drill_none": {"zh": "无", "en": "None"},
    "drill_inject": {"zh": "手动注入", "en": "Manual inject"},
    "drill_inject_scripted": {"zh": "提前下达脚本注入", "en": "Fire a scripted inject now"},
    "drill_inject_adhoc": {"zh": "临时注入", "en": "Ad-hoc inject"},
    "drill_inject_send": {"zh": "下达", "en": "Send"},
    "drill_from": {"zh": "发出", "en": "From"},
    "drill_to": {"zh": "接收", "en": "To"},
    "drill_message": {"zh": "内容", "en": "Message"},
    "drill_objective": {"zh": "目标", "en": "Objective"},
    "drill_eval": {"zh": "评估记录", "en": "Evaluator observations"},
    "drill_rating": {"zh": "评定", "en": "Rating"},
    "drill_rating_P": {"zh": "P 完全达成", "en": "P performed"},
    "drill_rating_S": {"zh": "S 基本达成", "en": "S some challenges"},
    "drill_rating_M": {"zh": "M 明显不足", "en": "M major challenges"},
    "drill_rating_U": {"zh": "U 未能完成", "en": "U unable to perform"},
    "drill_note": {"zh": "记录", "en": "Note"},
    "drill_eval_save": {"zh": "保存评估", "en": "Save observation"},
    "drill_report": {"zh": "演练评估报告", "en": "After-action report"},
    "drill_score": {"zh": "总分", "en": "Score"},
    "drill_report_xlsx": {"zh": "导出 XLSX", "en": "Export XLSX"},
    "drill_report_docx": {"zh": "演练总结报告(Word)", "en": "Summary report (Word)"},
    "drill_report_json": {"zh": "报告 JSON", "en": "Report JSON"},
    "drill_strengths": {"zh": "主要优点", "en": "Strengths"},
    "drill_improve": {"zh": "待改进", "en": "Areas for improvement"},
    "ed_title_new": {"zh": "新建演练脚本", "en": "New drill scenario"},
    "ed_title_edit": {"zh": "编辑演练脚本", "en": "Edit drill scenario"},
    "ed_copied_from": {"zh": "复制自", "en": "Copied from"},
    "ed_version": {"zh": "版本", "en": "version"},
    "ed_basics": {"zh": "基本信息", "en": "Basics"},
    "ed_name": {"zh": "演练名称", "en": "Title"},
    "ed_type": {"zh": "演练类型", "en": "Type"},
    "ed_type_tabletop": {"zh": "桌面演练", "en": "Tabletop"},
    "ed_type_live": {"zh": "实战演练", "en": "Live"},
    "ed_duration": {"zh": "演练时长(hh:mm)", "en": "Duration (hh:mm)"},
    "ed_description": {"zh": "想定情景", "en": "Scenario description"},
    "ed_incident": {"zh": "事件", "en": "Incident"},
    "ed_incident_title": {"zh": "事件标题", "en": "Incident title"},
    "ed_pick_map": {"zh": "在地图上点击选择事发点,或选择风险源(企业、化工园区、尾矿库)",
                    "en": "Click the map for the release point, or pick a risk source "
                          "(enterprise, chemical park, tailings pond)"},
    "ed_risk_source": {"zh": "风险源", "en": "Risk source"},
    "ed_hazard_source": {"zh": "存在未销号隐患的风险源(隐患排查)",
                         "en": "Risk source with an open hazard (inspection)"},
    "ed_none": {"zh": "(无)", "en": "(none)"},
    "ed_lon": {"zh": "经度", "en": "Longitude"},
    "ed_lat": {"zh": "纬度", "en": "Latitude"},
    "ed_substance": {"zh": "物质", "en": "Substance"},
    "ed_mass": {"zh": "泄漏量(kg)", "en": "Amount (kg)"},
    "ed_release_hours": {"zh": "持续排放(小时)", "en": "Release duration (h)"},
    "ed_occurred": {"zh": "发生时间(T+0)", "en": "Occurred (T+0)"},
    "ed_discovered": {"zh": "发现时间", "en": "Discovered"},
    "ed_flow": {"zh": "水情", "en": "Flow condition"},
    "ed_objectives": {"zh": "演练目标", "en": "Objectives"},
    "ed_text": {"zh": "内容", "en": "Text"},
    "ed_weight": {"zh": "权重", "en": "Weight"},
    "ed_owner": {"zh": "牵头单位", "en": "Owner"},
    "ed_participants": {"zh": "参演单位", "en": "Participants"},
    "ed_level": {"zh": "层级", "en": "Level"},
    "ed_roles": {"zh": "职责(逗号分隔)", "en": "Roles (comma separated)"},
    "ed_phases": {"zh": "阶段(最后一个为终止)", "en": "Phases (the last is termination)"},
    "ed_msel": {"zh": "主情景事件清单(MSEL)", "en": "Master scenario events list (MSEL)"},
    "ed_contingency": {"zh": "应急注入(预期行动超时时下达)",
                       "en": "Contingency injects (fired when an expected action is late)"},
    "ed_trigger": {"zh": "触发", "en": "Trigger"},
    "ed_mode": {"zh": "方式", "en": "Mode"},
    "ed_from": {"zh": "发出", "en": "From"},
    "ed_to": {"zh": "接收", "en": "To"},
    "ed_objective": {"zh": "目标", "en": "Objective"},
    "ed_message": {"zh": "内容", "en": "Message"},
    "ed_dry_run": {"zh": "预演时间", "en": "Dry run"},
    "ed_expected": {"zh": "预期行动", "en": "Expected actions"},
    "ed_checklist": {"zh": "对应任务清单项(引擎预测)",
                     "en": "Checklist item (predicted by the engine)"},
    "ed_within": {"zh": "时限(hh:mm)", "en": "Time allowed (hh:mm)"},
    "ed_by": {"zh": "责任单位", "en": "By"},
    "ed_if_late": {"zh": "超时则下达", "en": "If late, fire"},
    "ed_add": {"zh": "添加", "en": "Add"},
    "ed_add_action": {"zh": "添加预期行动", "en": "Add expected action"},
    "ed_add_condition": {"zh": "添加条件", "en": "Add condition"},
    "ed_remove": {"zh": "删除", "en": "Remove"},
    "ed_k_at": {"zh": "想定时间", "en": "At scenario time"},
    "ed_k_plume": {"zh": "污染团前锋到达", "en": "Plume front reaches"},
    "ed_k_checklist": {"zh": "任务完成", "en": "Checklist item done"},
    "ed_k_phase": {"zh": "阶段开始", "en": "Phase starts"},
    "ed_k_inject": {"zh": "注入下达后", "en": "After inject"},
    "ed_k_all": {"zh": "全部满足", "en": "All of"},
    "ed_k_any": {"zh": "任一满足", "en": "Any of"},
    "ed_offset": {"zh": "偏移(±hh:mm)", "en": "Offset (±hh:mm)"},
    "ed_first": {"zh": "首个", "en": "first "},
    "ed_predicted": {"zh": "预计", "en": "predicted"},
    "ed_point": {"zh": "脚本点位", "en": "scenario point"},
    "ed_validation": {"zh": "校验与预演(实时,引擎预测)",
                      "en": "Validation and dry run (live, on the engine)"},
    "ed_checking": {"zh": "校验中…", "en": "Checking…"},
    "ed_valid": {"zh": "脚本有效", "en": "The scenario is valid"},
    "ed_problems": {"zh": "处问题", "en": "problem(s)"},
    "ed_timeline": {"zh": "预演时间线(假定参演单位按时完成预期行动)",
                    "en": "Dry-run timeline (players assumed on time)"},
    "ed_never": {"zh": "不会触发", "en": "never fires"},
    "ed_ends": {"zh": "演练结束", "en": "drill ends"},
    "ed_due": {"zh": "到期", "en": "due"},
    "ed_note": {"zh": "修改说明", "en": "Change note"},
    "ed_save_draft": {"zh": "保存草稿", "en": "Save draft"},
    "ed_save_publish": {"zh": "保存并发布", "en": "Save and publish"},
    "ed_saved": {"zh": "已保存:第 {v} 版", "en": "Saved: version {v}"},
    "ed_start": {"zh": "开始演练", "en": "Start drill"},
    "ed_new": {"zh": "新建演练脚本", "en": "New scenario"},
    "ed_copy": {"zh": "复制编辑", "en": "Copy and edit"},
    "ed_edit": {"zh": "编辑", "en": "Edit"},
    "ed_stored": {"zh": "演练脚本(本系统编写)", "en": "Scenarios written here"},
    "ed_draft": {"zh": "草稿", "en": "draft"},
    "ed_province": {"zh": "全省共享", "en": "province-wide"},
    "drill_player_inject": {"zh": "情景注入", "en": "inject"},
    "drill_player_list": {"zh": "演练情景注入", "en": "Drill injects"},
    "drill_player_none": {"zh": "尚无情景注入", "en": "No inject yet"},
    "drill_ack": {"zh": "签收", "en": "Acknowledge"},
    "drill_acked": {"zh": "已签收", "en": "acknowledged"},
    "drill_unacked_n": {"zh": "{n} 条未签收", "en": "{n} not acknowledged"},
    "drill_incomplete": {"zh": "演练未完成,未进行部分按未达成计分:",
                         "en": "Incomplete drill; what was not played is scored as not "
                               "achieved:"},
    "drill_coverage": {"zh": "注入 {i} · 预期行动 {a} · 目标 {o}",
                       "en": "injects {i} · expected actions {a} · objectives {o}"},
    "drill_saved": {"zh": "已保存", "en": "Saved"},
    "drill_read_only": {"zh": "只读:当前角色不能导调演练", "en": "Read only: your role may "
                                                               "not control drills"},
    "drill_eval_inject": {"zh": "相关注入", "en": "Related inject"},
    "drill_eval_time": {"zh": "观察时间(想定,如 T+01:30;空为当前)",
                        "en": "Observed at (scenario time, e.g. T+01:30; empty: now)"},
    "drill_eval_submit": {"zh": "提交评估", "en": "Submit evaluation"},
    "drill_eval_submit_confirm": {"zh": "提交后,您的评估记录将在演练结束后对参演人员公开。"
                                        "确定提交?",
                                  "en": "Once submitted, your observations are shown to the "
                                        "players after the drill ends. Submit?"},
    "drill_eval_submitted": {"zh": "评估已提交", "en": "Evaluation submitted"},
    "drill_eval_draft": {"zh": "草稿", "en": "Draft"},
    "drill_eval_draft_note": {"zh": "评估草稿仅评估员和组织者可见;提交后,"
                                    "演练结束时对参演人员公开。",
                              "en": "Drafts are seen by evaluators and organisers only; "
                                    "submitted evaluations are shown to players once the "
                                    "drill has ended."},
    "drill_eval_hidden": {"zh": "评估结果在演练结束后公布", "en": "The evaluation is published "
                                                                "when the drill has ended"},
    "drill_evaluators": {"zh": "评估人员", "en": "Evaluators"},
    "drill_eval_count": {"zh": "条观察", "en": "observations"},
    "drill_eval_not_submitted": {"zh": "未提交", "en": "not submitted"},
    "drill_eval_submitted_at": {"zh": "提交于", "en": "submitted"},
    "drill_evaluator_mode": {"zh": "评估员:只能记录和提交评估,不能导调演练",
                             "en": "Evaluator: you record and submit the evaluation; you "
                                   "cannot control the drill"},
    "drill_timeline": {"zh": "演练日志", "en": "Drill log"},
    "drill_warnings": {"zh": "导调提示", "en": "Controller warnings"},
}


def _can(permission: Permission) -> bool:
    user = current_user()
    return bool(user) and allows(user.role, permission)


def _can_run() -> bool:
    return _can(Permission.DRILL_RUN)


def _insider() -> bool:
    user = current_user()
    return bool(user) and sees_draft_evaluations(user.role)


@bp.get("/drills")
@require(Permission.READ)
def index():
    scenarios = [summary(s) for s, _text in service.library().values()]
    with db().session() as session:
        stored = [summary(x.scenario) | {"id": x.row.id, "version": x.row.current_version,
                                         "draft": x.version.draft, "prefecture": x.row.prefecture,
                                         "updated_by": x.version.created_by,
                                         "key": managed.stored_key(x.row.id)}
                  for x in managed.list_stored(session)]
        runs = [{"id": r.id, "title": r.title, "status": r.status, "speed": r.speed,
                 "speed_zh": service.speed_label(r.speed), "started_by": r.started_by,
                 "scenario_id": r.scenario_id} for r in service.list_runs(session)]
    return render_template("drills.html", scenarios=scenarios, runs=runs, stored=stored,
                           speeds=SPEED_CHOICES, can_run=_can_run(),
                           can_evaluate=_can(Permission.DRILL_EVALUATE), en=lang() == "en")


@bp.get("/drills/runs/<int:run_id>")
@require(Permission.READ)
def run_page(run_id: int):
    insider = _insider()
    with db().session() as session:
        state = run_state_dict(service.run_view(session, run_id, wall=now(), insider=insider))
        scenario = service.scenario_of(service.get_run(session, run_id))
    parties = [(p.id, p.name) for p in scenario.participants] + [
        (key, zh) for key, (zh, _en) in RESERVED_PARTIES.items()]
    js = {k: t(k) for k in MESSAGES if k.startswith(("drill_act_", "drill_inj_", "drill_status_",
                                                     "drill_none", "drill_saved",
                                                     "drill_end_confirm", "drill_eval_",
                                                     "drill_coverage"))}
    return render_template("drill_run.html", state=state, scenario=scenario, parties=parties,
                           modes=[(k, v[0] if lang() != "en" else v[1])
                                  for k, v in MODES.items()],
                           ratings=RATINGS, can_run=_can_run(),
                           can_evaluate=_can(Permission.DRILL_EVALUATE), insider=insider,
                           js_messages=js)


@bp.get("/drills/scenarios/new")
@require(Permission.DRILL_RUN)
def new_scenario():
    """The scenario editor on a blank scenario, or on a copy (``?from=<library key | id>``)."""
    source = request.args.get("from", "").strip()
    copied = ""
    if source:
        with db().session() as session:
            document, copied = managed.copy_source(session, source, service.library())
        document["title"] = f"{document.get('title') or ''}(副本)"
        document.pop("id", None)
    else:
        document = managed.blank(today().isoformat())
    return _editor(document, None, None, copied)


@bp.get("/drills/scenarios/<int:scenario_id>/edit")
@require(Permission.DRILL_RUN)
def edit_scenario(scenario_id: int):
    with db().session() as session:
        found = managed.load(session, scenario_id)
        document = managed.document_of(found.version.yaml)
        revision, version = found.row.revision, found.version.number
    return _editor(document, scenario_id, revision, "", version)


def _editor(document: dict, scenario_id: int | None, revision: int | None, copied: str,
            version: int | None = None):
    cat = engine().catalogue
    en = lang() == "en"
    config = {
        "document": document, "id": scenario_id, "revision": revision, "version": version,
        "copied_from": copied, "lang": lang(),
        "substances": [{"id": s.id, "label": s.name_en if en else s.name_zh}
                       for s in cat],
        "flows": [{"id": c, "label": FLOW_LABELS[c][1 if en else 0]} for c in FLOW_CONDITIONS],
        "levels": [{"id": k, "label": v[1 if en else 0]} for k, v in LEVELS.items()],
        "modes": [{"id": k, "label": v[1 if en else 0]} for k, v in MODES.items()],
        "reserved": [{"id": k, "label": v[1 if en else 0]} for k, v in RESERVED_PARTIES.items()],
        "boundary_levels": [{"id": k, "label": v[1 if en else 0]}
                            for k, v in BOUNDARY_LEVELS.items()],
        "kinds": list(CHECKLIST_KINDS),
        "t": {k: t(k) for k in MESSAGES if k.startswith("ed_")},
        "urls": {"create": url_for("drills.create_scenario"),
                 "update": url_for("drills.update_scenario", scenario_id=0),
                 "preview": url_for("drills.preview_unsaved"),
                 "edit": url_for("drill_pages.edit_scenario", scenario_id=0),
                 "runs": url_for("drills.start"),
                 "console": url_for("drill_pages.run_page", run_id=0),
                 "risk_sources": "/api/risk-sources",
                 "hazard_sources": "/api/hazards/risk-sources",
                 "context": url_for("incident_pages.map_context")},
    }
    return render_template("drill_editor.html", config=config, scenario_id=scenario_id,
                           version=version, copied=copied)


@bp.errorhandler(service.NotFound)
def _not_found(err):
    return render_template("error.html", title=t("drill_title"),
                           message=err.message_en if lang() == "en" else err.message_zh), 404


@bp.record_once
def _install(_state) -> None:
    for key, text in MESSAGES.items():  # this page's strings join the shared catalogue
        i18n.MESSAGES.setdefault(key, text)
