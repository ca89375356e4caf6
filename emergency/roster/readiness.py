"""Is the duty covered? The published rosters' seats against what the rules ask (值班缺口). Pure.

The rules say, day by day, which seats the duty needs (:func:`emergency.roster.slots.duty_slots`:
a duty officer per shift, in the flood season a leader on duty every day, two duty officers in
the main flood season …). A seat is covered by the published assignments of that position that
overlap its window; a *gap* is a seat with fewer people than asked. The nightly check looks at
the coming days and the flood-season switch at the whole season, so a missing or withdrawn
roster is known before the day comes, not at the handover.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from emergency.roster.model import Assignment, Period
from emergency.roster.rules import RosterRules
from emergency.roster.slots import duty_slots

LISTED = 5  # gaps named one by one in a message before "…"


@dataclass(frozen=True, slots=True)
class Gap:
    """``needed`` people for ``position`` on ``day``'s ``shift`` (``day`` for a per-day seat),
    of whom only ``filled`` are on a published roster."""

    day: date
    shift: str
    position: str
    needed: int
    filled: int

    @property
    def missing(self) -> int:
        return self.needed - self.filled


def duty_gaps(period: Period, rules: RosterRules, published: Iterable[Assignment]
              ) -> list[Gap]:
    """Every seat of ``period`` that the ``published`` assignments leave (partly) empty."""
    by_key: dict[tuple[date, str], list[Assignment]] = {}
    for a in published:
        by_key.setdefault((a.date, a.position), []).append(a)
    gaps = []
    for slot in duty_slots(period, rules):
        filled = sum(1 for a in by_key.get((slot.date, slot.position), ())
                     if a.overlaps(slot.start, slot.end))
        if filled < slot.count:
            gaps.append(Gap(slot.date, slot.shift, slot.position, slot.count, filled))
    return gaps


_SHIFT_TEXT = {"day": ("白班", "day shift"), "night": ("夜班", "night shift")}


def describe(gaps: Sequence[Gap], rules: RosterRules) -> tuple[str, str]:
    """The gaps in one line each language: 6月3日 带班领导 缺 1 人;… (the first few)."""
    zh, en = [], []
    for g in gaps[:LISTED]:
        position = rules.position(g.position)
        # a per-day seat (the leader) and a 24-hour shift need no shift name
        shift_zh, shift_en = ("", "") if position.per == "day" else \
            _SHIFT_TEXT.get(g.shift, ("", ""))
        zh.append(f"{g.day.month}月{g.day.day}日{shift_zh}{position.zh}缺 {g.missing} 人")
        en.append(f"{g.day:%d %b}{' ' + shift_en if shift_en else ''}: {position.en} short "
                  f"of {g.missing}")
    more = len(gaps) - LISTED
    if more > 0:
        zh.append(f"等,共 {len(gaps)} 处")
        en.append(f"and {more} more")
    return ";".join(zh), "; ".join(en)
