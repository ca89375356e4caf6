"""Which duty days a roster request covers (排班时段): a month, the flood season or any period,
the longest period allowed, and the rule that a roster never fills days already past.

Pure: no Flask, no SQLAlchemy. Errors are ``BadPeriod`` (a DutyError the web answers with 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from emergency.roster.errors import DutyError, Refused
from emergency.roster.model import Period
from emergency.roster.rules import RosterRules

__all__ = ["MAX_PERIOD_DAYS", "BadPeriod", "PeriodRequest", "month_period", "resolve",
           "season_period"]

MAX_PERIOD_DAYS = 366


class BadPeriod(DutyError):
    """The request names no period, or a malformed or too long one (400)."""

    def __init__(self, code: str, message_zh: str, message_en: str, **details: object) -> None:
        super().__init__(message_zh, message_en, **details)
        self.code = code


def _bad(name: str, zh: str, en: str, value: object = None) -> BadPeriod:
    return BadPeriod("invalid_parameter", f"参数 {name}{zh}", f"parameter {name} {en}",
                     parameter=name, value=value)


def month_period(text: str) -> Period:
    """``2026-07`` → the month. Raises ValueError."""
    year, _, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    return Period.month(int(year), int(month))


def season_period(year: int, rules: RosterRules) -> Period:
    return Period.flood_season(year, rules)


@dataclass(frozen=True)
class PeriodRequest:
    """What a manager asked for: ``month`` (YYYY-MM), ``season`` (a year) or ``start``/``end``
    (ISO dates), as received."""

    month: object = None
    season: object = None
    start: object = None
    end: object = None


def _date(value: object, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _bad(name, f"须为日期 YYYY-MM-DD,收到 {value!r}",
                   f"must be a date YYYY-MM-DD, got {value!r}", value) from None


def resolve(asked: PeriodRequest, rules: RosterRules, *, today: date | None = None
            ) -> tuple[Period, str]:
    """The period and its kind (month / flood_season / custom).

    With ``today`` (the running duty day), a period that has started begins today: generating
    the current month does not fill the days already past. A period wholly in the past is
    refused (``Refused``)."""
    if asked.month:
        try:
            period, kind = month_period(str(asked.month)), "month"
        except ValueError:
            raise _bad("month", f"须为月份 YYYY-MM,收到 {asked.month!r}",
                       f"must be a month YYYY-MM, got {asked.month!r}", asked.month) from None
    elif asked.season:
        try:
            year = int(asked.season)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise _bad("season", f"须为整数,收到 {asked.season!r}",
                       f"must be an integer, got {asked.season!r}", asked.season) from None
        if not 2000 <= year <= 2100:
            raise _bad("season", "须为年份", "must be a year", year)
        period, kind = season_period(year, rules), "flood_season"
    elif asked.start and asked.end:
        start, end = _date(asked.start, "start"), _date(asked.end, "end")
        if end < start:
            raise _bad("end", "早于开始日期", "is before start", asked.end)
        period, kind = Period(start, end), "custom"
    else:
        raise BadPeriod("missing_period", "请给出 month(YYYY-MM)、season(年份)或 start/end",
                        "give month (YYYY-MM), season (a year) or start and end")
    if len(period) > MAX_PERIOD_DAYS:
        raise _bad("end", f"时段不超过 {MAX_PERIOD_DAYS} 天",
                   f"the period is at most {MAX_PERIOD_DAYS} days", asked.end)
    if today is not None and period.start < today:
        if period.end < today:
            raise Refused(f"{period.start} 至 {period.end} 已经过去,不能排班",
                          f"{period.start} to {period.end} is past and cannot be rostered",
                          start=period.start.isoformat(), end=period.end.isoformat())
        period = Period(today, period.end)
    return period, kind
