"""Roster benchmark: a full year (2026) for 100 staff under the flood-season rules.

``run()`` generates the year month by month with carried-over history, using the bundled
rules (24-hour duty from 08:30, 值班员 + 联络员 per shift, 带班领导 every day, doubled duty
officers in 主汛期, 48 h minimum rest, at most 4 shifts a month, the 2026 State Council holiday
schedule), then the 2026 flood season (汛期) on its own, and returns the figures: wall time and
CPU time (the CPU time holds when other work shares the machine), time per month, the fairness
spread (max − min of shifts, nights, weekend and holiday duties per person among the eligible
people of each group) and a digest of the roster (the same on every run: the generator is
deterministic). Targets: year ≤ 10 s, spread ≤ 1. Nothing runs or prints at import.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import date, timedelta
from typing import Any

from emergency.roster import (
    Period,
    Person,
    Preference,
    Roster,
    Unavailability,
    check_roster,
    default_roster_rules,
    fairness_spread,
    generate_by_month,
)

YEAR = 2026
TARGET_SECONDS = 10.0
TARGET_SPREAD = 1


def sample_staff(year: int = YEAR, seed: int = 2026) -> list[Person]:
    """100 sample people (示例): 12 leaders, 60 duty officers who may also act as liaison and
    28 liaisons; each takes one block of annual leave (5–10 days), about a third a 3-day
    training course, a fifth a 2-day trip, and one in ten would rather avoid one weekday."""
    rng = random.Random(seed)
    roles = (
        [("leader", frozenset({"leader"}))] * 12
        + [("officer", frozenset({"duty_officer", "liaison"}))] * 60
        + [("liaison", frozenset({"liaison"}))] * 28
    )
    first = date(year, 1, 1)
    people = []
    for n, (role, quals) in enumerate(roles, start=1):
        start = first + timedelta(days=rng.randrange(0, 350))
        away = [Unavailability(start, start + timedelta(days=rng.randrange(4, 10)), "leave")]
        if rng.random() < 0.3:
            start = first + timedelta(days=rng.randrange(0, 360))
            away.append(Unavailability(start, start + timedelta(days=2), "training"))
        if rng.random() < 0.2:
            start = first + timedelta(days=rng.randrange(0, 360))
            away.append(Unavailability(start, start + timedelta(days=1), "trip"))
        prefs: tuple[Preference, ...] = ()
        if rng.random() < 0.1:
            prefs = (Preference("avoid", weekdays=frozenset({rng.randrange(0, 7)})),)
        people.append(Person(f"{role}-{n:03d}", f"示例{n:03d}", quals, tuple(away), prefs))
    return people


def _digest(roster: Roster) -> str:
    text = "\n".join(
        f"{a.shift_start.isoformat()} {a.position} {a.person_id}" for a in roster.assignments
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _worst(spread: dict[str, dict[str, int]]) -> int:
    return max(v for cats in spread.values() for v in cats.values())


def run() -> dict[str, Any]:
    """Generate 2026 month by month, then its flood season alone; return the figures."""
    rules = default_roster_rules()
    people = sample_staff()

    per_month: list[float] = []
    mark = [time.perf_counter()]

    def lap(_: Roster) -> None:
        now = time.perf_counter()
        per_month.append(round(now - mark[0], 3))
        mark[0] = now

    started, cpu = time.perf_counter(), time.process_time()
    year = generate_by_month(people, Period.year(YEAR), rules, on_month=lap)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    spread = fairness_spread(year.stats, people, rules)
    hard = check_roster(year, people, rules)

    started = time.perf_counter()
    season = generate_by_month(people, Period.flood_season(YEAR, rules), rules)
    season_seconds = time.perf_counter() - started
    season_spread = fairness_spread(season.stats, people, rules)

    return {
        "roster_year": YEAR,
        "roster_people": len(people),
        "roster_assignments": len(year.assignments),
        "roster_seconds": round(seconds, 2),
        "roster_cpu_seconds": round(cpu, 2),
        "roster_seconds_per_month": per_month,
        "roster_spread": spread,
        "roster_spread_max": _worst(spread),
        "roster_hard_violations": len(hard),
        "roster_soft_findings": [v.rule for v in year.violations_of_soft_rules],
        "roster_digest": _digest(year),
        "roster_flood_season_seconds": round(season_seconds, 2),
        "roster_flood_season_spread_max": _worst(season_spread),
        "roster_target_seconds": TARGET_SECONDS,
        "roster_target_spread": TARGET_SPREAD,
        "roster_meets_targets": seconds <= TARGET_SECONDS
        and _worst(spread) <= TARGET_SPREAD
        and not hard,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
