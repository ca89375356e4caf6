"""The duty page (/duty, 值班): the month's roster (generate, review checks and fairness, swap two
duties, replace a person, publish, withdraw a published roster), the duty log of the shift and
its handover, and each person's calendar subscription address (日历订阅).

``/duty/feed/<token>.ics`` is the one route of the app reachable without a session (listed in
``emergency.web.auth.PUBLIC_FEED_ENDPOINTS``, GET/HEAD only): a calendar app cannot log in, so
the secret in the URL stands for the login. The URL only matches a well-formed token (43 urlsafe
characters); the view answers 404 to any token that is not a person's live address, the same
404 whether or not the person exists.

The page is drawn by its own script from the JSON API (``emergency.web.roster_api``); this view
only chooses the month and says what the user may do. Words come from the app's i18n catalogue
(``t``), to which this module adds its own keys.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.routing import BaseConverter

from emergency.auth_rules import Permission, allows
from emergency.roster import feeds, service
from emergency.roster.model import Period
from emergency.roster.readiness import describe
from emergency.store.roster_models import LOG_CATEGORIES
from emergency.web import i18n
from emergency.web.auth import current_user
from emergency.web.clock import now
from emergency.web.i18n import lang
from emergency.web.roster_api import db, rules

bp = Blueprint("roster", __name__, template_folder="templates")

MESSAGES: dict[str, dict[str, str]] = {
    "duty_title": {"zh": "值班排班", "en": "Duty roster"},
    "duty_gaps": {"zh": "未来 {days} 天有 {n} 个班次没有已发布的值班安排:",
                  "en": "{n} duty seats in the next {days} days are on no published roster: "},
    "duty_month": {"zh": "月份", "en": "Month"},
    "duty_generate_month": {"zh": "生成本月草稿", "en": "Generate month draft"},
    "duty_generate_season": {"zh": "生成汛期草稿", "en": "Generate flood-season draft"},
    "duty_publish": {"zh": "发布", "en": "Publish"},
    "duty_discard": {"zh": "作废草稿", "en": "Discard draft"},
    "duty_export": {"zh": "导出", "en": "Export"},
    "duty_print": {"zh": "打印", "en": "Print"},
    "duty_no_roster": {"zh": "本月尚未排班", "en": "No roster for this month yet"},
    "duty_date": {"zh": "日期", "en": "Date"},
    "duty_day_kind": {"zh": "类型", "en": "Day"},
    "duty_hard": {"zh": "违反硬性规则", "en": "Hard-rule violations"},
    "duty_soft": {"zh": "提示(软性规则)", "en": "Notes (soft rules)"},
    "duty_all_rules_met": {"zh": "全部硬性规则均已满足", "en": "Every hard rule is met"},
    "duty_fairness": {"zh": "公平性", "en": "Fairness"},
    "duty_spread": {"zh": "差值(最多−最少)", "en": "Spread (max − min)"},
    "duty_target": {"zh": "目标", "en": "target"},
    "duty_stats": {"zh": "个人值班统计", "en": "Duties per person"},
    "duty_name": {"zh": "姓名", "en": "Name"},
    "duty_shifts": {"zh": "班次", "en": "Shifts"},
    "duty_nights": {"zh": "夜班", "en": "Nights"},
    "duty_weekends": {"zh": "周末", "en": "Weekends"},
    "duty_holidays": {"zh": "节假日", "en": "Holidays"},
    "duty_cumulative": {"zh": "全年累计", "en": "Year to date"},
    "duty_swap_hint": {"zh": "点选两个班次可换班;点选一个班次可替班。",
                       "en": "Select two duties to swap them; select one to replace its person."},
    "duty_swap": {"zh": "换班", "en": "Swap"},
    "duty_replace": {"zh": "替班", "en": "Replace"},
    "duty_replace_with": {"zh": "替换为", "en": "Replace with"},
    "duty_cancel": {"zh": "取消选择", "en": "Clear selection"},
    "duty_refused": {"zh": "未执行", "en": "Not done"},
    "duty_done": {"zh": "已完成", "en": "Done"},
    "duty_versions": {"zh": "版本记录", "en": "Versions"},
    "duty_changes": {"zh": "变更记录", "en": "Changes"},
    "duty_log": {"zh": "值班日志", "en": "Duty log"},
    "duty_log_add": {"zh": "记录", "en": "Add"},
    "duty_log_kind": {"zh": "类型", "en": "Kind"},
    "duty_log_text": {"zh": "内容", "en": "Text"},
    "duty_log_empty": {"zh": "本班次暂无记录", "en": "Nothing logged this shift"},
    "duty_handover": {"zh": "交接班", "en": "Handover"},
    "duty_open_incidents": {"zh": "未结突发事件", "en": "Open incidents"},
    "duty_no_open_incidents": {"zh": "无未结突发事件", "en": "No open incidents"},
    "duty_due": {"zh": "截止", "en": "due"},
    "duty_overdue": {"zh": "已超时", "en": "overdue"},
    "duty_received_by": {"zh": "接班人", "en": "Taken over by"},
    "duty_note": {"zh": "备注", "en": "Note"},
    "duty_record_handover": {"zh": "记录交接班", "en": "Record handover"},
    "duty_now_none": {"zh": "暂无已发布值班表", "en": "No published roster"},
    "duty_officers": {"zh": "值班员", "en": "Duty officers"},
    "duty_liaisons": {"zh": "联络员", "en": "Liaisons"},
    "duty_shift_of": {"zh": "班次", "en": "Shift"},
    "duty_confirm_publish": {"zh": "发布后,修改将生成新版本。确认发布?",
                             "en": "After publishing, every change makes a new version. "
                                   "Publish?"},
    "duty_confirm_discard": {"zh": "确认作废该草稿?", "en": "Discard this draft?"},
    "duty_generating": {"zh": "正在生成…", "en": "Generating…"},
    "duty_generated": {"zh": "已生成草稿", "en": "Draft generated"},
    "duty_published": {"zh": "已发布", "en": "Published"},
    "duty_version": {"zh": "版本", "en": "Version"},
    "duty_status": {"zh": "状态", "en": "Status"},
    "duty_read_only": {"zh": "只读:您的角色不能修改值班表", "en": "Read only: your role cannot "
                                                            "change rosters"},
    "duty_withdraw": {"zh": "撤回", "en": "Withdraw"},
    "duty_withdraw_title": {"zh": "撤回已发布的值班表", "en": "Withdraw the published roster"},
    "duty_withdraw_reason": {"zh": "撤回原因(必填,记入值班日志)",
                             "en": "Reason (required, goes into the duty log)"},
    "duty_withdraw_force": {"zh": "强制撤回:值班已开始,保留今天及以前的值班,之后的值班退回草稿",
                            "en": "Force: the roster has started; keep today and earlier, "
                                  "send later days back to a draft"},
    "duty_withdraw_confirm": {"zh": "撤回后,被撤回的值班不再显示为已发布,受影响人员需另行通知。"
                                    "确认撤回?",
                              "en": "Withdrawn duties are no longer published; the people "
                                    "affected must be told. Withdraw?"},
    "duty_withdraw_cancel": {"zh": "取消", "en": "Cancel"},
    "duty_withdraw_need_reason": {"zh": "请填写撤回原因", "en": "Enter a reason"},
    "duty_withdraw_affected": {"zh": "受影响人员(请通知)", "en": "People affected (tell them)"},
    "duty_feed": {"zh": "日历订阅", "en": "Calendar subscription"},
    "duty_staff_username": {"zh": "登录账号", "en": "Account"},
    "duty_staff_username_save": {"zh": "保存", "en": "Save"},
    "duty_staff_username_saved": {"zh": "已保存登录账号", "en": "Account saved"},
    "duty_staff_username_hint": {"zh": "关联账号后,本人可填写所在班次的值班日志、"
                                       "确认接班并收到换班通知。",
                                 "en": "With an account linked, the person writes the log of their "
                                       "shift, acknowledges handovers and is told of swaps."},
    "duty_feed_person": {"zh": "人员", "en": "Person"},
    "duty_feed_make": {"zh": "生成订阅地址", "en": "Make address"},
    "duty_feed_rotate": {"zh": "重新生成(旧地址失效)", "en": "Make new (old one stops)"},
    "duty_feed_revoke": {"zh": "停用", "en": "Revoke"},
    "duty_feed_copy": {"zh": "复制", "en": "Copy"},
    "duty_feed_copied": {"zh": "已复制", "en": "Copied"},
    "duty_feed_none": {"zh": "尚无订阅地址", "en": "No address yet"},
    "duty_feed_live": {"zh": "订阅地址在用,生成于", "en": "Address in use, made"},
    "duty_feed_last_used": {"zh": "最近访问", "en": "last fetched"},
    "duty_feed_once": {"zh": "此地址只显示这一次,请现在复制并发给本人(手机或电脑日历 → 添加订阅)。",
                       "en": "This address is shown only this once: copy it now and send it to "
                             "the person (phone or desktop calendar → add subscription)."},
    "duty_feed_warning": {"zh": "知道此地址的任何人都能看到该人员的值班安排(无需登录);"
                                "重新生成后旧地址立即失效。",
                          "en": "Whoever has this address sees this person's duties without "
                                "logging in; making a new one stops the old address at once."},
    "duty_feed_confirm_rotate": {"zh": "重新生成后,旧地址立即失效(已订阅的日历将停止更新)。确认?",
                                 "en": "The old address stops at once (calendars subscribed to "
                                       "it stop updating). Continue?"},
    "duty_change_reason": {"zh": "换班/替班原因(已发布的值班表必填,将通知相关人员)",
                           "en": "Reason (required on a published roster; sent to the people)"},
    "duty_reason_needed": {"zh": "已发布的值班表换班、替班须填写原因",
                           "en": "A swap or replacement on a published roster needs a reason"},
    "duty_confirm_unconfirmed": {"zh": "您选中的班次尚未换班或替班(未确认),"
                                       "发布不会包含它。仍要发布?",
                                 "en": "The duties you selected have not been swapped or "
                                       "replaced (not confirmed); publishing leaves them as "
                                       "they are. Publish anyway?"},
    "duty_log_occurred": {"zh": "来电/事件时间", "en": "Time of the call or event"},
    "duty_log_typed": {"zh": "录入", "en": "typed"},
    "duty_log_caller": {"zh": "来电人", "en": "Caller"},
    "duty_log_unit": {"zh": "单位", "en": "Unit"},
    "duty_log_phone": {"zh": "电话", "en": "Phone"},
    "duty_log_incident": {"zh": "关联事件编号(可选)", "en": "Incident no. (optional)"},
    "duty_log_correct": {"zh": "更正", "en": "Correct"},
    "duty_log_correcting": {"zh": "更正记录", "en": "Correcting entry"},
    "duty_log_corrects": {"zh": "更正", "en": "corrects"},
    "duty_log_not_on_shift": {"zh": "只有本班次值班人员和值班主任可以填写今日值班日志",
                              "en": "Only the people on the current shift and duty managers "
                                    "write today's log"},
    "duty_receiver_choose": {"zh": "请选择接班人", "en": "Choose the receiver"},
    "duty_incoming": {"zh": "下一班", "en": "Next shift"},
    "duty_no_incoming": {"zh": "下一班没有已发布的值班安排", "en": "No published roster for the "
                                                              "next shift"},
    "duty_ack": {"zh": "接班确认", "en": "Acknowledge"},
    "duty_acked": {"zh": "已确认接班", "en": "acknowledged"},
    "duty_pending_ack": {"zh": "待接班确认", "en": "awaiting acknowledgement"},
    "duty_unacknowledged": {"zh": "未确认的交接班", "en": "Unacknowledged handovers"},
    "duty_immediate": {"zh": "即将到期", "en": "due soon"},
    "duty_injects_pending": {"zh": "演练注入未签收", "en": "Drill injects not acknowledged"},
    "duty_drill": {"zh": "演练", "en": "drill"},
    "duty_alarms_open": {"zh": "水质报警未确认", "en": "Station alarms open"},
    "duty_all_items": {"zh": "全部未完成任务", "en": "All open items"},
    "duty_handed_to": {"zh": "交给", "en": "to"},
    "duty_feed_confirm_revoke": {"zh": "停用后,该地址立即失效。确认停用?",
                                 "en": "The address stops working at once. Revoke?"},
}

FEED_CACHE = "private, max-age=300"


class FeedTokenConverter(BaseConverter):
    """Exactly what ``secrets.token_urlsafe(32)`` makes: 43 of ``A-Z a-z 0-9 _ -``."""

    regex = feeds.TOKEN_PATTERN


def init_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    app.url_map.converters.setdefault("feed_token", FeedTokenConverter)  # before the rules
    app.register_blueprint(bp)


def _not_found() -> Response:
    return Response("未找到 / not found\n", 404, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


@bp.get("/duty/feed/<feed_token:token>.ics")
def duty_feed(token: str):
    """A person's published duties as iCal, for a calendar app that cannot log in."""
    when = now()
    with db().session() as session:
        staff_id = feeds.staff_for_token(session, token, when)
        if staff_id is None:
            return _not_found()
        text = service.ical_for(session, staff_id, now=when, rules=rules())
    resp = Response(text, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'inline; filename="duty.ics"'
    resp.headers["Cache-Control"] = FEED_CACHE
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.get("/duty")
def index():
    r = rules()
    month = request.args.get("month") or ""
    try:
        service.month_period(month)
    except ValueError:
        month = service.shift_at(now(), r).duty_date.strftime("%Y-%m")
    user = current_user()
    role = user.role if user else ""
    today = service.shift_at(now(), r).duty_date
    ahead = Period(today, today + timedelta(
        days=int(current_app.config["DUTY_GAP_LOOKAHEAD_DAYS"]) - 1))
    with db().session() as session:
        gaps = service.gaps_ahead(session, ahead, r)
        can_log = user is not None and service.may_write_log(
            session, username=user.username, role=role, now=now(), rules=r)
    gaps_zh, gaps_en = describe(gaps, r)
    return render_template(
        "duty.html", month=month, positions=[{"id": p.id, "zh": p.zh, "en": p.en}
                                             for p in r.positions],
        gaps=len(gaps), gaps_days=len(ahead), gaps_text=gaps_en if lang() == "en" else gaps_zh,
        can_manage=allows(role, Permission.DUTY_MANAGE),
        can_log=can_log, can_handover=allows(role, Permission.INCIDENT_WRITE),
        log_categories=[{"id": k, "zh": service.LOG_KIND_TEXT[k][0],
                         "en": service.LOG_KIND_TEXT[k][1]} for k in LOG_CATEGORIES],
        season_year=int(month[:4]))
