"""Duty roster use cases (值班排班与值班日志): generate, edit, publish, who is on duty, the log
and the shift handover. No Flask: every function takes a SQLAlchemy ``Session`` and the time.

Rosters
    ``generate`` makes a *draft* for a month, the flood season or any period with the pure
    generator (``generate_by_month``), carrying fairness (``history``: each person's counts
    since 1 January in *published* rosters) and the last shifts before the period
    (``carry_in``, for minimum rest and the monthly maximum). A new draft replaces (discards)
    drafts it overlaps; a period that overlaps a *published* roster is refused, because a
    published roster is changed by swaps and replacements, each of which makes a new version.
    ``swap`` and ``replace`` check every hard rule (``emergency.roster.checks``) and refuse with
    the reasons; every accepted change is logged (``RosterChange``). ``publish`` turns a draft
    without hard violations into version 1; each later change of a published roster adds a
    version (assignments as JSON + the change note), so earlier versions stay readable.

Withdrawing a published roster (撤回)
    ``withdraw`` takes a published roster back, with a mandatory reason, by a duty manager.
    The states stay draft → published → discarded; withdrawal is the way back published → draft,
    so the usual tools (swap, replace, publish again, discard) apply to what was withdrawn.

    * Not started yet (its first duty day is after the duty day running now): the whole roster
      becomes a draft again (``version`` 0; its published versions stay readable, and publishing
      it again makes the next version number, never a reused one).
    * Started (its first duty day is the running one or earlier): refused (Conflict, 409) unless
      ``force``. A running 24-hour duty must not silently vanish, and past duties are what
      happened. With ``force`` the roster is cut: the days up to and including the duty day
      running now stay published, as a new version of this roster, so the people on duty now
      finish their shift, the header still shows them, and fairness counts and the iCal feeds
      keep the history. The later days move, with their duties, into a new draft roster
      (``kind`` custom) to be corrected and published again. To change the running day itself,
      use swap or replace (替班), which keep who was on duty when. A roster whose last day has
      started has nothing to withdraw (Conflict, even with ``force``).

    Every withdrawal is recorded three ways: a ``RosterChange`` (kind ``withdraw``, reason,
    versions) on the roster and on the new draft, a new published version when cut (its note says
    from which day and why), and an entry in the duty log (kind ``roster``: who, when, why, which
    people lose duties). The result lists the people whose duties are no longer published, with
    their phone numbers and duties, so the manager can tell them. From that moment
    ``on_duty_now`` (the "今日值班" header) no longer answers from the withdrawn days, unless
    another published roster covers them.

On duty
    ``on_duty_now`` answers from the published roster covering the moment with one indexed
    query (duty day ∈ {today, yesterday} and the shift window), and says so explicitly when
    no published roster covers it.

Duty log (值班日志) and handover (交接班)
    Log entries are append-only (the ORM refuses updates and deletes). ``handover`` lists the
    open real incidents (not drills, not terminated), their open checklist items with due
    times, and the shift's log entries; ``record_handover`` stores that snapshot.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from emergency.auth_rules import Permission, allows, may_write_duty_log
from emergency.roster import checks as roster_checks
from emergency.roster import notifications, periods
from emergency.roster.checks import (
    build_roster,
    check_roster,
    eligible_people,
    fairness_spread,
)
from emergency.roster.errors import Conflict, NotAllowed, NotFound, Refused, Stale
from emergency.roster.export import DutyRow
from emergency.roster.generator import generate_by_month
from emergency.roster.ical import to_ical
from emergency.roster.model import (
    Assignment,
    DutyCounts,
    Period,
    Person,
    Roster,
    RosterInfeasible,
    Violation,
)
from emergency.roster.on_duty import OnDuty, OnDutyPerson
from emergency.roster.readiness import Gap, duty_gaps
from emergency.roster.rules import RosterRules, default_roster_rules
from emergency.roster.slots import duty_counts, shift_windows
from emergency.roster.staff import FieldProblem, InvalidInput
from emergency.roster.staff_service import list_staff, person_of
from emergency.store.drill_models import DrillInject, DrillRun
from emergency.store.incident_models import ChecklistItem, Incident
from emergency.store.monitoring_models import StationAlarm
from emergency.store.roster_models import (
    LOG_CATEGORIES,
    LOG_KINDS,
    DutyAssignment,
    DutyHandover,
    DutyHandoverAck,
    DutyLogEntry,
    DutyRoster,
    DutyRosterVersion,
    DutyStaff,
    RosterChange,
)

__all__ = [
    "LOG_KIND_TEXT",
    "HandoverView",
    "MonthView",
    "OnDuty",
    "OnDutyPerson",
    "OpenIncident",
    "RosterView",
    "ShiftRef",
    "add_log_entry",
    "change_log",
    "discard",
    "duty_rows",
    "gaps_ahead",
    "generate",
    "generate_for",
    "get_roster",
    "acknowledge_handover",
    "handover",
    "ical_for",
    "list_rosters",
    "log_entries",
    "month_period",
    "month_view",
    "on_duty_now",
    "publish",
    "record_handover",
    "replace",
    "roster_detail",
    "roster_view",
    "rosters_covering",
    "season_period",
    "shift_at",
    "swap",
    "version_of",
    "withdraw",
]

LOG_KIND_TEXT = {"call": ("来电", "call"), "document": ("来文", "document"),
                 "report": ("报告", "report"), "instruction": ("指示", "instruction"),
                 "other": ("其他", "other"), "incident": ("事件", "incident"),
                 "handover": ("交接班", "handover"), "note": ("记事", "note"),
                 "roster": ("排班", "roster")}
STATUS_TEXT = {"draft": ("草稿", "draft"), "published": ("已发布", "published"),
               "discarded": ("已作废", "discarded")}
MAX_LOG_TEXT = 4000
MAX_REASON = 500
CARRY_DAYS = 7  # earlier shifts that matter for minimum rest (and the month so far, for max)


def _rules(rules: RosterRules | None) -> RosterRules:
    return rules or default_roster_rules()


# ============================================================================ periods
def month_period(text: str) -> Period:
    """``2026-07`` → the month. Raises ValueError (see ``emergency.roster.periods``)."""
    return periods.month_period(text)


def season_period(year: int, rules: RosterRules | None = None) -> Period:
    return periods.season_period(year, _rules(rules))


def _label(period: Period, kind: str) -> str:
    if kind == "month":
        return f"{period.start.year}年{period.start.month}月值班表"
    if kind == "flood_season":
        return (f"{period.start.year}年汛期值班表({period.start:%m-%d}至{period.end:%m-%d})")
    return f"值班表({period.start.isoformat()}至{period.end.isoformat()})"


# ============================================================================ loading
def _domain(row: DutyAssignment) -> Assignment:
    return Assignment(row.duty_date, row.shift_start, row.shift_end, row.position,
                      str(row.staff_id))


def _staff_rows(session: Session, ids: Iterable[int] = ()) -> dict[int, DutyStaff]:
    """Active staff and anyone in ``ids`` (people on a roster may have left since)."""
    rows = {r.id: r for r in list_staff(session, active=True)}
    missing = set(ids) - set(rows)
    if missing:
        for r in list_staff(session):
            if r.id in missing:
                rows[r.id] = r
    return rows


def _published(session: Session, start: date, end: date, *, exclude: int | None = None
               ) -> list[Assignment]:
    query = (select(DutyAssignment).join(DutyRoster)
             .where(DutyRoster.status == "published", DutyAssignment.duty_date >= start,
                    DutyAssignment.duty_date <= end))
    if exclude is not None:
        query = query.where(DutyRoster.id != exclude)
    return [_domain(r) for r in session.scalars(query)]


def gaps_ahead(session: Session, period: Period, rules: RosterRules | None = None
               ) -> list[Gap]:
    """The seats of ``period`` that no published roster covers (see roster.readiness)."""
    return duty_gaps(period, _rules(rules), _published(session, period.start, period.end))


def _carry_in(session: Session, start: date, exclude: int | None = None) -> list[Assignment]:
    first = min(start.replace(day=1), start - timedelta(days=CARRY_DAYS))
    return _published(session, first, start - timedelta(days=1), exclude=exclude)


def _history(session: Session, start: date, people: Sequence[Person], rules: RosterRules,
             exclude: int | None = None) -> dict[str, DutyCounts]:
    """Counts since 1 January in published rosters; a newcomer starts at the group average
    (the generator's advice: else the fairness band would pile shifts on them)."""
    earlier = _published(session, date(start.year, 1, 1), start - timedelta(days=1),
                         exclude=exclude) if start > date(start.year, 1, 1) else []
    mine: dict[str, list[Assignment]] = defaultdict(list)
    for a in earlier:
        mine[a.person_id].append(a)
    history = {pid: duty_counts(items, rules) for pid, items in mine.items()}
    for group in rules.fairness_groups:
        members = eligible_people(people, rules, group)
        veterans = [history[p.id] for p in members if p.id in history]
        if not veterans:
            continue
        n = len(veterans)
        average = DutyCounts(*(int(sum(getattr(v, f) for v in veterans) / n)
                               for f in ("shifts", "nights", "weekends", "holidays")),
                             sum(v.hours for v in veterans) / n)
        for p in members:
            history.setdefault(p.id, average)
    return history


def _roster_domain(session: Session, row: DutyRoster, rules: RosterRules,
                   staff: Mapping[int, DutyStaff] | None = None) -> Roster:
    staff = staff if staff is not None else _staff_rows(
        session, {a.staff_id for a in row.assignments})
    people = [person_of(s) for s in staff.values()]
    period = Period(row.period_start, row.period_end)
    return build_roster(period, [_domain(a) for a in row.assignments], people, rules,
                        _history(session, period.start, people, rules, exclude=row.id),
                        _carry_in(session, period.start, exclude=row.id))


def get_roster(session: Session, roster_id: int) -> DutyRoster:
    row = session.get(DutyRoster, roster_id, options=[selectinload(DutyRoster.assignments)])
    if row is None:
        raise NotFound(f"没有编号为 {roster_id} 的值班表", f"no roster {roster_id}")
    return row


def list_rosters(session: Session, *, year: int | None = None,
                 include_discarded: bool = False) -> list[DutyRoster]:
    query = select(DutyRoster).order_by(DutyRoster.period_start, DutyRoster.id)
    if year is not None:
        query = query.where(DutyRoster.period_end >= date(year, 1, 1),
                            DutyRoster.period_start <= date(year, 12, 31))
    if not include_discarded:
        query = query.where(DutyRoster.status != "discarded")
    return list(session.scalars(query))


def rosters_covering(session: Session, start: date, end: date,
                     statuses: Sequence[str] = ("draft", "published")) -> list[DutyRoster]:
    query = (select(DutyRoster)
             .options(selectinload(DutyRoster.assignments))
             .where(DutyRoster.status.in_(statuses), DutyRoster.period_start <= end,
                    DutyRoster.period_end >= start)
             .order_by(DutyRoster.period_start, DutyRoster.id))
    return list(session.scalars(query))


@dataclass
class RosterView:
    """A stored roster with its domain twin: checks, counts and fairness with current staff."""

    row: DutyRoster
    roster: Roster
    staff: Mapping[int, DutyStaff]
    hard: list[Violation]
    spread: dict[str, dict[str, int]]

    @property
    def soft(self) -> tuple[Violation, ...]:
        return self.roster.violations_of_soft_rules


def roster_view(session: Session, row: DutyRoster, rules: RosterRules | None = None
                ) -> RosterView:
    rules = _rules(rules)
    staff = _staff_rows(session, {a.staff_id for a in row.assignments})
    roster = _roster_domain(session, row, rules, staff)
    return RosterView(row, roster, staff, check_roster(roster),
                      fairness_spread(roster.stats, roster.people, rules))


def roster_detail(session: Session, roster_id: int, rules: RosterRules | None = None
                  ) -> RosterView:
    """One roster with its checks and fairness (404 NotFound)."""
    return roster_view(session, get_roster(session, roster_id), rules)


@dataclass(frozen=True)
class MonthView:
    """A month as the duty page shows it: the rosters covering it (draft and published) with
    their checks, everyone they name, the active staff (for replacements), the duty table."""

    period: Period
    views: tuple[RosterView, ...]
    staff: Mapping[int, DutyStaff]
    active: tuple[DutyStaff, ...]
    table: tuple[DutyRow, ...]

    @property
    def rows(self) -> list[DutyRoster]:
        return [v.row for v in self.views]

    @property
    def status(self) -> str:
        """draft / published when every roster agrees, ``mixed``, or ``none``."""
        statuses = {v.row.status for v in self.views}
        return next(iter(statuses)) if len(statuses) == 1 else "mixed" if statuses else "none"

    @property
    def sources_zh(self) -> str:
        return "、".join(f"{v.row.label}({STATUS_TEXT[v.row.status][0]}"
                        + (f",第 {v.row.version} 版" if v.row.version else "") + ")"
                        for v in self.views) or "尚未排班"


def month_view(session: Session, period: Period, rules: RosterRules | None = None
               ) -> MonthView:
    rules = _rules(rules)
    rows = rosters_covering(session, period.start, period.end)
    views = tuple(roster_view(session, row, rules) for row in rows)
    staff = {k: v for view in views for k, v in view.staff.items()}
    active = tuple(list_staff(session, active=True))
    return MonthView(period, views, staff, active,
                     tuple(duty_rows(rows, period.start, period.end, staff, rules)))


# ============================================================================ changes
def _snapshot(row: DutyRoster, staff: Mapping[int, DutyStaff]) -> list[dict]:
    out = []
    for a in sorted(row.assignments, key=lambda a: (a.shift_start, a.position, a.id)):
        person = staff.get(a.staff_id)
        out.append({"id": a.id, "date": a.duty_date.isoformat(), "position": a.position,
                    "shift": a.shift, "start": a.shift_start.isoformat(),
                    "end": a.shift_end.isoformat(), "staff_id": a.staff_id,
                    "name": person.name if person else str(a.staff_id),
                    "phone": person.phone if person else ""})
    return out


def _check_revision(row: DutyRoster, expected: int | None) -> None:
    if expected is not None and int(expected) != row.revision:
        raise Stale(f"值班表已被他人修改(当前修订号 {row.revision}),请刷新后重试",
                    f"the roster was changed by someone else (now revision {row.revision}); "
                    "reload and try again", current_revision=row.revision)


def _changed(session: Session, row: DutyRoster, *, kind: str, zh: str, en: str, actor: str,
             now: datetime, data: dict | None = None,
             staff: Mapping[int, DutyStaff] | None = None) -> RosterChange:
    """Bump the revision, log the change; on a published roster also make a new version."""
    row.revision += 1
    row.updated_at = now
    version = None
    if row.status == "published":
        if kind != "publish":
            row.version += 1
        version = row.version
        session.flush()
        staff = staff if staff is not None else _staff_rows(
            session, {a.staff_id for a in row.assignments})
        session.add(DutyRosterVersion(roster_id=row.id, version=version,
                                      assignments=_snapshot(row, staff), note_zh=zh,
                                      note_en=en, created_by=actor, created_at=now))
    change = RosterChange(roster_id=row.id, at=now, actor=actor, kind=kind, text_zh=zh,
                          text_en=en, version=version, data=data or {})
    session.add(change)
    session.flush()
    return change


def _infeasible(err: RosterInfeasible, period: Period) -> Refused:
    return Refused(f"无法为 {period.start} 至 {period.end} 排出满足全部规则的值班表",
                   f"no roster for {period.start} to {period.end} meets every rule",
                   reasons=err.reasons)


@dataclass(frozen=True)
class Generated:
    row: DutyRoster
    view: RosterView
    seconds: float
    discarded: tuple[int, ...]


def generate(session: Session, period: Period, *, kind: str = "custom", actor: str,
             now: datetime, label: str | None = None, rules: RosterRules | None = None
             ) -> Generated:
    """A new draft for ``period``. Refuses (Conflict) a period overlapping a published roster,
    (Refused) when no roster meets the rules — with the rule and the days in words."""
    rules = _rules(rules)
    overlapping = rosters_covering(session, period.start, period.end)
    published = [r for r in overlapping if r.status == "published"]
    if published:
        p = published[0]
        raise Conflict(
            f"{period.start} 至 {period.end} 与已发布的「{p.label}」({p.period_start} 至 "
            f"{p.period_end},第 {p.version} 版)重叠;已发布的值班表请用换班、替班修改",
            f"{period.start} to {period.end} overlaps the published roster {p.label!r} "
            f"({p.period_start} to {p.period_end}, version {p.version}); change a published "
            "roster by swaps and replacements", roster_id=p.id)
    staff = _staff_rows(session)
    people = [person_of(s) for s in staff.values()]
    if not people:
        raise Refused("没有在岗的值班人员,请先录入或导入值班人员",
                      "there are no active staff: add or import the duty staff first")
    history = _history(session, period.start, people, rules)
    carry = _carry_in(session, period.start)
    started = time.perf_counter()
    try:
        roster = generate_by_month(people, period, rules, history=history, carry_in=carry)
    except RosterInfeasible as err:
        raise _infeasible(err, period) from None
    seconds = time.perf_counter() - started
    discarded = []
    for old in overlapping:
        old.status = "discarded"
        discarded.append(old.id)
        _changed(session, old, kind="discard", zh="被新生成的草稿取代",
                 en="replaced by a newly generated draft", actor=actor, now=now)
    row = DutyRoster(period_start=period.start, period_end=period.end, kind=kind,
                     label=label or _label(period, kind), status="draft", version=0,
                     revision=0, generated_in_s=round(seconds, 3), created_by=actor,
                     created_at=now, updated_at=now)
    row.assignments = [
        DutyAssignment(duty_date=a.date, position=a.position, shift=_shift_name(a, rules),
                       shift_start=a.shift_start, shift_end=a.shift_end,
                       staff_id=int(a.person_id))
        for a in roster.assignments]
    session.add(row)
    session.flush()
    _changed(session, row, kind="generate",
             zh=f"生成草稿:{len(row.assignments)} 个班次,用时 {seconds:.2f} 秒",
             en=f"draft generated: {len(row.assignments)} duties in {seconds:.2f} s",
             actor=actor, now=now, data={"discarded": discarded})
    return Generated(row, roster_view(session, row, rules), seconds, tuple(discarded))


def generate_for(session: Session, asked: periods.PeriodRequest, *, actor: str, now: datetime,
                 label: str | None = None, rules: RosterRules | None = None) -> Generated:
    """A new draft for what a manager asked for (month, season or period), from the running
    duty day on: days already past are never filled (see ``periods.resolve``)."""
    rules = _rules(rules)
    period, kind = periods.resolve(asked, rules, today=shift_at(now, rules).duty_date)
    return generate(session, period, kind=kind, actor=actor, now=now, label=label, rules=rules)


def _shift_name(a: Assignment, rules: RosterRules) -> str:
    if rules.position(a.position).per == "day":
        return "day"
    for name, start, end in shift_windows(a.date, rules):
        if start == a.shift_start and end == a.shift_end:
            return name
    return rules.pattern.kind


def _editable(row: DutyRoster) -> None:
    if row.status == "discarded":
        raise Conflict("该值班表已作废,不能修改", "this roster was discarded and cannot change")


def _assignment(row: DutyRoster, assignment_id: int) -> DutyAssignment:
    found = next((a for a in row.assignments if a.id == assignment_id), None)
    if found is None:
        raise NotFound(f"值班表 {row.id} 中没有编号为 {assignment_id} 的班次",
                       f"roster {row.id} has no duty {assignment_id}")
    return found


@dataclass(frozen=True)
class EditOutcome:
    row: DutyRoster
    change: RosterChange
    warnings: tuple[Violation, ...]


def _edit_reason(row: DutyRoster, reason: str | None) -> str:
    """A change of a *published* roster needs a reason (it reaches the people and the log)."""
    text = (reason or "").strip()
    if row.status == "published" and not text:
        raise InvalidInput([FieldProblem(
            "reason", "已发布的值班表换班、替班须填写原因(将通知相关人员并记入值班日志)",
            "a swap or replacement on a published roster needs a reason (it is sent to the "
            "people concerned and goes into the duty log)")])
    if len(text) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", f"原因不超过 {MAX_REASON} 字",
                                         f"reason: at most {MAX_REASON} characters")])
    return text


def _tell(session: Session, row: DutyRoster, change: RosterChange, people: Sequence[int], *,
          kind: str, reason: str, actor: str, actor_name: str, now: datetime,
          rules: RosterRules) -> None:
    """A change of a published roster: notify the people concerned and write the duty log."""
    if row.status != "published":
        return
    # change.text_* already ends with the reason (_with_reason)
    zh = f"您的值班已调整({row.label} 第 {row.version} 版)。{change.text_zh}"
    en = f"Your duty changed ({row.label}, version {row.version}). {change.text_en}"
    notifications.notify(session, people, kind=kind, zh=zh, en=en, actor=actor, now=now,
                         link=f"/duty?month={change_month(change, row)}",
                         data={"roster_id": row.id, "version": row.version,
                               "change_id": change.id,
                               "assignments": list((change.data or {}).get("assignments")
                                                   or [(change.data or {}).get("assignment")])})
    current = shift_at(now, rules)
    session.add(DutyLogEntry(duty_date=current.duty_date, shift=current.shift, kind="roster",
                             text=f"{change.text_zh}(第 {row.version} 版)"[:MAX_LOG_TEXT],
                             author=actor, author_name=actor_name, at=now))
    session.flush()


def change_month(change: RosterChange, row: DutyRoster) -> str:
    """The month the duty page should open on for a change (its first duty's month)."""
    ids = (change.data or {}).get("assignments") or [(change.data or {}).get("assignment")]
    days = [a.duty_date for a in row.assignments if a.id in ids]
    return (min(days) if days else row.period_start).strftime("%Y-%m")


def swap(session: Session, roster_id: int, first: int, second: int, *, actor: str,
         now: datetime, expected_revision: int | None = None,
         rules: RosterRules | None = None, reason: str | None = None,
         actor_name: str = "") -> EditOutcome:
    """换班: exchange the people of two duties; refused (with reasons) if a hard rule breaks.
    On a published roster it needs a ``reason``, makes a new version and notifies both people."""
    rules = _rules(rules)
    row = get_roster(session, roster_id)
    _editable(row)
    _check_revision(row, expected_revision)
    reason = _edit_reason(row, reason)
    a, b = _assignment(row, first), _assignment(row, second)
    if a.staff_id == b.staff_id:
        raise Refused("两个班次是同一人,无需换班", "both duties are the same person's")
    view = roster_view(session, row, rules)
    result = roster_checks.swap(view.roster, _domain(a), _domain(b))
    if not result.accepted:
        raise Refused(f"换班不符合规则,未执行:{result.zh}",
                      f"the swap breaks the rules and was not made: {result.en}",
                      reasons=result.violations)
    a.staff_id, b.staff_id = b.staff_id, a.staff_id
    zh, en = _with_reason(result.zh, result.en, reason)
    change = _changed(session, row, kind="swap", zh=zh, en=en, actor=actor,
                      now=now, data={"assignments": [a.id, b.id], "reason": reason},
                      staff=view.staff)
    _tell(session, row, change, [a.staff_id, b.staff_id], kind="swap", reason=reason,
          actor=actor, actor_name=actor_name, now=now, rules=rules)
    return EditOutcome(row, change, result.violations)


def _with_reason(zh: str, en: str, reason: str) -> tuple[str, str]:
    return (f"{zh};原因:{reason}", f"{en}; reason: {reason}") if reason else (zh, en)


def replace(session: Session, roster_id: int, assignment_id: int, staff_id: int, *,
            actor: str, now: datetime, expected_revision: int | None = None,
            rules: RosterRules | None = None, reason: str | None = None,
            actor_name: str = "") -> EditOutcome:
    """替班: put another person on a duty; refused (with reasons) if a hard rule breaks.
    On a published roster it needs a ``reason``, makes a new version and notifies the person
    taken off and the person put on."""
    rules = _rules(rules)
    row = get_roster(session, roster_id)
    _editable(row)
    _check_revision(row, expected_revision)
    reason = _edit_reason(row, reason)
    target = _assignment(row, assignment_id)
    person = session.get(DutyStaff, staff_id)
    if person is None:
        raise NotFound(f"没有编号为 {staff_id} 的值班人员", f"no staff member {staff_id}")
    if not person.active:
        raise Refused(f"{person.name} 不在岗,不能安排值班",
                      f"{person.name} is not active and cannot be put on duty")
    if target.staff_id == staff_id:
        raise Refused("该班次已是此人", "this duty is already that person's")
    view = roster_view(session, row, rules)
    result = roster_checks.replace(view.roster, _domain(target), person_of(person))
    if not result.accepted:
        raise Refused(f"替班不符合规则,未执行:{result.zh}",
                      f"the replacement breaks the rules and was not made: {result.en}",
                      reasons=result.violations)
    previous = target.staff_id
    target.staff_id = staff_id
    staff = dict(view.staff)
    staff[person.id] = person
    zh, en = _with_reason(result.zh, result.en, reason)
    change = _changed(session, row, kind="replace", zh=zh, en=en, actor=actor,
                      now=now, data={"assignment": target.id, "from": previous, "to": staff_id,
                                     "reason": reason},
                      staff=staff)
    _tell(session, row, change, [previous, staff_id], kind="replace", reason=reason,
          actor=actor, actor_name=actor_name, now=now, rules=rules)
    return EditOutcome(row, change, result.violations)


def publish(session: Session, roster_id: int, *, actor: str, now: datetime, note: str = "",
            expected_revision: int | None = None, rules: RosterRules | None = None
            ) -> DutyRoster:
    """Draft → published (version 1, or the next version of a withdrawn roster). Refused while
    any hard rule is broken."""
    rules = _rules(rules)
    row = get_roster(session, roster_id)
    if row.status != "draft":
        raise Conflict(f"只有草稿可以发布(该值班表状态:{STATUS_TEXT[row.status][0]})",
                       f"only a draft can be published (this roster is {row.status})")
    _check_revision(row, expected_revision)
    view = roster_view(session, row, rules)
    if view.hard:
        raise Refused("值班表仍有违反硬性规则之处,不能发布;请先换班或替班",
                      "the roster still breaks hard rules and cannot be published; swap or "
                      "replace first", reasons=view.hard)
    clash = [r for r in rosters_covering(session, row.period_start, row.period_end,
                                         ("published",)) if r.id != row.id]
    if clash:
        raise Conflict(f"同一时段已有已发布的「{clash[0].label}」", f"the published roster "
                       f"{clash[0].label!r} already covers part of this period",
                       roster_id=clash[0].id)
    earlier = session.scalar(select(func.max(DutyRosterVersion.version))
                             .where(DutyRosterVersion.roster_id == row.id)) or 0
    row.status, row.version = "published", earlier + 1  # 1, or the next after a withdrawal
    row.published_by, row.published_at = actor, now
    extra = f":{note.strip()}" if note and note.strip() else ""
    _changed(session, row, kind="publish", zh=f"发布{extra}", en=f"published{extra}",
             actor=actor, now=now, staff=view.staff)
    return row


def discard(session: Session, roster_id: int, *, actor: str, now: datetime,
            expected_revision: int | None = None) -> DutyRoster:
    """Drop a draft (it stays readable, marked 已作废)."""
    row = get_roster(session, roster_id)
    if row.status != "draft":
        raise Conflict("只有草稿可以作废;已发布的值班表请用换班、替班修改",
                       "only a draft can be discarded; change a published roster by swaps "
                       "and replacements")
    _check_revision(row, expected_revision)
    row.status = "discarded"
    _changed(session, row, kind="discard", zh="作废草稿", en="draft discarded", actor=actor,
             now=now)
    return row


@dataclass(frozen=True)
class WithdrawnDuty:
    duty_date: date
    position: str
    shift: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AffectedPerson:
    """Someone whose duties are no longer published: tell them (phone) which ones."""

    staff_id: int
    name: str
    phone: str
    duties: tuple[WithdrawnDuty, ...]


@dataclass(frozen=True)
class Withdrawn:
    """The outcome of ``withdraw``.

    ``row`` is the roster withdrawn: a draft again, or (``kept_until`` set) still published
    with the days up to ``kept_until`` only. ``draft`` holds the withdrawn days (``row`` itself
    when nothing had started, else a new draft roster).
    """

    row: DutyRoster
    draft: DutyRoster
    withdrawn_version: int
    kept_until: date | None
    affected: tuple[AffectedPerson, ...]
    change: RosterChange
    log_entry: DutyLogEntry

    @property
    def duties(self) -> int:
        return sum(len(p.duties) for p in self.affected)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput([FieldProblem("reason", "撤回原因必填(将记入值班日志)",
                                         "a reason is required (it goes into the duty log)")])
    if len(text) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", f"撤回原因不超过 {MAX_REASON} 字",
                                         f"reason: at most {MAX_REASON} characters")])
    return text


def _affected(rows: Sequence[DutyAssignment], staff: Mapping[int, DutyStaff],
              rules: RosterRules) -> tuple[AffectedPerson, ...]:
    mine: dict[int, list[DutyAssignment]] = defaultdict(list)
    for a in rows:
        mine[a.staff_id].append(a)
    out = []
    for staff_id, items in mine.items():
        person = staff.get(staff_id)
        items.sort(key=lambda a: (a.shift_start, rules.position_order(a.position), a.id))
        out.append(AffectedPerson(
            staff_id, person.name if person else str(staff_id), person.phone if person else "",
            tuple(WithdrawnDuty(a.duty_date, a.position, a.shift, a.shift_start, a.shift_end)
                  for a in items)))
    out.sort(key=lambda p: (p.duties[0].start, p.name))
    return tuple(out)


def withdraw(session: Session, roster_id: int, *, reason: str, actor: str, now: datetime,
             actor_name: str = "", force: bool = False, expected_revision: int | None = None,
             rules: RosterRules | None = None) -> Withdrawn:
    """撤回: take a published roster back (see the module docstring for what stays).

    Raises InvalidInput (no reason), NotFound, Conflict (not published; started without
    ``force``; nothing left to withdraw), Stale (``expected_revision``)."""
    rules = _rules(rules)
    reason = _reason(reason)
    row = get_roster(session, roster_id)
    if row.status != "published":
        raise Conflict(f"只有已发布的值班表可以撤回(该值班表状态:{STATUS_TEXT[row.status][0]})",
                       f"only a published roster can be withdrawn (this roster is {row.status})")
    _check_revision(row, expected_revision)
    running = shift_at(now, rules).duty_date
    started = row.period_start <= running
    if started and row.period_end <= running:
        raise Conflict(
            f"「{row.label}」的最后一个值班日({row.period_end})已开始或已结束,没有可撤回的值班;"
            "正在进行的值班请用换班、替班调整",
            f"the last duty day of {row.label!r} ({row.period_end}) has started or is over: "
            "there is nothing to withdraw; change the running duty by a swap or a replacement",
            running_duty_day=running.isoformat())
    if started and not force:
        after = running + timedelta(days=1)
        raise Conflict(
            f"「{row.label}」已于 {row.period_start} 开始执行(当前值班日 {running}),撤回会让正在"
            f"进行的24小时值班消失,未执行。如确需撤回,请选择“强制撤回”并填写原因:{running} "
            f"及以前的值班保留为历史,{after} 起的值班撤回为草稿",
            f"{row.label!r} started on {row.period_start} (the running duty day is {running}); "
            "withdrawing it would make the running 24-hour duty vanish, so nothing was done. "
            f"To withdraw anyway, use force with a reason: duties up to {running} stay as "
            f"history, those from {after} go back to a draft",
            started=True, running_duty_day=running.isoformat(), force_required=True)
    staff = _staff_rows(session, {a.staff_id for a in row.assignments})
    version = row.version
    label = row.label
    if not started:
        removed = list(row.assignments)
        affected = _affected(removed, staff, rules)
        row.status, row.version = "draft", 0
        row.published_by, row.published_at = None, None
        zh = f"撤回第 {version} 版,退回草稿:{reason}"
        en = f"version {version} withdrawn, back to draft: {reason}"
        change = _changed(session, row, kind="withdraw", zh=zh, en=en, actor=actor, now=now,
                          data={"reason": reason, "force": bool(force),
                                "withdrawn_version": version,
                                "from": row.period_start.isoformat(),
                                "staff_ids": [p.staff_id for p in affected]})
        draft, kept_until = row, None
        days = f"{row.period_start} 至 {row.period_end}"
    else:
        kept_until = running
        first = running + timedelta(days=1)
        removed = [a for a in row.assignments if a.duty_date > kept_until]
        affected = _affected(removed, staff, rules)
        end = row.period_end
        draft = DutyRoster(period_start=first, period_end=end, kind="custom",
                           label=f"{label}({first:%m-%d}起撤回)"[:100], status="draft",
                           version=0, revision=1, created_by=actor, created_at=now,
                           updated_at=now)
        session.add(draft)
        session.flush()
        draft.assignments.extend(removed)  # moves them (the backref takes them off ``row``)
        row.period_end = kept_until
        zh = (f"强制撤回 {first} 至 {end} 的值班(保留 {kept_until} 及以前),"
              f"移入草稿 #{draft.id}:{reason}")
        en = (f"forced withdrawal of {first} to {end} (kept up to {kept_until}), moved to "
              f"draft #{draft.id}: {reason}")
        data = {"reason": reason, "force": True, "withdrawn_version": version,
                "from": first.isoformat(), "kept_until": kept_until.isoformat(),
                "draft_id": draft.id, "staff_ids": [p.staff_id for p in affected]}
        change = _changed(session, row, kind="withdraw", zh=zh, en=en, actor=actor, now=now,
                          data=data, staff=staff)
        _changed(session, draft, kind="withdraw",
                 zh=f"由「{label}」第 {version} 版撤回的 {first} 至 {end} 的值班:{reason}",
                 en=f"the duties {first} to {end} withdrawn from {label!r} version {version}: "
                    f"{reason}", actor=actor, now=now, data={**data, "roster_id": row.id})
        days = f"{first} 至 {end}"
    names = "、".join(p.name for p in affected) or "无"
    text = (f"撤回值班表「{label}」第 {version} 版中 {days} 的值班"
            + (f"({kept_until} 及以前保留)" if kept_until else "")
            + f";原因:{reason};受影响 {len(affected)} 人:{names}")
    current = shift_at(now, rules)
    entry = DutyLogEntry(duty_date=current.duty_date, shift=current.shift, kind="roster",
                         text=text[:MAX_LOG_TEXT], author=actor, author_name=actor_name, at=now)
    session.add(entry)
    session.flush()
    return Withdrawn(row, draft, version, kept_until, affected, change, entry)


def change_log(session: Session, roster_id: int) -> list[RosterChange]:
    get_roster(session, roster_id)
    return list(session.scalars(select(RosterChange).where(RosterChange.roster_id == roster_id)
                                .order_by(RosterChange.id)))


def version_of(session: Session, roster_id: int, version: int | None = None
               ) -> list[DutyRosterVersion] | DutyRosterVersion:
    """All versions (``version`` None) or one."""
    get_roster(session, roster_id)
    query = select(DutyRosterVersion).where(DutyRosterVersion.roster_id == roster_id)
    if version is None:
        return list(session.scalars(query.order_by(DutyRosterVersion.version)))
    found = session.scalar(query.where(DutyRosterVersion.version == version))
    if found is None:
        raise NotFound(f"值班表 {roster_id} 没有第 {version} 版",
                       f"roster {roster_id} has no version {version}")
    return found


# ============================================================================ month table
def duty_rows(rows: Sequence[DutyRoster], start: date, end: date,
              staff: Mapping[int, DutyStaff], rules: RosterRules | None = None
              ) -> list[DutyRow]:
    """The shifts of ``start`` … ``end`` in these rosters, per shift with the people of every
    position (a per-day position, the leader, is listed on each shift of its day)."""
    rules = _rules(rules)
    by_day: dict[date, list[DutyAssignment]] = defaultdict(list)
    for roster in rows:
        for a in roster.assignments:
            if start <= a.duty_date <= end:
                by_day[a.duty_date].append(a)
    out = []
    day = start
    while day <= end:
        items = by_day.get(day, [])
        for name, s, e in shift_windows(day, rules):
            people: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for a in sorted(items, key=lambda a: (rules.position_order(a.position), a.id)):
                if a.shift_start < e and s < a.shift_end:
                    person = staff.get(a.staff_id)
                    people[a.position].append((person.name, person.phone) if person
                                              else (str(a.staff_id), ""))
            out.append(DutyRow(day, name, s, e, {k: tuple(v) for k, v in people.items()}))
        day += timedelta(days=1)
    return out


# ============================================================================ on duty
def on_duty_now(session: Session, when: datetime, rules: RosterRules | None = None) -> OnDuty:
    """Who is on duty at ``when`` (aware), with names and phones: one indexed query."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("on_duty_now needs an aware datetime")
    rules = _rules(rules)
    local = when.astimezone(rules.tz).date()
    query = (
        select(DutyAssignment.roster_id, DutyRoster.version, DutyRoster.label,
               DutyAssignment.position, DutyAssignment.shift_start, DutyAssignment.shift_end,
               DutyStaff.id, DutyStaff.name, DutyStaff.phone, DutyStaff.unit)
        .join(DutyRoster, DutyRoster.id == DutyAssignment.roster_id)
        .join(DutyStaff, DutyStaff.id == DutyAssignment.staff_id)
        .where(DutyAssignment.duty_date.in_((local - timedelta(days=1), local)),
               DutyAssignment.shift_start <= when, DutyAssignment.shift_end > when,
               DutyRoster.status == "published")
        .order_by(DutyRoster.published_at.desc(), DutyRoster.id.desc(), DutyAssignment.id))
    rows = session.execute(query).all()
    if not rows:
        return OnDuty(when, message_zh="当前时刻没有已发布的值班安排(请生成并发布值班表)",
                      message_en="no published roster covers this moment (generate and "
                                 "publish a roster)")
    chosen = rows[0].roster_id
    positions: dict[str, list[OnDutyPerson]] = defaultdict(list)
    for r in rows:
        if r.roster_id == chosen:
            positions[r.position].append(OnDutyPerson(r.id, r.name, r.phone, r.unit,
                                                      r.position, r.shift_start, r.shift_end))
    ordered = {p: tuple(positions[p]) for p in sorted(positions, key=rules.position_order)}
    return OnDuty(when, ordered, chosen, rows[0].version, rows[0].label)


# ============================================================================ shifts
@dataclass(frozen=True)
class ShiftRef:
    """A shift of a duty day (``24h``, or ``day`` / ``night``) and its window."""

    duty_date: date
    shift: str
    start: datetime
    end: datetime


def shift_at(when: datetime, rules: RosterRules | None = None) -> ShiftRef:
    """The shift that contains ``when`` (aware)."""
    rules = _rules(rules)
    local = when.astimezone(rules.tz).date()
    for day in (local, local - timedelta(days=1)):
        for name, start, end in shift_windows(day, rules):
            if start <= when < end:
                return ShiftRef(day, name, start, end)
    raise AssertionError(f"no shift contains {when}")  # pragma: no cover - windows tile time


# ============================================================================ duty log
MAX_CALLER = 100
MAX_PHONE = 40
FUTURE_SLACK = timedelta(minutes=5)  # a clock a little ahead is not "the future"


def on_shift(session: Session, username: str | None, now: datetime,
             rules: RosterRules | None = None) -> DutyStaff | None:
    """The person linked to ``username`` when they are on duty at ``now`` (any position of the
    published roster), else None."""
    me = notifications.staff_of(session, username)
    if me is None:
        return None
    found = on_duty_now(session, now, rules)
    ids = {p.staff_id for people in found.positions.values() for p in people}
    return me if me.id in ids else None


def may_write_log(session: Session, *, username: str | None, role: str, now: datetime,
                  rules: RosterRules | None = None) -> bool:
    """Whether this account writes today's log now (auth_rules.may_write_duty_log)."""
    if allows(role, Permission.DUTY_MANAGE):
        return True
    return may_write_duty_log(role, on_shift=on_shift(session, username, now, rules) is not None)


def _moment(value: object, tz) -> datetime | None:  # noqa: ANN001 - tzinfo
    """An ISO time; a naive one is business-local (the time on the duty officer's wall)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def add_log_entry(session: Session, data: Mapping[str, object], *, actor: str,
                  actor_name: str = "", now: datetime, rules: RosterRules | None = None,
                  role: str | None = None) -> DutyLogEntry:
    """Append an entry to the duty log (值班日志).

    ``data``: ``kind`` (来电 call, 来文 document, 报告 report, 指示 instruction, 其他 other; and the
    older incident / note), ``text``; optionally ``occurred_at`` (when the call came or the event
    happened: ISO, local time when it has no zone; not in the future; default now), ``caller``,
    ``caller_unit``, ``caller_phone``, ``incident_id``, ``corrects`` (the id of an entry this one
    corrects: entries are never edited), ``duty_date`` + ``shift`` (else the shift of now),
    ``position``.

    With ``role`` (a web request) the writer is checked: only the people on the current shift
    and duty managers write, and only a duty manager writes another day's log (NotAllowed).
    Raises InvalidInput naming each bad field."""
    rules = _rules(rules)
    problems: list[FieldProblem] = []
    kind = str(data.get("kind") or "").strip()
    if kind not in LOG_KINDS:
        names = "、".join(f"{k}({LOG_KIND_TEXT[k][0]})" for k in LOG_CATEGORIES)
        problems.append(FieldProblem("kind", f"类型须为 {names} 之一",
                                     f"kind must be one of {', '.join(LOG_CATEGORIES)}", kind))
    text = str(data.get("text") or "").strip()
    if not text:
        problems.append(FieldProblem("text", "内容必填", "text is required"))
    elif len(text) > MAX_LOG_TEXT:
        problems.append(FieldProblem("text", f"内容不超过 {MAX_LOG_TEXT} 字",
                                     f"text: at most {MAX_LOG_TEXT} characters"))
    fields = {}
    for key, limit, zh in (("caller", MAX_CALLER, "来电人"), ("caller_unit", MAX_CALLER, "单位"),
                           ("caller_phone", MAX_PHONE, "电话")):
        value = str(data.get(key) or "").strip()
        if len(value) > limit:
            problems.append(FieldProblem(key, f"{zh}不超过 {limit} 字",
                                         f"{key}: at most {limit} characters", value[:100]))
        fields[key] = value
    occurred_at = now
    if data.get("occurred_at") not in (None, ""):
        found = _moment(data["occurred_at"], rules.tz)
        if found is None:
            problems.append(FieldProblem("occurred_at", "时间须为 YYYY-MM-DDTHH:MM",
                                         "occurred_at must be YYYY-MM-DDTHH:MM",
                                         str(data["occurred_at"])))
        elif found > now + FUTURE_SLACK:
            problems.append(FieldProblem("occurred_at", "来电/事件时间不能晚于现在",
                                         "the time of the call or event cannot be in the future",
                                         str(data["occurred_at"])))
        else:
            occurred_at = found
    current = shift_at(now, rules)
    duty_date, shift = current.duty_date, current.shift
    if data.get("duty_date"):
        try:
            duty_date = date.fromisoformat(str(data["duty_date"]))
            shift = None
        except ValueError:
            problems.append(FieldProblem("duty_date", "日期须为 YYYY-MM-DD",
                                         "duty_date must be YYYY-MM-DD",
                                         str(data["duty_date"])))
    if data.get("shift"):
        names = [n for n, _, _ in shift_windows(duty_date, rules)]
        if data["shift"] not in names:
            problems.append(FieldProblem("shift", f"班次须为 {'/'.join(names)}",
                                         f"shift must be one of {', '.join(names)}",
                                         str(data["shift"])))
        else:
            shift = str(data["shift"])
    position = data.get("position") or None
    if position is not None and position not in {p.id for p in rules.positions}:
        problems.append(FieldProblem("position", "岗位不存在", "unknown position", str(position)))
    incident_id = _optional_id(data.get("incident_id"), "incident_id", "事件编号", problems)
    corrects = _optional_id(data.get("corrects"), "corrects", "更正的记录编号", problems)
    if corrects is not None and session.get(DutyLogEntry, corrects) is None:
        problems.append(FieldProblem("corrects", f"没有编号为 {corrects} 的日志记录",
                                     f"no log entry {corrects}", str(corrects)))
    if problems:
        raise InvalidInput(problems)
    if role is not None:
        manager = allows(role, Permission.DUTY_MANAGE)
        if not may_write_log(session, username=actor, role=role, now=now, rules=rules):
            raise NotAllowed("只有本班次值班人员和值班主任可以填写今日值班日志",
                             "only the people on the current shift and duty managers write "
                             "today's duty log", rule="on_shift")
        if not manager and duty_date != current.duty_date:
            raise NotAllowed("只有值班主任可以填写其他日期的值班日志",
                             "only a duty manager writes another day's log", rule="today")
    entry = DutyLogEntry(duty_date=duty_date, shift=shift, position=position, kind=kind,
                         text=text, incident_id=incident_id, author=actor,
                         author_name=actor_name, at=now, occurred_at=occurred_at,
                         corrects_id=corrects, **fields)
    session.add(entry)
    session.flush()
    return entry


def _optional_id(value: object, key: str, zh: str, problems: list[FieldProblem]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        problems.append(FieldProblem(key, f"{zh}须为整数", f"{key} must be an integer",
                                     str(value)))
        return None


def log_entries(session: Session, *, start: date, end: date | None = None,
                shift: str | None = None, limit: int = 500) -> list[DutyLogEntry]:
    """Entries of duty days ``start`` … ``end`` (one day by default), oldest first; with
    ``shift``, that shift's entries and those attached to the whole day."""
    end = end or start
    query = (select(DutyLogEntry)
             .where(DutyLogEntry.duty_date >= start, DutyLogEntry.duty_date <= end)
             .order_by(DutyLogEntry.at, DutyLogEntry.id).limit(limit))
    if shift is not None:
        query = query.where((DutyLogEntry.shift == shift) | DutyLogEntry.shift.is_(None))
    return list(session.scalars(query))


# ============================================================================ handover
@dataclass(frozen=True)
class OpenItem:
    id: int
    text_zh: str
    text_en: str
    group: str
    responsible_zh: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class OpenIncident:
    id: int
    title: str
    status: str
    tier_level: int | None
    warning_level: str | None
    river_name_zh: str | None
    discovered_at: datetime
    open_items: tuple[OpenItem, ...]


@dataclass(frozen=True)
class PendingInject:
    """A drill inject delivered to the players and not yet acknowledged (未签收)."""

    run_id: int
    run_title: str
    inject_id: str
    recipient: str
    message: str
    delivered_at: datetime


def unacknowledged_injects(session: Session, limit: int = 50) -> list[PendingInject]:
    """Injects of running drills that no player has acknowledged yet (oldest first)."""
    rows = session.execute(
        select(DrillInject.run_id, DrillRun.title, DrillInject.inject_id, DrillInject.recipient,
               DrillInject.message, DrillInject.wall_at)
        .join(DrillRun, DrillRun.id == DrillInject.run_id)
        .where(DrillRun.status == "running", DrillInject.acknowledged_at.is_(None))
        .order_by(DrillInject.wall_at, DrillInject.id).limit(limit)).all()
    return [PendingInject(r[0], r[1], r[2], r[3] or "", r[4] or "", _aware(r[5]))
            for r in rows]


@dataclass(frozen=True)
class OpenAlarm:
    """A water-quality station alarm nobody has acknowledged yet (水质自动站报警未确认)."""

    id: int
    station_name_zh: str
    parameter: str
    value_mg_l: float
    threshold_mg_l: float
    observed_at: datetime


def open_alarms(session: Session, limit: int = 50) -> list[OpenAlarm]:
    rows = session.scalars(select(StationAlarm).where(StationAlarm.acknowledged_at.is_(None))
                           .order_by(StationAlarm.raised_at, StationAlarm.id).limit(limit))
    return [OpenAlarm(a.id, a.station_name_zh or a.station_id, a.parameter, a.value_mg_l,
                      a.threshold_mg_l, _aware(a.observed_at)) for a in rows]


@dataclass(frozen=True)
class HandoverRecord:
    """A handover with its acknowledgement (接班确认), if the receiver has given it."""

    row: DutyHandover
    ack: DutyHandoverAck | None

    @property
    def acknowledged(self) -> bool:
        return self.ack is not None


@dataclass(frozen=True)
class HandoverView:
    shift: ShiftRef
    at: datetime
    on_duty: OnDuty
    incidents: tuple[OpenIncident, ...]
    log: tuple[DutyLogEntry, ...]
    handovers: tuple[HandoverRecord, ...]
    incoming: OnDuty = None  # type: ignore[assignment]  # who takes the next shift over
    unacknowledged: tuple[HandoverRecord, ...] = ()     # recent handovers nobody confirmed
    injects: tuple[PendingInject, ...] = ()             # drill injects not yet acknowledged
    alarms: tuple[OpenAlarm, ...] = ()                  # station alarms not yet acknowledged

    @property
    def open_items(self) -> int:
        return sum(len(i.open_items) for i in self.incidents)

    @property
    def overdue(self) -> tuple[tuple[OpenIncident, OpenItem], ...]:
        return tuple((i, o) for i in self.incidents for o in i.open_items if o.overdue)

    @property
    def immediate(self) -> tuple[tuple[OpenIncident, OpenItem], ...]:
        """Open items due within ``HANDOVER_SOON`` of the handover (not yet overdue)."""
        soon = self.at + HANDOVER_SOON
        return tuple((i, o) for i in self.incidents for o in i.open_items
                     if not o.overdue and o.due_at is not None and o.due_at <= soon)


HANDOVER_SOON = timedelta(hours=2)
UNACKNOWLEDGED_DAYS = 7


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_incidents(session: Session, at: datetime) -> list[OpenIncident]:
    """Real incidents (not drills) that are not terminated, with their open checklist items
    (soonest due first; overdue relative to ``at``)."""
    incidents = list(session.scalars(
        select(Incident).where(Incident.is_drill.is_(False), Incident.status != "terminated")
        .order_by(Incident.discovered_at, Incident.id)))
    items: dict[int, list[ChecklistItem]] = defaultdict(list)
    if incidents:
        for item in session.scalars(
                select(ChecklistItem).where(
                    ChecklistItem.incident_id.in_([i.id for i in incidents]),
                    ChecklistItem.status == "open")):
            items[item.incident_id].append(item)
    far = datetime.max.replace(tzinfo=at.tzinfo)
    out = []
    for inc in incidents:
        mine = sorted(items[inc.id], key=lambda i: (_aware(i.due_at) or far, i.id))
        out.append(OpenIncident(
            inc.id, inc.title, inc.status, inc.tier_level, inc.warning_level,
            inc.river_name_zh, _aware(inc.discovered_at),  # type: ignore[arg-type]
            tuple(OpenItem(i.id, i.text_zh, i.text_en, i.group, i.responsible_zh,
                           _aware(i.due_at), bool(i.due_at and _aware(i.due_at) < at))
                  for i in mine)))
    return out


def _with_acks(session: Session, rows: Sequence[DutyHandover]) -> tuple[HandoverRecord, ...]:
    ids = [r.id for r in rows]
    acks = {a.handover_id: a for a in session.scalars(
        select(DutyHandoverAck).where(DutyHandoverAck.handover_id.in_(ids)))} if ids else {}
    return tuple(HandoverRecord(r, acks.get(r.id)) for r in rows)


def handover(session: Session, at: datetime, rules: RosterRules | None = None) -> HandoverView:
    """What the shift containing ``at`` hands over: open real incidents and their open items,
    the shift's log entries and earlier handovers of the shift, who is on duty, who takes the
    next shift over (the receiver is picked from them), and the handovers of the last days that
    the receiver has not acknowledged."""
    rules = _rules(rules)
    shift = shift_at(at, rules)
    log = log_entries(session, start=shift.duty_date, shift=shift.shift)
    done = list(session.scalars(
        select(DutyHandover).where(DutyHandover.duty_date == shift.duty_date,
                                   DutyHandover.shift == shift.shift)
        .order_by(DutyHandover.id)))
    recent = list(session.scalars(
        select(DutyHandover).where(
            DutyHandover.duty_date >= shift.duty_date - timedelta(days=UNACKNOWLEDGED_DAYS),
            ~DutyHandover.id.in_(select(DutyHandoverAck.handover_id)))
        .order_by(DutyHandover.id)))
    return HandoverView(shift, at, on_duty_now(session, at, rules),
                        tuple(open_incidents(session, at)), tuple(log), _with_acks(session, done),
                        on_duty_now(session, shift.end, rules), _with_acks(session, recent),
                        tuple(unacknowledged_injects(session)), tuple(open_alarms(session)))


def _incoming_ids(view: HandoverView) -> set[int]:
    return {p.staff_id for people in view.incoming.positions.values() for p in people}


def record_handover(session: Session, *, at: datetime, actor: str, actor_name: str = "",
                    received_staff_id: int | None = None, received_by: str = "",
                    note: str = "", now: datetime,
                    rules: RosterRules | None = None) -> DutyHandover:
    """Record the handover of the shift containing ``at`` to a person of the incoming shift
    (``received_staff_id``; any active person when no published roster covers the next shift),
    with a snapshot of what was open; append a handover entry to the duty log and notify the
    receiver, who then acknowledges it (``acknowledge_handover``)."""
    rules = _rules(rules)
    view = handover(session, at, rules)
    receiver: DutyStaff | None = None
    if received_staff_id is None:
        raise InvalidInput([FieldProblem("received_staff_id", "请从接班人员中选择接班人",
                                         "pick the receiver from the incoming shift")])
    receiver = session.get(DutyStaff, received_staff_id)
    incoming = _incoming_ids(view)
    outside = incoming and receiver is not None and receiver.id not in incoming
    if receiver is None or outside or (not incoming and not receiver.active):
        names = "、".join(p.name for people in view.incoming.positions.values() for p in people)
        raise InvalidInput([FieldProblem(
            "received_staff_id", f"接班人须是下一班的值班人员({names or '无'})",
            f"the receiver must be on the next shift ({names or 'nobody'})",
            str(received_staff_id))])
    received_by = receiver.name
    snapshot = {
        "shift": {"duty_date": view.shift.duty_date.isoformat(), "shift": view.shift.shift,
                  "start": view.shift.start.isoformat(), "end": view.shift.end.isoformat()},
        "incidents": [{"id": i.id, "title": i.title, "status": i.status,
                       "open_items": [{"id": o.id, "text_zh": o.text_zh,
                                       "due_at": o.due_at.isoformat() if o.due_at else None,
                                       "overdue": o.overdue} for o in i.open_items]}
                      for i in view.incidents],
        "on_duty": {p: [x.name for x in people] for p, people in view.on_duty.positions.items()},
        "log_entries": [e.id for e in view.log],
        "overdue": len(view.overdue), "immediate": len(view.immediate),
        "unacknowledged_injects": len(view.injects), "open_alarms": len(view.alarms),
    }
    note = (note or "").strip()[:MAX_LOG_TEXT]
    row = DutyHandover(duty_date=view.shift.duty_date, shift=view.shift.shift,
                       handed_over_by=actor, handed_over_name=actor_name,
                       received_by=received_by[:100], received_staff_id=receiver.id, note=note,
                       snapshot=snapshot, at=now)
    session.add(row)
    text = (f"交接班:未结事件 {len(view.incidents)} 起,未完成任务 {view.open_items} 项"
            f"(超时 {len(view.overdue)} 项);接班人:{received_by}(待接班确认)"
            + (f"。{note}" if note else ""))
    session.add(DutyLogEntry(duty_date=view.shift.duty_date, shift=view.shift.shift,
                             kind="handover", text=text, author=actor,
                             author_name=actor_name, at=now))
    session.flush()
    giver = actor_name or actor
    notifications.notify(
        session, [receiver.id], kind="handover",
        zh=f"{giver} 将 {view.shift.duty_date} 的值班交接给您:未结事件 {len(view.incidents)} 起,"
           f"未完成任务 {view.open_items} 项。请在值班页面确认接班。",
        en=f"{giver} handed the duty of {view.shift.duty_date} over to you: "
           f"{len(view.incidents)} open incidents, {view.open_items} open items. Please "
           "acknowledge it on the duty page.",
        actor=actor, now=now, link="/duty#duty-handover-panel", data={"handover_id": row.id})
    return row


def acknowledge_handover(session: Session, handover_id: int, *, username: str, now: datetime,
                         rules: RosterRules | None = None) -> DutyHandoverAck:
    """接班确认: the named receiver confirms; the time goes into the duty log. Anyone else is
    refused (NotAllowed); a second confirmation is a Conflict."""
    rules = _rules(rules)
    row = session.get(DutyHandover, handover_id)
    if row is None:
        raise NotFound(f"没有编号为 {handover_id} 的交接班记录", f"no handover {handover_id}")
    me = notifications.staff_of(session, username)
    if me is None or me.id != row.received_staff_id:
        raise NotAllowed(f"只有接班人 {row.received_by} 本人可以确认接班",
                         f"only the receiver, {row.received_by}, acknowledges this handover")
    if session.scalar(select(DutyHandoverAck).where(DutyHandoverAck.handover_id == row.id)):
        raise Conflict("该交接班已确认", "this handover is already acknowledged")
    ack = DutyHandoverAck(handover_id=row.id, staff_id=me.id, username=username, name=me.name,
                          at=now)
    session.add(ack)
    current = shift_at(now, rules)
    local = now.astimezone(rules.tz)
    giver = row.handed_over_name or row.handed_over_by
    session.add(DutyLogEntry(
        duty_date=current.duty_date, shift=current.shift, kind="handover",
        text=f"接班确认:{me.name} 于 {local:%m-%d %H:%M} 确认接收 {giver} 交接的 "
             f"{row.duty_date} 值班", author=username,
        author_name=me.name, at=now))
    session.flush()
    return ack


# ============================================================================ iCal
def ical_for(session: Session, staff_id: int, *, now: datetime,
             rules: RosterRules | None = None, days_back: int = 92) -> str:
    """The person's published duties (from ``days_back`` days ago on) as an RFC 5545 feed."""
    rules = _rules(rules)
    from emergency.roster.staff_service import get_staff

    person_row = get_staff(session, staff_id)
    since = now.astimezone(rules.tz).date() - timedelta(days=days_back)
    rows = list(session.scalars(
        select(DutyAssignment).join(DutyRoster)
        .where(DutyRoster.status == "published", DutyAssignment.staff_id == staff_id,
               DutyAssignment.duty_date >= since)
        .order_by(DutyAssignment.shift_start)))
    person = person_of(person_row)
    mine = [_domain(r) for r in rows]
    period = Period(min((a.date for a in mine), default=since),
                    max((a.date for a in mine), default=since))
    roster = build_roster(period, mine, [person], rules)
    return to_ical(roster, person, stamp=now, notes=_feed_notes(session, staff_id, rows, since))


def _feed_notes(session: Session, staff_id: int, rows: Sequence[DutyAssignment], since: date
                ) -> dict[date, list[str]]:
    """The person's roster-change notifications, on the duty days they concern."""
    day_of = {a.id: a.duty_date for a in rows}
    notes: dict[date, list[str]] = defaultdict(list)
    for n in notifications.listed(session, staff_id, limit=200):
        if n.kind not in ("swap", "replace"):
            continue
        for assignment_id in (n.data or {}).get("assignments") or ():
            day = day_of.get(assignment_id)
            if day is not None and day >= since and n.text_zh not in notes[day]:
                notes[day].append(n.text_zh)
    return dict(notes)
