"""The refresh calendar (更新日历): campaign window, reminders, the flood season. Pure.

Dates are configured as ``MM-DD`` (every year): the campaign opens on ``opens`` (default 04-15)
and closes on ``closes`` (default 05-31), before the flood season starts on ``flood_start``
(default 06-01; Jilin, DOMAIN.md §4) and ends on ``flood_end`` (default 09-30). A record counts as
*confirmed this season* when its 核实日期 is on or after the opening of the latest campaign that
has opened.

The *coming* campaign follows the date: after ``next_campaign_after`` (default 05-31, the close)
it is next year's, so on 7 December 2026 the page speaks of the 2027 campaign and the flood season
of 2027-06-01 (``campaign_year``, ``next_flood_start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def month_day(text: str, year: int) -> date:
    """``"04-15"`` in ``year`` → 2026-04-15 (29 Feb falls back to 28 Feb)."""
    month, day = (int(part) for part in str(text).split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        if (month, day) == (2, 29):
            return date(year, 2, 28)
        raise


@dataclass(frozen=True)
class RefreshCalendar:
    opens: str = "04-15"
    closes: str = "05-31"
    flood_start: str = "06-01"
    flood_end: str = "09-30"
    remind_every_days: int = 7       # reminders on the opening day and every N days after …
    remind_daily_last_days: int = 7  # … and every day in the last N days
    next_campaign_after: str = "05-31"  # after this day the coming campaign is next year's

    def __post_init__(self) -> None:
        for year in (2024, 2026):  # a leap year and a common one
            if not self.opens_on(year) <= self.closes_on(year) < self.flood_start_on(year) \
                    <= self.flood_end_on(year):
                raise ValueError("the refresh must open, then close, before the flood season "
                                 f"starts: {self.opens} ≤ {self.closes} < {self.flood_start} "
                                 f"≤ {self.flood_end}")
        if self.remind_every_days < 1 or self.remind_daily_last_days < 0:
            raise ValueError("reminder intervals must be positive")

    def opens_on(self, year: int) -> date:
        return month_day(self.opens, year)

    def closes_on(self, year: int) -> date:
        return month_day(self.closes, year)

    def flood_start_on(self, year: int) -> date:
        return month_day(self.flood_start, year)

    def flood_end_on(self, year: int) -> date:
        return month_day(self.flood_end, year)

    def is_open(self, today: date) -> bool:
        return self.opens_on(today.year) <= today <= self.closes_on(today.year)

    def in_flood_season(self, today: date) -> bool:
        return self.flood_start_on(today.year) <= today <= self.flood_end_on(today.year)

    def season_start(self, today: date) -> date:
        """The opening of the latest campaign that has opened (this year's, else last year's)."""
        this_year = self.opens_on(today.year)
        return this_year if today >= this_year else self.opens_on(today.year - 1)

    def is_reminder_day(self, today: date) -> bool:
        """Reminders go out on the opening day, every ``remind_every_days`` after, and daily
        in the last ``remind_daily_last_days`` days of the window."""
        if not self.is_open(today):
            return False
        since = (today - self.opens_on(today.year)).days
        left = (self.closes_on(today.year) - today).days
        return since % self.remind_every_days == 0 or left < self.remind_daily_last_days

    def campaign_year(self, today: date) -> int:
        """The campaign the page and new submissions are about: this year's until
        ``next_campaign_after``, next year's after it."""
        return today.year + 1 if today > month_day(self.next_campaign_after, today.year) \
            else today.year

    def next_flood_start(self, today: date) -> date:
        """The start of the flood season now running, else of the next one."""
        start = self.flood_start_on(today.year)
        if today > self.flood_end_on(today.year):
            start = self.flood_start_on(today.year + 1)
        return start

    def state(self, today: date) -> str:
        """The coming campaign's window: ``before`` (not open yet), ``open`` or ``closed``."""
        year = self.campaign_year(today)
        if today < self.opens_on(year):
            return "before"
        return "open" if today <= self.closes_on(year) else "closed"

    def days_to_flood_season(self, today: date) -> int:
        """Days until the next flood season starts (0 during the flood season)."""
        if self.in_flood_season(today):
            return 0
        start = self.flood_start_on(today.year)
        if today > start:
            start = self.flood_start_on(today.year + 1)
        return (start - today).days

    def next_reminder(self, today: date) -> date | None:
        """The next reminder day on or after ``today`` within this year's window."""
        day = today
        closes = self.closes_on(today.year)
        while day <= closes:
            if self.is_reminder_day(day):
                return day
            day += timedelta(days=1)
        return None
