"""Duty staff as data (值班人员): roles, validation of one person's fields, leave as text.

Pure: the API's JSON bodies and the rows of an imported file go through the same checks, and
every problem names the field (or the file's column heading) in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from emergency.roster.model import UNAVAILABILITY_REASONS, Person, Preference, Unavailability

__all__ = [
    "DUTY_ROLES",
    "FieldProblem",
    "InvalidInput",
    "StaffRecord",
    "clean_preference",
    "clean_staff",
    "clean_unavailability",
    "format_roles",
    "format_unavailability",
    "parse_roles",
    "parse_unavailability",
    "to_person",
]

#: The duty roles (值班岗位). A role is also the qualification a position ``requires``.
DUTY_ROLES: dict[str, tuple[str, str]] = {
    "leader": ("带班领导", "leader on duty"),
    "duty_officer": ("值班员", "duty officer"),
    "liaison": ("联络员", "liaison"),
}
_ROLE_WORDS = {
    **{code: code for code in DUTY_ROLES},
    **{zh: code for code, (zh, _en) in DUTY_ROLES.items()},
    **{en: code for code, (_zh, en) in DUTY_ROLES.items()},
    "领导": "leader", "带班": "leader", "值班领导": "leader", "leader": "leader",
    "值班": "duty_officer", "值班人员": "duty_officer", "officer": "duty_officer",
    "联络": "liaison",
}
_REASON_WORDS = {
    **{code: code for code in UNAVAILABILITY_REASONS},
    **{zh: code for code, (zh, _en) in UNAVAILABILITY_REASONS.items()},
    "休假": "leave", "年假": "leave", "病假": "leave", "学习": "training", "外出": "trip",
}
_SPLIT = re.compile(r"[、,，;；/|\s]+")
_ENTRY_SPLIT = re.compile(r"[;；\n]+")
_RANGE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:(?:~|～|至|到|to|—|–)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*"
    r"([^\s(（]*)\s*(?:[(（](.*)[)）])?\s*$")
MAX_NAME, MAX_UNIT, MAX_PHONE, MAX_NOTE, MAX_QUALIFICATION = 50, 100, 40, 500, 30


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field (``row``: the file's row number, None for the API)."""

    field: str
    message_zh: str
    message_en: str
    value: str | None = None
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class InvalidInput(ValueError):
    """The input (a JSON body, a file's rows) has problems; nothing was saved."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message_en for p in self.problems))


@dataclass(frozen=True)
class StaffRecord:
    """One person's fields as validated. ``unavailable`` None: not given (left unchanged)."""

    name: str
    unit: str = ""
    phone: str = ""
    roles: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    active: bool = True
    is_sample: bool = False
    note: str = ""
    unavailable: tuple[Unavailability, ...] | None = None
    id: int | None = None
    preferences: tuple[Preference, ...] = field(default=())


# ----------------------------------------------------------------------------- cells
def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_roles(value: object) -> tuple[tuple[str, ...], list[str]]:
    """Role codes from a list or a text such as ``值班员、联络员``; unknown words returned apart."""
    words = value if isinstance(value, list | tuple) else _SPLIT.split(_text(value))
    roles, unknown = [], []
    for word in (_text(w) for w in words):
        if not word:
            continue
        code = _ROLE_WORDS.get(word) or _ROLE_WORDS.get(word.lower())
        if code is None:
            unknown.append(word)
        elif code not in roles:
            roles.append(code)
    order = list(DUTY_ROLES)
    return tuple(sorted(roles, key=order.index)), unknown


def format_roles(roles: Iterable[str]) -> str:
    return "、".join(DUTY_ROLES[r][0] for r in roles if r in DUTY_ROLES)


def _list(value: object) -> list[str]:
    words = value if isinstance(value, list | tuple) else _SPLIT.split(_text(value))
    seen: list[str] = []
    for w in (_text(w) for w in words):
        if w and w not in seen:
            seen.append(w)
    return seen


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("1", "true", "yes", "y", "是", "在岗", "启用", "√"):
        return True
    if text in ("0", "false", "no", "n", "否", "不在岗", "停用", "离岗", "×"):
        return False
    return None


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(re.sub(r"-(\d)(?=-|$)", r"-0\1", text))
    except ValueError:
        return None


def parse_unavailability(text: object) -> tuple[tuple[Unavailability, ...], list[str]]:
    """``2026-07-01~2026-07-05 请假；2026-08-10 培训(省厅)`` → entries, and the bad pieces."""
    found, bad = [], []
    for piece in _ENTRY_SPLIT.split(_text(text)):
        if not piece.strip():
            continue
        match = _RANGE.match(piece)
        start = _date(match.group(1)) if match else None
        end = _date(match.group(2)) if match and match.group(2) else start
        reason = _REASON_WORDS.get((match.group(3) or "请假").lower()) if match else None
        if start is None or end is None or reason is None or end < start:
            bad.append(piece.strip())
            continue
        found.append(Unavailability(start, end, reason, (match.group(4) or "").strip()))
    return tuple(found), bad


def format_unavailability(items: Iterable[Unavailability]) -> str:
    parts = []
    for u in items:
        days = u.start.isoformat() if u.start == u.end else f"{u.start}~{u.end}"
        parts.append(f"{days} {u.reason_zh}" + (f"({u.note})" if u.note else ""))
    return "；".join(parts)


# ----------------------------------------------------------------------------- records
_LABELS = {
    "name": ("姓名", "name"), "unit": ("单位", "unit"), "phone": ("联系电话", "phone"),
    "username": ("登录账号", "account"),
    "roles": ("值班岗位", "duty roles"), "qualifications": ("资质", "qualifications"),
    "active": ("在岗", "active"), "is_sample": ("示例数据", "sample"), "note": ("备注", "note"),
    "unavailable": ("不可值班", "unavailability"),
}


def _problem(name: str, zh: str, en: str, value: object = None) -> FieldProblem:
    label_zh, label_en = _LABELS.get(name, (name, name))
    shown = None if value is None else _text(value)[:100]
    return FieldProblem(name, f"{label_zh}:{zh}", f"{label_en}: {en}", shown)


def clean_staff(data: Mapping[str, object], *, partial: bool = False
                ) -> tuple[dict[str, object], list[FieldProblem]]:
    """Validated fields of ``data`` (every field, or with ``partial`` only those given)."""
    values: dict[str, object] = {}
    problems: list[FieldProblem] = []

    def given(name: str) -> bool:
        return name in data or not partial

    if given("name"):
        name = _text(data.get("name"))
        if not name:
            problems.append(_problem("name", "必填", "required"))
        elif len(name) > MAX_NAME:
            problems.append(_problem("name", f"不超过 {MAX_NAME} 个字", f"at most {MAX_NAME} "
                                     "characters", name))
        values["name"] = name
    for key, limit in (("unit", MAX_UNIT), ("note", MAX_NOTE)):
        if given(key):
            text = _text(data.get(key))
            if len(text) > limit:
                problems.append(_problem(key, f"不超过 {limit} 个字",
                                         f"at most {limit} characters", text))
            values[key] = text
    if given("phone"):
        phone = _text(data.get("phone"))
        digits = sum(c.isdigit() for c in phone)
        if not phone:
            problems.append(_problem("phone", "必填(值班须能联系到人)",
                                     "required (people on duty must be reachable)"))
        elif digits < 5 or len(phone) > MAX_PHONE:
            problems.append(_problem("phone", "不是有效的电话号码",
                                     "not a valid telephone number", phone))
        values["phone"] = phone
    if "username" in data:  # the person's login (optional; never required by an import)
        username = _text(data.get("username"))
        if len(username) > 64:
            problems.append(_problem("username", "不超过 64 个字符", "at most 64 characters",
                                     username))
        values["username"] = username or None
    if given("roles"):
        roles, unknown = parse_roles(data.get("roles"))
        if unknown:
            allowed = "、".join(zh for zh, _ in DUTY_ROLES.values())
            problems.append(_problem("roles", f"无法识别「{'、'.join(unknown)}」(可填:{allowed})",
                                     f"unknown {unknown} (use {', '.join(DUTY_ROLES)})",
                                     data.get("roles")))
        elif not roles:
            problems.append(_problem("roles", "至少填写一个值班岗位",
                                     "give at least one duty role"))
        values["roles"] = roles
    if given("qualifications"):
        quals = _list(data.get("qualifications"))
        long = [q for q in quals if len(q) > MAX_QUALIFICATION]
        if long:
            problems.append(_problem("qualifications", f"每项不超过 {MAX_QUALIFICATION} 个字",
                                     f"each at most {MAX_QUALIFICATION} characters", long[0]))
        values["qualifications"] = tuple(quals)
    for key, default in (("active", True), ("is_sample", False)):
        if key in data:
            raw = data.get(key)
            flag = default if _text(raw) == "" else _bool(raw)
            if flag is None:
                problems.append(_problem(key, "须为 是 或 否", "must be yes or no", raw))
            values[key] = default if flag is None else flag
        elif not partial:
            values[key] = default
    raw_away = data.get("unavailable")
    if isinstance(raw_away, list | tuple):
        entries = []
        for entry in raw_away:
            found, wrong = clean_unavailability(entry if isinstance(entry, Mapping) else {})
            problems += [FieldProblem("unavailable", p.message_zh, p.message_en, p.value)
                         for p in wrong]
            if found is not None:
                entries.append(found)
        values["unavailable"] = tuple(entries)
    elif "unavailable" in data:
        items, bad = parse_unavailability(raw_away)
        if bad:
            problems.append(_problem(
                "unavailable", f"无法识别「{bad[0]}」(格式如 2026-07-01~2026-07-05 请假)",
                f"cannot read {bad[0]!r} (write e.g. 2026-07-01~2026-07-05 请假)", bad[0]))
        values["unavailable"] = items
    return values, problems


def clean_unavailability(data: Mapping[str, object]
                         ) -> tuple[Unavailability | None, list[FieldProblem]]:
    """``{start, end?, reason?, note?}`` → an Unavailability."""
    start, end = _date(data.get("start")), _date(data.get("end") or data.get("start"))
    reason = _REASON_WORDS.get(_text(data.get("reason") or "leave").lower())
    note = _text(data.get("note"))
    problems: list[FieldProblem] = []
    if start is None or end is None:
        problems.append(FieldProblem("start", "开始/结束日期须为 YYYY-MM-DD",
                                     "start/end must be dates YYYY-MM-DD",
                                     _text(data.get("start"))))
    elif end < start:
        problems.append(FieldProblem("end", "结束日期早于开始日期", "end is before start",
                                     _text(data.get("end"))))
    if reason is None:
        problems.append(FieldProblem("reason", "事由须为 请假/培训/出差/其他",
                                     "reason must be leave, training, trip or other",
                                     _text(data.get("reason"))))
    if len(note) > 200:
        problems.append(FieldProblem("note", "备注不超过 200 字", "note: at most 200 characters"))
    if problems:
        return None, problems
    assert start is not None and end is not None and reason is not None
    return Unavailability(start, end, reason, note), []


def clean_preference(data: Mapping[str, object]) -> tuple[Preference | None, list[FieldProblem]]:
    """``{kind: avoid|prefer, start?, end?, weekdays?: [0-6], weight?}`` → a Preference."""
    problems = []
    kind = _text(data.get("kind"))
    kind = {"回避": "avoid", "避免": "avoid", "优先": "prefer", "希望": "prefer"}.get(kind, kind)
    if kind not in ("avoid", "prefer"):
        problems.append(FieldProblem("kind", "类型须为 avoid(回避)或 prefer(优先)",
                                     "kind must be avoid or prefer", kind))
    start = _date(data.get("start")) if data.get("start") else None
    end = _date(data.get("end")) if data.get("end") else None
    if (data.get("start") and start is None) or (data.get("end") and end is None):
        problems.append(FieldProblem("start", "日期须为 YYYY-MM-DD", "dates must be YYYY-MM-DD"))
    raw_days = data.get("weekdays") or []
    try:
        weekdays = frozenset(int(d) for d in raw_days)  # type: ignore[union-attr]
        if not all(0 <= d <= 6 for d in weekdays):
            raise ValueError
    except (TypeError, ValueError):
        weekdays = frozenset()
        problems.append(FieldProblem("weekdays", "星期须为 0(周一)…6(周日)",
                                     "weekdays are 0 (Monday) … 6 (Sunday)", _text(raw_days)))
    try:
        weight = int(data.get("weight") or 1)  # type: ignore[arg-type]
        if not 0 <= weight <= 10:
            raise ValueError
    except (TypeError, ValueError):
        weight = 1
        problems.append(FieldProblem("weight", "权重须为 0…10 的整数",
                                     "weight must be an integer 0 … 10"))
    if start and end and end < start:
        problems.append(FieldProblem("end", "结束日期早于开始日期", "end is before start"))
    if problems:
        return None, problems
    return Preference(kind, start, end, weekdays, weight), []


def to_person(staff_id: int | str, roles: Iterable[str], qualifications: Iterable[str],
              name: str, unavailable: Iterable[Unavailability] = (),
              preferences: Iterable[Preference] = ()) -> Person:
    """The generator's Person: its qualifications are the duty roles plus the qualifications."""
    return Person(str(staff_id), name, frozenset(roles) | frozenset(qualifications),
                  tuple(unavailable), tuple(preferences))
