"""Roster generator (排班): OR-Tools CP-SAT over the duty slots of a period.

Model
    One Boolean per (person, slot) where the person is qualified, available that duty day and
    not blocked by a shift before the period (``carry_in``). Hard constraints: each slot gets
    exactly its seat count; the shifts of one person pairwise at least ``min_rest_hours`` apart
    (this also forbids two positions at once), written as clique constraints over sliding
    windows; at most ``max_shifts_per_month`` per person per calendar month (carry-in counted).
    Objective: for every fairness group and category, each person's distance outside a band of
    cumulative counts (``history`` + this period) that is ``fairness.target_spread`` wide and
    contains the group's average, weighted heavily; then preferences (avoid: +weight, prefer:
    −weight). Counts inside the band cost nothing, so with everyone in band the spread is within
    target, and per-person slack keeps the LP relaxation tight (a max − min objective is not).
    A person's counts include every position they hold; people are compared within each
    fairness group they are qualified for. Someone new should start with a ``history`` at the
    group's average, or the band will push shifts their way until they catch up.

Determinism
    The model is built in a fixed order (people by id, slots by start and position order), and
    CP-SAT runs with ``solver.workers`` (default 1) search workers, a fixed ``solver.seed`` and a
    *deterministic-time* limit (``solver.deterministic_time``), which counts work, not seconds. The
    same input therefore gives the same roster on any machine and under any load. The wall-clock
    ``solver.time_limit_s`` is only a safety net; if it ever cuts a solve short the result may
    differ between runs (raise it, or lower ``deterministic_time``).

Infeasibility
    Before solving, a per-slot pre-check compares the seats with the qualified people available
    (leave, training, trips, rest after carry-in) and checks, for every moment, that the
    positions on duty together can be filled by different people. If CP-SAT then proves the
    rules infeasible, the minimum rest and the monthly maximum are each relaxed alone with
    penalised slack (the least relaxation that gives a roster is reported: rule, days, people),
    and finally the seats, to name the slots that cannot be filled under all the rules. Either
    way ``RosterInfeasible`` is raised with reasons in Chinese and English.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from emergency.roster.checks import build_roster, eligible_people, format_dates
from emergency.roster.model import (
    Assignment,
    DutyCounts,
    Period,
    Person,
    Roster,
    RosterInfeasible,
    Slot,
    Violation,
)
from emergency.roster.rules import RosterRules, default_roster_rules
from emergency.roster.slots import DEMAND_TEXT, conflict, duty_counts, duty_slots

__all__ = ["generate_by_month", "generate_roster", "precheck"]

FAIRNESS_SCALE = 1000  # one unit of fairness excess outweighs any preference
RELAXABLE = ("min_rest", "max_per_month")


@dataclass
class _Problem:
    period: Period
    rules: RosterRules
    people: list[Person]
    slots: list[Slot]
    candidates: list[list[int]]  # slot → person indices
    person_slots: list[list[int]]  # person → slot indices, by start
    carry_month: dict[tuple[int, tuple[int, int]], int]  # (person, (year, month)) → carry-in
    slot_counts: list[DutyCounts]
    history: Mapping[str, DutyCounts]
    blocked_by_carry: dict[tuple[int, int], Assignment]  # (person, slot) → earlier shift


def _relevant_carry_in(
    carry_in: Sequence[Assignment], period: Period, slots: Sequence[Slot], rules: RosterRules
) -> list[Assignment]:
    inside = [a for a in carry_in if a.date in period]
    if inside:
        raise ValueError(f"carry_in must precede the period; {inside[0]} is inside {period}")
    if not slots:
        return []
    first = slots[0].start
    months = {(d.year, d.month) for d in (period.start, period.end)}
    return [
        a
        for a in carry_in
        if a.shift_end + rules.min_rest > first or (a.date.year, a.date.month) in months
    ]


def _problem(
    people: Sequence[Person],
    period: Period,
    rules: RosterRules,
    history: Mapping[str, DutyCounts],
    carry_in: Sequence[Assignment],
) -> _Problem:
    ordered = sorted(people, key=lambda p: p.id)
    ids = [p.id for p in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("person ids must be unique")
    index = {pid: i for i, pid in enumerate(ids)}
    slots = duty_slots(period, rules)
    carry = _relevant_carry_in(carry_in, period, slots, rules)
    carry_by_person: dict[int, list[Assignment]] = defaultdict(list)
    carry_month: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    for a in carry:
        if a.person_id in index:
            carry_by_person[index[a.person_id]].append(a)
            carry_month[(index[a.person_id], (a.date.year, a.date.month))] += 1
    candidates: list[list[int]] = []
    person_slots: list[list[int]] = [[] for _ in ordered]
    blocked: dict[tuple[int, int], Assignment] = {}
    for si, slot in enumerate(slots):
        needs = rules.position(slot.position).requires
        here = []
        for pi, person in enumerate(ordered):
            if not needs <= person.qualifications or not person.is_available(slot.date):
                continue
            clash = next(
                (
                    a
                    for a in carry_by_person.get(pi, ())
                    if conflict(a.shift_start, a.shift_end, slot.start, slot.end, rules.min_rest)
                ),
                None,
            )
            if clash is not None:
                blocked[(pi, si)] = clash
                continue
            here.append(pi)
            person_slots[pi].append(si)
        candidates.append(here)
    slot_counts = [duty_counts([s], rules) for s in slots]
    return _Problem(
        period,
        rules,
        ordered,
        slots,
        candidates,
        person_slots,
        dict(carry_month),
        slot_counts,
        history,
        blocked,
    )


# ---------------------------------------------------------------------------------------------
# Pre-check


def _max_matching(seats: list[list[int]]) -> int:
    """Size of a maximum matching of seats to people (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}

    def augment(seat: int, seen: set[int]) -> bool:
        for person in seats[seat]:
            if person in seen:
                continue
            seen.add(person)
            if person not in owner or augment(owner[person], seen):
                owner[person] = seat
                return True
        return False

    return sum(augment(s, set()) for s in range(len(seats)))


def _away_text(problem: _Problem, position_id: str, days: Sequence[date]) -> tuple[str, str]:
    """Who is qualified but away on these days, and why."""
    needs = problem.rules.position(position_id).requires
    zh, en = [], []
    for person in problem.people:
        if not needs <= person.qualifications:
            continue
        for u in person.unavailable:
            hit = [d for d in days if u.covers(d)]
            if hit:
                z, e = format_dates(hit)
                zh.append(f"{person.label}{u.reason_zh} {z}")
                en.append(f"{person.label} on {u.reason_en} {e}")
    return "；".join(zh), "; ".join(en)


def precheck(
    people: Sequence[Person],
    period: Period,
    rules: RosterRules | None = None,
    *,
    carry_in: Sequence[Assignment] = (),
) -> list[Violation]:
    """Shortages visible without solving: per slot and per moment (no two positions at once)."""
    rules = rules or default_roster_rules()
    return _precheck(_problem(people, period, rules, {}, carry_in))


def _precheck(problem: _Problem) -> list[Violation]:
    rules = problem.rules
    found: list[Violation] = []
    short: dict[tuple[str, str, int, int], list[date]] = defaultdict(list)
    for si, slot in enumerate(problem.slots):
        have = len(problem.candidates[si])
        if have < slot.count:
            short[(slot.position, slot.demand, slot.count, have)].append(slot.date)
    for (position_id, demand, count, have), days in sorted(short.items(), key=lambda kv: kv[1]):
        position = rules.position(position_id)
        rule_zh, rule_en = DEMAND_TEXT[demand]
        span_zh, span_en = ("每天", "per day") if position.per == "day" else ("每班", "per shift")
        zh_d, en_d = format_dates(days)
        away_zh, away_en = _away_text(problem, position_id, days)
        blocked = sorted(
            {
                problem.people[pi].label
                for (pi, si) in problem.blocked_by_carry
                if problem.slots[si].date in days and problem.slots[si].position == position_id
            }
        )
        if blocked:
            away_zh += ("；" if away_zh else "") + "上期值班后休息不足：" + "、".join(blocked)
            away_en += (
                ("; " if away_en else "") + "resting after earlier duty: " + ", ".join(blocked)
            )
        found.append(
            Violation(
                demand,
                f"{position.zh}：按「{rule_zh}」{span_zh}须 {count} 人，"
                f"但 {zh_d} 具备资格且可值班的只有 {have} 人"
                + (f"（{away_zh}）" if away_zh else ""),
                f"{position.en}: the rule '{rule_en}' needs {count} {span_en}, but on {en_d} only "
                f"{have} qualified {'person is' if have == 1 else 'people are'} available"
                + (f" ({away_en})" if away_en else ""),
                tuple(days),
                position_id,
            )
        )
    if found:
        return found
    # Positions on duty at the same moment need different people.
    starts = sorted({s.start for s in problem.slots})
    crowded: dict[tuple[str, ...], list[date]] = defaultdict(list)
    for moment in starts:
        on = [si for si, s in enumerate(problem.slots) if s.start <= moment < s.end]
        seats = [problem.candidates[si] for si in on for _ in range(problem.slots[si].count)]
        if len(seats) > 1 and _max_matching(seats) < len(seats):
            key = tuple(problem.slots[si].position for si in on)
            crowded[key].append(_local_date(moment, problem))
    for positions, days in crowded.items():
        labels = [rules.position(p) for p in dict.fromkeys(positions)]
        zh_d, en_d = format_dates(days)
        found.append(
            Violation(
                "no_double",
                f"同一时间不得一人兼任两个岗位：{zh_d} {'、'.join(p.zh for p in labels)} 同时在岗，"
                "可值班的不同人员不够",
                f"no one may hold two positions at once: on {en_d} there are not enough different "
                f"available people for {', '.join(p.en for p in labels)} together",
                tuple(sorted(set(days))),
                None,
            )
        )
    return found


def _local_date(moment: datetime, problem: _Problem) -> date:
    for slot in problem.slots:
        if slot.start == moment:
            return slot.date
    return moment.astimezone(problem.rules.tz).date()


# ---------------------------------------------------------------------------------------------
# Model


@dataclass
class _Model:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    slack: list[tuple[cp_model.IntVar, str, tuple[int, ...], tuple[int, ...]]]
    # (slack variable, rule, person indices, slot indices) for relaxed rules


def _build(problem: _Problem, relax: str | None = None) -> _Model:
    """The CP-SAT model; with ``relax`` set to a rule id, that rule gets penalised slack and
    the objective becomes the total slack (fairness and preferences are left out)."""
    rules = problem.rules
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for pi, slot_ids in enumerate(problem.person_slots):
        for si in slot_ids:
            x[(pi, si)] = model.new_bool_var(f"x_{pi}_{si}")
    slack: list[tuple[cp_model.IntVar, str, tuple[int, ...], tuple[int, ...]]] = []

    # Seats: exactly the count of each slot.
    for si, slot in enumerate(problem.slots):
        literals = [x[(pi, si)] for pi in problem.candidates[si]]
        if relax == "staffing":
            short = model.new_int_var(0, slot.count, f"short_{si}")
            slack.append((short, "staffing", (), (si,)))
            model.add(LinearExpr.sum([*literals, short]) == slot.count)
        elif slot.count == 1:
            model.add_exactly_one(literals)
        else:
            model.add(LinearExpr.sum(literals) == slot.count)

    # Rest and no two positions at once, as cliques of mutually conflicting shifts.
    if relax == "min_rest":
        _add_conflicts(problem, model, x, timedelta(0), None)
        _add_conflicts(problem, model, x, rules.min_rest, slack)
    else:
        _add_conflicts(problem, model, x, rules.min_rest, None)

    # At most so many shifts per calendar month.
    for pi, slot_ids in enumerate(problem.person_slots):
        months: dict[tuple[int, int], list[int]] = defaultdict(list)
        for si in slot_ids:
            d = problem.slots[si].date
            months[(d.year, d.month)].append(si)
        for month, sids in sorted(months.items()):
            room = rules.max_shifts_per_month - problem.carry_month.get((pi, month), 0)
            if len(sids) <= room:
                continue
            total = LinearExpr.sum([x[(pi, si)] for si in sids])
            if relax == "max_per_month":
                over = model.new_int_var(0, len(sids), f"over_{pi}_{month}")
                slack.append((over, "max_per_month", (pi,), tuple(sids)))
                model.add(total <= max(room, 0) + over)
            else:
                model.add(total <= max(room, 0))

    if relax is not None:
        model.minimize(LinearExpr.sum([var for var, *_ in slack]))
        return _Model(model, x, slack)

    terms = []
    fairness = rules.fairness
    for group in rules.fairness_groups:
        members = {p.id for p in eligible_people(problem.people, rules, group)}
        member_ix = [pi for pi, p in enumerate(problem.people) if p.id in members]
        if len(member_ix) < 2:
            continue
        group_slots = [
            si
            for si, s in enumerate(problem.slots)
            if rules.position(s.position).fairness_group == group
        ]
        # Categories that count the same slots from the same history (nights and shifts under
        # 24-hour duty) give the same constraints: model them once with the summed weight.
        merged: dict[tuple[object, ...], list] = {}
        for cat in fairness.categories:
            flags = tuple(bool(c.get(cat)) for c in problem.slot_counts)
            bases = tuple(
                problem.history.get(problem.people[pi].id, DutyCounts()).get(cat)
                for pi in member_ix
            )
            weight = FAIRNESS_SCALE * fairness.weights.get(cat, 10)
            if (flags, bases) in merged:
                merged[(flags, bases)][1] += weight
            else:
                merged[(flags, bases)] = [cat, weight]
        for (flags, bases), (cat, weight) in merged.items():
            seats = sum(problem.slots[si].count for si in group_slots if flags[si])
            low, high = _band(sum(bases) + seats, len(member_ix), fairness.target_spread)
            for pi, base in zip(member_ix, bases, strict=True):
                parts = [x[(pi, si)] for si in problem.person_slots[pi] if flags[si]]
                if not parts:
                    continue  # nothing this period can change this person's count
                count = LinearExpr.sum(parts) + base
                if base + len(parts) > high:
                    over = model.new_int_var(0, len(parts), f"over_{group}_{cat}_{pi}")
                    model.add(over >= count - high)
                    terms.append((over, weight))
                if base < low:
                    under = model.new_int_var(0, low - base, f"under_{group}_{cat}_{pi}")
                    model.add(under >= low - count)
                    terms.append((under, weight))
    if rules.preference_weight:
        for (pi, si), var in x.items():
            person, day = problem.people[pi], problem.slots[si].date
            weight = sum(
                (p.weight if p.kind == "avoid" else -p.weight)
                for p in person.preferences
                if p.applies(day)
            )
            if weight:
                terms.append((var, rules.preference_weight * weight))
    if terms:
        model.minimize(LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]))
    return _Model(model, x, slack)


def _band(total: int, members: int, target: int) -> tuple[int, int]:
    """The band of counts [low, high], ``target`` wide, that contains the group's average."""
    low = total // members
    high = max(-(-total // members), low + target)
    return low, high


def conflict_groups(slots: Sequence[Slot], rest: timedelta) -> list[tuple[int, ...]]:
    """Groups of slot indices of which one person may hold at most one (rest, no overlap).

    For each anchor slot, the later-starting slots that conflict with it and last at least as
    long form a clique with it (if a ≤ b ≤ c start in order, len(b) ≥ len(a) and c conflicts
    with a, then c conflicts with b); shorter ones get pairs. Every conflicting pair is covered
    by the group of its earlier slot, and any subset of a group is a group, so restricting the
    groups to one person's slots gives that person's constraints.
    """
    order = sorted(range(len(slots)), key=lambda si: (slots[si].start, slots[si].end, si))
    groups: list[tuple[int, ...]] = []
    seen: set[tuple[int, ...]] = set()
    for k, a in enumerate(order):
        sa = slots[a]
        clique, pairs = [a], []
        for b in order[k + 1 :]:
            sb = slots[b]
            if sb.start >= sa.end + rest:
                break
            if not conflict(sa.start, sa.end, sb.start, sb.end, rest):
                continue
            if sb.end - sb.start >= sa.end - sa.start:
                clique.append(b)
            else:
                pairs.append((a, b))
        for group in ([tuple(clique)] if len(clique) > 1 else []) + pairs:
            key = tuple(sorted(group))
            if key not in seen:
                seen.add(key)
                groups.append(key)
    return groups


def _add_conflicts(
    problem: _Problem,
    model: cp_model.CpModel,
    x: dict[tuple[int, int], cp_model.IntVar],
    rest: timedelta,
    slack: list | None,
) -> None:
    """At most one shift of each conflict group per person (or, with ``slack``, penalised)."""
    groups = conflict_groups(problem.slots, rest)
    touching: dict[int, list[int]] = defaultdict(list)  # slot → groups that hold it
    for gi, group in enumerate(groups):
        for si in group:
            touching[si].append(gi)
    for pi, slot_ids in enumerate(problem.person_slots):
        mine = set(slot_ids)
        recent: list[frozenset[int]] = []  # groups come in start order: subsets are near
        for gi in sorted({gi for si in slot_ids for gi in touching[si]}):
            own = tuple(si for si in groups[gi] if si in mine)
            if len(own) < 2 or any(recent_group >= set(own) for recent_group in recent):
                continue
            recent = [*recent[-7:], frozenset(own)]
            if slack is None:
                constraint = model.proto.constraints.add()  # fast path for many at-most-ones
                constraint.at_most_one.literals.extend(x[(pi, si)].index for si in own)
            else:
                extra = model.new_int_var(0, len(own) - 1, f"rest_{pi}_{own[0]}_{own[-1]}")
                slack.append((extra, "min_rest", (pi,), own))
                model.add(LinearExpr.sum([x[(pi, si)] for si in own]) <= extra + 1)


def _solver(rules: RosterRules, deterministic_time: float | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = rules.solver.seed
    params.num_workers = rules.solver.workers
    params.max_deterministic_time = deterministic_time or rules.solver.deterministic_time
    params.max_time_in_seconds = rules.solver.time_limit_s
    params.log_search_progress = False
    # Tuned on the benchmark (a year for 100 people, month by month): the LP with cuts finds
    # and proves fair rosters fast; presolve and symmetry detection cost more than they save.
    params.linearization_level = 2
    params.cp_model_presolve = False
    params.symmetry_level = 0
    return solver


# ---------------------------------------------------------------------------------------------
# Explaining infeasibility


def _in(days: set[date], year: int, month: int) -> list[date]:
    return [d for d in days if (d.year, d.month) == (year, month)]


def _explain(problem: _Problem) -> list[Violation]:
    """Relax one rule at a time; report each rule whose relaxation alone gives a roster, with
    the least relaxation found, then the seats that cannot be filled under all the rules."""
    rules = problem.rules
    reasons: list[Violation] = []
    names = {pi: p.label for pi, p in enumerate(problem.people)}
    for rule in RELAXABLE:
        built = _build(problem, relax=rule)
        solver = _solver(rules)
        status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        days: set[date] = set()
        per_person: dict[int, set[date]] = defaultdict(set)
        for var, _, pis, sids in built.slack:
            if solver.value(var) > 0:
                for pi in pis:
                    taken = {
                        problem.slots[si].date for si in sids if solver.value(built.x[(pi, si)])
                    }
                    days |= taken
                    per_person[pi] |= taken
        if not days:
            continue
        detail_zh, detail_en = [], []
        for pi, own in sorted(per_person.items()):
            zh_d, en_d = format_dates(own)
            if rule == "max_per_month":
                months = sorted({(d.year, d.month) for d in own})
                counts = [(f"{y}-{m:02d}", len(_in(own, y, m))) for y, m in months]
                zh_counts = "、".join(f"{ym} 共 {n} 次" for ym, n in counts)
                en_counts = ", ".join(f"{n} in {ym}" for ym, n in counts)
                detail_zh.append(f"{names[pi]}（{zh_counts}）")
                detail_en.append(f"{names[pi]} ({en_counts})")
            else:
                detail_zh.append(f"{names[pi]}（{zh_d}）")
                detail_en.append(f"{names[pi]} ({en_d})")
        ids = tuple(problem.people[pi].id for pi in sorted(per_person))
        if rule == "min_rest":
            zh = (
                f"最少休息 {rules.min_rest_hours:g} 小时：在此规则下无法排出值班表；"
                f"至少要放宽：{'；'.join(detail_zh)}"
            )
            en = (
                f"minimum rest of {rules.min_rest_hours:g} h: no roster meets it; it would have "
                f"to be relaxed at least for {'; '.join(detail_en)}"
            )
        else:
            zh = (
                f"每月最多值班 {rules.max_shifts_per_month} 次：在此规则下无法排出值班表；"
                f"至少要放宽：{'；'.join(detail_zh)}"
            )
            en = (
                f"at most {rules.max_shifts_per_month} shifts per month: no roster meets it; "
                f"it would have to be relaxed at least for {'; '.join(detail_en)}"
            )
        reasons.append(Violation(rule, zh, en, tuple(sorted(days)), None, ids))
    built = _build(problem, relax="staffing")
    solver = _solver(rules)
    status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        short: dict[tuple[str, str], list[date]] = defaultdict(list)
        for var, _, _, sids in built.slack:
            if solver.value(var) > 0:
                slot = problem.slots[sids[0]]
                short[(slot.position, slot.demand)].append(slot.date)
        for (position_id, demand), days in sorted(short.items(), key=lambda kv: kv[1]):
            position = rules.position(position_id)
            rule_zh, rule_en = DEMAND_TEXT[demand]
            zh_d, en_d = format_dates(days)
            reasons.append(
                Violation(
                    demand,
                    f"{position.zh}：按「{rule_zh}」须满员，但在最少休息 "
                    f"{rules.min_rest_hours:g} 小时、每月最多 {rules.max_shifts_per_month} 次"
                    f"及请假/培训/出差等规则下，{zh_d} 无法排满",
                    f"{position.en}: the rule '{rule_en}' cannot be met on {en_d} together "
                    f"with the minimum rest of {rules.min_rest_hours:g} h, at most "
                    f"{rules.max_shifts_per_month} shifts per month and the people's leave, "
                    "training and trips",
                    tuple(days),
                    position_id,
                )
            )
    return reasons


# ---------------------------------------------------------------------------------------------
# Entry points


def generate_roster(
    people: Sequence[Person],
    period: Period,
    rules: RosterRules | None = None,
    *,
    history: Mapping[str, DutyCounts] | None = None,
    carry_in: Sequence[Assignment] = (),
) -> Roster:
    """A roster for ``period`` solved as one model (best for a month or less).

    A season or a year is better made with ``generate_by_month``: measured on this project's
    benchmark (100 people), the 2026 flood season takes about 1.5 s month by month, against
    4–10 s as one model, which can stop at the deterministic limit with a spread of 2.

    ``history``: each person's counts before the period (fairness carries over);
    ``carry_in``: earlier assignments that bear on rest and monthly limits (e.g. the previous
    month). Raises ``RosterInfeasible`` with reasons when no roster meets the hard rules.
    """
    rules = rules or default_roster_rules()
    history = dict(history or {})
    problem = _problem(people, period, rules, history, carry_in)
    shortage = _precheck(problem)
    if shortage:
        raise RosterInfeasible(shortage)
    built = _build(problem)
    solver = _solver(rules)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        reasons = _explain(problem)
        if status != cp_model.INFEASIBLE or not reasons:
            name = solver.status_name(status)
            reasons.append(
                Violation(
                    "time_limit",
                    f"在求解限时内未找到满足全部规则的值班表（{period}，求解状态 {name}）",
                    f"no roster meeting every rule was found within the solver limits ({period}, "
                    f"solver status {name})",
                )
            )
        raise RosterInfeasible(reasons)
    assignments = [
        Assignment(slot.date, slot.start, slot.end, slot.position, problem.people[pi].id)
        for si, slot in enumerate(problem.slots)
        for pi in problem.candidates[si]
        if solver.value(built.x[(pi, si)])
    ]
    return build_roster(period, assignments, people, rules, history, carry_in)


def generate_by_month(
    people: Sequence[Person],
    period: Period,
    rules: RosterRules | None = None,
    *,
    history: Mapping[str, DutyCounts] | None = None,
    carry_in: Sequence[Assignment] = (),
    on_month: Callable[[Roster], None] | None = None,
) -> Roster:
    """A roster for ``period`` solved one calendar month at a time, each month carrying the
    counts and the last shifts of the months before it. Faster than one model for a long period;
    fairness is kept on the cumulative counts, so it holds for every prefix of the period.
    ``on_month`` is called with each month's roster as it is made (progress, timing)."""
    rules = rules or default_roster_rules()
    start_history = dict(history or {})
    running = dict(start_history)
    before = list(carry_in)
    assignments: list[Assignment] = []
    for month in period.months():
        piece = generate_roster(people, month, rules, history=running, carry_in=before)
        if on_month is not None:
            on_month(piece)
        assignments.extend(piece.assignments)
        running = {pid: s.cumulative for pid, s in piece.stats.items()}
        before = list(piece.assignments)
    return build_roster(period, assignments, people, rules, start_history, carry_in)
