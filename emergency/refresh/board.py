"""The status board (进度看板): where each prefecture stands before the flood season. Pure.

Per prefecture and inventory the *stage* of this year's campaign is the furthest any of its
submissions got: ``applied`` (应用) > ``validated`` (校验通过, staged) > ``restored`` (applied,
then rolled back to data from before it: 已恢复旧数据) > ``submitted`` (报送但有错误, or replaced)
> ``missing`` (未报送). "Applied" means the live data *is* an applied submission of this campaign
(its version, or a restore of it): after a restore to older data the slice is ``restored``, not
applied. A prefecture's stage is the lowest over the inventories the campaign requires (risk
sources and materials by default); the summary counts prefectures by that same stage and slices
by theirs. One function, :func:`slice_state`, decides a slice's stage: the cell, the row and the
summary are all computed from it, so they cannot disagree. Beside it: the last confirmation date
(核实日期) of its risk sources and depots, and how many are stale (not confirmed this season).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from emergency.refresh.prefectures import Prefecture

STAGES = ("missing", "submitted", "restored", "validated", "applied")
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
    required: tuple[str, ...] = ()

    @property
    def required_applied(self) -> int:
        """How many of the required inventories are applied (shown beside the row's stage)."""
        return sum(1 for k in self.required if k in self.kinds
                   and self.kinds[k].stage == "applied")


def stage_of(statuses: Iterable[str]) -> str:
    best = 0
    for status in statuses:
        best = max(best, STAGES.index(_STAGE_OF_STATUS.get(status, "submitted")))
    return STAGES[best]


_UNKNOWN = object()


def slice_state(kind: str, submissions: Sequence[SubmissionInfo],
                live_submission: int | None | object = _UNKNOWN) -> SliceState:
    """The stage of one prefecture's inventory (the board's cell). ``live_submission``: the id
    of the submission whose data the slice holds now (its version is the head, or the head
    restores its version); None when the live data is none of them (baseline, or restored to
    older data). Not given: every applied submission counts as live."""
    if not submissions:
        return SliceState(kind)
    latest = max(submissions, key=lambda s: (s.created_at, s.id))
    applied = [s.applied_at for s in submissions if s.applied_at is not None]
    stage = stage_of(s.status for s in submissions)
    if stage == "applied" and live_submission is not _UNKNOWN and \
            not any(s.id == live_submission for s in submissions if s.status == "applied"):
        stage = stage_of(s.status for s in submissions if s.status != "applied")
        stage = max(stage, "restored", key=STAGES.index)
    return SliceState(kind, stage, latest.id, latest.status, latest.created_at,
                      max(applied) if applied else None)


def build_board(prefectures: Sequence[Prefecture], kinds: Sequence[str],
                required: Sequence[str], submissions: Iterable[SubmissionInfo],
                confirmations: Mapping[str, Confirmation] | None = None,
                reminders: Mapping[str, int] | None = None,
                live: Mapping[tuple[str, str], int | None] | None = None) -> list[BoardRow]:
    """One row per prefecture, in the order given. ``live``: (prefecture, kind) → the id of
    the submission whose data is live (see :func:`slice_state`); a slice never changed is not
    in it (nothing applied there either)."""
    grouped: dict[tuple[str, str], list[SubmissionInfo]] = {}
    for s in submissions:
        grouped.setdefault((s.prefecture_zh, s.kind), []).append(s)
    rows = []
    for p in prefectures:
        states = {}
        for k in kinds:
            found = grouped.get((p.name_zh, k), [])
            states[k] = (slice_state(k, found) if live is None
                         else slice_state(k, found, live.get((p.name_zh, k))))
        needed = [states[k].stage for k in required if k in states] or ["missing"]
        stage = min(needed, key=STAGES.index)
        rows.append(BoardRow(p, stage, states, (confirmations or {}).get(p.name_zh,
                                                                        Confirmation()),
                             (reminders or {}).get(p.name_zh, 0), tuple(required)))
    return rows


def totals(rows: Sequence[BoardRow]) -> dict[str, int]:
    """Prefectures per stage (the rows' own stage), and required slices applied of all."""
    out = {stage: 0 for stage in STAGES}
    for r in rows:
        out[r.stage] += 1
    out["slices_applied"] = sum(r.required_applied for r in rows)
    out["slices_required"] = sum(len(r.required) for r in rows)
    out["stale"] = sum(r.confirmation.stale for r in rows)
    out["expired_items"] = sum(r.confirmation.expired_items for r in rows)
    return out
