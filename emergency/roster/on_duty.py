"""Who is on duty at a given moment (当前值班): from a domain ``Roster``, and the shape the
services answer with (``OnDuty``) plus the header line made from it (``HeaderOnDuty``).

Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from emergency.roster.model import Roster

__all__ = ["HeaderOnDuty", "HeaderPerson", "OnDuty", "OnDutyPerson", "header_on_duty",
           "on_duty_at"]


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


@dataclass(frozen=True)
class OnDutyPerson:
    staff_id: int
    name: str
    phone: str
    unit: str
    position: str
    shift_start: datetime
    shift_end: datetime


@dataclass(frozen=True)
class OnDuty:
    """Who is on duty at ``at``: people per position, from the published roster covering it.

    ``roster_id`` None means no published roster covers the moment; ``message_zh/en`` then say
    so (never an empty answer that looks like "nobody needed").
    """

    at: datetime
    positions: Mapping[str, tuple[OnDutyPerson, ...]] = field(default_factory=dict)
    roster_id: int | None = None
    roster_version: int | None = None
    roster_label: str | None = None
    message_zh: str | None = None
    message_en: str | None = None

    def of(self, position: str) -> tuple[OnDutyPerson, ...]:
        return self.positions.get(position, ())

    @property
    def leader(self) -> tuple[OnDutyPerson, ...]:
        return self.of("leader")

    @property
    def duty_officers(self) -> tuple[OnDutyPerson, ...]:
        return self.of("duty_officer")

    @property
    def liaisons(self) -> tuple[OnDutyPerson, ...]:
        return self.of("liaison")


@dataclass(frozen=True)
class HeaderPerson:
    """One person in the header line: the position (role), the name, the phone, the unit."""

    position: str
    name: str
    phone: str
    unit: str


@dataclass(frozen=True)
class HeaderOnDuty:
    """The header's "on duty now" (今日值班): the leader and the duty officers (role, name,
    phone; the unit is what gives way on a narrow screen), the liaisons for the tooltip, or
    ``none`` with the message when no published roster covers the moment."""

    none: bool
    leader: tuple[HeaderPerson, ...] = ()
    officers: tuple[HeaderPerson, ...] = ()
    liaisons: tuple[HeaderPerson, ...] = ()
    roster_id: int | None = None
    message_zh: str | None = None
    message_en: str | None = None

    @property
    def people(self) -> tuple[HeaderPerson, ...]:
        return self.leader + self.officers + self.liaisons


def _header_people(people: tuple[OnDutyPerson, ...]) -> tuple[HeaderPerson, ...]:
    return tuple(HeaderPerson(p.position, p.name, p.phone, p.unit) for p in people)


def header_on_duty(found: OnDuty) -> HeaderOnDuty:
    """The header line made from an ``OnDuty`` answer."""
    if found.roster_id is None:
        return HeaderOnDuty(True, message_zh=found.message_zh, message_en=found.message_en)
    return HeaderOnDuty(False, _header_people(found.leader), _header_people(found.duty_officers),
                        _header_people(found.liaisons), found.roster_id)
