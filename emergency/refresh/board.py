"""The status board (进度看板): where each prefecture stands before the flood season. Pure.

Per prefecture and inventory the *stage* of this year's campaign is the furthest any of its
submissions got: ``applied`` (应用) > ``validated`` (校验通过, staged) > ``submitted``
(报送但有错误, or replaced) > ``missing`` (未报送). A prefecture's stage is the lowest over the
inventories the campaign requires (risk sources and materials by default). Beside it: the last
confirmation date (核实日期) of its risk sources and depots, and how many are stale (not confirmed
this season).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from emergency.refresh.prefectures import Prefecture

STAGES = ("missing", "submitted", "validated", "applied")
_STAGE_OF_STATUS = {"invalid": "submitted", "superseded": "submitted", "staged": "validated",
                    "applied": "applied"}


@dataclass(frozen=True, slots=True)
class SubmissionInfo:
    id: int
    kind: str
    prefecture_zh: str
    status: str
    created_at: datetime
    applied_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Risk sources and depots of one prefecture: how many, how many stale, last confirmed."""

    records: int = 0
    stale: int = 0
    last_confirmed: date | None = None
    expired_items: int = 0
    expiring_items: int = 0


@dataclass(frozen=True)
class SliceState:
    kind: str
    stage: str = "missing"
    latest_id: int | None = None          # the latest submission (to open it)
    latest_status: str | None = None
    submitted_at: datetime | None = None
    applied_at: datetime | None = None


@dataclass(frozen=True)
class BoardRow:
    prefecture: Prefecture
    stage: str
    kinds: dict[str, SliceState]
    confirmation: Confirmation = field(default_factory=Confirmation)
    reminders: int = 0


def stage_of(statuses: Iterable[str]) -> str:
    best = 0
    for status in statuses:
        best = max(best, STAGES.index(_STAGE_OF_STATUS.get(status, "submitted")))
    return STAGES[best]


def slice_state(kind: str, submissions: Sequence[SubmissionInfo]) -> SliceState:
    if not submissions:
        return SliceState(kind)
    latest = max(submissions, key=lambda s: (s.created_at, s.id))
    applied = [s.applied_at for s in submissions if s.applied_at is not None]
    return SliceState(kind, stage_of(s.status for s in submissions), latest.id, latest.status,
                      latest.created_at, max(applied) if applied else None)


def build_board(prefectures: Sequence[Prefecture], kinds: Sequence[str],
                required: Sequence[str], submissions: Iterable[SubmissionInfo],
                confirmations: Mapping[str, Confirmation] | None = None,
                reminders: Mapping[str, int] | None = None) -> list[BoardRow]:
    """One row per prefecture, in the order given."""
    grouped: dict[tuple[str, str], list[SubmissionInfo]] = {}
    for s in submissions:
        grouped.setdefault((s.prefecture_zh, s.kind), []).append(s)
    rows = []
    for p in prefectures:
        states = {k: slice_state(k, grouped.get((p.name_zh, k), [])) for k in kinds}
        needed = [states[k].stage for k in required if k in states] or ["missing"]
        stage = min(needed, key=STAGES.index)
        rows.append(BoardRow(p, stage, states, (confirmations or {}).get(p.name_zh,
                                                                        Confirmation()),
                             (reminders or {}).get(p.name_zh, 0)))
    return rows


def totals(rows: Sequence[BoardRow]) -> dict[str, int]:
    out = {stage: 0 for stage in STAGES}
    for r in rows:
        out[r.stage] += 1
    out["stale"] = sum(r.confirmation.stale for r in rows)
    out["expired_items"] = sum(r.confirmation.expired_items for r in rows)
    return out
