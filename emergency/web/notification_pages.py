"""The notification centre (通知中心): the header bell with the unread count, ``/notifications``
(the list, mark one or all read) and its JSON twin.

Notifications are addressed to duty staff (``emergency.roster.notifications``); the logged-in
account sees those of the person linked to it (``DutyStaff.username``). Marking read changes only
the reader's own notifications, so it needs no more than ``read``; it is still declared.

``GET  /api/notifications``        {staff, unread, items: [...]}
``POST /api/notifications/read``   {ids?: [...]}  (all when absent) → {changed, unread}
``GET  /notifications``            the list (server-rendered, works without script)
``POST /notifications/read``       form: ``id`` (one) or none (all); redirects back
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from emergency.auth_rules import Permission
from emergency.roster import notifications
from emergency.store.roster_models import DutyNotification
from emergency.web import i18n
from emergency.web.auth import current_user, require
from emergency.web.clock import iso, now
from emergency.web.params import bad_parameter, json_body

bp = Blueprint("notifications", __name__, template_folder="templates")

MESSAGES: dict[str, dict[str, str]] = {
    "nt_title": {"zh": "通知", "en": "Notifications"},
    "nt_bell": {"zh": "通知({n} 条未读)", "en": "Notifications ({n} unread)"},
    "nt_empty": {"zh": "暂无通知", "en": "No notifications"},
    "nt_unlinked": {"zh": "您的账号未关联值班人员,没有值班通知(请值班主任在值班人员中填写账号)",
                    "en": "Your account is not linked to a person on the duty staff: no duty "
                          "notifications (ask a duty manager to set your account on the staff "
                          "list)"},
    "nt_unread": {"zh": "未读", "en": "unread"},
    "nt_read": {"zh": "已读", "en": "read"},
    "nt_mark_read": {"zh": "标为已读", "en": "Mark read"},
    "nt_mark_all": {"zh": "全部标为已读", "en": "Mark all read"},
    "nt_open": {"zh": "查看", "en": "Open"},
    "nt_for": {"zh": "收件人", "en": "For"},
}


def init_notifications(app: Flask) -> None:
    for key, text in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, text)
    app.register_blueprint(bp)
    app.extensions["notifications"] = header_bell


def _db():
    return current_app.extensions["database"]


def _mine():
    """(staff id, name) of the person linked to the logged-in account, or None."""
    if "_my_staff" not in g:
        user = current_user()
        found = None
        if user is not None:
            with _db().session() as s:
                row = notifications.staff_of(s, user.username)
                found = (row.id, row.name) if row is not None else None
        g._my_staff = found
    return g._my_staff


def header_bell() -> dict | None:
    """For the header: the unread count of the logged-in person (None: no login / not staff)."""
    me = _mine()
    if me is None:
        return None
    with _db().session() as s:
        return {"unread": notifications.unread_count(s, me[0])}


def _item(n: DutyNotification) -> dict:
    zh, en = notifications.KIND_TEXT.get(n.kind, (n.kind, n.kind))
    return {"id": n.id, "kind": n.kind, "kind_zh": zh, "kind_en": en, "text_zh": n.text_zh,
            "text_en": n.text_en, "link": n.link, "created_at": iso(n.created_at),
            "read_at": iso(n.read_at) if n.read_at else None, "read": n.read_at is not None}


@bp.get("/api/notifications")
def api_list():
    me = _mine()
    if me is None:
        return jsonify({"staff": None, "unread": 0, "items": []})
    with _db().session() as s:
        items = [_item(n) for n in notifications.listed(s, me[0])]
        unread = notifications.unread_count(s, me[0])
    return jsonify({"staff": {"id": me[0], "name": me[1]}, "unread": unread, "items": items})


def _ids(value: object) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, int) and not isinstance(x, bool)
                                              for x in value):
        raise bad_parameter("ids", "须为编号列表", "must be a list of ids", value)
    return value


@bp.post("/api/notifications/read")
@require(Permission.READ)
def api_read():
    ids = _ids(json_body(optional=True).get("ids"))
    me = _mine()
    if me is None:
        return jsonify({"changed": 0, "unread": 0})
    with _db().session() as s:
        changed = notifications.mark_read(s, me[0], ids, now=now())
        unread = notifications.unread_count(s, me[0])
    return jsonify({"changed": changed, "unread": unread})


@bp.get("/notifications")
def page():
    me = _mine()
    items = []
    if me is not None:
        with _db().session() as s:
            items = [_item(n) for n in notifications.listed(s, me[0])]
    return render_template("notifications.html", me=me, items=items)


@bp.post("/notifications/read")
@require(Permission.READ)
def page_read():
    me = _mine()
    raw = request.form.get("id")
    ids = None
    if raw:
        try:
            ids = [int(raw)]
        except ValueError:
            raise bad_parameter("id", "须为编号", "must be an id", raw) from None
    if me is not None:
        with _db().session() as s:
            notifications.mark_read(s, me[0], ids, now=now())
    g.pop("_my_staff", None)
    return redirect(url_for("notifications.page"))
