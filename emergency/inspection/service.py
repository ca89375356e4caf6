"""Inspection use cases on the database (隐患排查业务): campaigns, tasks, results, hazards.

Each function takes a session (the caller's unit of work) and the acting account, checks what
the pure rules and the account's prefecture allow, and raises :class:`InspectionError` (with the
HTTP status the web layer answers) before anything is written. An account bound to a prefecture
(``users.prefecture_zh``) acts on that prefecture's risk sources only; an account bound to none
is the provincial centre.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from emergency.auth_rules import Permission, allows
from emergency.inspection import photos as photo_files
from emergency.inspection import rules
from emergency.inspection.checklists import SOURCE_KINDS, Checklists
from emergency.inventory.vocab import RISK_LEVELS, RISK_SOURCE_KINDS
from emergency.refresh.prefectures import PREFECTURES
from emergency.refresh.prefectures import find as find_prefecture
from emergency.store.auth_models import User
from emergency.store.inspection_models import (
    Hazard,
    HazardEvent,
    InspectionCampaign,
    InspectionPhoto,
    InspectionTask,
)
from emergency.store.inventory_models import RiskSource


class InspectionError(Exception):
    """A request the client can fix (4xx): bad input, not allowed, not found, stale."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str,
                 **details: object) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_zh, self.message_en = message_zh, message_en
        self.details = details


@dataclass(frozen=True)
class Actor:
    """Who acts: the username, role and the prefecture the account answers for."""

    username: str
    role: str
    prefecture_zh: str | None = None
    display_name: str = ""

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.role, user.prefecture_zh, user.display_name or "")


def _invalid(problems: list[rules.Problem]) -> InspectionError:
    n = len(problems)
    return InspectionError(422, "invalid_input", f"有 {n} 处错误,未保存任何内容:"
                           + ";".join(p.message_zh for p in problems[:5]),
                           f"{n} problem(s), nothing was saved: "
                           + "; ".join(p.message_en for p in problems[:5]),
                           problems=[p.as_dict() for p in problems])


def _bad(where: str, zh: str, en: str) -> InspectionError:
    return _invalid([rules.Problem(where, zh, en)])


def _not_found(what_zh: str, what_en: str, ident: object) -> InspectionError:
    return InspectionError(404, "not_found", f"{what_zh} {ident} 不存在",
                           f"no {what_en} {ident}")


def _check_prefecture(actor: Actor, prefecture_zh: str, doing_zh: str, doing_en: str) -> None:
    if actor.prefecture_zh is not None and actor.prefecture_zh != prefecture_zh:
        raise InspectionError(
            403, "other_prefecture",
            f"本账号属于{actor.prefecture_zh},不能{doing_zh}{prefecture_zh}的隐患排查事项",
            f"this account answers for {actor.prefecture_zh}: it cannot {doing_en} "
            f"{prefecture_zh}'s inspection items", prefecture=prefecture_zh)


def _check_version(current: int, sent: object) -> None:
    if sent is None or isinstance(sent, bool) or not isinstance(sent, int):
        raise _bad("version", "请提供读取时的版本号 version", "send the version you read")
    if sent != current:
        raise InspectionError(409, "stale_version",
                              "数据已被他人修改,请刷新后重试(未保存)",
                              "someone else changed this in the meantime; reload and try "
                              "again (nothing was saved)", current_version=current)


def _text(value: object, limit: int = rules.TEXT_MAX) -> str:
    return str(value).strip()[:limit] if value is not None else ""


# ----------------------------------------------------------------------------- campaigns
def _list_of(data: Mapping, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise _bad(key, f"{key} 须为列表", f"{key} must be a list")
    return value


def create_campaign(session: Session, data: Mapping, actor: Actor, today: date, *,
                    sample: bool = False) -> InspectionCampaign:
    """A campaign (排查行动) selecting risk sources by type, prefecture and risk level."""
    problems: list[rules.Problem] = []
    name = _text(data.get("name"), 200)
    if not name:
        problems.append(rules.Problem("name", "请填写行动名称", "name the campaign"))
    kinds = _list_of(data, "kinds") or list(SOURCE_KINDS)
    bad_kinds = [k for k in kinds if k not in SOURCE_KINDS]
    if bad_kinds:
        problems.append(rules.Problem("kinds", "风险源类型须为 enterprise、tailings_pond、"
                                      "chemical_park", "kinds must be among enterprise, "
                                      "tailings_pond, chemical_park"))
    prefectures = []
    for p in _list_of(data, "prefectures"):
        found = find_prefecture(p)
        if found is None or found not in PREFECTURES:
            problems.append(rules.Problem("prefectures", f"「{p}」不是吉林省的市(州)",
                                          f"{p!r} is not a prefecture of Jilin"))
        else:
            prefectures.append(found.name_zh)
    if actor.prefecture_zh is not None:
        if prefectures and set(prefectures) != {actor.prefecture_zh}:
            _check_prefecture(actor, next(p for p in prefectures if p != actor.prefecture_zh),
                              "部署", "plan")
        prefectures = [actor.prefecture_zh]
    levels = _list_of(data, "risk_levels")
    if any(lv not in RISK_LEVELS for lv in levels):
        problems.append(rules.Problem("risk_levels", "风险等级须为 重大、较大、一般",
                                      "risk levels must be among 重大, 较大, 一般"))
    due = rules.parse_date(data.get("due_date"))
    if due is None:
        problems.append(rules.Problem("due_date", "请填写完成期限(YYYY-MM-DD)",
                                      "give the due date (YYYY-MM-DD)"))
    elif due < today and not sample:
        problems.append(rules.Problem("due_date", "完成期限不能早于今天",
                                      "the due date cannot be in the past"))
    year = data.get("year") or (due.year if due else today.year)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.append(rules.Problem("year", "年份须为整数", "year must be an integer"))
    if problems:
        raise _invalid(problems)
    row = InspectionCampaign(name=name, year=year, kinds=sorted(set(kinds)),
                             prefectures=sorted(set(prefectures)),
                             risk_levels=sorted(set(levels)), due_date=due,
                             note=_text(data.get("note")), status="open", sample=sample,
                             created_by=actor.username)
    session.add(row)
    session.flush()
    return row


def campaign_sources(session: Session, campaign: InspectionCampaign) -> list[RiskSource]:
    stmt = select(RiskSource).where(RiskSource.kind.in_(campaign.kinds)).order_by(RiskSource.id)
    if campaign.prefectures:
        stmt = stmt.where(RiskSource.prefecture_zh.in_(campaign.prefectures))
    if campaign.risk_levels:
        stmt = stmt.where(RiskSource.risk_level.in_(campaign.risk_levels))
    return list(session.scalars(stmt))


def get_campaign(session: Session, campaign_id: int) -> InspectionCampaign:
    row = session.get(InspectionCampaign, campaign_id)
    if row is None:
        raise _not_found("排查行动", "campaign", campaign_id)
    return row


def list_campaigns(session: Session) -> list[InspectionCampaign]:
    return list(session.scalars(select(InspectionCampaign)
                                .options(selectinload(InspectionCampaign.tasks))
                                .order_by(InspectionCampaign.id.desc())))


def progress(session: Session, campaign: InspectionCampaign) -> dict:
    """Per prefecture: risk sources selected, tasks assigned and done, hazards found."""
    rows: dict[str, dict] = defaultdict(lambda: {"sources": 0, "assigned": 0, "done": 0,
                                                 "overdue": 0, "hazards": 0, "major": 0})
    for src in campaign_sources(session, campaign):
        rows[src.prefecture_zh]["sources"] += 1
    task_ids = []
    for t in campaign.tasks:
        r = rows[t.prefecture_zh]
        r["assigned"] += 1
        r["done"] += t.status == "done"
        task_ids.append(t.id)
    if task_ids:
        stmt = (select(Hazard.prefecture_zh, Hazard.grade, func.count())
                .where(Hazard.task_id.in_(task_ids)).group_by(Hazard.prefecture_zh, Hazard.grade))
        for pref, grade, n in session.execute(stmt):
            rows[pref]["hazards"] += n
            if grade == "major":
                rows[pref]["major"] += n
    order = {p.name_zh: i for i, p in enumerate(PREFECTURES)}
    out = [{"prefecture_zh": p, **v} for p, v in sorted(rows.items(),
                                                        key=lambda kv: order.get(kv[0], 99))]
    total = {k: sum(r[k] for r in out) for k in ("sources", "assigned", "done", "hazards",
                                                  "major")}
    return {"by_prefecture": out, "total": total}


# ----------------------------------------------------------------------------- tasks
def _inspector(session: Session, username: object) -> User:
    name = _text(username, 64)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None or not user.active:
        raise _bad("inspector", f"没有名为「{name}」的有效账号", f"no active account {name!r}")
    if not allows(user.role, Permission.INSPECTION_RECORD):
        raise _bad("inspector", f"账号「{name}」不是隐患排查员",
                   f"account {name!r} is not an inspector")
    return user


def assign_tasks(session: Session, campaign_id: int, data: Mapping, actor: Actor,
                 today: date, checklists: Checklists, *, sample: bool = False
                 ) -> list[InspectionTask]:
    """Assign inspection tasks: ``{"tasks": [{risk_source_id, inspector, due_date?}]}``, or
    ``{"inspector", "prefecture"?, "due_date"?}`` for every unassigned selected source (of that
    prefecture). The inspector's prefecture must be the source's (or none: province-wide)."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status != "open":
        raise InspectionError(409, "campaign_closed", "排查行动已结束", "the campaign is closed")
    selected = {s.id: s for s in campaign_sources(session, campaign)}
    taken = {t.risk_source_id for t in campaign.tasks}
    wanted: list[tuple[RiskSource, User, date]] = []
    default_due = campaign.due_date
    if isinstance(data.get("tasks"), list):
        for n, raw in enumerate(data["tasks"]):
            if not isinstance(raw, dict):
                raise _bad(f"tasks[{n}]", "每项须为对象", "each task must be an object")
            sid = raw.get("risk_source_id")
            src = selected.get(sid) if isinstance(sid, int) else None
            if src is None:
                raise _bad(f"tasks[{n}].risk_source_id",
                           f"风险源 {sid} 不在本次排查行动的范围内",
                           f"risk source {sid} is not selected by this campaign")
            due = rules.parse_date(raw.get("due_date")) if raw.get("due_date") else default_due
            if due is None:
                raise _bad(f"tasks[{n}].due_date", "期限须为日期", "due_date must be a date")
            wanted.append((src, _inspector(session, raw.get("inspector")), due))
    elif data.get("inspector"):
        user = _inspector(session, data.get("inspector"))
        pref = None
        if data.get("prefecture"):
            found = find_prefecture(data["prefecture"])
            if found is None:
                raise _bad("prefecture", "不是吉林省的市(州)", "not a prefecture of Jilin")
            pref = found.name_zh
        pref = pref or user.prefecture_zh
        due = rules.parse_date(data.get("due_date")) if data.get("due_date") else default_due
        if due is None:
            raise _bad("due_date", "期限须为日期", "due_date must be a date")
        wanted = [(s, user, due) for s in selected.values()
                  if s.id not in taken and (pref is None or s.prefecture_zh == pref)]
    else:
        raise _bad("tasks", "请给出 tasks 列表,或 inspector(及 prefecture)",
                   "give a tasks list, or an inspector (and a prefecture)")
    if not wanted:
        raise _bad("tasks", "没有可分配的风险源(均已分配或不在范围内)",
                   "no risk source to assign (all assigned or none selected)")
    out = []
    for src, user, due in wanted:
        _check_prefecture(actor, src.prefecture_zh, "分配", "assign")
        if user.prefecture_zh is not None and user.prefecture_zh != src.prefecture_zh:
            raise InspectionError(
                422, "inspector_other_prefecture",
                f"排查员 {user.username} 属于{user.prefecture_zh},不能排查{src.prefecture_zh}的"
                f"「{src.name}」", f"inspector {user.username} answers for "
                f"{user.prefecture_zh}, not for {src.prefecture_zh} ({src.name})")
        if src.id in taken:
            raise InspectionError(409, "already_assigned", f"「{src.name}」已分配排查任务",
                                  f"{src.name} already has a task in this campaign",
                                  risk_source_id=src.id)
        if due < today and not sample:
            raise _bad("due_date", "期限不能早于今天", "the due date cannot be in the past")
        taken.add(src.id)
        checklist = checklists.for_kind(src.kind)
        task = InspectionTask(
            campaign=campaign, risk_source_id=src.id, risk_source_name=src.name,
            source_kind=src.kind, prefecture_zh=src.prefecture_zh, county_zh=src.county_zh,
            inspector=user.username, due_date=due, status="assigned",
            checklist_version=checklists.version,
            checklist=[i.as_dict() for i in checklist.items], results={}, sample=sample)
        session.add(task)
        out.append(task)
    session.flush()
    return out


def list_tasks(session: Session, *, inspector: str | None = None,
               campaign_id: int | None = None, status: str | None = None,
               prefecture_zh: str | None = None) -> list[InspectionTask]:
    stmt = select(InspectionTask).order_by(InspectionTask.due_date, InspectionTask.id)
    if inspector is not None:
        stmt = stmt.where(InspectionTask.inspector == inspector)
    if campaign_id is not None:
        stmt = stmt.where(InspectionTask.campaign_id == campaign_id)
    if status is not None:
        stmt = stmt.where(InspectionTask.status == status)
    if prefecture_zh is not None:
        stmt = stmt.where(InspectionTask.prefecture_zh == prefecture_zh)
    return list(session.scalars(stmt))


def get_task(session: Session, task_id: int) -> InspectionTask:
    row = session.get(InspectionTask, task_id)
    if row is None:
        raise _not_found("排查任务", "inspection task", task_id)
    return row


def _checklist_items(task: InspectionTask):
    from emergency.inspection.checklists import ChecklistItem

    return [ChecklistItem(**i) for i in task.checklist]


def save_results(session: Session, task_id: int, data: Mapping, actor: Actor, now: datetime,
                 checklists: Checklists) -> tuple[InspectionTask, list[Hazard]]:
    """Save a task's answers (a draft), or sign it off (``"submit": true``): then every item
    must be answered, and each 存在隐患 answer becomes a hazard in the register."""
    task = get_task(session, task_id)
    if task.inspector != actor.username and not allows(actor.role, Permission.INSPECTION_MANAGE):
        raise InspectionError(403, "not_your_task",
                              f"该任务分配给 {task.inspector},不能代填",
                              f"this task is assigned to {task.inspector}")
    _check_prefecture(actor, task.prefecture_zh, "填报", "fill in")
    if task.status == "done":
        raise InspectionError(409, "already_signed", "该排查已签字提交,不能再修改",
                              "this inspection is signed off and can no longer change")
    _check_version(task.version, data.get("version"))
    submit = bool(data.get("submit"))
    today = now.date()
    parsed = rules.parse_results(data.get("items"), _checklist_items(task), checklists.grades,
                                 today, complete=submit)
    signed_name = _text(data.get("signed_name"), 100)
    if submit and not signed_name:
        parsed.problems.append(rules.Problem("signed_name", "请签字(填写排查人员姓名)",
                                             "sign off: give the inspector's name"))
    photo_rows: dict[int, InspectionPhoto] = {}
    wanted_photos = [p for r in parsed.hazards for p in r.hazard.photo_ids]  # type: ignore
    if wanted_photos:
        photo_rows = _own_free_photos(session, wanted_photos, actor, parsed.problems)
    if parsed.problems:
        raise _invalid(parsed.problems)
    raw_by_item = {str(r.get("item_id")): r for r in data.get("items") or []
                   if isinstance(r, dict)}
    task.results = {r.item_id: {"result": r.result, "note": r.note,
                                "hazard": raw_by_item[r.item_id].get("hazard")
                                if r.result == "hazard" else None}
                    for r in parsed.results}
    task.version += 1
    task.updated_at = now
    hazards: list[Hazard] = []
    if not submit:
        task.status = "in_progress"
        return task, hazards
    task.status = "done"
    task.signed_by, task.signed_name, task.signed_at = actor.username, signed_name, now
    items = {i["id"]: i for i in task.checklist}
    for r in parsed.hazards:
        h = r.hazard
        assert h is not None
        item = items[r.item_id]
        row = Hazard(task_id=task.id, risk_source_id=task.risk_source_id,
                     risk_source_name=task.risk_source_name, source_kind=task.source_kind,
                     prefecture_zh=task.prefecture_zh, county_zh=task.county_zh,
                     item_id=r.item_id, item_text_zh=item["text_zh"][:500],
                     basis=item["basis"][:500], grade=h.grade, description=h.description,
                     responsible_unit=h.responsible_unit, deadline=h.deadline, plan=h.plan,
                     status="open", found_by=actor.username, found_at=now, sample=task.sample,
                     updated_at=now)
        session.add(row)
        session.flush()
        row.events.append(HazardEvent(kind="found", status_after="open", actor=actor.username,
                                      at=now, note=h.description, photo_ids=list(h.photo_ids)))
        for pid in h.photo_ids:
            photo_rows[pid].hazard_id = row.id
        hazards.append(row)
    session.flush()
    return task, hazards


def _own_free_photos(session: Session, ids: Iterable[int], actor: Actor,
                     problems: list[rules.Problem]) -> dict[int, InspectionPhoto]:
    ids = list(ids)
    if len(set(ids)) != len(ids):
        problems.append(rules.Problem("photo_ids", "同一张照片不能用两次",
                                      "a photo cannot be used twice"))
    rows = {p.id: p for p in session.scalars(select(InspectionPhoto)
                                             .where(InspectionPhoto.id.in_(ids)))}
    for pid in ids:
        p = rows.get(pid)
        if p is None or p.uploaded_by != actor.username or p.hazard_id is not None:
            problems.append(rules.Problem("photo_ids", f"照片 {pid} 不存在、不是本人上传或已被使用",
                                          f"photo {pid} does not exist, was not uploaded by "
                                          "you, or is already used"))
    return rows


# ----------------------------------------------------------------------------- hazards
@dataclass(frozen=True)
class HazardQuery:
    status: str | None = None          # a status, or "open" for every status but closed
    prefecture_zh: str | None = None
    grade: str | None = None
    kind: str | None = None
    risk_source_id: int | None = None
    overdue: bool | None = None


def list_hazards(session: Session, q: HazardQuery, today: date) -> list[Hazard]:
    stmt = select(Hazard).options(selectinload(Hazard.events)).order_by(Hazard.deadline,
                                                                         Hazard.id)
    if q.status == "open":
        stmt = stmt.where(Hazard.status.in_(rules.OPEN_STATUSES))
    elif q.status is not None:
        stmt = stmt.where(Hazard.status == q.status)
    if q.prefecture_zh is not None:
        stmt = stmt.where(Hazard.prefecture_zh == q.prefecture_zh)
    if q.grade is not None:
        stmt = stmt.where(Hazard.grade == q.grade)
    if q.kind is not None:
        stmt = stmt.where(Hazard.source_kind == q.kind)
    if q.risk_source_id is not None:
        stmt = stmt.where(Hazard.risk_source_id == q.risk_source_id)
    rows = list(session.scalars(stmt))
    if q.overdue is not None:
        rows = [h for h in rows if rules.is_overdue(h.status, h.deadline, today) == q.overdue]
    return rows


def get_hazard(session: Session, hazard_id: int) -> Hazard:
    row = session.get(Hazard, hazard_id)
    if row is None:
        raise _not_found("隐患", "hazard", hazard_id)
    return row


def _step(session: Session, hazard_id: int, data: Mapping, actor: Actor, now: datetime,
          doing: tuple[str, str]) -> Hazard:
    row = get_hazard(session, hazard_id)
    _check_prefecture(actor, row.prefecture_zh, *doing)
    _check_version(row.version, data.get("version"))
    return row


def _apply(row: Hazard, kind: str, status: str, actor: Actor, now: datetime, note: str,
           photo_rows: Mapping[int, InspectionPhoto]) -> Hazard:
    row.status = status
    row.version += 1
    row.updated_at = now
    row.events.append(HazardEvent(kind=kind, status_after=status, actor=actor.username, at=now,
                                  note=note, photo_ids=list(photo_rows)))
    for p in photo_rows.values():
        p.hazard_id = row.id
    return row


def _evidence(session: Session, data: Mapping, actor: Actor, *, note_required: bool,
              label: tuple[str, str]) -> tuple[str, dict[int, InspectionPhoto]]:
    problems: list[rules.Problem] = []
    note = _text(data.get("note"))
    if note_required and not note:
        problems.append(rules.Problem("note", f"请填写{label[0]}", f"give the {label[1]}"))
    ids = data.get("photo_ids") or []
    rows: dict[int, InspectionPhoto] = {}
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                            for i in ids):
        problems.append(rules.Problem("photo_ids", "照片编号须为整数列表",
                                      "photo_ids must be a list of integers"))
    elif ids:
        if len(ids) > rules.MAX_PHOTOS:
            problems.append(rules.Problem("photo_ids", f"最多 {rules.MAX_PHOTOS} 张照片",
                                          f"at most {rules.MAX_PHOTOS} photos"))
        rows = _own_free_photos(session, ids, actor, problems)
    if problems:
        raise _invalid(problems)
    return note, {i: rows[i] for i in ids}


def _workflow(fn, *args):  # noqa: ANN001, ANN202
    try:
        return fn(*args)
    except rules.WorkflowError as err:
        status = 403 if err.code == "same_person" else 409
        raise InspectionError(status, err.code, err.message_zh, err.message_en) from None


def rectify(session: Session, hazard_id: int, data: Mapping, actor: Actor,
            now: datetime) -> Hazard:
    """整改情况报告: progress (``complete`` false → 整改中) or done (→ 待验收), with evidence."""
    row = _step(session, hazard_id, data, actor, now, ("报告", "report on"))
    complete = data.get("complete", True)
    if not isinstance(complete, bool):
        raise _bad("complete", "complete 须为 true 或 false", "complete must be true or false")
    status = _workflow(rules.after_rectify, row.status, complete)
    note, photo_rows = _evidence(session, data, actor, note_required=True,
                                 label=("整改情况说明", "rectification report"))
    if complete:
        row.reported_by = actor.username
    return _apply(row, "rectified" if complete else "progress", status, actor, now, note,
                  photo_rows)


def verify(session: Session, hazard_id: int, data: Mapping, actor: Actor,
           now: datetime) -> Hazard:
    """验收销号: by someone other than the person who reported the rectification."""
    row = _step(session, hazard_id, data, actor, now, ("验收", "verify"))
    status = _workflow(rules.after_verify, row.status, actor.username, row.reported_by)
    note, photo_rows = _evidence(session, data, actor, note_required=False,
                                 label=("验收意见", "verification note"))
    row.closed_by, row.closed_at = actor.username, now
    return _apply(row, "verified", status, actor, now, note or "验收合格,予以销号", photo_rows)


def reopen(session: Session, hazard_id: int, data: Mapping, actor: Actor,
           now: datetime) -> Hazard:
    """验收不通过 / 复发: back to 整改中 with the reason."""
    row = _step(session, hazard_id, data, actor, now, ("退回", "reopen"))
    status = _workflow(rules.after_reopen, row.status)
    note, photo_rows = _evidence(session, data, actor, note_required=True,
                                 label=("退回原因", "reason"))
    row.closed_by, row.closed_at, row.reported_by = None, None, None
    return _apply(row, "reopened", status, actor, now, note, photo_rows)


def hazard_facts(rows: Iterable[Hazard]) -> list[rules.HazardFacts]:
    return [rules.HazardFacts(h.prefecture_zh, h.source_kind, h.grade, h.status, h.deadline)
            for h in rows]


def statistics(session: Session, today: date, prefecture_zh: str | None = None) -> dict:
    rows = list_hazards(session, HazardQuery(prefecture_zh=prefecture_zh), today)
    return rules.statistics(hazard_facts(rows), today)


# ----------------------------------------------------------------------------- elsewhere
def open_hazards_by_source(session: Session, risk_source_ids: Iterable[int] | None = None, *,
                           grade: str | None = None) -> dict[int, list[Hazard]]:
    """Open (not yet closed) hazards by risk source id: the map, river plans, incidents."""
    stmt = (select(Hazard).where(Hazard.status.in_(rules.OPEN_STATUSES),
                                 Hazard.risk_source_id.is_not(None))
            .order_by(Hazard.grade, Hazard.deadline, Hazard.id))
    if risk_source_ids is not None:
        ids = list(risk_source_ids)
        if not ids:
            return {}
        stmt = stmt.where(Hazard.risk_source_id.in_(ids))
    if grade is not None:
        stmt = stmt.where(Hazard.grade == grade)
    out: dict[int, list[Hazard]] = defaultdict(list)
    for h in session.scalars(stmt):
        out[h.risk_source_id].append(h)  # type: ignore[index]
    return dict(out)


def risk_sources_with_open_hazard(session: Session, *, grade: str | None = None,
                                  kind: str | None = None) -> list[tuple[RiskSource, list]]:
    """Risk sources with an open hazard (of ``grade``): for the map and the drill editor
    ("an enterprise with an open hazard" as a scenario start)."""
    by_source = open_hazards_by_source(session, grade=grade)
    if not by_source:
        return []
    stmt = select(RiskSource).where(RiskSource.id.in_(list(by_source))).order_by(RiskSource.id)
    if kind is not None:
        stmt = stmt.where(RiskSource.kind == kind)
    return [(s, by_source[s.id]) for s in session.scalars(stmt)]


def get_risk_source(session: Session, risk_source_id: int) -> RiskSource:
    row = session.get(RiskSource, risk_source_id)
    if row is None:
        raise _not_found("风险源", "risk source", risk_source_id)
    return row


# ----------------------------------------------------------------------------- reminders
@dataclass(frozen=True)
class PrefectureReminder:
    prefecture_zh: str
    due_soon: tuple[Hazard, ...]
    overdue: tuple[Hazard, ...]


def reminders(session: Session, today: date, before_days: int) -> list[PrefectureReminder]:
    """Per prefecture: the running hazards due within ``before_days`` and those overdue."""
    stmt = select(Hazard).where(Hazard.status.in_(rules.RUNNING_STATUSES)).order_by(
        Hazard.deadline, Hazard.id)
    soon: dict[str, list[Hazard]] = defaultdict(list)
    late: dict[str, list[Hazard]] = defaultdict(list)
    for h in session.scalars(stmt):
        kind = rules.reminder_kind(h.status, h.deadline, today, before_days)
        if kind == "overdue":
            late[h.prefecture_zh].append(h)
        elif kind == "due_soon":
            soon[h.prefecture_zh].append(h)
    return [PrefectureReminder(p, tuple(soon.get(p, ())), tuple(late.get(p, ())))
            for p in sorted(set(soon) | set(late))]


# ----------------------------------------------------------------------------- photos
def save_photo(session: Session, folder: Path, data: bytes, actor: Actor, now: datetime,
               max_bytes: int = photo_files.MAX_BYTES) -> InspectionPhoto:
    try:
        checked = photo_files.check_image(data, max_bytes)
    except photo_files.PhotoError as err:
        raise InspectionError(err.status, err.code, err.message_zh, err.message_en) from None
    name = photo_files.store(folder, data, checked)
    row = InspectionPhoto(stored_name=name, mime=checked.mime, width=checked.width,
                          height=checked.height, size_bytes=checked.size_bytes,
                          sha256=checked.sha256, uploaded_by=actor.username, uploaded_at=now)
    session.add(row)
    session.flush()
    return row


def get_photo(session: Session, photo_id: int) -> InspectionPhoto:
    row = session.get(InspectionPhoto, photo_id)
    if row is None:
        raise _not_found("照片", "photo", photo_id)
    return row


def kind_label(kind: str) -> tuple[str, str]:
    return RISK_SOURCE_KINDS.get(kind, (kind, kind))


def hazard_notices(session: Session, prefecture_zh: str | None = None,
                   limit: int = 10) -> list:
    """The scheduled jobs' deadline reminders (for the register page), newest first."""
    from emergency.store.refresh_models import JobNotice

    stmt = (select(JobNotice).where(JobNotice.kind == "hazard_deadline")
            .order_by(JobNotice.id.desc()).limit(limit))
    if prefecture_zh is not None:
        stmt = stmt.where(JobNotice.prefecture_zh == prefecture_zh)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class HazardNearIncident:
    """A risk source with open hazards at an incident (``at``) or downstream of it."""

    source: RiskSource
    relation: str          # "at" | "downstream"
    km: float
    hazards: tuple[Hazard, ...]


def hazards_near_incident(session: Session, network, trace, *,  # noqa: ANN001
                          risk_source_id: int | None, reach_km: float
                          ) -> list[HazardNearIncident]:
    """Open hazards of the incident's own risk source, and of the risk sources whose water
    enters the incident's downstream trace within ``reach_km`` (majors first)."""
    from emergency.inspection.links import km_downstream

    by_source = open_hazards_by_source(session)
    if not by_source:
        return []
    out = []
    for src in session.scalars(select(RiskSource).where(RiskSource.id.in_(list(by_source)))):
        hazards = tuple(sorted(by_source[src.id], key=lambda h: (h.grade != "major", h.id)))
        if src.id == risk_source_id:
            out.append(HazardNearIncident(src, "at", 0.0, hazards))
            continue
        km = km_downstream(network, trace, src.entry_seg_id) if trace is not None else None
        if km is not None and km <= reach_km:
            out.append(HazardNearIncident(src, "downstream", round(km, 1), hazards))
    return sorted(out, key=lambda x: (x.relation != "at", x.km))
