"""The UI's two languages (界面语言): Chinese by default, English on request.

A tiny catalogue, no gettext: ``t("key")`` in templates gives the string in the request's language.
The language comes from ``?lang=en|zh`` (remembered in the ``lang`` cookie), else the cookie, else
Chinese. Times are shown in the app's TIMEZONE (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, g, request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    "system_name": {"zh": "生态环境风险应急指挥系统",
                    "en": "Environmental Emergency Command System"},
    "system_name_short": {"zh": "应急指挥", "en": "EEC"},
    "province": {"zh": "吉林省", "en": "Jilin Province"},
    "nav_map": {"zh": "全省一张图", "en": "Province map"},
    "nav_incidents": {"zh": "突发事件", "en": "Incidents"},
    "nav_rivers": {"zh": "一河一策一图", "en": "River plans"},
    "nav_duty": {"zh": "值班", "en": "Duty"},
    "on_duty": {"zh": "今日值班", "en": "On duty"},
    "leader_on_duty": {"zh": "带班领导", "en": "Leader on duty"},
    "header_leader": {"zh": "带班领导", "en": "Leader"},
    "header_officers": {"zh": "值班员", "en": "Officers"},
    "switch_lang": {"zh": "English", "en": "中文"},
    "switch_lang_title": {"zh": "Switch to English", "en": "切换为中文"},
    "logout": {"zh": "退出", "en": "Log out"},
    "login": {"zh": "登录", "en": "Log in"},
    "login_title": {"zh": "用户登录", "en": "Sign in"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "login_intranet_note": {"zh": "仅限内网使用。账号由系统管理员分配。",
                            "en": "Intranet use only. Accounts are issued by the administrator."},
    "wrong_credentials": {"zh": "用户名或密码错误", "en": "Wrong username or password"},
    "too_many_attempts": {"zh": "登录尝试过于频繁,请 {seconds} 秒后再试",
                          "en": "Too many login attempts: try again in {seconds} s"},
    "account_inactive": {"zh": "账号已停用,请联系系统管理员",
                         "en": "This account is disabled; contact the administrator"},
    "logged_out": {"zh": "已退出登录", "en": "You have logged out"},
    "login_required": {"zh": "请先登录", "en": "Please log in"},
    "csrf_failed": {"zh": "页面已过期或请求来源无效,请刷新页面后重试",
                    "en": "The page has expired or the request is not from this site; "
                          "reload the page and try again"},
    "forbidden": {"zh": "当前角色({role})无此操作权限", "en": "Your role ({role}) may not do this"},
    "back_to_map": {"zh": "返回地图", "en": "Back to the map"},
    "map_search_placeholder": {"zh": "搜索河流、地名…", "en": "Search rivers, places…"},
    "map_search_none": {"zh": "未找到", "en": "No match"},
    "layer_rivers_key": {"zh": "重点河流", "en": "Key rivers"},
    "layer_rivers_other": {"zh": "其他河流", "en": "Other rivers"},
    "layer_lakes": {"zh": "湖泊水库", "en": "Lakes and reservoirs"},
    "layer_nation": {"zh": "国界", "en": "National borders"},
    "layer_province": {"zh": "省界", "en": "Provincial boundaries"},
    "layer_prefecture": {"zh": "市(州)界", "en": "Prefecture boundaries"},
    "layer_county": {"zh": "县(市、区)界", "en": "County boundaries"},
    "layer_places": {"zh": "城镇", "en": "Towns and cities"},
    "layer_risk_sources": {"zh": "风险源", "en": "Risk sources"},
    "layer_materials": {"zh": "应急物资库", "en": "Materials depots"},
    "layer_teams": {"zh": "应急队伍", "en": "Response teams"},
    "basin": {"zh": "流域", "en": "Basin"},
    "length_km": {"zh": "长度(km)", "en": "Length (km)"},
    "length_in_jilin_km": {"zh": "省内长度(km)", "en": "Length in Jilin (km)"},
    "legend": {"zh": "图例", "en": "Legend"},
    "sample_data": {"zh": "示例数据", "en": "sample data"},
    "details": {"zh": "详情 »", "en": "Details »"},
    "updated_at": {"zh": "更新时间", "en": "Updated"},
    "forbidden_title": {"zh": "无权限", "en": "Not allowed"},
}


def lang() -> str:
    """The current request's language."""
    if "lang" not in g:
        asked = request.args.get("lang")
        g.lang = (asked if asked in LANGS
                  else request.cookies.get(LANG_COOKIE) if request.cookies.get(LANG_COOKIE) in LANGS
                  else DEFAULT_LANG)
    return g.lang


def t(key: str, **values: object) -> str:
    """The message ``key`` in the current language (falls back to Chinese, then to the key)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang()) or entry[DEFAULT_LANG]
    return text.format(**values) if values else text


def both(key: str, **values: object) -> tuple[str, str]:
    """The message in both languages, for bilingual JSON errors."""
    entry = MESSAGES[key]
    return entry["zh"].format(**values), entry["en"].format(**values)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC (or naive = UTC) datetime shown in the app's time zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])
                            ).strftime(fmt)


def switch_url(other: str) -> str:
    """This page in the ``other`` language, keeping its query (``/duty?month=2027-01``)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', other)])}"


def init_i18n(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, lang=lang, LANGS=LANGS, lang_switch_url=switch_url)
    app.jinja_env.filters["local_time"] = local_time

    @app.after_request
    def _remember_lang(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGS and request.cookies.get(LANG_COOKIE) != asked:
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True)
        return response
