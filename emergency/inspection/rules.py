"""The rules of an inspection and of a hazard's life (pure: no Flask, no database).

A checklist item is answered 合格 (``ok``), 存在隐患 (``hazard``) or 不适用 (``na``). A hazard is
graded 重大 (``major``) or 一般 (``minor``); a major one needs a 治理方案 and gets a longer
deadline, an ordinary one a short one (defaults and the ordinary maximum in the checklist file).

A hazard goes 待整改 → 整改中 → 待验收 → 已销号 (``open`` → ``in_progress`` →
``awaiting_verification`` → ``closed``), each step with evidence (text, photos):

* ``rectify``: the responsible side reports progress (→ 整改中) or completion (→ 待验收);
* ``verify``: someone other than the person who reported the completion closes it (销号);
* ``reopen``: a failed verification, or a closed hazard found again, goes back to 整改中.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from emergency.inspection.checklists import ChecklistItem, Grade

RESULTS = {"ok": ("合格", "compliant"), "hazard": ("存在隐患", "hazard found"),
           "na": ("不适用", "not applicable")}
GRADES = {"major": ("重大", "major"), "minor": ("一般", "ordinary")}
GRADE_ALIASES = {"重大": "major", "重大隐患": "major", "一般": "minor", "一般隐患": "minor"}
RESULT_ALIASES = {"合格": "ok", "存在隐患": "hazard", "隐患": "hazard", "不适用": "na"}
STATUSES = {"open": ("待整改", "to rectify"), "in_progress": ("整改中", "being rectified"),
            "awaiting_verification": ("待验收", "awaiting verification"),
            "closed": ("已销号", "closed")}
OPEN_STATUSES = ("open", "in_progress", "awaiting_verification")
RUNNING_STATUSES = ("open", "in_progress")  # the deadline still runs (not yet reported done)
PLAN_FIELDS = {"goal": ("治理目标", "goal"), "measures": ("治理措施", "measures"),
               "funds": ("经费和物资", "funds and materials"),
               "responsible": ("负责机构和人员", "who is responsible"),
               "interim": ("治理期间的防范和应急措施", "interim safeguards")}
PLAN_REQUIRED = ("measures", "responsible", "interim")
TEXT_MAX = 2000
MAX_PHOTOS = 6


@dataclass(frozen=True)
class Problem:
    """One thing wrong with submitted results, in both languages, with where."""

    where: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict:
        return {"where": self.where, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True)
class HazardInput:
    grade: str
    description: str
    responsible_unit: str
    deadline: date
    plan: dict[str, str] | None
    photo_ids: tuple[int, ...]


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    result: str
    note: str
    hazard: HazardInput | None


@dataclass
class ParsedResults:
    results: list[ItemResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def hazards(self) -> list[ItemResult]:
        return [r for r in self.results if r.hazard is not None]


def _text(value: object) -> str:
    return str(value).strip()[:TEXT_MAX] if value is not None else ""


def parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def grade_code(value: object) -> str | None:
    text = _text(value)
    return text if text in GRADES else GRADE_ALIASES.get(text)


def default_deadline(grade: Grade, today: date) -> date:
    return today + timedelta(days=grade.default_days)


def parse_hazard(raw: object, where: str, grades: Mapping[str, Grade], today: date,
                 problems: list[Problem]) -> HazardInput | None:
    """A hazard from the form; problems are appended (and None returned) when it is not valid."""
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(Problem(where, "选择「存在隐患」时须填写隐患信息",
                                "a 'hazard found' answer needs the hazard's details"))
        return None
    code = grade_code(raw.get("grade"))
    if code is None:
        problems.append(Problem(f"{where}.grade", "隐患等级须为 重大 或 一般",
                                "the grade must be major (重大) or ordinary (一般)"))
        return None
    grade = grades[code]
    description = _text(raw.get("description"))
    if not description:
        problems.append(Problem(f"{where}.description", "请描述隐患", "describe the hazard"))
    unit = _text(raw.get("responsible_unit"))
    if not unit:
        problems.append(Problem(f"{where}.responsible_unit", "请填写整改责任单位",
                                "name the unit responsible for the rectification"))
    deadline = default_deadline(grade, today)
    if raw.get("deadline") not in (None, ""):
        deadline = parse_date(raw.get("deadline"))  # type: ignore[assignment]
        if deadline is None:
            problems.append(Problem(f"{where}.deadline", "整改期限须为日期(YYYY-MM-DD)",
                                    "the deadline must be a date (YYYY-MM-DD)"))
        elif deadline <= today:
            problems.append(Problem(f"{where}.deadline", "整改期限须晚于今天",
                                    "the deadline must be after today"))
        elif grade.max_days is not None and deadline > today + timedelta(days=grade.max_days):
            problems.append(Problem(
                f"{where}.deadline",
                f"{grade.label_zh}整改期限不超过 {grade.max_days} 天;需要更长时间的应定为重大隐患"
                "并制定治理方案",
                f"an ordinary hazard is rectified within {grade.max_days} days; one that needs "
                "longer is a major hazard with a remediation plan"))
    plan = None
    if code == "major":
        raw_plan = raw.get("plan") if isinstance(raw.get("plan"), dict) else {}
        plan = {k: _text(raw_plan.get(k)) for k in PLAN_FIELDS}
        missing = [k for k in PLAN_REQUIRED if not plan[k]]
        if missing:
            problems.append(Problem(
                f"{where}.plan",
                "重大隐患须制定治理方案,缺少:" + "、".join(PLAN_FIELDS[k][0] for k in missing),
                "a major hazard needs a remediation plan; missing: "
                + ", ".join(PLAN_FIELDS[k][1] for k in missing)))
    photos = raw.get("photo_ids") or []
    if not isinstance(photos, list) or not all(isinstance(p, int) and not isinstance(p, bool)
                                               for p in photos):
        problems.append(Problem(f"{where}.photo_ids", "照片编号须为整数列表",
                                "photo_ids must be a list of integers"))
        photos = []
    elif len(photos) > MAX_PHOTOS:
        problems.append(Problem(f"{where}.photo_ids", f"每项隐患最多 {MAX_PHOTOS} 张照片",
                                f"at most {MAX_PHOTOS} photos per hazard"))
    if len(problems) > before or deadline is None:
        return None
    return HazardInput(code, description, unit, deadline, plan, tuple(photos))


def parse_results(raw_items: object, checklist: Sequence[ChecklistItem],
                  grades: Mapping[str, Grade], today: date, *, complete: bool) -> ParsedResults:
    """Check the answers of a task's form against its checklist.

    ``complete`` (a sign-off): every item must be answered. Unknown or repeated items, bad
    answers and invalid hazards are problems; nothing is stored unless there are none.
    """
    out = ParsedResults()
    if not isinstance(raw_items, list):
        out.problems.append(Problem("items", "items 须为列表", "items must be a list"))
        return out
    known = {i.id for i in checklist}
    seen: set[str] = set()
    for n, raw in enumerate(raw_items):
        where = f"items[{n}]"
        if not isinstance(raw, dict):
            out.problems.append(Problem(where, "每项须为对象", "each item must be an object"))
            continue
        item_id = _text(raw.get("item_id"))
        if item_id not in known:
            out.problems.append(Problem(f"{where}.item_id", f"排查表中没有条目「{item_id}」",
                                        f"the checklist has no item {item_id!r}"))
            continue
        if item_id in seen:
            out.problems.append(Problem(f"{where}.item_id", f"条目「{item_id}」重复",
                                        f"item {item_id!r} is given twice"))
            continue
        seen.add(item_id)
        result = _text(raw.get("result"))
        result = result if result in RESULTS else RESULT_ALIASES.get(result, "")
        if not result:
            out.problems.append(Problem(f"{where}.result", "结果须为 合格、存在隐患 或 不适用",
                                        "the result must be ok, hazard or na"))
            continue
        hazard = None
        if result == "hazard":
            hazard = parse_hazard(raw.get("hazard"), f"{where}.hazard", grades, today,
                                  out.problems)
        out.results.append(ItemResult(item_id, result, _text(raw.get("note")), hazard))
    if complete:
        missing = [i.id for i in checklist if i.id not in seen]
        if missing:
            out.problems.append(Problem("items", f"尚有 {len(missing)} 项未填写:"
                                        + "、".join(missing),
                                        f"{len(missing)} items are not answered: "
                                        + ", ".join(missing)))
    return out


# ----------------------------------------------------------------------------- workflow
class WorkflowError(Exception):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


def after_rectify(status: str, complete: bool) -> str:
    """The status after a rectification report (整改情况报告)."""
    if status not in RUNNING_STATUSES:
        raise WorkflowError("wrong_status",
                            f"隐患当前为「{STATUSES[status][0]}」,不能报告整改",
                            f"the hazard is {STATUSES[status][1]}: no rectification report now")
    return "awaiting_verification" if complete else "in_progress"


def after_verify(status: str, verifier: str, reported_by: str | None) -> str:
    """The status after verification (验收): closed, by someone other than the reporter."""
    if status != "awaiting_verification":
        raise WorkflowError("wrong_status",
                            f"隐患当前为「{STATUSES[status][0]}」,只有待验收的隐患可以验收销号",
                            f"the hazard is {STATUSES[status][1]}: only a hazard awaiting "
                            "verification can be verified")
    if reported_by is not None and verifier == reported_by:
        raise WorkflowError("same_person",
                            "验收须由报告整改完成者以外的人员进行",
                            "verification must be done by someone other than the person who "
                            "reported the rectification")
    return "closed"


def after_reopen(status: str) -> str:
    if status not in ("awaiting_verification", "closed"):
        raise WorkflowError("wrong_status",
                            f"隐患当前为「{STATUSES[status][0]}」,无需重新整改",
                            f"the hazard is {STATUSES[status][1]}: nothing to reopen")
    return "in_progress"


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """Past its deadline and not yet reported rectified (逾期)."""
    return status in RUNNING_STATUSES and today > deadline


def reminder_kind(status: str, deadline: date, today: date, before_days: int) -> str | None:
    """``overdue`` after the deadline, ``due_soon`` within ``before_days`` of it, else None."""
    if status not in RUNNING_STATUSES:
        return None
    if today > deadline:
        return "overdue"
    if (deadline - today).days <= before_days:
        return "due_soon"
    return None


@dataclass(frozen=True)
class HazardFacts:
    """What the statistics and reminders read of a hazard."""

    prefecture_zh: str
    source_kind: str
    grade: str
    status: str
    deadline: date


def statistics(hazards: Iterable[HazardFacts], today: date) -> dict:
    """Counts by prefecture, source type, grade and status, with overdue counts."""
    out: dict = {"total": 0, "overdue": 0, "by_status": {s: 0 for s in STATUSES},
                 "by_grade": {g: 0 for g in GRADES}, "by_kind": {}, "by_prefecture": {}}
    for h in hazards:
        overdue = is_overdue(h.status, h.deadline, today)
        out["total"] += 1
        out["overdue"] += overdue
        out["by_status"][h.status] = out["by_status"].get(h.status, 0) + 1
        out["by_grade"][h.grade] = out["by_grade"].get(h.grade, 0) + 1
        out["by_kind"][h.source_kind] = out["by_kind"].get(h.source_kind, 0) + 1
        p = out["by_prefecture"].setdefault(h.prefecture_zh, {
            "total": 0, "open": 0, "major_open": 0, "overdue": 0, "closed": 0})
        p["total"] += 1
        p["overdue"] += overdue
        if h.status == "closed":
            p["closed"] += 1
        else:
            p["open"] += 1
            p["major_open"] += h.grade == "major"
    return out
