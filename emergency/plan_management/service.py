"""Plan management use cases (预案管理): seed, versions, drafts, review, restore. No Flask.

The plans live in the database (:mod:`emergency.store.plan_models`); the bundled YAML files are
only the seed (version 1). A change goes 编制 → 审核 → 发布:

1. an editor (a data steward of a prefecture the river runs through, or of the province) opens a
   draft from the version in force (:func:`open_draft`; at most one open draft per editor and
   plan), saves it (:func:`save_draft`: the whole document, checked with the file validator's
   rules, refused with every problem and nothing stored; a stale ``revision`` is refused naming
   who saved in between) and submits it with a change note (:func:`submit`);
2. a reviewer (admin or ``plan_reviewer``) reads the field-level diff (:func:`draft_diff`) and
   approves it (:func:`approve` → a new published version, who/when/why kept) or returns it with
   a comment (:func:`return_draft`). Nobody approves their own draft; a draft based on a version
   that is no longer in force is refused (409) naming who published the newer one;
3. any earlier version can be published again as a new version (:func:`restore`).

Publishing notifies the open incidents whose last response package used the plan (a timeline
notice "预案已更新至 vN"); the caller invalidates the engine's plan snapshot.

Every function takes a session (the caller commits) and, for changes, the acting :class:`Actor`;
rights come from :mod:`emergency.auth_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emergency.auth_rules import Permission, allows, may_approve_plan, may_edit_plan
from emergency.store.incident_models import Incident, IncidentEvent
from emergency.store.plan_models import (
    OPEN_DRAFT_STATUSES,
    PlanDraft,
    PlanRecord,
    PlanVersion,
)
from plans.diff import Change, diff_documents, diff_park_documents
from plans.schema import Problem

#: A document checker: (document, plan id) → every problem (empty: valid). The app passes the
#: file validator's rules against the network and the other published plans.
Checker = Callable[[Mapping[str, Any], str], list[Problem]]


#: How two documents of each kind of plan are compared (the reviewer's field-level diff).
DIFFS: Mapping[str, Callable[[Mapping[str, Any], Mapping[str, Any]], list[Change]]] = {
    "river": diff_documents, "park": diff_park_documents}


def diff_for(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Change]]:
    return DIFFS[kind]


def prefectures_of(document: Mapping[str, Any]) -> list[str]:
    """The prefectures a plan covers (who may edit it): a river plan's ``prefectures``, a park
    plan's ``prefecture_zh``."""
    listed = document.get("prefectures")
    if listed:
        return [str(p) for p in listed]
    one = document.get("prefecture_zh")
    return [str(one)] if one else []


# ----------------------------------------------------------------------------- errors
class PlanError(Exception):
    """A refused plan action: ``status`` (404, 403, 409, 422), code, message zh/en, details."""

    status = 400

    def __init__(self, code: str, message_zh: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.details = (
            code, message_zh, message_en, details)


class PlanNotFound(PlanError):
    status = 404


class PlanForbidden(PlanError):
    status = 403


class PlanConflict(PlanError):
    status = 409


class PlanInvalid(PlanError):
    """The document has problems: every one, nothing stored."""

    status = 422

    def __init__(self, problems: Sequence[Problem],
                 describe: Callable[[Problem], dict] | None = None) -> None:
        super().__init__("plan_invalid", f"预案有 {len(problems)} 处问题,未保存",
                         f"the plan has {len(problems)} problem(s); nothing was saved",
                         problems=[(describe or problem_dict)(p) for p in problems])
        self.problems = tuple(problems)


def problem_dict(p: Problem) -> dict[str, str]:
    return {"path": p.path, "message_zh": p.message_zh, "message_en": p.message_en}


@dataclass(frozen=True)
class Actor:
    """Who acts: the account's username, role and prefecture (None: the provincial centre)."""

    username: str
    role: str
    prefecture: str | None = None


# ----------------------------------------------------------------------------- reading
def _record(session: Session, kind: str, plan_id: str) -> PlanRecord:
    row = session.scalar(select(PlanRecord).where(PlanRecord.kind == kind,
                                                  PlanRecord.plan_id == plan_id))
    if row is None:
        raise PlanNotFound("unknown_plan", f"没有预案 {plan_id!r}", f"no plan {plan_id!r}",
                           plan=plan_id)
    return row


def record(session: Session, kind: str, plan_id: str) -> PlanRecord:
    return _record(session, kind, plan_id)


def fingerprint(session: Session, kind: str) -> tuple[int, int]:
    """Changes whenever a version of ``kind`` is published: (plans, newest version row id)."""
    n, newest = session.execute(
        select(func.count(func.distinct(PlanRecord.id)), func.max(PlanVersion.id))
        .select_from(PlanRecord).join(PlanVersion, PlanVersion.plan_ref == PlanRecord.id,
                                      isouter=True)
        .where(PlanRecord.kind == kind)).one()
    return int(n or 0), int(newest or 0)


def published(session: Session, kind: str) -> list[tuple[str, int, dict]]:
    """Every plan of ``kind`` in force: (plan id, version, document)."""
    rows = session.execute(
        select(PlanRecord.plan_id, PlanVersion.version, PlanVersion.document)
        .join(PlanVersion, (PlanVersion.plan_ref == PlanRecord.id)
              & (PlanVersion.version == PlanRecord.current_version))
        .where(PlanRecord.kind == kind).order_by(PlanRecord.plan_id))
    return [(pid, int(v), doc) for pid, v, doc in rows]


def current_version(session: Session, kind: str, plan_id: str) -> PlanVersion:
    rec = _record(session, kind, plan_id)
    return version(session, kind, plan_id, rec.current_version)


def versions(session: Session, kind: str, plan_id: str) -> list[PlanVersion]:
    rec = _record(session, kind, plan_id)
    return list(session.scalars(select(PlanVersion).where(PlanVersion.plan_ref == rec.id)
                                .order_by(PlanVersion.version.desc())))


def version(session: Session, kind: str, plan_id: str, number: int) -> PlanVersion:
    rec = _record(session, kind, plan_id)
    row = session.scalar(select(PlanVersion).where(PlanVersion.plan_ref == rec.id,
                                                   PlanVersion.version == number))
    if row is None:
        raise PlanNotFound("unknown_version", f"预案 {plan_id} 没有第 {number} 版",
                           f"plan {plan_id} has no version {number}", version=number)
    return row


def in_force(session: Session, kind: str, plan_id: str) -> PlanVersion | None:
    """The version in force of a plan, or None when the plan is not in the database."""
    return session.scalar(
        select(PlanVersion).join(PlanRecord, (PlanVersion.plan_ref == PlanRecord.id)
                                 & (PlanVersion.version == PlanRecord.current_version))
        .where(PlanRecord.kind == kind, PlanRecord.plan_id == plan_id))


def version_infos(session: Session, kind: str) -> dict[str, PlanVersion]:
    """The version in force of every plan of ``kind`` (for the API's version/published_at/by)."""
    rows = session.execute(
        select(PlanRecord.plan_id, PlanVersion)
        .join(PlanVersion, (PlanVersion.plan_ref == PlanRecord.id)
              & (PlanVersion.version == PlanRecord.current_version))
        .where(PlanRecord.kind == kind))
    return {pid: v for pid, v in rows}


def diff(session: Session, kind: str, plan_id: str, from_version: int, to_version: int
         ) -> list[Change]:
    a = version(session, kind, plan_id, from_version)
    b = version(session, kind, plan_id, to_version)
    return diff_for(kind)(a.document, b.document)


# ----------------------------------------------------------------------------- seed
def seed(session: Session, kind: str, documents: Iterable[tuple[str, Mapping[str, Any]]], *,
         now: datetime, note: str = "随系统发布的预案文件(初始版本)") -> int:
    """Import the bundled plan documents as version 1 of plans not yet in the database.

    Idempotent: a plan already in the database is left as it is (its versions are the record).
    Returns how many plans were added.
    """
    have = set(session.scalars(select(PlanRecord.plan_id).where(PlanRecord.kind == kind)))
    added = 0
    for plan_id, doc in documents:
        if plan_id in have:
            continue
        rec = PlanRecord(kind=kind, plan_id=plan_id, name_zh=str(doc.get("name_zh") or plan_id),
                         prefectures=prefectures_of(doc), current_version=1,
                         created_at=now, updated_at=now)
        session.add(rec)
        session.flush()
        session.add(PlanVersion(plan_ref=rec.id, version=1, document=plain(doc), source="seed",
                                note=note, author="system", published_by="system",
                                published_at=now))
        added += 1
    session.flush()
    return added


def plain(value: Any) -> Any:
    """A document as JSON stores it: tuples as lists, keys as text."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- rights
def _check_edit(actor: Actor, rec: PlanRecord) -> None:
    if not allows(actor.role, Permission.PLAN_EDIT):
        raise PlanForbidden("forbidden", "您的角色不能编制预案",
                            "your role cannot draft plans", permission=Permission.PLAN_EDIT.value)
    _check_scope(actor, rec, "编制", "draft")


def _check_scope(actor: Actor, rec: PlanRecord, what_zh: str, what_en: str) -> None:
    if not may_edit_plan(actor.prefecture, rec.prefectures or []):
        where_zh, where_en = (("不在该市州", "is not in") if rec.kind == "park"
                              else ("不流经该市州", "does not run through"))
        raise PlanForbidden(
            "other_prefecture",
            f"您的账号负责{actor.prefecture},{rec.name_zh}{where_zh}:只能查看,不能{what_zh}",
            f"your account answers for {actor.prefecture}; {rec.name_zh} {where_en} "
            f"it: you may read the plan but not {what_en} it",
            prefecture=actor.prefecture, plan_prefectures=list(rec.prefectures or []))


def _check_review(actor: Actor, rec: PlanRecord) -> None:
    if not allows(actor.role, Permission.PLAN_REVIEW):
        raise PlanForbidden("forbidden", "您的角色不能审核预案", "your role cannot review plans",
                            permission=Permission.PLAN_REVIEW.value)
    _check_scope(actor, rec, "审核", "review")


def can_edit(actor: Actor, rec: PlanRecord) -> bool:
    return allows(actor.role, Permission.PLAN_EDIT) and may_edit_plan(actor.prefecture,
                                                                      rec.prefectures or [])


def can_review(actor: Actor, rec: PlanRecord) -> bool:
    return allows(actor.role, Permission.PLAN_REVIEW) and may_edit_plan(actor.prefecture,
                                                                        rec.prefectures or [])


# ----------------------------------------------------------------------------- drafts
def _open_key(rec: PlanRecord, editor: str) -> str:
    return f"{rec.id}:{editor}"


def draft(session: Session, kind: str, plan_id: str, draft_id: int) -> PlanDraft:
    rec = _record(session, kind, plan_id)
    row = session.get(PlanDraft, draft_id)
    if row is None or row.plan_ref != rec.id:
        raise PlanNotFound("unknown_draft", f"预案 {plan_id} 没有草稿 {draft_id}",
                           f"plan {plan_id} has no draft {draft_id}", draft=draft_id)
    return row


def drafts(session: Session, kind: str, plan_id: str | None = None, *,
           statuses: Sequence[str] = OPEN_DRAFT_STATUSES) -> list[tuple[PlanRecord, PlanDraft]]:
    """Open drafts (default), newest first, with their plan."""
    q = (select(PlanRecord, PlanDraft).join(PlanDraft, PlanDraft.plan_ref == PlanRecord.id)
         .where(PlanRecord.kind == kind, PlanDraft.status.in_(statuses))
         .order_by(PlanDraft.updated_at.desc(), PlanDraft.id.desc()))
    if plan_id is not None:
        q = q.where(PlanRecord.plan_id == plan_id)
    return [(r, d) for r, d in session.execute(q)]


def open_draft(session: Session, kind: str, plan_id: str, *, actor: Actor, now: datetime,
               document: Mapping[str, Any] | None = None, source: str = "editor",
               check: Checker | None = None,
               describe: Callable[[Problem], dict] | None = None) -> tuple[PlanDraft, bool]:
    """The editor's open draft of the plan — created from the version in force if there is
    none (returns (draft, created)). With ``document`` (an import) the draft's document is
    replaced by it (checked first: every problem — ``describe`` says where it is in the
    imported file — and nothing stored)."""
    rec = _record(session, kind, plan_id)
    _check_edit(actor, rec)
    if document is not None and check is not None:
        problems = check(document, plan_id)
        if problems:
            raise PlanInvalid(problems, describe)
    row = session.scalar(select(PlanDraft).where(PlanDraft.open_key == _open_key(rec,
                                                                                 actor.username)))
    if row is not None:
        if document is not None:
            if row.status == "submitted":
                raise PlanConflict("draft_submitted", "您的草稿已提交审核,请先撤回或等待审核",
                                   "your draft is waiting for review; wait or withdraw it first",
                                   draft=row.id)
            row.document, row.source = plain(document), source
            row.revision += 1
            row.updated_at, row.updated_by, row.status = now, actor.username, "editing"
        return row, False
    base = current_version(session, kind, plan_id)
    row = PlanDraft(plan_ref=rec.id, editor=actor.username, open_key=_open_key(rec,
                                                                              actor.username),
                    base_version=base.version,
                    document=plain(document) if document is not None else base.document,
                    revision=1, status="editing", source=source, note="", comment="",
                    created_at=now, updated_at=now, updated_by=actor.username)
    session.add(row)
    session.flush()
    return row, True


def save_draft(session: Session, kind: str, plan_id: str, draft_id: int, *,
               document: Any, revision: int | None, actor: Actor, now: datetime,
               check: Checker) -> PlanDraft:
    """Replace the draft's document (a whole document, checked: 422 with every problem)."""
    row = draft(session, kind, plan_id, draft_id)
    rec = _record(session, kind, plan_id)
    _check_edit(actor, rec)
    if row.editor != actor.username:
        raise PlanForbidden("not_your_draft", f"这是 {row.editor} 的草稿,只能由其本人修改",
                            f"this is {row.editor}'s draft; only they can change it",
                            editor=row.editor)
    if row.status not in ("editing", "returned"):
        raise PlanConflict("draft_closed" if row.status not in OPEN_DRAFT_STATUSES
                           else "draft_submitted",
                           f"草稿状态为“{row.status}”,不能修改", f"the draft is {row.status}: "
                           "it cannot be changed", status=row.status)
    _check_revision(row, revision, now)
    if not isinstance(document, Mapping):
        raise PlanInvalid([Problem(plan_id, "document", "须为预案文档(键值映射)",
                                   "must be a plan document (a mapping)")])
    problems = check(document, plan_id)
    if problems:
        raise PlanInvalid(problems)
    row.document = plain(document)
    row.revision += 1
    row.updated_at, row.updated_by = now, actor.username
    row.status = "editing"
    session.flush()
    return row


def _in_zone(moment: datetime, now: datetime) -> datetime:
    """A stored time in the zone of ``now`` (the configured one); a naive time is UTC
    (SQLite drops the zone)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(now.tzinfo)


def _when(moment: datetime | None, now: datetime) -> tuple[str, str]:
    """(as a person reads it in a message, as the API writes it) — both in the local zone."""
    if moment is None:
        return "", ""
    local = _in_zone(moment, now)
    return local.strftime("%Y-%m-%d %H:%M"), local.isoformat(timespec="minutes")


def _check_revision(row: PlanDraft, revision: int | None, now: datetime) -> None:
    if revision is None:
        raise PlanInvalid([Problem("", "revision", "缺少草稿修订号(防止覆盖他人的修改)",
                                   "the draft's revision is required")])
    if int(revision) != row.revision:
        when, stamp = _when(row.updated_at, now)
        raise PlanConflict(
            "stale_draft",
            f"草稿已被 {row.updated_by} 于 {when} 修改(当前修订号 {row.revision}),请刷新后重做修改",
            f"{row.updated_by} changed the draft at {when} (now revision {row.revision}); "
            "reload and redo your change",
            revision=row.revision, updated_by=row.updated_by, updated_at=stamp)


def _check_base(session: Session, rec: PlanRecord, row: PlanDraft, now: datetime) -> None:
    if row.base_version == rec.current_version:
        return
    newer = session.scalar(select(PlanVersion).where(PlanVersion.plan_ref == rec.id,
                                                     PlanVersion.version == rec.current_version))
    who = newer.published_by if newer else "?"
    when, stamp = _when(newer.published_at if newer else None, now)
    note = newer.note if newer else ""
    raise PlanConflict(
        "stale_base",
        f"草稿基于第 {row.base_version} 版,但 {who} 已于 {when} 发布第 {rec.current_version} 版"
        f"({note}):请放弃草稿并基于新版本重新编制",
        f"the draft is based on version {row.base_version}, but {who} published version "
        f"{rec.current_version} at {when} ({note}): discard the draft and start from the new "
        "version", base_version=row.base_version, current_version=rec.current_version,
        published_by=who, published_at=stamp)


def submit(session: Session, kind: str, plan_id: str, draft_id: int, *, note: Any,
           revision: int | None, actor: Actor, now: datetime) -> PlanDraft:
    row = draft(session, kind, plan_id, draft_id)
    rec = _record(session, kind, plan_id)
    _check_edit(actor, rec)
    if row.editor != actor.username:
        raise PlanForbidden("not_your_draft", f"这是 {row.editor} 的草稿,只能由其本人提交",
                            f"this is {row.editor}'s draft; only they can submit it",
                            editor=row.editor)
    if row.status not in ("editing", "returned"):
        raise PlanConflict("draft_not_editing", f"草稿状态为“{row.status}”,不能提交",
                           f"the draft is {row.status}: it cannot be submitted",
                           status=row.status)
    if revision is not None:
        _check_revision(row, revision, now)
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        raise PlanInvalid([Problem("", "note", "提交审核须填写修改说明",
                                   "a change note is required to submit")])
    _check_base(session, rec, row, now)
    row.note, row.status, row.submitted_at = text[:2000], "submitted", now
    row.comment = ""
    row.updated_at, row.updated_by = now, actor.username
    row.revision += 1
    session.flush()
    return row


def withdraw(session: Session, kind: str, plan_id: str, draft_id: int, *, actor: Actor,
             now: datetime) -> PlanDraft:
    """The editor discards the draft (open or returned; a submitted one too)."""
    row = draft(session, kind, plan_id, draft_id)
    if row.editor != actor.username:
        raise PlanForbidden("not_your_draft", f"这是 {row.editor} 的草稿",
                            f"this is {row.editor}'s draft", editor=row.editor)
    if row.status not in OPEN_DRAFT_STATUSES:
        raise PlanConflict("draft_closed", "草稿已关闭", "the draft is already closed",
                           status=row.status)
    row.status, row.open_key = "discarded", None
    row.updated_at, row.updated_by = now, actor.username
    row.revision += 1
    session.flush()
    return row


def draft_diff(session: Session, kind: str, plan_id: str, draft_id: int) -> list[Change]:
    row = draft(session, kind, plan_id, draft_id)
    return diff_for(kind)(_base_document(session, kind, plan_id, row), row.document)


def _base_document(session: Session, kind: str, plan_id: str, row: PlanDraft) -> dict:
    """The version a draft changes; a new plan's draft (base version 0) changes nothing."""
    if row.base_version == 0:
        return {}
    return version(session, kind, plan_id, row.base_version).document


def create_plan(session: Session, kind: str, document: Any, *, actor: Actor, now: datetime,
                check: Checker) -> tuple[PlanRecord, PlanDraft]:
    """A new plan (a river the network does not name: its ``identified`` segments, head →
    mouth, connected and unnamed, with the evidence) as a draft for review: published as
    version 1 when a reviewer approves it. Checked like any plan; the editor must answer for
    one of its prefectures."""
    if not allows(actor.role, Permission.PLAN_EDIT):
        raise PlanForbidden("forbidden", "您的角色不能编制预案",
                            "your role cannot draft plans", permission=Permission.PLAN_EDIT.value)
    if not isinstance(document, Mapping) or not isinstance(document.get("id"), str) \
            or not document["id"].strip():
        raise PlanInvalid([Problem("", "id", "须为预案文档,并填写预案编号(id)",
                                   "must be a plan document with its id")])
    plan_id = document["id"].strip()
    if session.scalar(select(PlanRecord).where(PlanRecord.kind == kind,
                                               PlanRecord.plan_id == plan_id)) is not None:
        raise PlanConflict("plan_exists", f"预案 {plan_id} 已存在:请编制该预案的草稿",
                           f"plan {plan_id} exists already: draft a change to it instead",
                           plan=plan_id)
    problems = check(document, plan_id)
    if problems:
        raise PlanInvalid(problems)
    prefectures = prefectures_of(document)
    if not may_edit_plan(actor.prefecture, prefectures):
        raise PlanForbidden("other_prefecture",
                            f"您的账号负责{actor.prefecture},新预案的流经市州不含该市州",
                            f"your account answers for {actor.prefecture}, which the new plan "
                            "does not cover", prefecture=actor.prefecture,
                            plan_prefectures=prefectures)
    rec = PlanRecord(kind=kind, plan_id=plan_id, name_zh=str(document.get("name_zh") or plan_id),
                     prefectures=prefectures, current_version=0, created_at=now, updated_at=now)
    session.add(rec)
    session.flush()
    row = PlanDraft(plan_ref=rec.id, editor=actor.username, open_key=_open_key(rec,
                                                                              actor.username),
                    base_version=0, document=plain(document), revision=1, status="editing",
                    source="new", note="", comment="", created_at=now, updated_at=now,
                    updated_by=actor.username)
    session.add(row)
    session.flush()
    return rec, row


def return_draft(session: Session, kind: str, plan_id: str, draft_id: int, *, comment: Any,
                 actor: Actor, now: datetime) -> PlanDraft:
    row = draft(session, kind, plan_id, draft_id)
    rec = _record(session, kind, plan_id)
    _check_review(actor, rec)
    if row.status != "submitted":
        raise PlanConflict("draft_not_submitted", f"草稿状态为“{row.status}”,未提交审核",
                           f"the draft is {row.status}, not waiting for review",
                           status=row.status)
    text = comment.strip() if isinstance(comment, str) else ""
    if not text:
        raise PlanInvalid([Problem("", "comment", "退回须填写审核意见",
                                   "a comment is required to return a draft")])
    row.status, row.comment = "returned", text[:2000]
    row.reviewed_by, row.reviewed_at = actor.username, now
    row.updated_at = now
    row.revision += 1
    session.flush()
    return row


def approve(session: Session, kind: str, plan_id: str, draft_id: int, *, comment: Any = None,
            actor: Actor, now: datetime, check: Checker) -> PlanVersion:
    """Publish a submitted draft as the next version (not the author's own)."""
    row = draft(session, kind, plan_id, draft_id)
    rec = _record(session, kind, plan_id)
    _check_review(actor, rec)
    if not may_approve_plan(actor.username, row.editor):
        raise PlanForbidden("own_draft", "不能审核发布自己编制的草稿,须由另一名审核人员审核",
                            "you cannot approve your own draft: another reviewer must",
                            editor=row.editor)
    if row.status != "submitted":
        raise PlanConflict("draft_not_submitted", f"草稿状态为“{row.status}”,未提交审核",
                           f"the draft is {row.status}, not waiting for review",
                           status=row.status)
    _check_base(session, rec, row, now)
    problems = check(row.document, plan_id)  # the other plans may have changed meanwhile
    if problems:
        raise PlanInvalid(problems)
    text = comment.strip() if isinstance(comment, str) else ""
    new = _publish(session, rec, row.document, source="review", note=row.note,
                   author=row.editor, by=actor.username, now=now, draft_id=row.id)
    row.status, row.open_key, row.published_version = "approved", None, new.version
    row.reviewed_by, row.reviewed_at, row.updated_at = actor.username, now, now
    if text:
        row.comment = text[:2000]
    row.revision += 1
    session.flush()
    return new


def restore(session: Session, kind: str, plan_id: str, number: int, *, note: Any,
            actor: Actor, now: datetime, check: Checker) -> PlanVersion:
    """Publish an earlier version again, as a new version (nothing is rewritten)."""
    rec = _record(session, kind, plan_id)
    _check_review(actor, rec)
    old = version(session, kind, plan_id, number)
    if number == rec.current_version:
        raise PlanConflict("already_current", f"第 {number} 版就是现行版本",
                           f"version {number} is the version in force", version=number)
    problems = check(old.document, plan_id)
    if problems:
        raise PlanInvalid(problems)
    text = note.strip() if isinstance(note, str) and note.strip() else ""
    return _publish(session, rec, old.document, source="restore",
                    note=text or f"恢复第 {number} 版", author=actor.username,
                    by=actor.username, now=now, restored_from=number)


def _publish(session: Session, rec: PlanRecord, document: Mapping[str, Any], *, source: str,
             note: str, author: str, by: str, now: datetime, draft_id: int | None = None,
             restored_from: int | None = None) -> PlanVersion:
    number = rec.current_version + 1
    new = PlanVersion(plan_ref=rec.id, version=number, document=plain(document), source=source,
                      note=note, author=author, published_by=by, published_at=now,
                      draft_id=draft_id, restored_from=restored_from)
    session.add(new)
    rec.current_version, rec.updated_at = number, now
    rec.name_zh = str(document.get("name_zh") or rec.name_zh)
    rec.prefectures = prefectures_of(document) or list(rec.prefectures or [])
    session.flush()
    notify_incidents(session, rec.plan_id, number, now=now, by=by, kind=rec.kind)
    return new


# ----------------------------------------------------------------------------- incidents
def notify_incidents(session: Session, plan_id: str, number: int, *, now: datetime,
                     by: str, kind: str = "river") -> list[int]:
    """Put "预案已更新至 vN" on every open incident whose last package used the plan (not on
    drills: a drill keeps the versions in force at its start)."""
    touched = []
    for row in session.scalars(select(Incident).where(Incident.status != "terminated",
                                                      Incident.is_drill.is_(False),
                                                      Incident.plans_used.is_not(None))):
        used = {u.get("id"): u.get("version") for u in row.plans_used or []
                if isinstance(u, Mapping) and u.get("kind", "river") == kind}
        if plan_id not in used:
            continue
        row.events.append(IncidentEvent(
            actor=by, kind="plan_updated", at=now,
            summary_zh=f"预案已更新至 v{number}({plan_id},原 v{used[plan_id]}):"
                       "下次重新计算时采用新版本",
            summary_en=f"plan {plan_id} updated to v{number} (was v{used[plan_id]}): the next "
                       "recomputation uses the new version",
            data={"plan": plan_id, "version": number, "was": used[plan_id]}))
        touched.append(row.id)
    session.flush()
    return touched


# ----------------------------------------------------------------------------- pages
@dataclass(frozen=True)
class EditorState:
    """What the editor page needs: the plan, the version in force, the editor's open draft."""

    record: PlanRecord
    in_force: PlanVersion
    draft: PlanDraft | None
    can_edit: bool
    can_review: bool
    waiting: tuple[PlanDraft, ...]  # submitted drafts of this plan (anyone's)


def editor_state(session: Session, kind: str, plan_id: str, actor: Actor) -> EditorState:
    rec = _record(session, kind, plan_id)
    mine = session.scalar(select(PlanDraft).where(PlanDraft.open_key == _open_key(
        rec, actor.username)))
    waiting = tuple(d for _r, d in drafts(session, kind, plan_id, statuses=("submitted",)))
    return EditorState(rec, current_version(session, kind, plan_id), mine,
                       can_edit(actor, rec), can_review(actor, rec), waiting)


@dataclass(frozen=True)
class ReviewState:
    """What the review page needs: the draft, the version it changes, the diff, the rights."""

    record: PlanRecord
    draft: PlanDraft
    base: PlanVersion | None  # None: a new plan
    changes: tuple[Change, ...]
    can_review: bool
    own: bool
    stale: bool  # a newer version was published since the draft was started


def review_state(session: Session, kind: str, plan_id: str, draft_id: int, actor: Actor
                 ) -> ReviewState:
    rec = _record(session, kind, plan_id)
    row = draft(session, kind, plan_id, draft_id)
    base = version(session, kind, plan_id, row.base_version) if row.base_version else None
    return ReviewState(rec, row, base, tuple(diff_for(kind)(_base_document(session, kind,
                                                                           plan_id, row),
                                                            row.document)),
                       can_review(actor, rec), row.editor == actor.username,
                       row.base_version != rec.current_version)


@dataclass(frozen=True)
class History:
    record: PlanRecord
    versions: tuple[PlanVersion, ...]        # newest first
    changes: dict[int, tuple[Change, ...]]   # version → its changes from the one before
    can_review: bool


def history(session: Session, kind: str, plan_id: str, actor: Actor) -> History:
    rec = _record(session, kind, plan_id)
    rows = tuple(versions(session, kind, plan_id))
    by_number = {v.version: v for v in rows}
    changes = {v.version: tuple(diff_for(kind)(by_number[v.version - 1].document,
                                                v.document))
               for v in rows if v.version - 1 in by_number}
    return History(rec, rows, changes, can_review(actor, rec))


def review_queue(session: Session, kind: str, actor: Actor
                 ) -> tuple[list[tuple[PlanRecord, PlanDraft]], list[tuple[PlanRecord, PlanDraft]]]:
    """(drafts waiting for review that ``actor`` may review, ``actor``'s own open drafts)."""
    waiting = [(r, d) for r, d in drafts(session, kind, statuses=("submitted",))
               if can_review(actor, r)]
    mine = [(r, d) for r, d in drafts(session, kind) if d.editor == actor.username]
    return waiting, mine
