"""Duty roster (值班排班): rules as data, a CP-SAT generator, checks, edits, on-duty, iCal.

Pure domain code: dataclasses and functions, no Flask or SQLAlchemy. Typical use::

    rules = default_roster_rules()                       # roster.yaml + holidays_cn.yaml
    roster = generate_by_month(people, Period.year(2026), rules, history=counts_before)
    check_roster(roster, people, rules)                  # [] — every hard rule holds
    result = swap(roster, a, b)                          # EditResult: accepted / reasons
    on_duty_at(roster, now)                              # {"duty_officer": ("p07",), …}
    to_ical(roster, "p07")                               # RFC 5545 text
"""

from emergency.roster.checks import (
    EditResult,
    build_roster,
    check_roster,
    compute_stats,
    eligible_people,
    fairness_spread,
    format_dates,
    replace,
    soft_violations,
    swap,
)
from emergency.roster.generator import generate_by_month, generate_roster, precheck
from emergency.roster.ical import to_ical
from emergency.roster.model import (
    Assignment,
    DutyCounts,
    Period,
    Person,
    PersonStats,
    Preference,
    Roster,
    RosterError,
    RosterInfeasible,
    Slot,
    Unavailability,
    Violation,
)
from emergency.roster.on_duty import on_duty_at
from emergency.roster.rules import (
    Fairness,
    FloodSeason,
    HolidayCalendar,
    MonthDay,
    Position,
    RosterRules,
    ShiftPattern,
    SolverSettings,
    default_holiday_calendar,
    default_roster_rules,
    load_holiday_calendar,
    load_roster_rules,
)
from emergency.roster.slots import duty_counts, duty_slots

__all__ = [
    "Assignment",
    "DutyCounts",
    "EditResult",
    "Fairness",
    "FloodSeason",
    "HolidayCalendar",
    "MonthDay",
    "Period",
    "Person",
    "PersonStats",
    "Position",
    "Preference",
    "Roster",
    "RosterError",
    "RosterInfeasible",
    "RosterRules",
    "ShiftPattern",
    "Slot",
    "SolverSettings",
    "Unavailability",
    "Violation",
    "build_roster",
    "check_roster",
    "compute_stats",
    "default_holiday_calendar",
    "default_roster_rules",
    "duty_counts",
    "duty_slots",
    "eligible_people",
    "fairness_spread",
    "format_dates",
    "generate_by_month",
    "generate_roster",
    "load_holiday_calendar",
    "load_roster_rules",
    "on_duty_at",
    "precheck",
    "replace",
    "soft_violations",
    "swap",
    "to_ical",
]
