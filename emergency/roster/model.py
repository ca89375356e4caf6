"""Roster domain objects (值班表): people, periods, duty slots, assignments, counts, violations.

All times are aware datetimes in the rules' timezone (Asia/Shanghai). A *duty day* is the date a
shift starts: the 24-hour duty that starts at 08:30 on 6 July is the duty of 6 July.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emergency.roster.rules import RosterRules

__all__ = [
    "Assignment",
    "DutyCounts",
    "Period",
    "Person",
    "PersonStats",
    "Preference",
    "Roster",
    "RosterError",
    "RosterInfeasible",
    "Slot",
    "Unavailability",
    "Violation",
]

UNAVAILABILITY_REASONS = {
    "leave": ("请假", "leave"),
    "training": ("培训", "training"),
    "trip": ("出差", "trip"),
    "other": ("其他", "other"),
}


class RosterError(Exception):
    """A roster cannot be made or changed; ``reasons`` say why, in Chinese and English."""

    def __init__(self, reasons: tuple[Violation, ...] | list[Violation]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("\n".join(f"{r.zh} / {r.en}" for r in self.reasons))


class RosterInfeasible(RosterError):
    """No roster meets every hard rule; ``reasons`` name the rule and the days."""


@dataclass(frozen=True)
class Unavailability:
    """Leave, training or a trip, by duty day: no shift may start on ``start`` … ``end``."""

    start: date
    end: date
    reason: str = "leave"
    note: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"unavailability ends before it starts: {self.start} … {self.end}")
        if self.reason not in UNAVAILABILITY_REASONS:
            raise ValueError(
                f"reason must be one of {sorted(UNAVAILABILITY_REASONS)}, got {self.reason!r}"
            )

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def reason_zh(self) -> str:
        return UNAVAILABILITY_REASONS[self.reason][0]

    @property
    def reason_en(self) -> str:
        return UNAVAILABILITY_REASONS[self.reason][1]


@dataclass(frozen=True)
class Preference:
    """A soft wish: ``avoid`` or ``prefer`` duty on the days from ``start`` to ``end``
    (open-ended when None) and, if given, only on these ``weekdays`` (0 = Monday)."""

    kind: str
    start: date | None = None
    end: date | None = None
    weekdays: frozenset[int] = frozenset()
    weight: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if self.kind not in ("avoid", "prefer"):
            raise ValueError(f"preference kind must be avoid or prefer, got {self.kind!r}")
        if not all(0 <= w <= 6 for w in self.weekdays):
            raise ValueError(f"weekdays are 0 (Monday) … 6 (Sunday), got {set(self.weekdays)}")
        if self.weight < 0:
            raise ValueError("preference weight must be ≥ 0")

    def applies(self, day: date) -> bool:
        if self.start is not None and day < self.start:
            return False
        if self.end is not None and day > self.end:
            return False
        return not self.weekdays or day.weekday() in self.weekdays


@dataclass(frozen=True)
class Person:
    """Someone in the duty system. ``qualifications`` are matched against positions' needs."""

    id: str
    name: str
    qualifications: frozenset[str] = frozenset()
    unavailable: tuple[Unavailability, ...] = ()
    preferences: tuple[Preference, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "qualifications", frozenset(self.qualifications))
        object.__setattr__(self, "unavailable", tuple(self.unavailable))
        object.__setattr__(self, "preferences", tuple(self.preferences))

    def unavailability_on(self, day: date) -> Unavailability | None:
        for u in self.unavailable:
            if u.covers(day):
                return u
        return None

    def is_available(self, day: date) -> bool:
        return self.unavailability_on(day) is None

    @property
    def label(self) -> str:
        """How messages name the person: by name, never by the internal id (issue 20)."""
        return self.name or self.id


@dataclass(frozen=True)
class Period:
    """Duty days from ``start`` to ``end``, inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends before it starts: {self.start} … {self.end}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = _calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def flood_season(cls, year: int, rules: RosterRules) -> Period:
        """The flood season (汛期) of ``year`` by the rules."""
        if rules.flood is None:
            raise ValueError("these rules have no flood season")
        return cls(rules.flood.start.of(year), rules.flood.end.of(year))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __len__(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def months(self) -> list[Period]:
        """The period cut at month ends (the first and last pieces may be partial months)."""
        pieces = []
        start = self.start
        while start <= self.end:
            last = date(start.year, start.month, _calendar.monthrange(start.year, start.month)[1])
            end = min(last, self.end)
            pieces.append(Period(start, end))
            start = end + timedelta(days=1)
        return pieces

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


@dataclass(frozen=True)
class Slot:
    """Seats to fill: ``count`` people for ``position`` from ``start`` to ``end``.

    ``demand`` names the rule that asks for them (``staffing``, ``flood_every_day``,
    ``flood_staffing``, ``main_flood_staffing``), so a shortage can be explained.
    """

    date: date
    start: datetime
    end: datetime
    position: str
    count: int
    shift: str
    demand: str = "staffing"


@dataclass(frozen=True, order=True)
class Assignment:
    """One person on one position for one shift (a 值班 or a 带班)."""

    date: date
    shift_start: datetime
    shift_end: datetime
    position: str
    person_id: str

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.shift_start < end and start < self.shift_end

    def with_person(self, person_id: str) -> Assignment:
        return Assignment(self.date, self.shift_start, self.shift_end, self.position, person_id)


@dataclass(frozen=True)
class DutyCounts:
    """Per-person duty counts: shifts, nights, weekend and holiday duties, hours."""

    shifts: int = 0
    nights: int = 0
    weekends: int = 0
    holidays: int = 0
    hours: float = 0.0

    def __add__(self, other: DutyCounts) -> DutyCounts:
        if not isinstance(other, DutyCounts):
            return NotImplemented
        return DutyCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def get(self, category: str) -> int:
        return int(getattr(self, category))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class PersonStats:
    """A person's counts in the roster's period and cumulative (history + period)."""

    person_id: str
    period: DutyCounts
    cumulative: DutyCounts


@dataclass(frozen=True)
class Violation:
    """A broken rule with its text in Chinese and English.

    ``rule`` is a stable id (``min_rest``, ``max_per_month``, ``no_double``, ``qualification``,
    ``unavailability``, ``staffing``, ``flood_every_day``, ``main_flood_staffing``,
    ``flood_staffing``, ``unknown_person``, ``fairness``, ``preference``, ``holiday_calendar``,
    ``time_limit``); ``hard`` is False for soft rules.
    """

    rule: str
    zh: str
    en: str
    dates: tuple[date, ...] = ()
    position: str | None = None
    person_ids: tuple[str, ...] = ()
    hard: bool = True

    @property
    def key(self) -> tuple[object, ...]:
        return (self.rule, self.dates, self.position, self.person_ids)

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class Roster:
    """A roster for ``period``: assignments sorted by start and position order.

    ``history`` holds the counts before the period (carried fairness) and ``carry_in`` the
    earlier assignments that still matter for rest and monthly limits (e.g. last month's end).
    ``rules`` and ``people`` are what it was made or last checked with; edits use them.
    """

    period: Period
    assignments: tuple[Assignment, ...]
    stats: Mapping[str, PersonStats]
    violations_of_soft_rules: tuple[Violation, ...]
    rules: RosterRules = field(repr=False, compare=False)
    people: tuple[Person, ...] = field(repr=False, compare=False, default=())
    history: Mapping[str, DutyCounts] = field(repr=False, compare=False, default_factory=dict)
    carry_in: tuple[Assignment, ...] = field(repr=False, compare=False, default=())

    def for_person(self, person_id: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.person_id == person_id)

    def on(self, day: date) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.date == day)

    def person(self, person_id: str) -> Person | None:
        for p in self.people:
            if p.id == person_id:
                return p
        return None
