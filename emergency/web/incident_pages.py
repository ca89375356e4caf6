"""The duty officer's incident workspace (事件工作台): intake, the incident page, print, list.

Pages (HTML, drawn by ``static/js/intake.js`` and ``static/js/incident.js`` from the JSON API):

* ``/incidents`` — real incidents (drills live with the drills), newest first;
* ``/incidents/new`` — intake (接报): map point, typed coordinates (decimal or 度分秒) or a
  risk source; the snapped river is shown before anything is saved;
* ``/incidents/<id>`` — what stays open on the duty desk; ``/incidents/<id>/print`` — A4.

JSON endpoints added next to the incident API (read-only, cheap):

* ``GET /api/incidents/<id>/path.geojson`` — the downstream path as one LineString, upstream
  first, with the km of every vertex (the engine's km: distance along the trace);
* ``GET /api/incidents/<id>/changes?since=<event id>`` — new timeline events and the checklist
  items they touched, for polling by everyone who has the incident open;
* ``GET /api/map/context.geojson`` — a light background (rivers, prefecture lines, lakes,
  cities) for the small maps of these pages, built once per process;
* ``GET /api/coordinates?q=`` — typed coordinates → lon/lat (:func:`parse_coordinates`).

The province map gains "report an incident here" on click (``static/js/intake_map.js``).
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from datetime import date, datetime

import shapely
from branca.element import MacroElement
from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from folium.template import Template
from shapely.geometry import shape

from emergency import labels
from emergency.auth_rules import Permission, allows
from emergency.drills import unmarked
from emergency.incidents import finder, report_service, service
from emergency.incidents.finder import SORTS, IncidentQuery
from emergency.incidents.geometry import CoordinateError, parse_coordinates
from emergency.incidents.inputs import FLOW_CONDITIONS, FLOW_LABELS
from emergency.incidents.statistics import DIMENSIONS, count_by, statistics_xlsx
from emergency.refresh.prefectures import PREFECTURES
from emergency.store.incident_models import STATUSES
from emergency.web import i18n, maps
from emergency.web.auth import current_user, require
from emergency.web.clock import now, tz
from emergency.web.errors import ApiError
from emergency.web.i18n import lang, t
from emergency.web.incident_api import (
    checklist_dict,
    event_dict,
    incident_dict,
    observation_dict,
    package_dict,
)

bp = Blueprint("incident_pages", __name__, template_folder="templates")

# Timeline kinds after which the response package itself may have changed (the page reloads it).
PACKAGE_EVENTS = frozenset({"updated", "refit", "observation", "regraded", "warning_changed",
                            "deadlines_changed", "status_responding", "status_terminated"})

MESSAGES: dict[str, dict[str, str]] = {
    "inc_plans_used": {"zh": "采用预案", "en": "Plans used"},
    "inc_plan_updated": {"zh": "预案已更新至 v{new}({plan},本事件计算时为 v{old}):"
                               "下次重新计算采用新版本",
                         "en": "plan updated to v{new} ({plan}; this incident was computed with "
                               "v{old}): the next recomputation uses the new version"},
    "inc_list_title": {"zh": "突发环境事件", "en": "Environmental incidents"},
    "inc_new": {"zh": "接报新事件", "en": "Report an incident"},
    "inc_none": {"zh": "暂无突发环境事件", "en": "No incidents"},
    "inc_drills_elsewhere": {"zh": "演练事件不在此列出。",
                             "en": "Drill incidents are not listed here."},
    "inc_col_title": {"zh": "事件", "en": "Incident"},
    "inc_col_river": {"zh": "受纳河流", "en": "River"},
    "inc_col_substance": {"zh": "污染物", "en": "Substance"},
    "inc_col_discovered": {"zh": "发现时间", "en": "Discovered"},
    "inc_col_tier": {"zh": "事件级别", "en": "Tier"},
    "inc_col_warning": {"zh": "预警", "en": "Warning"},
    "inc_col_status": {"zh": "状态", "en": "Status"},
    "status_reported": {"zh": "已接报", "en": "Reported"},
    "status_responding": {"zh": "响应中", "en": "Responding"},
    "status_terminated": {"zh": "已终止", "en": "Terminated"},
    **labels.page_messages(),  # tier_short_N, tier_name_N, warning_X from the rule tables
    "tier_big": {"zh": "{roman}级", "en": "Tier {roman}"},
    "inc_tier_reasons": {"zh": "事件分级依据(《国家突发环境事件应急预案》附件1)",
                         "en": "Why this tier (National Plan, annex 1)"},
    "inc_warning_reasons": {"zh": "预警依据", "en": "Why this warning"},
    "inc_advisory": {"zh": "(可视情提级)", "en": "(may raise the level)"},
    "inc_urgency": {"zh": "最紧迫:{h} 小时内", "en": "most urgent: within {h} h"},
    "drill_mark": {"zh": "【演练】", "en": "[DRILL]"},
    # intake
    "intake_title": {"zh": "接报突发环境事件", "en": "Report an environmental incident"},
    "intake_where": {"zh": "事发位置", "en": "Location"},
    "intake_where_hint": {"zh": "在地图上点选,或输入坐标(十进制度或度分秒,如 126.55, 43.86、"
                                "126°33′00″E 43°51′36″N 或 129 27 27, 42 52 08),或选择风险源",
                          "en": "Click the map, type coordinates (decimal or DMS, e.g. 126.55, "
                                "43.86, 126°33′00″E 43°51′36″N or 129 27 27, 42 52 08) or pick "
                                "a risk source"},
    "intake_coords": {"zh": "坐标", "en": "Coordinates"},
    "intake_locate": {"zh": "定位", "en": "Locate"},
    "intake_risk_source": {"zh": "风险源", "en": "Risk source"},
    "intake_risk_source_search": {"zh": "搜索企业、尾矿库、园区…", "en": "Search enterprises…"},
    "intake_risk_source_none": {"zh": "风险源清单暂不可用:请在地图上点选或输入坐标",
                                "en": "The risk-source list is not available: click the map or "
                                      "type coordinates"},
    "intake_snap": {"zh": "入河点研判", "en": "Where it enters the river"},
    "intake_snap_empty": {"zh": "尚未确定事发位置", "en": "No location yet"},
    "intake_river": {"zh": "受纳河流", "en": "Receiving river"},
    "intake_distance": {"zh": "距河道", "en": "Distance to river"},
    "intake_river_km": {"zh": "河道里程", "en": "River km"},
    "intake_km_to_outlet": {"zh": "距出口", "en": "To outlet"},
    "intake_candidates": {"zh": "附近河道(可改选)", "en": "Nearby channels (choose another)"},
    "intake_joins": {"zh": "汇入", "en": "joins"},
    "intake_substance": {"zh": "污染物", "en": "Substance"},
    "intake_substance_search": {"zh": "名称、别名或 CAS 号", "en": "Name, alias or CAS"},
    "intake_limit": {"zh": "标准限值", "en": "Limit"},
    "intake_no_limit": {"zh": "无地表水标准限值", "en": "no surface-water limit"},
    "intake_amount": {"zh": "泄漏量", "en": "Amount released"},
    "intake_release_hours": {"zh": "排放持续时间(小时,0 为瞬时)",
                             "en": "Release duration (h, 0 = instant)"},
    "intake_occurred": {"zh": "发生时间", "en": "Occurred"},
    "intake_discovered": {"zh": "发现时间", "en": "Discovered"},
    "intake_times_note": {"zh": "北京时间", "en": "Beijing time"},
    "intake_flow": {"zh": "水情", "en": "Flow condition"},
    "intake_flow_auto": {"zh": "按日期自动", "en": "From the date"},
    "intake_flow_auto_note": {
        "zh": "按发生月份自动选择:{months}。冰封期与枯水期流速可比汛期慢约五倍,"
              "知道实际水情时请选择。",
        "en": "Chosen from the month: {months}. Under ice or at low flow water moves up to five "
              "times slower than in flood: choose the actual condition when known."},
    "intake_discharge": {"zh": "实测流量(m³/s,可选)", "en": "Measured discharge (m³/s, optional)"},
    "intake_casualties": {"zh": "人员伤亡与损失", "en": "Casualties and loss"},
    "intake_deaths": {"zh": "死亡(人)", "en": "Deaths"},
    "intake_injured": {"zh": "中毒或重伤(人)", "en": "Poisoned / seriously injured"},
    "intake_evacuated": {"zh": "疏散转移(人)", "en": "Evacuated"},
    "intake_loss": {"zh": "直接经济损失(万元)", "en": "Direct loss (10⁴ CNY)"},
    "intake_flags": {"zh": "其他情形", "en": "Other circumstances"},
    "flag_residential_school_hospital": {"zh": "涉及居民聚居区、学校、医院",
                                         "en": "Residential area, school or hospital affected"},
    "flag_mass_incident": {"zh": "引发或可能引发群体性事件", "en": "Mass incident (possible)"},
    "flag_sensitive_area": {"zh": "位于敏感区域", "en": "Sensitive area"},
    "flag_important_period": {"zh": "重要时期(重大活动、节假日)", "en": "Important period"},
    "flag_public_attention": {"zh": "社会关注度高", "en": "High public attention"},
    "intake_title_field": {"zh": "事件名称(可选,默认按河流和污染物生成)",
                           "en": "Title (optional; made from river and substance)"},
    "intake_description": {"zh": "事件经过(可选)", "en": "What happened (optional)"},
    "intake_submit": {"zh": "提交并生成响应方案", "en": "Submit and build the response"},
    "intake_submitting": {"zh": "正在研判…", "en": "Assessing…"},
    "intake_fix": {"zh": "请修正以下问题后再提交", "en": "Please fix these problems"},
    "intake_need_location": {"zh": "请先确定事发位置", "en": "Set the location first"},
    "intake_map_search": {"zh": "搜索河流、湖库、城镇…", "en": "Search rivers, lakes, towns…"},
    "intake_map_hint": {"zh": "点击地图设定事发点", "en": "Click the map to set the point"},
    "intake_pathway": {"zh": "入河途径提示", "en": "Pathway warning"},
    # incident page
    "inc_since_discovery": {"zh": "发现已", "en": "Discovered"},
    "inc_ago": {"zh": "", "en": " ago"},
    "inc_occurred_short": {"zh": "发生", "en": "occurred"},
    "inc_discovered_short": {"zh": "发现", "en": "found"},
    "inc_next_deadline": {"zh": "下一时限", "en": "Next deadline"},
    "inc_no_deadline": {"zh": "无待办时限", "en": "No open deadline"},
    "inc_overdue_n": {"zh": "另有 {n} 项已超时", "en": "{n} more overdue"},
    "inc_next_arrival": {"zh": "污染团下一到达", "en": "Plume next reaches"},
    "inc_reasons": {"zh": "依据", "en": "Why"},
    "inc_start_response": {"zh": "启动响应", "en": "Start response"},
    "inc_terminate": {"zh": "终止响应", "en": "Terminate"},
    "inc_confirm_start": {"zh": "确认启动应急响应?", "en": "Start the emergency response?"},
    "inc_confirm_terminate": {"zh": "确认终止响应?终止须同时满足:污染源已消除、"
                                    "污染物已降至标准限值以内、危害已基本消除。",
                              "en": "Terminate the response? All of: cause removed, pollutants "
                                    "back within limits, harm basically eliminated."},
    "inc_read_only": {"zh": "只读:您的角色不能修改事件", "en": "Read only: your role cannot change "
                                                         "incidents"},
    "inc_map": {"zh": "态势图", "en": "Situation map"},
    "inc_arrivals": {"zh": "下游到达预测", "en": "Downstream arrival forecast"},
    "inc_col_kind": {"zh": "类型", "en": "Kind"},
    "inc_col_name": {"zh": "名称", "en": "Name"},
    "inc_col_km": {"zh": "距离(km)", "en": "km"},
    "inc_col_earliest": {"zh": "最早到达", "en": "Earliest front"},
    "inc_col_front": {"zh": "最可能到达", "en": "Most probable front"},
    "inc_col_peak_at": {"zh": "峰值时间", "en": "Peak at"},
    "inc_col_peak": {"zh": "峰值/限值(mg/L)", "en": "Peak / limit (mg/L)"},
    "inc_col_left": {"zh": "剩余时间", "en": "Time left"},
    "inc_filter_all": {"zh": "全部", "en": "All"},
    "inc_filter_main": {"zh": "重点", "en": "Key"},
    "inc_filter_main_title": {"zh": "敏感目标、拦截点和市界以上断面(不含县界)",
                              "en": "Receptors, intercepts and prefecture or higher boundaries"},
    "inc_no_legal_deadline": {"zh": "无法定时限", "en": "no fixed deadline"},
    "inc_filter_receptors": {"zh": "敏感目标", "en": "Receptors"},
    "inc_filter_intercepts": {"zh": "拦截点", "en": "Intercepts"},
    "inc_filter_boundaries": {"zh": "行政边界", "en": "Boundaries"},
    "inc_tab_checklist": {"zh": "任务清单", "en": "Checklist"},
    "inc_tab_measures": {"zh": "拦截与资源", "en": "Measures"},
    "inc_tab_reports": {"zh": "报告与通报", "en": "Reports"},
    "inc_tab_monitoring": {"zh": "应急监测", "en": "Monitoring"},
    "inc_tab_timeline": {"zh": "时间线", "en": "Timeline"},
    "inc_tab_first_report": {"zh": "信息报告", "en": "Report documents"},
    # commander decisions (指挥决策, static/js/incident_command.js)
    "cmd_tab": {"zh": "指挥调度", "en": "Command"},
    "cmd_change_level": {"zh": "调整级别", "en": "Change level"},
    "cmd_level": {"zh": "响应级别", "en": "Response level"},
    "cmd_level_now": {"zh": "当前响应级别:{level}", "en": "Response level in force: {level}"},
    "cmd_level_none": {"zh": "尚未启动应急响应", "en": "No response started"},
    "cmd_computed": {"zh": "系统研判:{tier};依据见事件级别",
                     "en": "Computed: {tier}; see the tier's reasons"},
    "cmd_basis": {"zh": "决策依据", "en": "Basis"},
    "cmd_override": {"zh": "调整理由(与系统研判不同或终止条件未满足时必填)",
                     "en": "Override reason (required when differing from the computed tier or "
                           "when termination conditions are not met)"},
    "cmd_submit": {"zh": "确认决策", "en": "Confirm decision"},
    "cmd_cancel": {"zh": "取消", "en": "Cancel"},
    "cmd_log": {"zh": "指挥决策记录", "en": "Decision log"},
    "cmd_log_empty": {"zh": "暂无指挥决策", "en": "No decision yet"},
    "cmd_title_start": {"zh": "启动应急响应", "en": "Start the response"},
    "cmd_title_change_level": {"zh": "调整响应级别", "en": "Change the response level"},
    "cmd_title_terminate": {"zh": "终止应急响应", "en": "Terminate the response"},
    "cmd_conditions": {"zh": "终止条件(《国家突发环境事件应急预案》响应终止)",
                       "en": "Termination conditions (national plan)"},
    "cmd_override_logged": {"zh": "指挥长调整理由", "en": "Commander's override"},
    "cmd_unmet_at_time": {"zh": "当时未满足的条件", "en": "Conditions not met at the time"},
    "cmd_saved": {"zh": "决策已记录", "en": "Decision recorded"},
    # dispatch (调度, static/js/incident_command.js)
    "dsp_title": {"zh": "调度(队伍与物资)", "en": "Dispatch (teams and materials)"},
    "dsp_site": {"zh": "赶赴点位", "en": "Site"},
    "dsp_resource": {"zh": "队伍/物资库(按车程排序)", "en": "Team / depot (by travel time)"},
    "dsp_request": {"zh": "申请调度", "en": "Request"},
    "dsp_none": {"zh": "尚无调度", "en": "Nothing dispatched yet"},
    "dsp_needed": {"zh": "需要", "en": "needed"},
    "dsp_sent": {"zh": "已调", "en": "sent"},
    "dsp_arrived": {"zh": "已到", "en": "arrived"},
    "dsp_short": {"zh": "缺口", "en": "short"},
    "dsp_teams": {"zh": "队伍:已调 {sent},已到 {arrived}",
                  "en": "teams: {sent} sent, {arrived} arrived"},
    "dsp_eta": {"zh": "预计到达", "en": "ETA"},
    "dsp_ready_by": {"zh": "须就位", "en": "ready by"},
    "dsp_late": {"zh": "预计晚到", "en": "late"},
    "dsp_print": {"zh": "调度单", "en": "Order"},
    "dsp_to_dispatched": {"zh": "派出", "en": "Dispatch"},
    "dsp_to_en_route": {"zh": "在途", "en": "En route"},
    "dsp_to_arrived": {"zh": "到达", "en": "Arrived"},
    "dsp_to_released": {"zh": "撤回", "en": "Release"},
    "dsp_to_cancelled": {"zh": "取消", "en": "Cancel"},
    "dsp_quantity": {"zh": "数量", "en": "Quantity"},
    "dsp_available": {"zh": "库存", "en": "in stock"},
    # reports (信息报告, static/js/incident_command.js)
    "rpt_title": {"zh": "信息报告(Word 文书)", "en": "Reports (Word documents)"},
    "rpt_unit": {"zh": "报告单位", "en": "Reporting unit"},
    "rpt_signer": {"zh": "签发人", "en": "Signer"},
    "rpt_contact": {"zh": "联系人", "en": "Contact"},
    "rpt_phone": {"zh": "联系电话", "en": "Phone"},
    "rpt_source": {"zh": "信息来源", "en": "Information source"},
    "rpt_new_first": {"zh": "生成初报", "en": "Draft first report"},
    "rpt_new_follow_up": {"zh": "生成续报", "en": "Draft follow-up"},
    "rpt_new_final": {"zh": "生成处理结果报告", "en": "Draft final report"},
    "rpt_none": {"zh": "尚未生成报告", "en": "No report yet"},
    "rpt_download": {"zh": "下载 Word", "en": "Download .docx"},
    "rpt_save": {"zh": "保存修改", "en": "Save"},
    "rpt_sent_to": {"zh": "报送对象", "en": "Sent to"},
    "rpt_mark_sent": {"zh": "记录报送", "en": "Record sending"},
    "rpt_draft": {"zh": "草稿", "en": "Draft"},
    "rpt_sent": {"zh": "已报送 {at}({to})", "en": "Sent {at} ({to})"},
    "rpt_due": {"zh": "法定时限 {at}", "en": "Legal deadline {at}"},
    "rpt_on_time": {"zh": "按时", "en": "on time"},
    "rpt_late": {"zh": "超时", "en": "late"},
    "inc_sort_urgency": {"zh": "按紧迫程度", "en": "By urgency"},
    "inc_sort_group": {"zh": "按措施分组", "en": "By measure"},
    "inc_immediate": {"zh": "立即 — 污染团可能已到达/即将到达",
                      "en": "Immediately — the plume may already be there or about to arrive"},
    "inc_immediate_short": {"zh": "立即", "en": "Now"},
    "inc_predicted_arrival": {"zh": "预计到达", "en": "predicted arrival"},
    "inc_clocks_stopped": {"zh": "响应已终止,计时停止",
                           "en": "Response terminated: clocks stopped"},
    "inc_sort_due": {"zh": "按截止时间", "en": "By deadline"},
    "inc_hide_done": {"zh": "隐藏已完成", "en": "Hide done"},
    "inc_print": {"zh": "打印", "en": "Print"},
    "inc_copy": {"zh": "复制", "en": "Copy"},
    "inc_copied": {"zh": "已复制", "en": "Copied"},
    "inc_first_report_note": {"zh": "初报草稿由系统按事件信息生成,【待填】处须人工补充核实后报送。",
                              "en": "Draft made from the incident; fill the 【待填】 gaps "
                                    "and check before sending."},
    "inc_obs_site": {"zh": "监测点位", "en": "Site"},
    "inc_obs_other_point": {"zh": "其他点位(输入经纬度)", "en": "Other point (lon/lat)"},
    "inc_obs_lonlat": {"zh": "经纬度", "en": "Lon, lat"},
    "inc_obs_name": {"zh": "点位名称", "en": "Point name"},
    "inc_obs_time": {"zh": "采样时间", "en": "Sampled at"},
    "inc_obs_conc": {"zh": "浓度(mg/L)", "en": "Concentration (mg/L)"},
    "inc_obs_front": {"zh": "前锋检出(首次检出污染物)", "en": "Front detected (first detection)"},
    "inc_obs_note": {"zh": "备注", "en": "Note"},
    "inc_obs_submit": {"zh": "录入监测数据", "en": "Record"},
    "inc_obs_list": {"zh": "已录入监测数据", "en": "Recorded measurements"},
    "inc_obs_none": {"zh": "尚无监测数据", "en": "No measurements yet"},
    "inc_intercepts": {"zh": "拦截方案(由上游至下游,可行优先)",
                       "en": "Intercept options (feasible first, upstream first)"},
    "inc_resources": {"zh": "物资与队伍", "en": "Materials and teams"},
    "inc_resources_none": {"zh": "物资库、队伍清单暂无数据", "en": "No depot or team data"},
    "inc_report_deadlines": {"zh": "信息报告时限", "en": "Reporting deadlines"},
    "inc_notifications": {"zh": "通报(相邻地区)", "en": "Notifications (neighbours)"},
    "inc_notifications_none": {"zh": "暂无需通报的相邻地区", "en": "No neighbour to notify"},
    "inc_art4": {"zh": "第四条情形", "en": "Art. 4 cases"},
    "inc_notes": {"zh": "说明与数据来源", "en": "Notes and sources"},
    "inc_timeline_empty": {"zh": "暂无记录", "en": "Nothing yet"},
    "inc_conflict": {"zh": "该任务已被他人修改,已载入最新状态,请确认后重试",
                     "en": "Someone else changed this item; the latest state is shown — check "
                           "and try again"},
    "inc_saved": {"zh": "已保存", "en": "Saved"},
    "inc_refit": {"zh": "已按实测前锋校正流速:传播时间系数 {old} → {new},下游到达时间已重新计算",
                  "en": "Travel times re-fitted from the observed front: factor {old} → {new}"},
    "inc_obs_saved": {"zh": "监测数据已录入", "en": "Measurement recorded"},
    # issue 16: results you can trust, the fit, the uncertainty band and the chart
    "inc_obs_nd": {"zh": "未检出", "en": "Not detected"},
    "inc_obs_dl": {"zh": "检出限(mg/L)", "en": "Detection limit (mg/L)"},
    "inc_obs_refit": {"zh": "已按 {n} 个监测结果重新拟合:分段传播时间系数 {factors},"
                            "等效泄漏量 ×{mass}",
                      "en": "re-fitted to {n} results: reach travel-time factors {factors}, "
                            "effective mass × {mass}"},
    "inc_obs_doubt_title": {"zh": "监测数据存疑,未保存:", "en": "Implausible result, not saved:"},
    "inc_obs_confirm": {"zh": "确认无误,接受存疑数据并保存(记入事件日志)",
                        "en": "It is right: accept and save (logged in the timeline)"},
    "inc_obs_void": {"zh": "作废", "en": "Void"},
    "inc_obs_void_prompt": {"zh": "作废原因(必填,记入事件日志):",
                            "en": "Reason for voiding (required, logged):"},
    "inc_obs_voided": {"zh": "已作废:{reason}({by})", "en": "void: {reason} ({by})"},
    "inc_obs_doubted": {"zh": "存疑,{by} 确认接受", "en": "doubtful, accepted by {by}"},
    "inc_obs_nd_value": {"zh": "未检出(<{dl})", "en": "n.d. (<{dl})"},
    "inc_col_p_exceed": {"zh": "超标概率", "en": "P(>limit)"},
    "inc_col_p_exceed_title": {"zh": "集合预报(1000 个成员)中峰值超过限值的比例",
                               "en": "share of the 1,000-member ensemble whose peak exceeds "
                                     "the limit"},
    "inc_band": {"zh": "P5–P95 {lo}–{hi}", "en": "P5–P95 {lo}–{hi}"},
    "inc_fit_title": {"zh": "预测校正(同化)", "en": "Fit to monitoring"},
    "inc_fit_none": {"zh": "尚无可用于校正的监测结果:到达时间和浓度为未校正预测,"
                           "区间为 {members} 个成员集合预报的 P5–P95",
                     "en": "no results to fit yet: times and concentrations are the "
                           "uncorrected forecast; bands are the P5–P95 of a "
                           "{members}-member ensemble"},
    "inc_fit_head": {"zh": "已按 {n} 个监测结果拟合 · 等效泄漏量 ×{mass} · 弥散系数 {disp} · "
                           "{members} 个成员集合",
                     "en": "fitted to {n} observations · effective mass × {mass} · "
                           "dispersion {disp} · {members}-member ensemble"},
    "inc_fit_km": {"zh": "监测断面 km", "en": "Site km"},
    "inc_fit_n": {"zh": "结果数", "en": "Results"},
    "inc_fit_reach": {"zh": "上游河段传播时间系数", "en": "Reach travel-time factor"},
    "inc_fit_front_res": {"zh": "前锋残差", "en": "Front residual"},
    "inc_fit_conc_ratio": {"zh": "实测/拟合浓度", "en": "Observed/fitted"},
    "inc_fit_below": {"zh": "最后一个监测断面以下沿用最近河段的系数", "en": "below the last "
                      "observed site the last reach's factor carries on"},
    "inc_chart_title": {"zh": "实测与预测浓度过程线", "en": "Observed vs forecast"},
    "inc_chart_site": {"zh": "断面", "en": "Site"},
    "inc_chart_band": {"zh": "P5–P95 区间", "en": "P5–P95 band"},
    "inc_chart_forecast": {"zh": "预测(校正后)", "en": "Forecast (fitted)"},
    "inc_chart_observed": {"zh": "实测", "en": "Observed"},
    "inc_chart_nd": {"zh": "未检出(检出限)", "en": "Not detected (limit)"},
    "inc_chart_void": {"zh": "已作废", "en": "Voided"},
    "inc_chart_limit": {"zh": "限值", "en": "limit"},
    "inc_chart_caption": {"zh": "{name}(km {km}):{members} 个成员集合预报,峰值超标概率 {p}",
                          "en": "{name} (km {km}): {members}-member ensemble; P(peak > limit) "
                                "{p}"},
    "inc_import_label": {"zh": "批量导入监测结果(CSV/XLSX:点位、经度、纬度、采样时间、监测项目、"
                               "浓度(mg/L)、检出限、备注)",
                         "en": "Import results (CSV/XLSX: 点位, 经度, 纬度, 采样时间, 监测项目, "
                               "浓度(mg/L), 检出限, 备注)"},
    "inc_import_confirm": {"zh": "接受存疑数据(记入日志)",
                           "en": "accept implausible rows (logged)"},
    "inc_import_submit": {"zh": "导入", "en": "Import"},
    "inc_import_choose": {"zh": "请选择文件", "en": "choose a file"},
    "inc_import_done": {"zh": "已导入 {n} 条监测结果", "en": "{n} results imported"},
    "inc_import_row": {"zh": "第 {row} 行", "en": "row {row}"},
    "inc_live": {"zh": "实时同步", "en": "Live"},
    "inc_offline": {"zh": "同步中断,正在重试…", "en": "Sync lost, retrying…"},
    "inc_updated_by": {"zh": "{who} 更新了事件", "en": "{who} updated the incident"},
    "inc_item_done": {"zh": "完成", "en": "Done"},
    "inc_item_na": {"zh": "不适用", "en": "N/A"},
    "inc_item_reopen": {"zh": "重新打开", "en": "Reopen"},
    "inc_item_note": {"zh": "备注", "en": "Note"},
    "inc_due": {"zh": "截止", "en": "Due"},
    "inc_responsible": {"zh": "责任单位", "en": "Responsible"},
    "inc_basis": {"zh": "依据", "en": "Basis"},
    "inc_feasible": {"zh": "可行", "en": "Feasible"},
    "inc_infeasible": {"zh": "不可行", "en": "Not feasible"},
    "inc_in_time": {"zh": "来得及", "en": "In time"},
    "inc_too_late": {"zh": "来不及", "en": "Too late"},
    "inc_needed": {"zh": "需", "en": "needs"},
    "inc_available": {"zh": "可用", "en": "available"},
    "inc_ready_by": {"zh": "须在此前就位", "en": "Ready by"},
    "inc_legal_basis": {"zh": "法律依据", "en": "Legal basis"},
    "inc_recipient": {"zh": "报送/通报对象", "en": "To"},
    "inc_reporter": {"zh": "报告单位", "en": "By"},
    "inc_print_title": {"zh": "突发环境事件响应方案", "en": "Incident response package"},
    "inc_print_generated": {"zh": "生成时间", "en": "Generated"},
    "inc_sketch": {"zh": "下游敏感点位示意图", "en": "Sketch of downstream points"},
    "inc_summary": {"zh": "事件概况", "en": "Summary"},
    "inc_status": {"zh": "状态", "en": "Status"},
    "inc_location": {"zh": "入河点", "en": "Entry point"},
    "inc_flow": {"zh": "水情", "en": "Flow"},
    "inc_path": {"zh": "下游路径", "en": "Downstream path"},
    "legend_incident": {"zh": "事发点", "en": "Incident"},
    "legend_front": {"zh": "污染团前锋(预测)", "en": "Plume front (predicted)"},
    "legend_plume": {"zh": "污染河段(预测)", "en": "Polluted reach (predicted)"},
    "legend_path": {"zh": "下游路径", "en": "Downstream path"},
    "legend_passed": {"zh": "已到达", "en": "Reached"},
    "legend_lt6": {"zh": "6小时内", "en": "< 6 h"},
    "legend_lt24": {"zh": "24小时内", "en": "< 24 h"},
    "legend_later": {"zh": "24小时后", "en": "later"},
    "legend_crossing": {"zh": "行政边界断面", "en": "Boundary crossing"},
    "report_here": {"zh": "在此报告突发事件", "en": "Report an incident here"},
    "layer_open_incidents": {"zh": "处置中的突发事件", "en": "Open incidents"},
    "layer_open_drill_incidents": {"zh": "进行中的演练事件", "en": "Open drill incidents"},
    "inc_col_place": {"zh": "市/县", "en": "City / county"},
    "inc_filter_q": {"zh": "搜索名称、河流、污染物", "en": "Search title, river, substance"},
    "inc_filter_status": {"zh": "全部状态", "en": "Any status"},
    "inc_filter_open": {"zh": "未终止", "en": "Open"},
    "inc_filter_tier": {"zh": "全部级别", "en": "Any tier"},
    "inc_filter_river": {"zh": "全部河流", "en": "Any river"},
    "inc_filter_prefecture": {"zh": "全部市州", "en": "Any prefecture"},
    "inc_filter_from": {"zh": "发现自", "en": "From"},
    "inc_filter_to": {"zh": "至", "en": "to"},
    "inc_filter_apply": {"zh": "筛选", "en": "Filter"},
    "inc_filter_clear": {"zh": "清除", "en": "Clear"},
    "inc_sort_by": {"zh": "排序", "en": "Sort"},
    "inc_sort_newest": {"zh": "最新发现", "en": "Newest"},
    "inc_sort_oldest": {"zh": "最早发现", "en": "Oldest"},
    "inc_sort_tier": {"zh": "级别(高→低)", "en": "Tier (high first)"},
    "inc_sort_status": {"zh": "状态", "en": "Status"},
    "inc_sort_title": {"zh": "名称", "en": "Title"},
    "inc_sort_county": {"zh": "市/县", "en": "City / county"},
    "inc_stats": {"zh": "统计", "en": "Statistics"},
    "inc_stats_title": {"zh": "突发环境事件统计", "en": "Incident statistics"},
    "inc_stats_note": {"zh": "仅统计真实事件,演练不计入;市(州)按事发点所在行政区。",
                       "en": "Real incidents only (drills never count); prefecture of the "
                             "release point."},
    "inc_stats_year": {"zh": "年度", "en": "Year"},
    "inc_stats_all": {"zh": "全部年份", "en": "All years"},
    "inc_stats_total": {"zh": "合计 {n} 起", "en": "{n} incidents"},
    "inc_stats_xlsx": {"zh": "导出 Excel", "en": "Export XLSX"},
    "inc_stats_count": {"zh": "事件数", "en": "Incidents"},
    "inc_none_match": {"zh": "没有符合条件的事件", "en": "No incident matches"},
    "sample_mark": {"zh": "示例", "en": "sample"},
}


# ----------------------------------------------------------------------------- map context
class MapContext:
    """The small maps' background (rivers, prefecture lines, lakes, cities), once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._body: bytes | None = None
        self.etag = ""

    def get(self, app: Flask) -> bytes:
        if self._body is None:
            with self._lock:
                if self._body is None:
                    body = build_map_context(app.extensions["rivers"].get(),
                                             app.config["KEY_RIVERS"])
                    self._body = json.dumps(body, ensure_ascii=False,
                                            separators=(",", ":")).encode()
                    self.etag = hashlib.sha1(self._body).hexdigest()[:20]
        return self._body


def build_map_context(network, key_rivers=None, *, tolerance: float = 0.002) -> dict:
    """GeoJSON background: key and larger rivers, Jilin's prefecture lines, lakes, cities.

    Coordinates are simplified (``tolerance`` degrees, ~200 m) and rounded to 3 decimals: this is
    context for a small map, not a survey.
    """
    from rivers.loader import DATA_DIR

    features = []

    def add(kind: str, geom, props: dict, digits: int = 3) -> None:
        geom = shapely.simplify(geom, tolerance)
        if not geom.is_empty:
            features.append({"type": "Feature", "properties": {"k": kind, **props},
                             "geometry": maps.rounded(geom, digits)})

    key, other = maps.river_features(network.data, key_rivers)
    for f in key["features"]:
        p = f["properties"]
        add("river", shape(f["geometry"]), {"n": p["name_zh"], "ne": p["name_en"],
                                            "c": p["colour"], "j": p["in_jilin"]})
    for f in other["features"]:
        p = f["properties"]
        if p["order"] >= 2 and p["in_jilin"]:
            add("minor", shape(f["geometry"]), {"c": p["colour"]})
    for name, kind in (("admin_prefecture.geojson", "prefecture"),
                       ("admin_province.geojson", "province")):
        for f in json.loads((DATA_DIR / name).read_text("utf-8"))["features"]:
            if f["properties"].get("is_jilin"):
                add(kind, shapely.boundary(shape(f["geometry"])), {})
    for f in maps.lake_features()["features"]:
        add("lake", shape(f["geometry"]), {"n": f["properties"]["name_zh"]})
    for f in maps.place_features()["features"]:
        p = f["properties"]
        if p["in_jilin"] and p["level"] in ("province_capital", "prefecture_seat"):
            features.append({"type": "Feature", "geometry": f["geometry"],
                             "properties": {"k": "city", "n": p["name_zh"],
                                            "ne": p["name_en"]}})
    return {"type": "FeatureCollection", "features": features}


# ----------------------------------------------------------------------------- the province map
class ReportHere(MacroElement):
    """Province map: a click offers "report an incident here" (static/js/intake_map.js)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <script src="{{ this.src }}" defer></script>
        <style>
        a.eec-report-here { display: inline-block; margin-top: 4px; padding: 3px 10px;
          border-radius: 4px; background: #b71c1c; color: #fff !important; font-weight: 700;
          text-decoration: none; }
        .eec-report-coords { font-size: 12px; color: #607d8b; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.EEC_REPORT_HERE = {{ this.spec|tojson }};
        {% endmacro %}
    """)

    def __init__(self, src: str, spec: dict) -> None:
        super().__init__()
        self._name = "ReportHere"
        self.src, self.spec = src, spec


def _report_here_layer(m, language: str) -> None:
    def msg(key: str) -> str:
        entry = MESSAGES[key]
        return entry.get(language) or entry["zh"]

    ReportHere(url_for("static", filename="js/intake_map.js"),
               {"url": url_for("incident_pages.new"), "label": msg("report_here"),
                "lang": language}).add_to(m)


def _open_incidents_layer(m, language: str) -> None:  # noqa: ANN001 - a folium.Map
    """Province map: open incidents (red) and open drill incidents (grey, marked 【演练】)."""
    from emergency.web.maps import ApiMarkerLayer

    def msg(key: str) -> str:
        return MESSAGES[key].get(language) or MESSAGES[key]["zh"]

    ApiMarkerLayer("open_incidents", "/api/incidents/open", msg("layer_open_incidents"),
                   "#c2185b", True).add_to(m)
    ApiMarkerLayer("open_drill_incidents", "/api/incidents/open?drills=1",
                   msg("layer_open_drill_incidents"), "#78909c", True).add_to(m)


# ----------------------------------------------------------------------------- helpers
def _db():
    return current_app.extensions["database"]


def _engine():
    return current_app.extensions["engine"].get()


def _rules() -> dict:
    return _engine().rules


def groups() -> list[dict]:
    """The measure groups in order (reporting first), as {id, name_zh, name_en}."""
    return [{"id": g["id"], "name_zh": g["name_zh"], "name_en": g.get("name_en") or g["name_zh"]}
            for g in _rules()["groups"]]


def _can(permission: Permission) -> bool:
    user = current_user()
    return bool(user) and allows(user.role, permission)


def _substance_name(substance_id: str) -> str:
    sub = _engine().catalogue.get(substance_id)
    if sub is None:
        return substance_id
    return sub.name_en if lang() == "en" else sub.name_zh


def _flow_explanation() -> str:
    by_month = _engine().season_by_month
    runs: list[tuple[int, int, str]] = []
    for month in range(1, 13):
        cond = by_month[month]
        if runs and runs[-1][2] == cond:
            runs[-1] = (runs[-1][0], month, cond)
        else:
            runs.append((month, month, cond))
    idx = 0 if lang() == "zh" else 1
    unit = "月" if lang() == "zh" else ""
    parts = []
    for a, b, cond in runs:
        span = f"{a}{unit}" if a == b else f"{a}–{b}{unit}"
        parts.append(f"{span} {FLOW_LABELS[cond][idx]}")
    return t("intake_flow_auto_note", months=";".join(parts) if lang() == "zh"
             else "; ".join(parts))


def _page_state(incident_id: int) -> dict:
    """Everything the incident page and the print view show, as JSON-ready dicts."""
    with _db().session() as session:
        row = service.get_incident(session, incident_id, drills=None)
        pkg = service.package_now(session, _engine(), row, now())  # a drill: scenario clock
        return {"incident": incident_dict(row), "package": package_dict(pkg, row),
                "as_of": pkg.as_of.astimezone(tz()).isoformat(timespec="seconds"),
                "events": [event_dict(e) for e in row.events],
                "observations": [observation_dict(o) for o in row.observations],
                "last_event_id": max((e.id for e in row.events), default=0),
                "substance_name": _substance_name(row.substance),
                "plan_updates": plan_updates(row.plans_used, pkg.plans_used)}


def plan_updates(recorded, current) -> list[dict]:  # noqa: ANN001
    """The plans published anew since the incident's last computation (its notice)."""
    now_in_force = {u.id: u.version for u in current}
    return [{"plan": u.get("id"), "old": u.get("version"), "new": now_in_force[u.get("id")]}
            for u in recorded or [] if u.get("id") in now_in_force
            and u.get("version") is not None and now_in_force[u.get("id")] is not None
            and now_in_force[u.get("id")] != u.get("version")]


# ----------------------------------------------------------------------------- pages
def _query_from_args() -> IncidentQuery:
    """The list's filters from the query string; a value that cannot be read is ignored (a
    page, not an API: the form shows what was applied)."""
    def day(name: str):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    tier = request.args.get("tier", "")
    status = request.args.get("status", "")
    sort = request.args.get("sort", "-discovered")
    return IncidentQuery(
        text=(request.args.get("q") or "").strip()[:100] or None,
        status=status if status in (*STATUSES, "open") else None,
        tier=int(tier) if tier in ("1", "2", "3", "4") else None,
        river=(request.args.get("river") or "").strip() or None,
        prefecture=(request.args.get("prefecture") or "").strip() or None,
        since=day("from"), until=day("to"),
        sort=sort if sort.lstrip("-") in {s.lstrip("-") for s in SORTS} else "-discovered")


@bp.get("/incidents")
def index():
    q = _query_from_args()
    with _db().session() as session:
        found = finder.find_incidents(session, _engine(), q)
        incidents = [incident_dict(f.incident) | {
            "substance_name": _substance_name(f.incident.substance),
            "prefecture_zh": f.prefecture_zh, "county_zh": f.county_zh} for f in found]
        river_names = finder.rivers(session)
    return render_template("incidents.html", incidents=incidents, q=q, args=request.args,
                           rivers=river_names, prefectures=[p.name_zh for p in PREFECTURES],
                           statuses=STATUSES, can_write=_can(Permission.INCIDENT_WRITE))


def _stats_args() -> tuple[int | None, str]:
    raw = request.args.get("year", "")
    if raw and not (raw.isdigit() and 1900 < int(raw) < 3000):
        raise ApiError(400, "invalid_parameter", f"参数 year 须为年份,收到 {raw!r}",
                       f"parameter year must be a year, got {raw!r}")
    by = request.args.get("by", "month")
    if by not in DIMENSIONS:
        raise ApiError(400, "invalid_parameter", "参数 by 须为 " + " / ".join(DIMENSIONS),
                       "parameter by must be one of " + ", ".join(DIMENSIONS))
    return (int(raw) if raw else None), by


@bp.get("/api/incidents/stats")
def stats_api():
    """Counts of real incidents (drills never) by ``by`` in ``year``; ``format=xlsx``: every
    dimension as a workbook."""
    year, by = _stats_args()
    with _db().session() as session:
        rows = finder.stat_rows(session, _engine(), year)
    if request.args.get("format") == "xlsx":
        return send_file(io.BytesIO(statistics_xlsx(rows, year)), as_attachment=True,
                         download_name=f"incident-statistics-{year or 'all'}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet")
    return jsonify({"year": year, "by": by, "total": len(rows),
                    "counts": [{"key": k, "count": n} for k, n in count_by(rows, by)]})


@bp.get("/incidents/stats")
def stats_page():
    year, _ = _stats_args()
    with _db().session() as session:
        rows = finder.stat_rows(session, _engine(), year)
    tables = [{"by": by, "label": label[0 if lang() == "zh" else 1],
               "counts": count_by(rows, by)} for by, label in DIMENSIONS.items()]
    return render_template("incident_stats.html", year=year, total=len(rows), tables=tables,
                           this_year=now().astimezone(tz()).year)


@bp.get("/api/incidents/open")
def open_incidents():
    """Open (not terminated) incidents for the province map: real ones, or ``?drills=1``."""
    drills = request.args.get("drills") == "1"
    with _db().session() as session:
        found = finder.find_incidents(session, _engine(),
                                      IncidentQuery(status="open", drills=drills))
        body = [{"id": f.incident.id, "lon": f.lon, "lat": f.lat,
                 "name_zh": ("【演练】" + unmarked(f.incident.title)) if drills
                 else f.incident.title,
                 "kind_zh": f"{t('status_' + f.incident.status)} · "
                            f"{t('tier_short_' + str(f.incident.tier_level or 0))}",
                 "substances": [_substance_name(f.incident.substance)],
                 "prefecture_zh": f.prefecture_zh, "county_zh": f.county_zh,
                 "detail_url": url_for("incident_pages.show", incident_id=f.incident.id)}
                for f in found if f.lon is not None]
    return jsonify(body)


@bp.get("/incidents/new")
@require(Permission.INCIDENT_WRITE)
def new():
    point = None
    try:
        lon, lat = float(request.args["lon"]), float(request.args["lat"])
        point = {"lon": round(lon, 6), "lat": round(lat, 6)}
    except (KeyError, ValueError):
        pass
    cat = _engine().catalogue
    substances = [{"id": s.id, "zh": s.name_zh, "en": s.name_en, "cas": s.cas,
                   "aliases": list(s.aliases), "cls": s.pollutant_class_zh
                   if lang() == "zh" else s.pollutant_class_en, "limit": s.limit_mg_l,
                   "limit_source": s.limit_source} for s in cat]
    flows = [{"id": c, "label": FLOW_LABELS[c][0 if lang() == "zh" else 1]}
             for c in FLOW_CONDITIONS]
    return render_template("incident_new.html", point=point, substances=substances,
                           flows=flows, flow_note=_flow_explanation(),
                           flags=("residential_school_hospital", "mass_incident",
                                  "sensitive_area", "important_period", "public_attention"))


@bp.get("/incidents/<int:incident_id>")
def show(incident_id: int):
    state = _page_state(incident_id)
    inc = state["incident"]
    return render_template(
        "incident.html", state=state, inc=inc, pkg=state["package"],
        title=unmarked(inc["title"]) if inc["is_drill"] else inc["title"],
        groups=groups(), server_now=state["as_of"],
        can_write=_can(Permission.INCIDENT_WRITE),
        can_command=_can(Permission.INCIDENT_COMMAND), messages=_js_messages())


@bp.get("/incidents/<int:incident_id>/print")
def print_view(incident_id: int):
    state = _page_state(incident_id)
    with _db().session() as session:
        report, _ = report_service.first_report_text(session, _engine(), incident_id, now(),
                                         reporting_unit=current_app.config["REPORTING_UNIT"])
    pkg = state["package"]
    return render_template(
        "incident_print.html", state=state, inc=state["incident"], pkg=pkg, groups=groups(),
        first_report=report, sketch=_sketch(pkg),
        generated=datetime.fromisoformat(state["as_of"]))


def _sketch(pkg: dict, width: int = 680, min_gap: float = 15.0) -> dict:
    """A straight-line schematic of the path (示意图): receptors, intercepts and boundaries of
    prefectures and above at their km, for the print view (初报 asks for a sketch of the
    sensitive points). A mark closer than ``min_gap`` px to the last labelled one is drawn
    without its label (the table lists every point)."""
    items = [d for d in pkg["downstream"] if d["kind"] != "point"
             and (d["kind"] != "boundary" or d["attrs"].get("level") != "county")]
    if not items:
        return {"width": width, "marks": [], "ticks": [], "length": 0}
    length = max(max(d["km"] for d in items) * 1.05, 10.0)
    scale = (width - 40) / length
    marks, last = [], -1e9
    for d in sorted(items, key=lambda d: (d["km"], d["kind"] == "boundary")):
        x = round(20 + d["km"] * scale, 1)
        labelled = x - last >= min_gap
        if labelled:
            last = x
        marks.append({"x": x, "km": d["km"], "kind": d["kind"], "name": d["name_zh"],
                      "exceeds": d["exceeds"], "label": labelled})
    step = next(s for s in (5, 10, 20, 50, 100, 200, 500, 1000) if length / s <= 10)
    ticks = [{"x": round(20 + k * scale, 1), "km": k} for k in range(0, int(length) + 1, step)]
    return {"width": width, "marks": marks, "ticks": ticks, "length": round(length, 1)}


def _js_messages() -> dict[str, str]:
    keys = [k for k in MESSAGES if k.startswith(("inc_", "legend_", "status_", "warning_",
                                                  "tier_", "drill_", "flag_", "cmd_", "dsp_",
                                                  "rpt_"))]
    return {k: MESSAGES[k].get(lang()) or MESSAGES[k]["zh"] for k in keys} | {
        "sample_mark": t("sample_mark")}


# ----------------------------------------------------------------------------- JSON
@bp.get("/api/incidents/<int:incident_id>/path.geojson")
def path_geojson(incident_id: int):
    with _db().session() as session:
        path = service.incident_path(session, _engine(), incident_id)
    snap, trace, coords, km = path.snap, path.trace, path.coords, path.km
    reaches = [{"river_name_zh": r.river_name_zh or "未命名河道",
                "river_name_en": r.river_name_en or "unnamed channel",
                "from_km": r.from_km, "to_km": r.to_km} for r in trace.reaches]
    body = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "path",
         "geometry": {"type": "LineString", "coordinates": coords},
         "properties": {"role": "path", "km": km, "length_km": round(trace.length_m / 1000, 3),
                        "ends_at": trace.end, "reaches": reaches}},
        {"type": "Feature", "id": "entry",
         "geometry": {"type": "Point", "coordinates": [snap.lon, snap.lat]},
         "properties": {"role": "entry", "river_name_zh": snap.river_name_zh,
                        "distance_m": snap.distance_m}},
        {"type": "Feature", "id": "reported",
         "geometry": {"type": "Point", "coordinates": [snap.query_lon, snap.query_lat]},
         "properties": {"role": "reported"}},
    ]}
    resp = current_app.response_class(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                                      mimetype="application/geo+json")
    return resp


@bp.get("/api/incidents/<int:incident_id>/changes")
def changes(incident_id: int):
    """What changed since the event ``since``: new timeline events, the checklist items they
    touched, and the incident's version and state. Cheap enough to poll every few seconds."""
    raw = request.args.get("since", "0")
    if not raw.isdigit():
        raise ApiError(400, "invalid_parameter", "参数 since 须为事件编号(整数)",
                       "parameter since must be an event id (integer)")
    with _db().session() as session:
        ch = service.changes_since(session, _engine(), incident_id, int(raw), now())
        row = ch.incident
        body = {
            "since": ch.since,
            "last_event_id": ch.last_event_id,
            "server_now": ch.server_now.astimezone(tz()).isoformat(timespec="seconds"),
            "incident": {"id": row.id, "version": row.version, "status": row.status,
                         "tier_level": row.tier_level, "warning_level": row.warning_level,
                         "velocity_factor": row.velocity_factor},
            "events": [event_dict(e) for e in ch.events],
            "checklist": [checklist_dict(i) for i in ch.items],
            "refresh_package": any(e.kind in PACKAGE_EVENTS for e in ch.events),
        }
    return jsonify(body)


@bp.get("/api/map/context.geojson")
def map_context():
    cache: MapContext = current_app.extensions["incident_map_context"]
    body = cache.get(current_app._get_current_object())
    resp = current_app.response_class(body, mimetype="application/geo+json")
    resp.set_etag(cache.etag)
    resp.cache_control.private = True
    resp.cache_control.max_age = 3600
    return resp.make_conditional(request)


@bp.get("/api/coordinates")
def coordinates():
    try:
        lon, lat = parse_coordinates(request.args.get("q", ""))
    except CoordinateError as err:
        raise ApiError(400, "invalid_coordinates", err.message_zh, err.message_en) from None
    return jsonify({"lon": lon, "lat": lat})


@bp.errorhandler(service.NotFound)
def _not_found(err: service.NotFound):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": "not_found", "message_zh": err.message_zh,
                                  "message_en": err.message_en}}), 404
    return render_template("error.html", title=t("inc_list_title"),
                           message=err.message_en if lang() == "en" else err.message_zh), 404


# ----------------------------------------------------------------------------- wiring
def init_incident_pages(app: Flask) -> None:
    """Register the pages, their words, and the province map's "report here" click."""
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    app.extensions["incident_map_context"] = MapContext()
    app.register_blueprint(bp)
    from emergency.web.pages import register_map_layer

    register_map_layer(app, _report_here_layer)
    register_map_layer(app, _open_incidents_layer)
    app.jinja_env.filters.setdefault("iso_local", _iso_local)
    app.jinja_env.filters.setdefault("combine_sort", _combine_sort)


def _combine_sort(args: dict, sort: str) -> dict:
    """The list's query string with another sort (a header link keeps the filters)."""
    return {**args, "sort": sort}


def _iso_local(value: str | None, fmt: str = "%m-%d %H:%M") -> str:
    """An ISO time from the API (already +08:00) shown compactly."""
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(tz()).strftime(fmt)


__all__ = ["bp", "init_incident_pages", "build_map_context"]
