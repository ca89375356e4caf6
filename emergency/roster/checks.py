"""Checks of a roster against the rules, counts and fairness, and edits (swap, replace).

Every hard rule has a check here that names the rule, the days and the people in Chinese and
English; the generator's output passes them all, and an edit that would break one is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from emergency.roster.model import (
    Assignment,
    DutyCounts,
    Period,
    Person,
    PersonStats,
    Roster,
    Violation,
)
from emergency.roster.rules import RosterRules
from emergency.roster.slots import DEMAND_TEXT, duty_counts, duty_slots

__all__ = [
    "CATEGORY_TEXT",
    "EditResult",
    "build_roster",
    "check_roster",
    "compute_stats",
    "eligible_people",
    "fairness_spread",
    "format_dates",
    "replace",
    "soft_violations",
    "swap",
]

CATEGORY_TEXT = {
    "shifts": ("值班次数", "shifts"),
    "nights": ("夜班次数", "nights"),
    "weekends": ("周末值班次数", "weekend duties"),
    "holidays": ("节假日值班次数", "public-holiday duties"),
}


# ---------------------------------------------------------------------------------------------
# Words


def date_ranges(dates: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive runs of the given days, in order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(dates)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def format_dates(dates: Iterable[date]) -> tuple[str, str]:
    """``2026-07-06 至 2026-07-12、2026-07-20`` and ``2026-07-06 to 2026-07-12, 2026-07-20``."""
    runs = date_ranges(dates)
    zh = "、".join(
        a.isoformat() if a == b else f"{a.isoformat()} 至 {b.isoformat()}" for a, b in runs
    )
    en = ", ".join(
        a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in runs
    )
    return zh, en


def _hours(value: float) -> str:
    return f"{value:g}"


def _name(person_id: str, people: Mapping[str, Person]) -> str:
    person = people.get(person_id)
    return person.label if person else person_id


# ---------------------------------------------------------------------------------------------
# Counts and fairness


def compute_stats(
    assignments: Iterable[Assignment],
    people: Sequence[Person],
    rules: RosterRules,
    history: Mapping[str, DutyCounts] | None = None,
) -> dict[str, PersonStats]:
    """Each person's counts in these assignments and cumulative with ``history``."""
    history = history or {}
    mine: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        mine[a.person_id].append(a)
    ids = sorted({p.id for p in people} | set(mine))
    stats = {}
    for pid in ids:
        period = duty_counts(mine.get(pid, ()), rules)
        stats[pid] = PersonStats(pid, period, history.get(pid, DutyCounts()) + period)
    return stats


def eligible_people(people: Sequence[Person], rules: RosterRules, group: str) -> list[Person]:
    """People qualified for at least one position of a fairness group."""
    positions = [p for p in rules.positions if p.fairness_group == group]
    return [
        person
        for person in sorted(people, key=lambda p: p.id)
        if any(pos.requires <= person.qualifications for pos in positions)
    ]


def fairness_spread(
    stats: Mapping[str, PersonStats], people: Sequence[Person], rules: RosterRules
) -> dict[str, dict[str, int]]:
    """Max − min of each cumulative count among the eligible people of each fairness group."""
    spread: dict[str, dict[str, int]] = {}
    for group in rules.fairness_groups:
        members = eligible_people(people, rules, group)
        if not members:
            continue
        spread[group] = {}
        for cat in rules.fairness.categories:
            values = [stats[p.id].cumulative.get(cat) if p.id in stats else 0 for p in members]
            spread[group][cat] = max(values) - min(values)
    return spread


def soft_violations(
    assignments: Sequence[Assignment],
    people: Sequence[Person],
    rules: RosterRules,
    stats: Mapping[str, PersonStats],
    period: Period,
) -> tuple[Violation, ...]:
    """Fairness spreads over target, preferences not honoured, holiday calendar gaps."""
    found: list[Violation] = []
    by_id = {p.id: p for p in people}
    for year in sorted({d.year for d in (period.start, period.end)}):
        if not rules.calendar.has_official_schedule(year):
            found.append(
                Violation(
                    "holiday_calendar",
                    f"{year} 年节假日安排未录入 holidays_cn.yaml：只按固定日期节日"
                    "（元旦、劳动节、国庆节）计算，春节、清明节、端午节、中秋节和调休上班日"
                    "待按国务院办公厅通知填入",
                    f"the {year} holiday schedule is not in holidays_cn.yaml: only the fixed-date "
                    "holidays count; the lunar holidays and make-up working days are to be filled "
                    "from the State Council notice",
                    hard=False,
                )
            )
    target = rules.fairness.target_spread
    for group, cats in fairness_spread(stats, people, rules).items():
        members = eligible_people(people, rules, group)
        for cat, spread in cats.items():
            if spread <= target:
                continue
            values = {
                p.id: stats[p.id].cumulative.get(cat) if p.id in stats else 0 for p in members
            }
            hi, lo = max(values.values()), min(values.values())
            highs = tuple(pid for pid, v in values.items() if v == hi)
            lows = tuple(pid for pid, v in values.items() if v == lo)
            zh_cat, en_cat = CATEGORY_TEXT[cat]
            found.append(
                Violation(
                    "fairness",
                    f"公平性：{group} 组{zh_cat}最多 {hi}、最少 {lo}，"
                    f"相差 {spread}，超过目标 {target}",
                    f"fairness: {en_cat} in group {group} range from {lo} to {hi}, a spread of "
                    f"{spread} over the target {target}",
                    person_ids=highs + lows,
                    hard=False,
                )
            )
    for a in assignments:
        person = by_id.get(a.person_id)
        if person is None:
            continue
        for pref in person.preferences:
            if pref.kind == "avoid" and pref.weight > 0 and pref.applies(a.date):
                found.append(
                    Violation(
                        "preference",
                        f"{person.label} 希望 {a.date.isoformat()} 不值班，但已排班",
                        f"{person.label} asked not to be on duty on {a.date.isoformat()} but is",
                        (a.date,),
                        a.position,
                        (person.id,),
                        hard=False,
                    )
                )
                break
    return tuple(found)


def build_roster(
    period: Period,
    assignments: Iterable[Assignment],
    people: Sequence[Person],
    rules: RosterRules,
    history: Mapping[str, DutyCounts] | None = None,
    carry_in: Iterable[Assignment] = (),
) -> Roster:
    """A Roster with its stats and soft-rule findings computed."""
    ordered = tuple(
        sorted(
            assignments,
            key=lambda a: (a.shift_start, rules.position_order(a.position), a.person_id),
        )
    )
    history = dict(history or {})
    stats = compute_stats(ordered, people, rules, history)
    soft = soft_violations(ordered, people, rules, stats, period)
    return Roster(period, ordered, stats, soft, rules, tuple(people), history, tuple(carry_in))


# ---------------------------------------------------------------------------------------------
# Hard rules


def _check_staffing(
    assignments: Sequence[Assignment], period: Period, rules: RosterRules
) -> list[Violation]:
    found = []
    seated: dict[tuple[str, object], list[Assignment]] = defaultdict(list)
    for a in assignments:
        seated[(a.position, a.shift_start)].append(a)
    slots = {(slot.position, slot.start): slot for slot in duty_slots(period, rules)}
    short: dict[tuple[str, str, int], list[date]] = defaultdict(list)
    for key, slot in slots.items():
        if len(seated.get(key, ())) < slot.count:
            short[(slot.position, slot.demand, slot.count)].append(slot.date)
    for (position_id, demand, count), days in sorted(short.items(), key=lambda kv: kv[1][0]):
        position = rules.position(position_id)
        rule_zh, rule_en = DEMAND_TEXT[demand]
        zh_d, en_d = format_dates(days)
        found.append(
            Violation(
                demand,
                f"{position.zh}：按「{rule_zh}」每班须 {count} 人，{zh_d} 人数不足",
                f"{position.en}: {rule_en} needs {count} per shift; too few on {en_d}",
                tuple(days),
                position_id,
            )
        )
    extra = [a for a in assignments if (a.position, a.shift_start) not in slots]
    if extra:
        zh_d, en_d = format_dates(a.date for a in extra)
        found.append(
            Violation(
                "staffing",
                f"有值班安排不对应任何班次或岗位：{zh_d}",
                f"assignments match no shift or position of the rules: {en_d}",
                tuple(sorted({a.date for a in extra})),
                None,
                tuple(sorted({a.person_id for a in extra})),
            )
        )
    for key, seats in seated.items():
        slot = slots.get(key)
        if slot is None or len(seats) <= slot.count:
            continue
        position = rules.position(slot.position)
        found.append(
            Violation(
                "staffing",
                f"{position.zh}：{slot.date.isoformat()} 排了 {len(seats)} 人，"
                f"多于 {slot.count} 人",
                f"{position.en}: {len(seats)} people on {slot.date.isoformat()}, more than "
                f"{slot.count}",
                (slot.date,),
                slot.position,
                tuple(sorted(a.person_id for a in seats)),
            )
        )
    return found


def _check_people(
    assignments: Sequence[Assignment], people: Mapping[str, Person], rules: RosterRules
) -> list[Violation]:
    found = []
    unknown: dict[str, list[date]] = defaultdict(list)
    unqualified: dict[tuple[str, str], list[date]] = defaultdict(list)
    away: dict[tuple[str, str], list[date]] = defaultdict(list)
    for a in assignments:
        person = people.get(a.person_id)
        if person is None:
            unknown[a.person_id].append(a.date)
            continue
        try:
            position = rules.position(a.position)
        except KeyError:
            continue  # reported by the staffing check
        if not position.requires <= person.qualifications:
            unqualified[(person.id, position.id)].append(a.date)
        u = person.unavailability_on(a.date)
        if u is not None:
            away[(person.id, u.reason)].append(a.date)
    for pid, days in sorted(unknown.items()):
        zh_d, en_d = format_dates(days)
        found.append(
            Violation(
                "unknown_person",
                f"值班人员 {pid} 不在人员名册中：{zh_d}",
                f"person {pid} is not in the staff registry: {en_d}",
                tuple(sorted(days)),
                None,
                (pid,),
            )
        )
    for (pid, position_id), days in sorted(unqualified.items()):
        position = rules.position(position_id)
        missing = "、".join(sorted(position.requires - people[pid].qualifications))
        zh_d, en_d = format_dates(days)
        found.append(
            Violation(
                "qualification",
                f"{people[pid].label} 不具备{position.zh}所需资格（{missing}）：{zh_d}",
                f"{people[pid].label} lacks the qualification for {position.en} "
                f"({missing}): {en_d}",
                tuple(sorted(days)),
                position_id,
                (pid,),
            )
        )
    for (pid, reason), days in sorted(away.items()):
        person = people[pid]
        u = next(u for u in person.unavailable if u.reason == reason)
        zh_d, en_d = format_dates(days)
        found.append(
            Violation(
                "unavailability",
                f"{person.label} {u.reason_zh}期间被排班：{zh_d}",
                f"{person.label} is on duty while away ({u.reason_en}): {en_d}",
                tuple(sorted(days)),
                None,
                (pid,),
            )
        )
    return found


def _check_times(
    assignments: Sequence[Assignment],
    carry_in: Sequence[Assignment],
    people: Mapping[str, Person],
    rules: RosterRules,
) -> list[Violation]:
    found = []
    rest = rules.min_rest
    new = set(assignments)
    mine: dict[str, list[Assignment]] = defaultdict(list)
    for a in list(carry_in) + list(assignments):
        mine[a.person_id].append(a)
    for pid in sorted(mine):
        shifts = sorted(set(mine[pid]), key=lambda a: (a.shift_start, a.shift_end, a.position))
        name = _name(pid, people)
        for i, a in enumerate(shifts):
            for b in shifts[i + 1 :]:
                if b.shift_start >= a.shift_end + rest:
                    break
                if a not in new and b not in new:
                    continue
                pa, pb = _position_text(a.position, rules), _position_text(b.position, rules)
                if b.shift_start < a.shift_end:
                    found.append(
                        Violation(
                            "no_double",
                            f"{name} 同一时间担任两个岗位：{a.date.isoformat()} {pa[0]} 与 "
                            f"{b.date.isoformat()} {pb[0]}",
                            f"{name} holds two positions at once: {pa[1]} on {a.date.isoformat()} "
                            f"and {pb[1]} on {b.date.isoformat()}",
                            tuple(sorted({a.date, b.date})),
                            b.position,
                            (pid,),
                        )
                    )
                else:
                    gap = (b.shift_start - a.shift_end).total_seconds() / 3600
                    found.append(
                        Violation(
                            "min_rest",
                            f"{name} 在 {a.date.isoformat()} 与 {b.date.isoformat()} "
                            "两班之间只休息 "
                            f"{_hours(gap)} 小时，少于最少休息 {_hours(rules.min_rest_hours)} 小时",
                            f"{name} rests only {_hours(gap)} h between the shifts of "
                            f"{a.date.isoformat()} and {b.date.isoformat()}, less than the minimum "
                            f"rest of {_hours(rules.min_rest_hours)} h",
                            (a.date, b.date),
                            b.position,
                            (pid,),
                        )
                    )
        per_month: dict[tuple[int, int], list[Assignment]] = defaultdict(list)
        for a in shifts:
            per_month[(a.date.year, a.date.month)].append(a)
        for (year, month), items in sorted(per_month.items()):
            if len(items) > rules.max_shifts_per_month and any(a in new for a in items):
                found.append(
                    Violation(
                        "max_per_month",
                        f"{name} {year} 年 {month} 月值班 {len(items)} 次，超过每月上限 "
                        f"{rules.max_shifts_per_month} 次",
                        f"{name} has {len(items)} shifts in {year}-{month:02d}, over the monthly "
                        f"maximum of {rules.max_shifts_per_month}",
                        tuple(sorted({a.date for a in items})),
                        None,
                        (pid,),
                    )
                )
    return found


def _position_text(position_id: str, rules: RosterRules) -> tuple[str, str]:
    try:
        position = rules.position(position_id)
    except KeyError:
        return position_id, position_id
    return position.zh, position.en


def check_roster(
    roster: Roster,
    people: Sequence[Person] | None = None,
    rules: RosterRules | None = None,
) -> list[Violation]:
    """Every hard-rule violation of ``roster`` (empty when it meets them all).

    Rules checked: seats per shift (with flood-season and 主汛期 staffing), qualifications,
    unavailability, no one on two positions at once, minimum rest, maximum shifts per month.
    Rest and monthly limits include ``roster.carry_in``. ``people`` and ``rules`` default to the
    roster's own.
    """
    people = roster.people if people is None else people
    rules = roster.rules if rules is None else rules
    by_id = {p.id: p for p in people}
    found = _check_staffing(roster.assignments, roster.period, rules)
    found += _check_people(roster.assignments, by_id, rules)
    found += _check_times(roster.assignments, roster.carry_in, by_id, rules)
    return found


# ---------------------------------------------------------------------------------------------
# Edits


@dataclass(frozen=True)
class EditResult:
    """The outcome of an edit.

    ``accepted``: the edit breaks no hard rule that was not already broken; ``roster`` is then
    the new roster, else the unchanged one. ``violations`` are the hard violations the edit
    would introduce (the reasons for refusal) followed by the new roster's soft findings.
    ``zh``/``en`` describe the change for the duty log.
    """

    accepted: bool
    roster: Roster
    violations: tuple[Violation, ...]
    zh: str
    en: str


def _edit(
    roster: Roster,
    old: Sequence[Assignment],
    new: Sequence[Assignment],
    people: Sequence[Person],
    zh: str,
    en: str,
) -> EditResult:
    kept = [a for a in roster.assignments if a not in old]
    changed = build_roster(
        roster.period, kept + list(new), people, roster.rules, roster.history, roster.carry_in
    )
    before = {v.key for v in check_roster(roster, people)}
    introduced = tuple(v for v in check_roster(changed) if v.key not in before)
    if introduced:
        return EditResult(False, roster, introduced, zh, en)
    return EditResult(True, changed, changed.violations_of_soft_rules, zh, en)


def _require(roster: Roster, assignment: Assignment) -> None:
    if assignment not in roster.assignments:
        raise ValueError(f"not in this roster: {assignment}")


def _describe(a: Assignment, roster: Roster) -> tuple[str, str]:
    zh, en = _position_text(a.position, roster.rules)
    name = _name(a.person_id, {p.id: p for p in roster.people})
    return f"{a.date.isoformat()} {zh} {name}", f"{a.date.isoformat()} {en} {name}"


def swap(roster: Roster, a: Assignment, b: Assignment) -> EditResult:
    """Exchange the people of two assignments (换班), refusing it if a hard rule would break."""
    _require(roster, a)
    _require(roster, b)
    if a.person_id == b.person_id:
        raise ValueError("both assignments are of the same person; nothing to swap")
    (za, ea), (zb, eb) = _describe(a, roster), _describe(b, roster)
    return _edit(
        roster,
        [a, b],
        [a.with_person(b.person_id), b.with_person(a.person_id)],
        roster.people,
        f"换班：{za} ⇄ {zb}",
        f"swap: {ea} ⇄ {eb}",
    )


def replace(roster: Roster, assignment: Assignment, person: Person | str) -> EditResult:
    """Put ``person`` (a Person or an id in the roster's people) in place of the assignee (替班)."""
    _require(roster, assignment)
    people = list(roster.people)
    if isinstance(person, Person):
        if roster.person(person.id) is None:
            people.append(person)
        elif roster.person(person.id) != person:
            people = [person if p.id == person.id else p for p in people]
        person_id = person.id
    else:
        person_id = person
    if person_id == assignment.person_id:
        raise ValueError("the assignment already has this person")
    z, e = _describe(assignment, roster)
    name = _name(person_id, {p.id: p for p in people})
    return _edit(
        roster,
        [assignment],
        [assignment.with_person(person_id)],
        people,
        f"替班：{z} → {name}",
        f"replace: {e} → {name}",
    )
