"""Duty API (/api): staff, rosters, who is on duty, the duty log and the shift handover.

Thin: parse and check parameters (bilingual 4xx), call ``emergency.roster.service`` /
``staff_service``, serialise. Reading needs a login; generating, editing and publishing rosters
and changing staff need ``duty.manage`` (commander, admin); adding to the duty log and recording
a handover need ``incident.write`` (duty officers too).

Rosters
    ``GET  /api/rosters?year=``                      rosters (not discarded)
    ``POST /api/rosters``  {month: "2026-07"} | {season: 2026} | {start, end}   → draft (201)
    ``GET  /api/rosters/<YYYY-MM>``                  the month: days, duties, checks, fairness
    ``GET  /api/rosters/<YYYY-MM>.xlsx|.csv``        the month as a table
    ``GET  /api/rosters/<YYYY-MM>/print``            printable month (A4 landscape)
    ``GET  /api/rosters/<id>``                       one roster, all its days
    ``POST /api/rosters/<id>/swap``  {a, b, reason?, revision?}        换班
    ``POST /api/rosters/<id>/replace``  {assignment, staff_id, reason?, revision?}  替班
        on a published roster ``reason`` is required (422 without): a new version, both people
        notified (``emergency.roster.notifications``), an entry in the duty log
    ``POST /api/rosters/<id>/publish``  {note?, revision?}             发布
    ``POST /api/rosters/<id>/discard``  {revision?}                    作废草稿
    ``POST /api/rosters/<id>/withdraw``  {reason, force?, revision?}   撤回已发布的值班表
        → the roster(s) after it and the people whose duties are no longer published (to be
        told); 409 (bilingual) for a roster that has started, unless ``force``
    ``GET  /api/rosters/<id>/versions[/<n>]``, ``GET /api/rosters/<id>/changes``
On duty, log, handover
    ``GET /api/duty/now?at=``, ``GET|POST /api/duty/log`` (the people on the current shift and
    duty managers write; 403 otherwise), ``GET|POST /api/duty/handover?at=`` (POST:
    ``received_staff_id`` from the incoming shift, ``note``),
    ``POST /api/duty/handover/<id>/ack`` (接班确认, the named receiver only)
Staff
    ``GET|POST /api/staff``, ``GET|PATCH|DELETE /api/staff/<id>``,
    ``POST /api/staff/<id>/unavailability|preferences``, ``DELETE …/<entry id>``,
    ``GET /api/staff.csv|.xlsx``, ``GET /api/staff/template.csv|.xlsx``,
    ``POST /api/staff/import`` (multipart ``file``; ``dry_run=1``: all rows or none),
    ``GET /api/staff/<id>/duty.ics`` (text/calendar, logged in)
Calendar subscription (日历订阅, ``duty.manage``)
    ``GET|POST|DELETE /api/staff/<id>/feed``: whether the person has a secret feed address /
    make or rotate it (201: the URL, shown this once) / revoke it. The feed itself,
    ``GET /duty/feed/<token>.ics``, is served by ``emergency.web.roster_pages`` without login.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy.orm.exc import StaleDataError

from emergency.auth_rules import Permission
from emergency.roster import feeds, notifications, on_duty, service, staff_service
from emergency.roster.errors import Conflict, DutyError, NotAllowed, NotFound, Refused, Stale
from emergency.roster.export import SHIFT_TEXT, day_label, month_table, table_csv, table_xlsx
from emergency.roster.model import Period, Violation
from emergency.roster.on_duty import HeaderOnDuty
from emergency.roster.periods import PeriodRequest
from emergency.roster.rules import RosterRules, default_roster_rules
from emergency.roster.staff import DUTY_ROLES, InvalidInput
from emergency.roster.staff_table import write_staff_csv, write_staff_xlsx
from emergency.store.roster_models import LOG_CATEGORIES, LOG_KINDS, DutyRoster, DutyStaff
from emergency.web.auth import actor, require
from emergency.web.clock import iso, now
from emergency.web.errors import ApiError, error_body
from emergency.web.params import (
    bad_parameter,
    flag,
    json_body,
    to_date,
    to_int,
    to_moment,
    to_optional_int,
    uploaded_file,
)

bp = Blueprint("roster_api", __name__, url_prefix="/api")

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def init_roster(app: Flask) -> None:
    """Register the duty API and pages, and the header's "on duty now" provider."""
    from emergency.web import notification_pages, roster_pages

    app.register_blueprint(bp)
    roster_pages.init_pages(app)
    notification_pages.init_notifications(app)  # the header bell and /notifications
    app.extensions["on_duty"] = header_on_duty


# ----------------------------------------------------------------------------- context
def db():
    return current_app.extensions["database"]


def rules() -> RosterRules:
    return current_app.extensions.get("roster_rules") or default_roster_rules()


def actor_name() -> str:
    """How the log names the writer: the person on the duty staff linked to the account, else
    the account's display name or username."""
    user = g.get("user")
    if user is None:
        return ""
    if "_actor_staff_name" not in g:
        with db().session() as session:
            found = notifications.staff_of(session, user.username)
            g._actor_staff_name = found.name if found else None
    return (g._actor_staff_name or getattr(user, "display_name", None)
            or getattr(user, "username", None) or "")


def _month(text: str) -> Period:
    try:
        return service.month_period(text)
    except ValueError:
        raise ApiError(404, "invalid_month", f"「{text}」不是月份(格式 YYYY-MM,如 2026-07)",
                       f"{text!r} is not a month (YYYY-MM, e.g. 2026-07)") from None


# ----------------------------------------------------------------------------- errors
_STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409, Stale: 409, Refused: 422}


@bp.errorhandler(DutyError)
def _duty_error(err: DutyError):
    details = dict(err.details)
    if isinstance(err, Refused) and err.reasons:
        details["reasons"] = [violation_dict(v) for v in err.reasons]
    return jsonify(error_body(err.code, err.message_zh, err.message_en, details)), \
        _STATUS.get(type(err), 400)


@bp.errorhandler(InvalidInput)
def _invalid(err: InvalidInput):
    n = len(err.problems)
    body = error_body("invalid_input", f"有 {n} 处错误,未保存任何数据",
                      f"{n} problem(s); nothing was saved",
                      {"problems": [p.as_dict() for p in err.problems]})
    return jsonify(body), 422


@bp.errorhandler(StaleDataError)
def _stale(_err: StaleDataError):
    return jsonify(error_body("stale", "数据已被他人同时修改,请刷新后重试",
                              "someone else changed this at the same time; reload and try "
                              "again")), 409


# ----------------------------------------------------------------------------- shapes
def violation_dict(v: Violation) -> dict:
    return {"rule": v.rule, "hard": v.hard, "message_zh": v.zh, "message_en": v.en,
            "dates": [d.isoformat() for d in v.dates], "position": v.position,
            "staff_ids": [_staff_id(p) for p in v.person_ids]}


def _staff_id(person_id: str) -> int | str:
    return int(person_id) if person_id.isdigit() else person_id


def roster_summary(row: DutyRoster) -> dict:
    zh, en = service.STATUS_TEXT[row.status]
    return {"id": row.id, "label": row.label, "kind": row.kind, "status": row.status,
            "status_zh": zh, "status_en": en, "version": row.version, "revision": row.revision,
            "period": {"start": row.period_start.isoformat(), "end": row.period_end.isoformat()},
            "created_by": row.created_by, "created_at": iso(row.created_at),
            "published_by": row.published_by, "published_at": iso(row.published_at),
            "updated_at": iso(row.updated_at), "generated_in_s": row.generated_in_s}


def roster_checks(view: service.RosterView) -> dict:
    """Violations (hard, then soft), fairness spread and per-person counts."""
    stats = []
    for pid, s in sorted(view.roster.stats.items(), key=lambda kv: _sort_id(kv[0])):
        person = view.staff.get(_sort_id(pid))  # type: ignore[call-overload]
        if person is None:
            continue
        stats.append({"staff_id": person.id, "name": person.name, "roles": list(person.roles),
                      "period": s.period.as_dict(), "cumulative": s.cumulative.as_dict()})
    target = view.roster.rules.fairness.target_spread
    return {"hard_violations": [violation_dict(v) for v in view.hard],
            "soft_violations": [violation_dict(v) for v in view.soft],
            "fairness": {"target_spread": target, "spread": view.spread,
                         "groups": fairness_groups(view.roster.rules),
                         "within_target": all(x <= target for cats in view.spread.values()
                                              for x in cats.values())},
            "stats": stats}


def fairness_groups(r: RosterRules) -> dict[str, dict[str, str]]:
    """Each fairness group named by its positions (staff → 值班员、联络员, leaders → 带班领导),
    so that no internal group key reaches the page."""
    out: dict[str, dict[str, str]] = {}
    for group in r.fairness_groups:
        members = [p for p in r.positions if p.fairness_group == group]
        en = ", ".join(p.en for p in members)
        out[group] = {"zh": "、".join(p.zh for p in members), "en": en[:1].upper() + en[1:]}
    return out


def _sort_id(pid: str) -> int:
    return int(pid) if pid.isdigit() else -1


def positions_list(r: RosterRules) -> list[dict]:
    return [{"id": p.id, "zh": p.zh, "en": p.en, "per": p.per} for p in r.positions]


def _assignment_dict(a, staff: dict[int, DutyStaff]) -> dict:  # noqa: ANN001 - DutyAssignment
    person = staff.get(a.staff_id)
    return {"id": a.id, "roster_id": a.roster_id, "date": a.duty_date.isoformat(),
            "position": a.position, "shift": a.shift, "start": iso(a.shift_start),
            "end": iso(a.shift_end), "staff_id": a.staff_id,
            "name": person.name if person else str(a.staff_id),
            "phone": person.phone if person else ""}


def days_dict(rows: list[DutyRoster], start: date, end: date, staff: dict[int, DutyStaff],
              r: RosterRules) -> list[dict]:
    by_day: dict[date, list] = {}
    owner: dict[date, int] = {}
    for roster in rows:
        day = max(start, roster.period_start)
        while day <= min(end, roster.period_end):
            owner[day] = roster.id
            day += timedelta(days=1)
        for a in roster.assignments:
            if start <= a.duty_date <= end:
                by_day.setdefault(a.duty_date, []).append(a)
    out = []
    day = start
    while day <= end:
        items = sorted(by_day.get(day, []),
                       key=lambda a: (r.position_order(a.position), a.shift_start, a.id))
        shifts = [{"shift": name, "zh": SHIFT_TEXT.get(name, (name, name))[0],
                   "en": SHIFT_TEXT.get(name, (name, name))[1], "start": iso(s), "end": iso(e)}
                  for name, s, e in service.shift_windows(day, r)]
        out.append({"date": day.isoformat(), "label": day_label(day, r),
                    "roster_id": owner.get(day), "shifts": shifts,
                    "assignments": [_assignment_dict(a, staff) for a in items]})
        day += timedelta(days=1)
    return out


def staff_dict(row: DutyStaff, *, full: bool = False) -> dict:
    body = {"id": row.id, "name": row.name, "unit": row.unit, "phone": row.phone,
            "roles": list(row.roles or ()),
            "roles_zh": [DUTY_ROLES[x][0] for x in row.roles or () if x in DUTY_ROLES],
            "qualifications": list(row.qualifications or ()), "active": row.active,
            "is_sample": row.is_sample, "version": row.version, "username": row.username}
    if full:
        body |= {
            "note": row.note, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "unavailable": [{"id": u.id, "start": u.start_date.isoformat(),
                             "end": u.end_date.isoformat(), "reason": u.reason,
                             "note": u.note} for u in row.unavailable],
            "preferences": [{"id": p.id, "kind": p.kind,
                             "start": p.start_date.isoformat() if p.start_date else None,
                             "end": p.end_date.isoformat() if p.end_date else None,
                             "weekdays": list(p.weekdays or ()), "weight": p.weight,
                             "note": p.note} for p in row.preferences]}
    return body


def _person(p: service.OnDutyPerson) -> dict:
    return {"staff_id": p.staff_id, "name": p.name, "phone": p.phone, "unit": p.unit,
            "shift_start": iso(p.shift_start), "shift_end": iso(p.shift_end)}


def on_duty_dict(found: service.OnDuty, r: RosterRules) -> dict:
    return {
        "at": iso(found.at),
        "roster": None if found.roster_id is None else {
            "id": found.roster_id, "version": found.roster_version, "label": found.roster_label},
        "positions": [{"id": p.id, "zh": p.zh, "en": p.en,
                       "people": [_person(x) for x in found.of(p.id)]} for p in r.positions],
        "leader": [_person(x) for x in found.leader],
        "duty_officers": [_person(x) for x in found.duty_officers],
        "liaisons": [_person(x) for x in found.liaisons],
        "message_zh": found.message_zh, "message_en": found.message_en,
    }


def log_dict(e) -> dict:  # noqa: ANN001 - DutyLogEntry
    zh, en = service.LOG_KIND_TEXT.get(e.kind, (e.kind, e.kind))
    return {"id": e.id, "duty_date": e.duty_date.isoformat(), "shift": e.shift,
            "position": e.position, "kind": e.kind, "kind_zh": zh, "kind_en": en,
            "text": e.text, "incident_id": e.incident_id, "author": e.author,
            "author_name": e.author_name, "at": iso(e.at),
            "occurred_at": iso(e.occurred_at or e.at), "caller": e.caller or "",
            "caller_unit": e.caller_unit or "", "caller_phone": e.caller_phone or "",
            "corrects": e.corrects_id}


# ----------------------------------------------------------------------------- on duty
def _lookup_on_duty() -> service.OnDuty:
    """Who is on duty now, looked up once per request (header, package, API share it)."""
    cached = g.get("_on_duty_now")
    if cached is None:
        with db().session() as session:
            cached = service.on_duty_now(session, now(), rules())
        g._on_duty_now = cached
    return cached


def header_on_duty() -> HeaderOnDuty | None:
    """For the header partial ``_on_duty.html`` (see ``emergency.roster.on_duty``).
    Nothing (and no query) for a visitor who has not logged in."""
    if g.get("user") is None:
        return None
    return on_duty.header_on_duty(_lookup_on_duty())


def on_duty_block() -> dict:
    """"On duty now" for the incident response package (who makes the notifications).
    Never fails the package: a roster fault gives an explicit "unavailable" block."""
    try:
        return on_duty_dict(_lookup_on_duty(), rules())
    except Exception:  # noqa: BLE001 - the package matters more than this block
        current_app.logger.exception("on-duty lookup failed")
        return {"at": None, "roster": None, "positions": [], "leader": [], "duty_officers": [],
                "liaisons": [], "message_zh": "值班信息暂不可用",
                "message_en": "duty information is unavailable"}


@bp.get("/duty/now")
def duty_now():
    at = request.args.get("at")
    if at:
        with db().session() as session:
            found = service.on_duty_now(session, to_moment(at), rules())
    else:
        found = _lookup_on_duty()
    return jsonify(on_duty_dict(found, rules()))


# ----------------------------------------------------------------------------- rosters
@bp.get("/rosters")
def rosters_index():
    year = to_optional_int(request.args.get("year"), "year")
    with db().session() as session:
        rows = service.list_rosters(session, year=year,
                                    include_discarded=request.args.get("all") == "1")
        return jsonify({"rosters": [roster_summary(r) for r in rows]})


@bp.post("/rosters")
@require(Permission.DUTY_MANAGE)
def rosters_generate():
    data = json_body()
    asked = PeriodRequest(data.get("month"), data.get("season"), data.get("start"),
                          data.get("end"))
    label = str(data.get("label") or "").strip()[:100] or None
    with db().session() as session:
        made = service.generate_for(session, asked, actor=actor(), now=now(), label=label,
                                    rules=rules())
        body = roster_summary(made.row) | roster_checks(made.view) | {
            "seconds": round(made.seconds, 3), "discarded": list(made.discarded)}
    return jsonify(body), 201


@bp.get("/rosters/<month>")
def roster_month(month: str):
    stem, dot, fmt = month.partition(".")
    period = _month(stem)
    if dot and fmt not in MIME:
        raise ApiError(404, "unknown_format", f"不支持的格式 .{fmt}(可用:xlsx、csv)",
                       f"unsupported format .{fmt} (use xlsx or csv)")
    r = rules()
    with db().session() as session:
        view = service.month_view(session, period, r)
        if not dot:
            return jsonify({
                "month": stem,
                "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                "status": view.status,
                "positions": positions_list(r),
                "rosters": [roster_summary(v.row) | roster_checks(v) for v in view.views],
                "days": days_dict(view.rows, period.start, period.end, dict(view.staff), r),
                "staff": [staff_dict(s) for s in view.active],
            })
        sources = view.sources_zh
    headings, cells = month_table(list(view.table), r)
    title = f"{period.start.year}年{period.start.month}月值班表"
    if fmt == "csv":
        data = table_csv(headings, cells)
    else:
        data = table_xlsx(title, f"{stem}值班表", headings, cells,
                          notes=[f"来源:{sources}", f"导出时间:{now():%Y-%m-%d %H:%M}"])
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=f"值班表{stem}.{fmt}")


@bp.get("/rosters/<month>/print")
def roster_print(month: str):
    period = _month(month)
    r = rules()
    with db().session() as session:
        view = service.month_view(session, period, r)
        summaries = [roster_summary(v.row) for v in view.views]
    return render_template("duty_print.html", month=month, period=period, rows=list(view.table),
                           rules=r, rosters=summaries, day_label=day_label,
                           shift_text=SHIFT_TEXT, printed_at=now())


@bp.get("/rosters/<int:roster_id>")
def roster_show(roster_id: int):
    r = rules()
    with db().session() as session:
        view = service.roster_detail(session, roster_id, r)
        row = view.row
        body = roster_summary(row) | roster_checks(view) | {
            "positions": positions_list(r),
            "days": days_dict([row], row.period_start, row.period_end, dict(view.staff), r)}
    return jsonify(body)


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_parameter(key, "须为文字", "must be text", value)
    return value or ""


def _revision(data: dict) -> int | None:
    return to_optional_int(data.get("revision"), "revision")


def _edited(outcome: service.EditOutcome) -> dict:
    c = outcome.change
    return {"roster": roster_summary(outcome.row),
            "change": {"id": c.id, "kind": c.kind, "text_zh": c.text_zh, "text_en": c.text_en,
                       "version": c.version, "at": iso(c.at), "actor": c.actor},
            "warnings": [violation_dict(v) for v in outcome.warnings]}


@bp.post("/rosters/<int:roster_id>/swap")
@require(Permission.DUTY_MANAGE)
def roster_swap(roster_id: int):
    data = json_body()
    a, b = to_int(data.get("a"), "a"), to_int(data.get("b"), "b")
    with db().session() as session:
        outcome = service.swap(session, roster_id, a, b, actor=actor(), now=now(),
                               expected_revision=_revision(data), rules=rules(),
                               reason=_text(data, "reason"), actor_name=actor_name())
        body = _edited(outcome)
    return jsonify(body)


@bp.post("/rosters/<int:roster_id>/replace")
@require(Permission.DUTY_MANAGE)
def roster_replace(roster_id: int):
    data = json_body()
    assignment = to_int(data.get("assignment"), "assignment")
    staff_id = to_int(data.get("staff_id"), "staff_id")
    with db().session() as session:
        outcome = service.replace(session, roster_id, assignment, staff_id, actor=actor(),
                                  now=now(), expected_revision=_revision(data), rules=rules(),
                                  reason=_text(data, "reason"), actor_name=actor_name())
        body = _edited(outcome)
    return jsonify(body)


@bp.post("/rosters/<int:roster_id>/publish")
@require(Permission.DUTY_MANAGE)
def roster_publish(roster_id: int):
    data = json_body(optional=True)
    note = str(data.get("note") or "")[:500]
    with db().session() as session:
        row = service.publish(session, roster_id, actor=actor(), now=now(), note=note,
                              expected_revision=_revision(data), rules=rules())
        body = roster_summary(row)
    g.pop("_on_duty_now", None)
    return jsonify(body)


@bp.post("/rosters/<int:roster_id>/discard")
@require(Permission.DUTY_MANAGE)
def roster_discard(roster_id: int):
    data = json_body(optional=True)
    with db().session() as session:
        row = service.discard(session, roster_id, actor=actor(), now=now(),
                              expected_revision=_revision(data))
        body = roster_summary(row)
    return jsonify(body)


def _force(value: object) -> bool:
    if value in (None, "", False, 0, "0", "false"):
        return False
    if value in (True, 1, "1", "true"):
        return True
    raise bad_parameter("force", f"须为 true 或 false,收到 {value!r}",
                        f"must be true or false, got {value!r}", value)


def _withdrawn_dict(out: service.Withdrawn, r: RosterRules) -> dict:
    names = {p.id: (p.zh, p.en) for p in r.positions}
    people = [{"staff_id": p.staff_id, "name": p.name, "phone": p.phone,
               "duties": [{"date": d.duty_date.isoformat(), "position": d.position,
                           "position_zh": names.get(d.position, (d.position,) * 2)[0],
                           "position_en": names.get(d.position, (d.position,) * 2)[1],
                           "shift": d.shift, "start": iso(d.start), "end": iso(d.end)}
                          for d in p.duties]} for p in out.affected]
    n, m = len(out.affected), out.duties
    if out.kept_until is None:
        zh = f"已撤回第 {out.withdrawn_version} 版,值班表退回草稿;{m} 个班次、{n} 人受影响,请通知"
        en = (f"version {out.withdrawn_version} withdrawn, the roster is a draft again; {m} "
              f"duties of {n} people are affected: tell them")
    else:
        zh = (f"已撤回 {out.draft.period_start} 起的值班({out.kept_until} 及以前保留),移入草稿 "
              f"#{out.draft.id};{m} 个班次、{n} 人受影响,请通知")
        en = (f"duties from {out.draft.period_start} withdrawn (kept up to {out.kept_until}), "
              f"moved to draft #{out.draft.id}; {m} duties of {n} people are affected: tell "
              "them")
    return {"roster": roster_summary(out.row),
            "draft": roster_summary(out.draft),
            "withdrawn_version": out.withdrawn_version,
            "kept_until": out.kept_until.isoformat() if out.kept_until else None,
            "affected": people, "duties": m,
            "change": {"id": out.change.id, "kind": out.change.kind,
                       "text_zh": out.change.text_zh, "text_en": out.change.text_en,
                       "at": iso(out.change.at), "actor": out.change.actor},
            "log_entry": log_dict(out.log_entry),
            "message_zh": zh, "message_en": en}


@bp.post("/rosters/<int:roster_id>/withdraw")
@require(Permission.DUTY_MANAGE)
def roster_withdraw(roster_id: int):
    data = json_body()
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise bad_parameter("reason", "须为文字", "must be text", reason)
    force, revision, r = _force(data.get("force")), _revision(data), rules()
    with db().session() as session:
        out = service.withdraw(session, roster_id, reason=reason or "", force=force,
                               actor=actor(), actor_name=actor_name(), now=now(),
                               expected_revision=revision, rules=r)
        body = _withdrawn_dict(out, r)
    g.pop("_on_duty_now", None)
    return jsonify(body)


@bp.get("/rosters/<int:roster_id>/versions")
def roster_versions(roster_id: int):
    with db().session() as session:
        found = service.version_of(session, roster_id)
        assert isinstance(found, list)
        body = [{"version": v.version, "note_zh": v.note_zh, "note_en": v.note_en,
                 "created_by": v.created_by, "created_at": iso(v.created_at),
                 "assignments": len(v.assignments)} for v in found]
    return jsonify({"roster_id": roster_id, "versions": body})


@bp.get("/rosters/<int:roster_id>/versions/<int:version>")
def roster_version(roster_id: int, version: int):
    with db().session() as session:
        v = service.version_of(session, roster_id, version)
        assert not isinstance(v, list)
        body = {"roster_id": roster_id, "version": v.version, "note_zh": v.note_zh,
                "note_en": v.note_en, "created_by": v.created_by,
                "created_at": iso(v.created_at), "assignments": v.assignments}
    return jsonify(body)


@bp.get("/rosters/<int:roster_id>/changes")
def roster_changes(roster_id: int):
    with db().session() as session:
        body = [{"id": c.id, "at": iso(c.at), "actor": c.actor, "kind": c.kind,
                 "text_zh": c.text_zh, "text_en": c.text_en, "version": c.version}
                for c in service.change_log(session, roster_id)]
    return jsonify({"roster_id": roster_id, "changes": body})


# ----------------------------------------------------------------------------- duty log
@bp.get("/duty/log")
def duty_log():
    r = rules()
    if request.args.get("from") or request.args.get("to"):
        start = to_date(request.args.get("from") or request.args.get("to"), "from")
        end = to_date(request.args.get("to") or start.isoformat(), "to")
        if end < start or (end - start).days > 92:
            raise bad_parameter("to", "须不早于 from,且范围不超过 92 天",
                                "must not be before from, and the range is at most 92 days")
    else:
        start = (to_date(request.args["date"], "date") if request.args.get("date")
                 else service.shift_at(now(), r).duty_date)
        end = start
    shift = request.args.get("shift") or None
    with db().session() as session:
        entries = service.log_entries(session, start=start, end=end, shift=shift)
        body = {"from": start.isoformat(), "to": end.isoformat(), "shift": shift,
                "kinds": {k: service.LOG_KIND_TEXT[k] for k in LOG_KINDS},
                "categories": list(LOG_CATEGORIES),
                "entries": [log_dict(e) for e in entries]}
    return jsonify(body)


@bp.post("/duty/log")
@require(Permission.INCIDENT_WRITE)
def duty_log_add():
    with db().session() as session:
        entry = service.add_log_entry(session, json_body(), actor=actor(),
                                      actor_name=actor_name(), now=now(), rules=rules(),
                                      role=g.user.role)
        body = log_dict(entry)
    return jsonify(body), 201


# ----------------------------------------------------------------------------- handover
def _handover_record(h: service.HandoverRecord) -> dict:
    r = h.row
    return {"id": r.id, "duty_date": r.duty_date.isoformat(), "shift": r.shift, "at": iso(r.at),
            "handed_over_by": r.handed_over_by, "handed_over_name": r.handed_over_name,
            "received_by": r.received_by, "received_staff_id": r.received_staff_id,
            "note": r.note, "acknowledged": h.acknowledged,
            "acknowledged_at": iso(h.ack.at) if h.ack else None,
            "acknowledged_name": h.ack.name if h.ack else None}


def _item_ref(pair) -> dict:  # noqa: ANN001 - (OpenIncident, OpenItem)
    i, o = pair
    return {"incident_id": i.id, "incident_title": i.title, "id": o.id, "text_zh": o.text_zh,
            "text_en": o.text_en, "due_at": iso(o.due_at), "overdue": o.overdue}


def handover_dict(view: service.HandoverView, r: RosterRules, me: int | None = None) -> dict:
    s = view.shift
    return {
        "at": iso(view.at),
        "shift": {"duty_date": s.duty_date.isoformat(), "shift": s.shift,
                  "zh": SHIFT_TEXT.get(s.shift, (s.shift, s.shift))[0],
                  "en": SHIFT_TEXT.get(s.shift, (s.shift, s.shift))[1], "start": iso(s.start),
                  "end": iso(s.end)},
        "on_duty": on_duty_dict(view.on_duty, r),
        "incoming": on_duty_dict(view.incoming, r),
        "summary": {"open_incidents": len(view.incidents), "open_items": view.open_items,
                    "overdue": [_item_ref(x) for x in view.overdue],
                    "immediate": [_item_ref(x) for x in view.immediate],
                    "unacknowledged": len(view.unacknowledged),
                    "injects": [{"run_id": i.run_id, "run_title": i.run_title,
                                 "inject_id": i.inject_id, "recipient": i.recipient,
                                 "message": i.message, "delivered_at": iso(i.delivered_at)}
                                for i in view.injects],
                    "alarms": [{"id": a.id, "station": a.station_name_zh, "parameter": a.parameter,
                                "value_mg_l": a.value_mg_l, "threshold_mg_l": a.threshold_mg_l,
                                "observed_at": iso(a.observed_at)} for a in view.alarms]},
        "open_incidents": [
            {"id": i.id, "title": i.title, "status": i.status, "tier_level": i.tier_level,
             "warning_level": i.warning_level, "river_name_zh": i.river_name_zh,
             "discovered_at": iso(i.discovered_at),
             "open_items": [{"id": o.id, "text_zh": o.text_zh, "text_en": o.text_en,
                             "group": o.group, "responsible_zh": o.responsible_zh,
                             "due_at": iso(o.due_at), "overdue": o.overdue}
                            for o in i.open_items]}
            for i in view.incidents],
        "open_items": view.open_items,
        "log": [log_dict(e) for e in view.log],
        "handovers": [_handover_record(h) for h in view.handovers],
        "unacknowledged": [_handover_record(h) for h in view.unacknowledged],
        "me": me,
    }


def _me() -> int | None:
    """The duty-staff id linked to the logged-in account (for "acknowledge" buttons)."""
    with db().session() as session:
        found = notifications.staff_of(session, actor())
        return found.id if found else None


@bp.get("/duty/handover")
def duty_handover():
    at = to_moment(request.args.get("at"))
    with db().session() as session:
        body = handover_dict(service.handover(session, at, rules()), rules(), _me())
    return jsonify(body)


@bp.post("/duty/handover")
@require(Permission.INCIDENT_WRITE)
def duty_handover_record():
    data = json_body()
    at = to_moment(str(data["at"]) if data.get("at") else None)
    receiver = data.get("received_staff_id")
    receiver = None if receiver in (None, "") else to_int(receiver, "received_staff_id")
    with db().session() as session:
        row = service.record_handover(
            session, at=at, actor=actor(), actor_name=actor_name(), received_staff_id=receiver,
            note=str(data.get("note") or ""), now=now(), rules=rules())
        body = {"id": row.id, "duty_date": row.duty_date.isoformat(), "shift": row.shift,
                "at": iso(row.at), "received_by": row.received_by,
                "received_staff_id": row.received_staff_id, "snapshot": row.snapshot}
    return jsonify(body), 201


@bp.post("/duty/handover/<int:handover_id>/ack")
@require(Permission.INCIDENT_WRITE)
def duty_handover_ack(handover_id: int):
    """接班确认 by the named receiver (403 for anyone else, 409 when already confirmed)."""
    with db().session() as session:
        ack = service.acknowledge_handover(session, handover_id, username=actor(), now=now(),
                                           rules=rules())
        body = {"handover_id": handover_id, "acknowledged": True, "acknowledged_at": iso(ack.at),
                "acknowledged_name": ack.name}
    return jsonify(body)


# ----------------------------------------------------------------------------- staff
@bp.get("/staff")
def staff_index():
    role = request.args.get("role") or None
    if role is not None and role not in DUTY_ROLES:
        raise bad_parameter("role", f"须为 {'/'.join(DUTY_ROLES)} 之一",
                            f"must be one of {', '.join(DUTY_ROLES)}", role)
    with db().session() as session:
        rows = staff_service.list_staff(session, active=flag("active"), role=role,
                                        text=request.args.get("q") or None)
        return jsonify({"count": len(rows), "staff": [staff_dict(r, full=True) for r in rows]})


@bp.post("/staff")
@require(Permission.DUTY_MANAGE)
def staff_create():
    with db().session() as session:
        row = staff_service.create_staff(session, json_body(), now=now())
        body = staff_dict(row, full=True)
    return jsonify(body), 201


@bp.get("/staff/<int:staff_id>")
def staff_show(staff_id: int):
    with db().session() as session:
        return jsonify(staff_dict(staff_service.get_staff(session, staff_id), full=True))


@bp.patch("/staff/<int:staff_id>")
@require(Permission.DUTY_MANAGE)
def staff_update(staff_id: int):
    data = json_body()
    with db().session() as session:
        row = staff_service.update_staff(session, staff_id, data, now=now(),
                                         expected_version=to_optional_int(data.get("version"),
                                                                          "version"))
        body = staff_dict(row, full=True)
    return jsonify(body)


@bp.delete("/staff/<int:staff_id>")
@require(Permission.DUTY_MANAGE)
def staff_delete(staff_id: int):
    with db().session() as session:
        staff_service.delete_staff(session, staff_id)
    return "", 204


@bp.post("/staff/<int:staff_id>/unavailability")
@require(Permission.DUTY_MANAGE)
def staff_away_add(staff_id: int):
    with db().session() as session:
        staff_service.add_unavailability(session, staff_id, json_body(), now=now())
        body = staff_dict(staff_service.get_staff(session, staff_id), full=True)
    return jsonify(body), 201


@bp.delete("/staff/<int:staff_id>/unavailability/<int:entry_id>")
@require(Permission.DUTY_MANAGE)
def staff_away_remove(staff_id: int, entry_id: int):
    with db().session() as session:
        staff_service.remove_unavailability(session, staff_id, entry_id, now=now())
    return "", 204


@bp.post("/staff/<int:staff_id>/preferences")
@require(Permission.DUTY_MANAGE)
def staff_wish_add(staff_id: int):
    with db().session() as session:
        staff_service.add_preference(session, staff_id, json_body(), now=now())
        body = staff_dict(staff_service.get_staff(session, staff_id), full=True)
    return jsonify(body), 201


@bp.delete("/staff/<int:staff_id>/preferences/<int:entry_id>")
@require(Permission.DUTY_MANAGE)
def staff_wish_remove(staff_id: int, entry_id: int):
    with db().session() as session:
        staff_service.remove_preference(session, staff_id, entry_id, now=now())
    return "", 204


def _fmt(fmt: str) -> str:
    if fmt not in MIME:
        raise ApiError(404, "unknown_format", f"不支持的格式 .{fmt}(可用:xlsx、csv)",
                       f"unsupported format .{fmt} (use xlsx or csv)")
    return fmt


@bp.get("/staff.<fmt>")
def staff_export(fmt: str):
    fmt = _fmt(fmt)
    with db().session() as session:
        data = staff_service.export_staff(session, fmt)
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=f"值班人员.{fmt}")


@bp.get("/staff/template.<fmt>")
def staff_template(fmt: str):
    fmt = _fmt(fmt)
    data = write_staff_xlsx([]) if fmt == "xlsx" else write_staff_csv([])
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=f"值班人员模板.{fmt}")


@bp.post("/staff/import")
@require(Permission.DUTY_MANAGE)
def staff_import():
    dry_run = bool(flag("dry_run"))
    data, filename = uploaded_file(MAX_UPLOAD_BYTES)
    with db().session() as session:
        result = staff_service.import_staff(session, data, filename, now=now(),
                                            dry_run=dry_run)
        if dry_run:
            session.rollback()
    return jsonify({"filename": filename, **result.as_dict()})


@bp.get("/staff/<int:staff_id>/duty.ics")
def staff_ical(staff_id: int):
    with db().session() as session:
        text = service.ical_for(session, staff_id, now=now(), rules=rules())
    resp = current_app.response_class(text, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = f'inline; filename="duty-{staff_id}.ics"'
    return resp


# ----------------------------------------------------------------------------- feed
FEED_NOTE = ("知道此地址的任何人都能看到该人员的值班安排(无需登录);请只发给本人。"
             "重新生成后旧地址立即失效。",
             "Whoever has this address sees this person's duties (no login needed): give it to "
             "them only. Making a new one stops the old address at once.")


def _feed_dict(staff_id: int, found: feeds.FeedAddress | None) -> dict:
    return {"staff_id": staff_id, "active": found is not None,
            "created_at": iso(found.created_at) if found else None,
            "created_by": found.created_by if found else None,
            "last_used_at": iso(found.last_used_at) if found else None,
            "note_zh": FEED_NOTE[0], "note_en": FEED_NOTE[1]}


@bp.get("/staff/<int:staff_id>/feed")
@require(Permission.DUTY_MANAGE)
def staff_feed(staff_id: int):
    """Whether the person has a live calendar address (never the address itself)."""
    with db().session() as session:
        body = _feed_dict(staff_id, feeds.feed_of(session, staff_id))
    return jsonify(body)


@bp.post("/staff/<int:staff_id>/feed")
@require(Permission.DUTY_MANAGE)
def staff_feed_issue(staff_id: int):
    """Make (or rotate) the person's secret calendar address; the URL is in this answer only."""
    with db().session() as session:
        token, found, rotated = feeds.issue(session, staff_id, actor=actor(), now=now())
        body = _feed_dict(staff_id, found)
    body |= {"url": url_for("roster.duty_feed", token=token, _external=True),
             "rotated": rotated}
    resp = jsonify(body)
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.delete("/staff/<int:staff_id>/feed")
@require(Permission.DUTY_MANAGE)
def staff_feed_revoke(staff_id: int):
    with db().session() as session:
        revoked = feeds.revoke(session, staff_id, actor=actor(), now=now())
    zh, en = (("订阅地址已停用", "the calendar address is revoked") if revoked else
              ("该人员没有在用的订阅地址", "this person has no calendar address to revoke"))
    return jsonify({"staff_id": staff_id, "revoked": revoked, "active": False,
                    "message_zh": zh, "message_en": en})
