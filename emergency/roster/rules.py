"""Roster rules as data (值班排班规则): shift pattern, positions, rest, flood season, holidays.

The defaults live in ``emergency/rules/roster.yaml`` and ``emergency/rules/holidays_cn.yaml``;
this module only validates them into frozen dataclasses. Nothing here knows about the solver.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emergency.grading import RULES_DIR, RuleTableError, check_keys, read_rule_yaml, text_at

__all__ = [
    "CATEGORIES",
    "DAY_FILTERS",
    "HOLIDAYS_PATH",
    "ROSTER_RULES_PATH",
    "Fairness",
    "FloodSeason",
    "HolidayCalendar",
    "MonthDay",
    "Position",
    "RosterRules",
    "ShiftPattern",
    "SolverSettings",
    "default_holiday_calendar",
    "default_roster_rules",
    "load_holiday_calendar",
    "load_roster_rules",
    "parse_holiday_calendar",
    "parse_roster_rules",
]

ROSTER_RULES_PATH: Final = RULES_DIR / "roster.yaml"
HOLIDAYS_PATH: Final = RULES_DIR / "holidays_cn.yaml"

SHIFT_KINDS: Final = ("24h", "day_night")
POSITION_SPANS: Final = ("shift", "day")
DAY_FILTERS: Final = ("all", "workdays", "rest_days")
#: Fairness categories, counted per person: every shift; shifts that span a night (00:00–06:00);
#: shifts on ordinary weekend days; shifts on public holidays (放假 days). By duty day.
CATEGORIES: Final = ("shifts", "nights", "weekends", "holidays")


# ---------------------------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day of the year without the year, e.g. 1 June (the start of Jilin's flood season)."""

    month: int
    day: int

    def __post_init__(self) -> None:
        date(2024, self.month, self.day)  # a leap year, so 29 Feb is allowed; raises if invalid

    def of(self, year: int) -> date:
        """This day in ``year`` (29 Feb falls back to 28 Feb in a common year)."""
        if (self.month, self.day) == (2, 29) and not _is_leap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays (放假 days) and make-up working days (调休上班) by the State Council notices.

    ``holidays`` maps each day off to its name (zh, en); ``workdays`` are weekend days worked.
    For a year not in ``official_years`` only the ``fixed`` dates are known as holidays.
    """

    holidays: Mapping[date, tuple[str, str]] = field(default_factory=dict)
    workdays: frozenset[date] = frozenset()
    official_years: frozenset[int] = frozenset()
    fixed: Mapping[MonthDay, tuple[str, str]] = field(default_factory=dict)
    sources: Mapping[int, str] = field(default_factory=dict)

    def has_official_schedule(self, year: int) -> bool:
        return year in self.official_years

    def holiday_name(self, day: date) -> tuple[str, str] | None:
        """(zh, en) name of the holiday ``day`` falls in, or None on a day that is not one."""
        if day.year in self.official_years:
            return self.holidays.get(day)
        return self.fixed.get(MonthDay(day.month, day.day))

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_makeup_workday(self, day: date) -> bool:
        return day in self.workdays

    def is_ordinary_weekend(self, day: date) -> bool:
        """Saturday or Sunday that is neither a holiday nor a make-up working day."""
        return day.weekday() >= 5 and not self.is_holiday(day) and day not in self.workdays

    def is_rest_day(self, day: date) -> bool:
        return self.is_holiday(day) or self.is_ordinary_weekend(day)

    def day_kind(self, day: date) -> str:
        """``holiday``, ``weekend`` or ``workday``."""
        if self.is_holiday(day):
            return "holiday"
        if self.is_ordinary_weekend(day):
            return "weekend"
        return "workday"


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class ShiftPattern:
    """``24h``: one 24-hour shift from ``start``; ``day_night``: day shift of ``day_hours``, then
    night shift until the next day's ``start``."""

    kind: str = "24h"
    start: time = time(8, 30)
    day_hours: float = 12.0

    def __post_init__(self) -> None:
        if self.kind not in SHIFT_KINDS:
            raise ValueError(f"shift kind must be one of {SHIFT_KINDS}, got {self.kind!r}")
        if not 0 < self.day_hours < 24:
            raise ValueError(f"day_hours must be between 0 and 24, got {self.day_hours!r}")


@dataclass(frozen=True)
class Position:
    """A seat on the duty: 值班员 duty officer, 联络员 liaison, 带班领导 leader on duty."""

    id: str
    zh: str
    en: str
    per: str = "shift"
    count: int = 1
    requires: frozenset[str] = frozenset()
    days: str = "all"
    fairness_group: str = "staff"

    def __post_init__(self) -> None:
        object.__setattr__(self, "requires", frozenset(self.requires))
        if self.per not in POSITION_SPANS:
            raise ValueError(f"{self.id}: per must be one of {POSITION_SPANS}, got {self.per!r}")
        if self.days not in DAY_FILTERS:
            raise ValueError(f"{self.id}: days must be one of {DAY_FILTERS}, got {self.days!r}")
        if self.count < 0:
            raise ValueError(f"{self.id}: count must be ≥ 0, got {self.count!r}")

    @property
    def label(self) -> str:
        """``带班领导 (leader on duty)``."""
        return f"{self.zh} ({self.en})"


@dataclass(frozen=True)
class FloodSeason:
    """汛期 from ``start`` to ``end`` and 主汛期 from ``main_start`` to ``main_end``, inclusive."""

    start: MonthDay = MonthDay(6, 1)
    end: MonthDay = MonthDay(9, 30)
    main_start: MonthDay = MonthDay(7, 15)
    main_end: MonthDay = MonthDay(8, 15)
    every_day: frozenset[str] = frozenset({"leader"})
    staffing: Mapping[str, int] = field(default_factory=dict)
    main_staffing: Mapping[str, int] = field(default_factory=lambda: {"duty_officer": 2})

    def __post_init__(self) -> None:
        object.__setattr__(self, "every_day", frozenset(self.every_day))
        if not self.start <= self.main_start <= self.main_end <= self.end:
            raise ValueError(
                "flood season: expected start ≤ main start ≤ main end ≤ end, got "
                f"{self.start} {self.main_start} {self.main_end} {self.end}"
            )

    def in_season(self, day: date) -> bool:
        return self.start.of(day.year) <= day <= self.end.of(day.year)

    def in_main(self, day: date) -> bool:
        return self.main_start.of(day.year) <= day <= self.main_end.of(day.year)


@dataclass(frozen=True)
class Fairness:
    categories: tuple[str, ...] = CATEGORIES
    target_spread: int = 1
    weights: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 10))

    def __post_init__(self) -> None:
        unknown = [c for c in self.categories if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown fairness categories {unknown}; known: {CATEGORIES}")


@dataclass(frozen=True)
class SolverSettings:
    """CP-SAT settings. One worker and a deterministic-time limit make solves reproducible."""

    seed: int = 20260601
    workers: int = 1
    deterministic_time: float = 4.0
    time_limit_s: float = 60.0


@dataclass(frozen=True)
class RosterRules:
    positions: tuple[Position, ...]
    pattern: ShiftPattern = ShiftPattern()
    min_rest_hours: float = 48.0
    max_shifts_per_month: int = 4
    flood: FloodSeason | None = FloodSeason()
    fairness: Fairness = Fairness()
    preference_weight: int = 1
    solver: SolverSettings = SolverSettings()
    calendar: HolidayCalendar = HolidayCalendar()
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", tuple(self.positions))
        ids = [p.id for p in self.positions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"position ids must be unique, got {ids}")
        if self.min_rest_hours < 0:
            raise ValueError(f"min_rest_hours must be ≥ 0, got {self.min_rest_hours!r}")
        if self.max_shifts_per_month < 0:
            raise ValueError("max_shifts_per_month must be ≥ 0")
        if self.flood is not None:
            named = set(self.flood.every_day) | set(self.flood.staffing)
            named |= set(self.flood.main_staffing)
            unknown = sorted(named - set(ids))
            if unknown:
                raise ValueError(f"flood season names unknown positions {unknown}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def min_rest(self) -> timedelta:
        return timedelta(hours=self.min_rest_hours)

    def position(self, position_id: str) -> Position:
        for p in self.positions:
            if p.id == position_id:
                return p
        raise KeyError(position_id)

    def position_order(self, position_id: str) -> int:
        for i, p in enumerate(self.positions):
            if p.id == position_id:
                return i
        return len(self.positions)

    @property
    def fairness_groups(self) -> tuple[str, ...]:
        """Group names in first-seen position order."""
        return tuple(dict.fromkeys(p.fairness_group for p in self.positions))


# ---------------------------------------------------------------------------------------------
# Parsing


_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_HOUR_MINUTE = re.compile(r"^(\d{1,2}):(\d{2})$")


def _month_day(value: Any, where: str) -> MonthDay:
    match = _MONTH_DAY.match(str(value))
    if not match:
        raise RuleTableError(f"{where}: expected MM-DD, got {value!r}")
    try:
        return MonthDay(int(match[1]), int(match[2]))
    except ValueError as exc:
        raise RuleTableError(f"{where}: not a day of the year: {value!r}") from exc


def _time_of_day(value: Any, where: str) -> time:
    match = _HOUR_MINUTE.match(str(value))
    if not match:
        raise RuleTableError(f"{where}: expected HH:MM, got {value!r}")
    try:
        return time(int(match[1]), int(match[2]))
    except ValueError as exc:
        raise RuleTableError(f"{where}: not a time of day: {value!r}") from exc


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleTableError(f"{where}: expected YYYY-MM-DD, got {value!r}") from exc


def _int(value: Any, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RuleTableError(f"{where}: expected an integer ≥ {minimum}, got {value!r}")
    return value


def _number(value: Any, where: str, *, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise RuleTableError(f"{where}: expected a number ≥ {minimum}, got {value!r}")
    return float(value)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleTableError(f"{where}: expected a list of names, got {value!r}")
    return tuple(value)


def _staffing(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise RuleTableError(f"{where}: expected a mapping of position → count, got {value!r}")
    return {str(k): _int(v, f"{where}.{k}") for k, v in value.items()}


def parse_holiday_calendar(data: Mapping[str, Any]) -> HolidayCalendar:
    """Validate the content of ``holidays_cn.yaml``."""
    check_keys(data, "holidays_cn", ["schema", "years"], ["fixed"])
    if data["schema"] != "holidays_cn/1":
        raise RuleTableError(f"holidays_cn: unsupported schema {data['schema']!r}")
    fixed: dict[MonthDay, tuple[str, str]] = {}
    for i, entry in enumerate(data.get("fixed") or []):
        where = f"holidays_cn.fixed[{i}]"
        check_keys(entry, where, ["zh", "en", "dates"])
        for md in _names(entry["dates"], f"{where}.dates"):
            fixed[_month_day(md, f"{where}.dates")] = (
                text_at(entry, "zh", where),
                text_at(entry, "en", where),
            )
    holidays: dict[date, tuple[str, str]] = {}
    workdays: set[date] = set()
    sources: dict[int, str] = {}
    years = data["years"] or {}
    if not isinstance(years, Mapping):
        raise RuleTableError("holidays_cn.years: expected a mapping of year → schedule")
    for year, schedule in years.items():
        where = f"holidays_cn.years.{year}"
        year = _int(year, where, minimum=1949)
        check_keys(schedule, where, ["source", "holidays", "workdays"])
        sources[year] = text_at(schedule, "source", where)
        for i, entry in enumerate(schedule["holidays"] or []):
            w = f"{where}.holidays[{i}]"
            check_keys(entry, w, ["zh", "en", "start", "end"])
            start, end = _date(entry["start"], f"{w}.start"), _date(entry["end"], f"{w}.end")
            if not (start.year == end.year == year and start <= end):
                raise RuleTableError(f"{w}: expected start ≤ end within {year}")
            name = (text_at(entry, "zh", w), text_at(entry, "en", w))
            day = start
            while day <= end:
                holidays[day] = name
                day += timedelta(days=1)
        for i, value in enumerate(schedule["workdays"] or []):
            day = _date(value, f"{where}.workdays[{i}]")
            if day.year != year or day.weekday() < 5:
                raise RuleTableError(f"{where}.workdays[{i}]: {day} is not a weekend day of {year}")
            workdays.add(day)
    clash = sorted(workdays & set(holidays))
    if clash:
        raise RuleTableError(f"holidays_cn: days both holiday and workday: {clash}")
    return HolidayCalendar(holidays, frozenset(workdays), frozenset(sources), fixed, sources)


def parse_roster_rules(data: Mapping[str, Any], calendar: HolidayCalendar) -> RosterRules:
    """Validate the content of ``roster.yaml``; ``calendar`` supplies the public holidays."""
    check_keys(
        data,
        "roster",
        ["schema", "timezone", "shift_pattern", "positions", "min_rest_hours"],
        ["max_shifts_per_month", "flood_season", "fairness", "preference_weight", "solver"],
    )
    if data["schema"] != "roster/1":
        raise RuleTableError(f"roster: unsupported schema {data['schema']!r}")
    sp = check_keys(data["shift_pattern"], "roster.shift_pattern", ["kind", "start"], ["day_hours"])
    if sp["kind"] not in SHIFT_KINDS:
        raise RuleTableError(f"roster.shift_pattern.kind: expected one of {SHIFT_KINDS}")
    pattern = ShiftPattern(
        kind=sp["kind"],
        start=_time_of_day(sp["start"], "roster.shift_pattern.start"),
        day_hours=_number(sp.get("day_hours", 12), "roster.shift_pattern.day_hours", minimum=1),
    )
    positions = []
    if not isinstance(data["positions"], list) or not data["positions"]:
        raise RuleTableError("roster.positions: expected a non-empty list")
    for i, entry in enumerate(data["positions"]):
        where = f"roster.positions[{i}]"
        check_keys(
            entry, where, ["id", "zh", "en", "per", "count"], ["requires", "days", "fairness_group"]
        )
        try:
            positions.append(
                Position(
                    id=text_at(entry, "id", where),
                    zh=text_at(entry, "zh", where),
                    en=text_at(entry, "en", where),
                    per=entry["per"],
                    count=_int(entry["count"], f"{where}.count"),
                    requires=frozenset(_names(entry.get("requires", []), f"{where}.requires")),
                    days=entry.get("days", "all"),
                    fairness_group=str(entry.get("fairness_group", "staff")),
                )
            )
        except ValueError as exc:
            raise RuleTableError(f"{where}: {exc}") from exc

    flood = None
    if data.get("flood_season"):
        fs = check_keys(
            data["flood_season"],
            "roster.flood_season",
            ["start", "end"],
            ["every_day", "staffing", "main"],
        )
        main = check_keys(
            fs.get("main") or {"start": str(fs["start"]), "end": str(fs["start"])},
            "roster.flood_season.main",
            ["start", "end"],
            ["staffing"],
        )
        try:
            flood = FloodSeason(
                start=_month_day(fs["start"], "roster.flood_season.start"),
                end=_month_day(fs["end"], "roster.flood_season.end"),
                main_start=_month_day(main["start"], "roster.flood_season.main.start"),
                main_end=_month_day(main["end"], "roster.flood_season.main.end"),
                every_day=frozenset(_names(fs.get("every_day", []), "flood_season.every_day")),
                staffing=_staffing(fs.get("staffing") or {}, "roster.flood_season.staffing"),
                main_staffing=_staffing(
                    main.get("staffing") or {}, "roster.flood_season.main.staffing"
                ),
            )
        except ValueError as exc:
            raise RuleTableError(f"roster.flood_season: {exc}") from exc

    fairness = Fairness()
    if data.get("fairness"):
        fa = check_keys(
            data["fairness"], "roster.fairness", [], ["categories", "target_spread", "weights"]
        )
        cats = _names(fa.get("categories", list(CATEGORIES)), "roster.fairness.categories")
        weights = _staffing(fa.get("weights") or {}, "roster.fairness.weights")
        try:
            fairness = Fairness(
                categories=cats,
                target_spread=_int(fa.get("target_spread", 1), "roster.fairness.target_spread"),
                weights={c: weights.get(c, 10) for c in cats},
            )
        except ValueError as exc:
            raise RuleTableError(f"roster.fairness: {exc}") from exc

    solver = SolverSettings()
    if data.get("solver"):
        so = check_keys(
            data["solver"],
            "roster.solver",
            [],
            ["seed", "workers", "deterministic_time", "time_limit_s"],
        )
        solver = SolverSettings(
            seed=_int(so.get("seed", solver.seed), "roster.solver.seed"),
            workers=_int(so.get("workers", 1), "roster.solver.workers", minimum=1),
            deterministic_time=_number(
                so.get("deterministic_time", solver.deterministic_time),
                "roster.solver.deterministic_time",
            ),
            time_limit_s=_number(
                so.get("time_limit_s", solver.time_limit_s), "roster.solver.time_limit_s"
            ),
        )
    try:
        return RosterRules(
            positions=tuple(positions),
            pattern=pattern,
            min_rest_hours=_number(data["min_rest_hours"], "roster.min_rest_hours"),
            max_shifts_per_month=_int(
                data.get("max_shifts_per_month", 31), "roster.max_shifts_per_month"
            ),
            flood=flood,
            fairness=fairness,
            preference_weight=_int(data.get("preference_weight", 1), "roster.preference_weight"),
            solver=solver,
            calendar=calendar,
            timezone=text_at(data, "timezone", "roster"),
        )
    except ValueError as exc:
        raise RuleTableError(f"roster: {exc}") from exc


def load_holiday_calendar(path: Path = HOLIDAYS_PATH) -> HolidayCalendar:
    return parse_holiday_calendar(read_rule_yaml(path))


def load_roster_rules(
    path: Path = ROSTER_RULES_PATH, holidays_path: Path = HOLIDAYS_PATH
) -> RosterRules:
    return parse_roster_rules(read_rule_yaml(path), load_holiday_calendar(holidays_path))


@cache
def default_holiday_calendar() -> HolidayCalendar:
    return load_holiday_calendar()


@cache
def default_roster_rules() -> RosterRules:
    """The bundled rules (roster.yaml with holidays_cn.yaml), loaded once."""
    return parse_roster_rules(read_rule_yaml(ROSTER_RULES_PATH), default_holiday_calendar())
