"""Who is on duty at a given moment (当前值班)."""

from __future__ import annotations

from datetime import datetime

from emergency.roster.model import Roster

__all__ = ["on_duty_at"]


def on_duty_at(roster: Roster, when: datetime) -> dict[str, tuple[str, ...]]:
    """Position id → ids of the people on duty at ``when`` (an aware datetime).

    Values are tuples because a position may have several seats at once (two duty officers in
    主汛期). Shifts are half-open: at 08:30 sharp the new shift is on duty, not the old one.
    Before the roster's first shift, its ``carry_in`` (the previous roster's last shifts)
    answers. Positions with nobody on duty (or a moment outside the roster) are absent.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("on_duty_at needs an aware datetime (with a timezone)")
    on: dict[str, list[str]] = {}
    first = roster.assignments[0].shift_start if roster.assignments else None
    source = roster.assignments
    if first is None or when < first:
        source = roster.carry_in + roster.assignments
    for a in source:
        if a.shift_start <= when < a.shift_end:
            on.setdefault(a.position, []).append(a.person_id)
    order = roster.rules.position_order
    return {pos: tuple(on[pos]) for pos in sorted(on, key=order)}
