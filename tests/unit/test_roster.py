"""Duty roster (值班排班): rules, generator, hard-rule checks, edits, on-duty, iCal.

Small instances only (a dozen people, one or two weeks), so the file runs in seconds.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from emergency.grading import RuleTableError
from emergency.roster import (
    Assignment,
    DutyCounts,
    Period,
    Person,
    Preference,
    Roster,
    RosterInfeasible,
    RosterRules,
    ShiftPattern,
    Unavailability,
    build_roster,
    check_roster,
    default_roster_rules,
    duty_slots,
    fairness_spread,
    generate_by_month,
    generate_roster,
    load_roster_rules,
    on_duty_at,
    replace,
    swap,
    to_ical,
)
from emergency.roster.ical import fold
from emergency.roster.rules import HOLIDAYS_PATH, ROSTER_RULES_PATH, parse_holiday_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = default_roster_rules()
JULY_MIDDLE = Period(date(2026, 7, 10), date(2026, 7, 20))  # crosses into 主汛期 on 15 July


def staff(
    leaders: int = 4,
    officers: int = 8,
    liaisons: int = 4,
    away: dict[str, tuple[Unavailability, ...]] | None = None,
    preferences: dict[str, tuple[Preference, ...]] | None = None,
) -> list[Person]:
    """Sample people (示例): leaders L1…, duty officers O01… (also liaisons), liaisons C1…"""
    away, preferences = away or {}, preferences or {}
    ids = (
        [(f"L{i}", "领导", {"leader"}) for i in range(1, leaders + 1)]
        + [(f"O{i:02d}", "值班员", {"duty_officer", "liaison"}) for i in range(1, officers + 1)]
        + [(f"C{i}", "联络员", {"liaison"}) for i in range(1, liaisons + 1)]
    )
    return [
        Person(pid, f"示例{role}{pid}", quals, away.get(pid, ()), preferences.get(pid, ()))
        for pid, role, quals in ids
    ]


def rules_with(**changes: object) -> RosterRules:
    """The bundled rules with some fields changed (factory helper)."""
    return dataclasses.replace(RULES, **changes)


@pytest.fixture(scope="module")
def july() -> Roster:
    """A roster for 10–20 July 2026 with the bundled rules."""
    return generate_roster(staff(), JULY_MIDDLE, RULES)


def by_person(roster: Roster) -> dict[str, list[Assignment]]:
    mine: dict[str, list[Assignment]] = {}
    for a in roster.assignments:
        mine.setdefault(a.person_id, []).append(a)
    return {pid: sorted(items) for pid, items in mine.items()}


def at(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# --- rules as data ---------------------------------------------------------------------------


def test_the_bundled_rules_describe_24_hour_duty_from_0830_with_a_leader_and_flood_season():
    assert RULES.pattern == ShiftPattern("24h", time(8, 30), 12.0)
    assert [p.id for p in RULES.positions] == ["duty_officer", "liaison", "leader"]
    assert (RULES.position("leader").zh, RULES.position("leader").per) == ("带班领导", "day")
    assert RULES.flood is not None
    assert RULES.flood.in_season(date(2026, 6, 1)) and not RULES.flood.in_season(date(2026, 5, 31))
    assert RULES.flood.in_main(date(2026, 7, 15)) and RULES.flood.in_main(date(2026, 8, 15))
    assert not RULES.flood.in_main(date(2026, 8, 16))


def test_the_holiday_calendar_holds_the_state_council_schedule_for_2026():
    cal = RULES.calendar
    assert cal.holiday_name(date(2026, 2, 15)) == ("春节", "Spring Festival")
    assert cal.is_holiday(date(2026, 10, 7)) and not cal.is_holiday(date(2026, 10, 8))
    assert cal.day_kind(date(2026, 2, 14)) == "workday"  # Saturday worked (调休上班)
    assert cal.day_kind(date(2026, 6, 20)) == "holiday"  # Saturday inside 端午节
    assert cal.day_kind(date(2026, 3, 7)) == "weekend"
    assert sum(cal.is_holiday(d) for d in Period.year(2026).days()) == 33


def test_a_year_without_a_notice_knows_only_the_fixed_date_holidays_and_says_so():
    cal = RULES.calendar
    assert cal.is_holiday(date(2027, 10, 2)) and cal.is_holiday(date(2027, 5, 2))
    assert not cal.has_official_schedule(2027)
    roster = build_roster(Period.month(2027, 1), [], staff(), RULES)
    assert [v.rule for v in roster.violations_of_soft_rules] == ["holiday_calendar"]


def test_a_typo_in_the_roster_rule_table_fails_loudly(tmp_path: Path):
    data = yaml.safe_load(ROSTER_RULES_PATH.read_text(encoding="utf-8"))
    data["min_rest_hour"] = data.pop("min_rest_hours")
    bad = tmp_path / "roster.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleTableError, match="min_rest_hour"):
        load_roster_rules(bad, HOLIDAYS_PATH)


def test_a_make_up_workday_that_is_not_a_weekend_day_is_rejected():
    data = yaml.safe_load(HOLIDAYS_PATH.read_text(encoding="utf-8"))
    data["years"][2026]["workdays"].append(date(2026, 3, 3))  # a Tuesday
    with pytest.raises(RuleTableError, match="not a weekend day"):
        parse_holiday_calendar(data)


# --- hard rules in generated rosters ---------------------------------------------------------


def test_a_generated_roster_fills_every_seat_and_breaks_no_hard_rule(july: Roster):
    assert check_roster(july, july.people, RULES) == []
    seats = sum(slot.count for slot in duty_slots(JULY_MIDDLE, RULES))
    assert len(july.assignments) == seats


def test_no_one_gets_less_than_the_minimum_rest_between_two_shifts(july: Roster):
    for shifts in by_person(july).values():
        for a, b in zip(shifts, shifts[1:], strict=False):
            assert b.shift_start - a.shift_end >= timedelta(hours=RULES.min_rest_hours)


def test_no_one_works_more_shifts_in_a_month_than_the_maximum():
    rules = rules_with(max_shifts_per_month=2, min_rest_hours=0)
    roster = generate_roster(
        staff(leaders=6, officers=10), Period(date(2026, 3, 1), date(2026, 3, 10)), rules
    )
    counts = Counter(a.person_id for a in roster.assignments)
    assert max(counts.values()) <= 2
    assert check_roster(roster) == []


def test_no_one_holds_two_positions_at_once(july: Roster):
    for shifts in by_person(july).values():
        for a, b in zip(shifts, shifts[1:], strict=False):
            assert b.shift_start >= a.shift_end


def test_only_qualified_people_fill_a_position(july: Roster):
    people = {p.id: p for p in july.people}
    for a in july.assignments:
        assert RULES.position(a.position).requires <= people[a.person_id].qualifications
    liaisons_only = {a.person_id for a in july.assignments if a.person_id.startswith("C")}
    assert {a.position for a in july.assignments if a.person_id in liaisons_only} == {"liaison"}


def test_no_one_is_on_duty_during_leave_training_or_a_trip():
    away = {
        "O01": (Unavailability(date(2026, 7, 10), date(2026, 7, 16), "leave"),),
        "C1": (Unavailability(date(2026, 7, 12), date(2026, 7, 14), "training"),),
        "L1": (Unavailability(date(2026, 7, 15), date(2026, 7, 20), "trip"),),
    }
    roster = generate_roster(staff(away=away), JULY_MIDDLE, RULES)
    for a in roster.assignments:
        for u in away.get(a.person_id, ()):
            assert not u.covers(a.date)
    assert check_roster(roster) == []


def test_the_leader_is_on_duty_every_day_of_the_flood_season_weekends_included():
    leader = dataclasses.replace(RULES.position("leader"), days="workdays")
    rules = rules_with(positions=(*RULES.positions[:2], leader))
    roster = generate_roster(staff(), Period(date(2026, 5, 28), date(2026, 6, 7)), rules)
    leader_days = {a.date for a in roster.assignments if a.position == "leader"}
    assert date(2026, 5, 30) not in leader_days and date(2026, 5, 31) not in leader_days
    assert {date(2026, 6, 6), date(2026, 6, 7)} <= leader_days  # flood-season weekend
    assert {date(2026, 6, d) for d in range(1, 8)} <= leader_days


def test_duty_officers_are_doubled_in_the_main_flood_period(july: Roster):
    officers = Counter(a.date for a in july.assignments if a.position == "duty_officer")
    assert officers[date(2026, 7, 14)] == 1
    assert all(officers[date(2026, 7, d)] == 2 for d in range(15, 21))
    assert (
        Counter(a.date for a in july.assignments if a.position == "liaison")[date(2026, 7, 15)] == 1
    )


def test_day_and_night_shifts_change_at_the_configured_hours_and_count_nights():
    rules = rules_with(
        pattern=ShiftPattern("day_night", time(8, 0), 12),
        min_rest_hours=12,
        flood=None,
        max_shifts_per_month=10,
    )
    roster = generate_roster(staff(officers=10), Period(date(2026, 3, 2), date(2026, 3, 4)), rules)
    officer_shifts = sorted(a for a in roster.assignments if a.position == "duty_officer")
    assert [(a.shift_start.hour, a.shift_end.hour) for a in officer_shifts[:2]] == [
        (8, 20),
        (20, 8),
    ]
    nights = sum(s.period.nights for s in roster.stats.values())
    leaders = sum(1 for a in roster.assignments if a.position == "leader")
    assert nights == 2 * 3 + leaders  # one night shift per position per day; a leader's day
    assert check_roster(roster) == []


# --- infeasibility explained -----------------------------------------------------------------


def test_a_lone_leader_on_leave_for_a_week_is_explained_by_rule_and_dates():
    away = {"L1": (Unavailability(date(2026, 7, 6), date(2026, 7, 12), "leave"),)}
    rules = rules_with(min_rest_hours=0, max_shifts_per_month=31)
    with pytest.raises(RosterInfeasible) as caught:
        generate_roster(
            staff(leaders=1, away=away), Period(date(2026, 7, 1), date(2026, 7, 14)), rules
        )
    [reason] = caught.value.reasons
    assert reason.rule == "flood_every_day" and reason.position == "leader"
    assert reason.dates == tuple(date(2026, 7, d) for d in range(6, 13))
    assert "带班领导" in reason.zh and "请假" in reason.zh
    assert "2026-07-06 至 2026-07-12" in reason.zh
    assert "leader on duty every day" in reason.en and "2026-07-06 to 2026-07-12" in reason.en


def test_a_rotation_broken_by_training_is_traced_to_the_rest_rule_and_its_days():
    # Three leaders with 48 h rest must rotate strictly; L3's training breaks the rotation.
    away = {"L3": (Unavailability(date(2026, 7, 6), date(2026, 7, 8), "training"),)}
    rules = rules_with(max_shifts_per_month=6)
    with pytest.raises(RosterInfeasible) as caught:
        generate_roster(
            staff(leaders=3, away=away), Period(date(2026, 7, 1), date(2026, 7, 12)), rules
        )
    rules_named = [r.rule for r in caught.value.reasons]
    assert rules_named[0] == "min_rest"
    rest = caught.value.reasons[0]
    assert set(rest.dates) <= {date(2026, 7, d) for d in range(4, 11)}
    assert "最少休息 48 小时" in rest.zh and "minimum rest of 48 h" in rest.en
    assert "flood_every_day" in rules_named  # and which leader day stays empty
    assert "max_per_month" not in rules_named  # relaxing that alone does not help


def test_two_positions_with_one_available_person_are_explained_as_no_double_duty():
    rules = rules_with(flood=None)
    with pytest.raises(RosterInfeasible) as caught:
        generate_roster(
            staff(officers=1, liaisons=0), Period(date(2026, 3, 2), date(2026, 3, 2)), rules
        )
    assert [r.rule for r in caught.value.reasons] == ["no_double"]
    assert "同一时间不得一人兼任两个岗位" in caught.value.reasons[0].zh


# --- determinism and fairness ----------------------------------------------------------------


def test_the_same_input_gives_the_same_roster_whatever_the_order_of_people(july: Roster):
    again = generate_roster(list(reversed(staff())), JULY_MIDDLE, RULES)
    assert again.assignments == july.assignments


def test_nights_weekends_and_holidays_are_spread_within_one_per_person(july: Roster):
    spread = fairness_spread(july.stats, july.people, RULES)
    assert all(v <= 1 for cats in spread.values() for v in cats.values())
    assert not [v for v in july.violations_of_soft_rules if v.rule == "fairness"]


def test_history_carries_fairness_over_from_earlier_months():
    people = staff(leaders=4)
    history = {"L1": DutyCounts(shifts=2, nights=2), "L2": DutyCounts(shifts=2, nights=2)}
    period = Period(date(2026, 3, 2), date(2026, 3, 13))
    roster = generate_roster(people, period, rules_with(flood=None), history=history)
    leader = Counter(a.person_id for a in roster.assignments if a.position == "leader")
    assert leader["L1"] + leader["L2"] < leader["L3"] + leader["L4"]
    cumulative = [roster.stats[f"L{i}"].cumulative.shifts for i in range(1, 5)]
    assert max(cumulative) - min(cumulative) <= 1


def test_preferences_are_honoured_when_fairness_allows():
    avoid_fridays = (Preference("avoid", weekdays=frozenset({4})),)
    roster = generate_roster(staff(preferences={"O01": avoid_fridays}), JULY_MIDDLE, RULES)
    assert all(a.date.weekday() != 4 for a in roster.for_person("O01"))


def test_generating_month_by_month_keeps_rest_and_fairness_across_month_ends():
    rules = rules_with(max_shifts_per_month=8)
    people = staff(leaders=4, officers=10)
    roster = generate_by_month(people, Period(date(2026, 1, 25), date(2026, 2, 6)), rules)
    assert check_roster(roster) == []
    assert {a.date.month for a in roster.assignments} == {1, 2}
    spread = fairness_spread(roster.stats, people, rules)
    assert spread["leaders"]["shifts"] <= 1 and spread["staff"]["shifts"] <= 1


# --- checks on hand-edited rosters -----------------------------------------------------------


def _edited(roster: Roster, old: Assignment, new: Assignment) -> Roster:
    kept = [a for a in roster.assignments if a != old]
    return build_roster(roster.period, [*kept, new], roster.people, roster.rules)


def test_check_roster_names_an_empty_seat_with_its_rule_and_date(july: Roster):
    leader = next(a for a in july.assignments if a.position == "leader")
    broken = build_roster(
        july.period, [a for a in july.assignments if a != leader], july.people, RULES
    )
    [violation] = check_roster(broken)
    assert violation.rule == "flood_every_day" and violation.dates == (leader.date,)
    assert leader.date.isoformat() in violation.zh and leader.date.isoformat() in violation.en


def test_check_roster_names_each_broken_rule_of_a_person(july: Roster):
    # A liaison-only person put in as duty officer on a day she is already liaison, in training.
    own = july.for_person("C1")[0]
    officer = next(a for a in july.on(own.date) if a.position == "duty_officer")
    away = (Unavailability(own.date, own.date, "training"),)
    people = [dataclasses.replace(p, unavailable=away) if p.id == "C1" else p for p in july.people]
    roster = _edited(july, officer, officer.with_person("C1"))
    found = {v.rule: v for v in check_roster(roster, people, RULES)}
    assert set(found) == {"qualification", "unavailability", "no_double"}
    assert "值班员" in found["qualification"].zh and "duty_officer" in found["qualification"].en
    assert "培训" in found["unavailability"].zh and "training" in found["unavailability"].en
    assert "同一时间担任两个岗位" in found["no_double"].zh
    assert "two positions at once" in found["no_double"].en


def test_check_roster_counts_shifts_before_the_period_for_rest_and_monthly_limits(july: Roster):
    first = july.assignments[0]
    earlier = Assignment(
        first.date - timedelta(days=1),
        first.shift_start - timedelta(days=1),
        first.shift_start,
        first.position,
        first.person_id,
    )
    roster = dataclasses.replace(july, carry_in=(earlier,))
    [violation] = check_roster(roster)
    assert violation.rule == "min_rest" and violation.person_ids == (first.person_id,)
    assert "0 小时" in violation.zh and "0 h" in violation.en


# --- edits: swap and replace -----------------------------------------------------------------


def test_a_swap_that_keeps_every_rule_is_accepted_and_described_for_the_log(july: Roster):
    liaisons = [a for a in july.assignments if a.position == "liaison"]
    for a in liaisons:
        for b in liaisons:
            if a.person_id == b.person_id:
                continue
            result = swap(july, a, b)
            if result.accepted:
                assert check_roster(result.roster) == []
                assert result.roster.for_person(a.person_id) != july.for_person(a.person_id)
                assert result.zh.startswith("换班") and result.en.startswith("swap")
                return
    pytest.fail("no swap of two liaison shifts keeps the rules")


def test_a_swap_that_breaks_the_rest_rule_is_refused_with_reasons(july: Roster):
    # P's shift moves to the day before P's next shift: 0 h of rest between them.
    for pid, shifts in by_person(july).items():
        if len(shifts) < 2 or not pid.startswith("O"):
            continue
        first, second = shifts[0], shifts[1]
        eve = [
            a
            for a in july.on(second.date - timedelta(days=1))
            if a.position == first.position and a.person_id != pid
        ]
        if eve:
            break
    else:
        pytest.fail("no person with two shifts to test on")
    result = swap(july, first, eve[0])
    assert not result.accepted
    assert result.roster is july
    rest = [v for v in result.violations if v.rule == "min_rest" and v.person_ids == (pid,)]
    assert rest and second.date in rest[0].dates
    assert "少于最少休息 48 小时" in rest[0].zh
    assert "less than the minimum rest of 48 h" in rest[0].en


def test_swapping_a_liaison_into_a_duty_officer_seat_is_refused_for_qualification(july: Roster):
    liaison_only = next(a for a in july.assignments if a.person_id.startswith("C"))
    officer = next(
        a
        for a in july.assignments
        if a.position == "duty_officer" and abs((a.date - liaison_only.date).days) >= 3
    )
    result = swap(july, liaison_only, officer)
    assert not result.accepted
    assert "qualification" in {v.rule for v in result.violations}


def test_replacing_someone_with_a_person_on_leave_is_refused(july: Roster):
    a = july.assignments[0]
    substitute = Person(
        "X1",
        "示例替班",
        {"duty_officer", "liaison", "leader"},
        (Unavailability(a.date, a.date, "trip"),),
    )
    result = replace(july, a, substitute)
    assert not result.accepted
    assert [v.rule for v in result.violations] == ["unavailability"]
    assert "出差" in result.violations[0].zh


def test_replacing_with_a_free_qualified_person_is_accepted(july: Roster):
    a = july.assignments[0]
    substitute = Person("X1", "示例替班", {"duty_officer", "liaison", "leader"})
    result = replace(july, a, substitute)
    assert result.accepted
    assert result.roster.stats["X1"].period.shifts == 1
    assert result.zh.startswith("替班") and "示例替班" in result.zh


# --- on duty now -----------------------------------------------------------------------------


def test_on_duty_changes_hands_at_0830(july: Roster):
    before, after = on_duty_at(july, at(12, 8, 29)), on_duty_at(july, at(12, 8, 30))
    day11 = {a.position: a.person_id for a in july.on(date(2026, 7, 11))}
    day12 = {a.position: a.person_id for a in july.on(date(2026, 7, 12))}
    assert before == {pos: (pid,) for pos, pid in day11.items()}
    assert after == {pos: (pid,) for pos, pid in day12.items()}
    assert list(after) == ["duty_officer", "liaison", "leader"]


def test_on_duty_accepts_any_timezone_and_lists_both_duty_officers_in_the_main_flood_period(
    july: Roster,
):
    now = at(16, 3, 0).astimezone(UTC)
    on = on_duty_at(july, now)
    assert len(on["duty_officer"]) == 2 and len(on["liaison"]) == 1


def test_on_duty_refuses_a_naive_datetime_and_is_empty_outside_the_roster(july: Roster):
    with pytest.raises(ValueError, match="aware"):
        on_duty_at(july, datetime(2026, 7, 12, 9, 0))
    assert on_duty_at(july, at(1, 12, month=8)) == {}


# --- iCal ------------------------------------------------------------------------------------


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_the_ical_feed_of_a_person_is_valid_rfc_5545(july: Roster):
    person = july.assignments[0].person_id
    stamp = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    text = to_ical(july, person, stamp=stamp)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    stack = []
    for line in lines:
        assert re.match(r"^[A-Z-]+[;:]", line), line
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert not stack
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    assert "TZID:Asia/Shanghai" in lines and "TZOFFSETTO:+0800" in lines
    events = text.count("BEGIN:VEVENT")
    assert events == len(july.for_person(person)) > 0
    uids = [x for x in lines if x.startswith("UID:")]
    assert len(set(uids)) == events
    assert lines.count("DTSTAMP:20260701T000000Z") == events
    first = july.for_person(person)[0]
    start = f"DTSTART;TZID=Asia/Shanghai:{first.shift_start:%Y%m%dT%H%M%S}"
    assert start in lines and start.endswith("T083000")
    assert to_ical(july, person, stamp=stamp) == text  # stable UIDs: re-publishing updates


def test_ical_text_is_escaped_and_long_lines_fold_without_splitting_characters(july: Roster):
    a = july.assignments[0]
    odd = Person(a.person_id, "张三, 李四; 王五\\示例")
    roster = dataclasses.replace(july, people=(odd,))
    lines = _unfold(to_ical(roster, odd, stamp=datetime(2026, 7, 1, tzinfo=UTC)))
    name = next(x for x in lines if x.startswith("X-WR-CALNAME:"))
    assert "张三\\, 李四\\; 王五\\\\示例" in name
    description = next(x for x in lines if x.startswith("DESCRIPTION:"))
    assert "\\n" in description
    folded = fold("SUMMARY:" + "值班" * 40)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "值班" * 40
