"""The duty page (/duty, 值班): the month's roster (generate, review checks and fairness, swap two
duties, replace a person, publish), the duty log of the shift and its handover.

The page is drawn by its own script from the JSON API (``emergency.web.roster_api``); this view
only chooses the month and says what the user may do. Words come from the app's i18n catalogue
(``t``), to which this module adds its own keys.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request

from emergency.auth_rules import Permission, allows
from emergency.roster import service
from emergency.web import i18n
from emergency.web.auth import current_user
from emergency.web.roster_api import now, rules

bp = Blueprint("roster", __name__, template_folder="templates")

MESSAGES: dict[str, dict[str, str]] = {
    "duty_title": {"zh": "值班排班", "en": "Duty roster"},
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
}


def init_pages(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    app.register_blueprint(bp)


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
    return render_template(
        "duty.html", month=month, positions=[{"id": p.id, "zh": p.zh, "en": p.en}
                                             for p in r.positions],
        can_manage=allows(role, Permission.DUTY_MANAGE),
        can_log=allows(role, Permission.INCIDENT_WRITE),
        season_year=int(month[:4]))
