"""From rules and a period to the seats to fill (duty slots), and how each duty counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from emergency.roster.model import Assignment, DutyCounts, Period, Slot
from emergency.roster.rules import Position, RosterRules

__all__ = [
    "DEMAND_TEXT",
    "conflict",
    "duty_counts",
    "duty_slots",
    "is_night",
    "shift_windows",
]

#: Why a slot needs its people: (zh, en) of the rule.
DEMAND_TEXT = {
    "staffing": ("岗位配备", "positions per shift or day"),
    "flood_every_day": (
        "汛期每天领导带班（含周末和节假日）",
        "a leader on duty every day in the flood season, weekends included",
    ),
    "flood_staffing": ("汛期加强值班", "flood-season staffing"),
    "main_flood_staffing": ("主汛期加倍值班", "doubled duty in the main flood period (主汛期)"),
}


def _at(day: date, clock: time, rules: RosterRules) -> datetime:
    return datetime.combine(day, clock, tzinfo=rules.tz)


def shift_windows(day: date, rules: RosterRules) -> list[tuple[str, datetime, datetime]]:
    """The shifts of a duty day as (name, start, end): ``24h``, or ``day`` and ``night``."""
    start = _at(day, rules.pattern.start, rules)
    next_start = _at(day + timedelta(days=1), rules.pattern.start, rules)
    if rules.pattern.kind == "24h":
        return [("24h", start, next_start)]
    middle = start + timedelta(hours=rules.pattern.day_hours)
    return [("day", start, middle), ("night", middle, next_start)]


def _demand(position: Position, day: date, rules: RosterRules) -> tuple[int, str]:
    """How many people ``position`` needs on ``day``, and the rule that says so."""
    count, why = position.count, "staffing"
    applies = (
        position.days == "all"
        or (position.days == "workdays" and not rules.calendar.is_rest_day(day))
        or (position.days == "rest_days" and rules.calendar.is_rest_day(day))
    )
    flood = rules.flood
    if flood is not None and flood.in_season(day):
        if position.id in flood.every_day:
            count, applies, why = max(count, 1), True, "flood_every_day"
        if position.id in flood.staffing:
            count, why = flood.staffing[position.id], "flood_staffing"
        if flood.in_main(day) and position.id in flood.main_staffing:
            count, why = flood.main_staffing[position.id], "main_flood_staffing"
    return (count if applies else 0), why


def duty_slots(period: Period, rules: RosterRules) -> list[Slot]:
    """Every slot of the period, sorted by start then position order."""
    slots = []
    for day in period.days():
        windows = shift_windows(day, rules)
        whole_day = (windows[0][1], windows[-1][2])
        for position in rules.positions:
            count, why = _demand(position, day, rules)
            if count <= 0:
                continue
            if position.per == "day":
                slots.append(Slot(day, *whole_day, position.id, count, "day", why))
            else:
                for name, start, end in windows:
                    slots.append(Slot(day, start, end, position.id, count, name, why))
    slots.sort(key=lambda s: (s.start, rules.position_order(s.position), s.end))
    return slots


def is_night(start: datetime, end: datetime, rules: RosterRules) -> bool:
    """Whether the shift overlaps 00:00–06:00 local time (a night duty)."""
    local_start = start.astimezone(rules.tz)
    day = local_start.date()
    for d in (day, day + timedelta(days=1)):
        night_start = datetime.combine(d, time(0, 0), tzinfo=rules.tz)
        night_end = night_start + timedelta(hours=6)
        if start < night_end and night_start < end:
            return True
    return False


def duty_counts(items: Iterable[Assignment | Slot], rules: RosterRules) -> DutyCounts:
    """Counts of the given duties (each counted once, whatever its seat count)."""
    shifts = nights = weekends = holidays = 0
    hours = 0.0
    for item in items:
        start = item.shift_start if isinstance(item, Assignment) else item.start
        end = item.shift_end if isinstance(item, Assignment) else item.end
        shifts += 1
        nights += is_night(start, end, rules)
        kind = rules.calendar.day_kind(item.date)
        weekends += kind == "weekend"
        holidays += kind == "holiday"
        hours += (end - start).total_seconds() / 3600
    return DutyCounts(shifts, nights, weekends, holidays, hours)


def conflict(
    a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime, rest: timedelta
) -> bool:
    """Whether one person may not hold both shifts: they overlap, or the gap is under ``rest``."""
    gap = max(b_start - a_end, a_start - b_end)
    return gap < rest
