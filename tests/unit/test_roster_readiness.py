"""Duty gaps: the published seats against what the rules ask (roster.readiness)."""

from __future__ import annotations

from datetime import date

from emergency.roster.model import Assignment, Period
from emergency.roster.readiness import describe, duty_gaps
from emergency.roster.rules import default_roster_rules
from emergency.roster.slots import duty_slots

RULES = default_roster_rules()


def filled(period: Period) -> list[Assignment]:
    """Every seat of ``period`` taken (one made-up person per seat)."""
    return [Assignment(s.date, s.start, s.end, s.position, f"p{i}-{k}")
            for i, s in enumerate(duty_slots(period, RULES)) for k in range(s.count)]


def test_a_fully_published_period_has_no_gap_and_an_empty_one_lacks_every_seat():
    june = Period(date(2026, 6, 1), date(2026, 6, 7))
    assert duty_gaps(june, RULES, filled(june)) == []
    gaps = duty_gaps(june, RULES, [])
    assert len(gaps) == len(duty_slots(june, RULES))
    assert {g.day for g in gaps if g.position == "leader"} == set(
        date(2026, 6, d) for d in range(1, 8))  # the flood season: a leader every day


def test_a_missing_leader_is_one_gap_named_in_both_languages():
    june = Period(date(2026, 6, 1), date(2026, 6, 3))
    seats = [a for a in filled(june)
             if not (a.position == "leader" and a.date == date(2026, 6, 2))]
    (gap,) = duty_gaps(june, RULES, seats)
    assert (gap.day, gap.position, gap.missing) == (date(2026, 6, 2), "leader", 1)
    zh, en = describe([gap], RULES)
    assert zh == f"6月2日{RULES.position('leader').zh}缺 1 人"
    assert en.startswith("02 Jun: ") and "short of 1" in en


def test_the_main_flood_season_needs_two_duty_officers_a_single_one_leaves_a_gap():
    day = Period(date(2026, 7, 20), date(2026, 7, 20))
    seats = filled(day)
    officers = [a for a in seats if a.position == "duty_officer"]
    assert len(officers) >= 2
    gaps = duty_gaps(day, RULES, [a for a in seats if a is not officers[0]])
    assert [(g.position, g.needed, g.filled) for g in gaps] == [("duty_officer", 2, 1)]


def test_many_gaps_are_summarised_after_the_first_five():
    gaps = duty_gaps(Period(date(2026, 6, 1), date(2026, 6, 10)), RULES, [])
    zh, en = describe(gaps, RULES)
    assert zh.count("缺") == 5 and f"共 {len(gaps)} 处" in zh
    assert f"and {len(gaps) - 5} more" in en
