"""What a risk-source submission changes in the key-river plans (一河一策): warnings. Pure.

A key river's plan lists the risk sources whose water reaches that river first
(:mod:`emergency.river_risks`). A refresh that adds a source, removes one or moves its river
entry onto another river therefore changes what a plan lists; the steward is told before
applying, one warning per source (they do not block the apply: the plan follows the inventory).
"""

from __future__ import annotations

from collections.abc import Iterator

from emergency.inventory.problems import RowProblem
from emergency.inventory.records import RiskSourceRecord
from emergency.refresh.diff import Diff, record_label
from emergency.river_risks import PlanFinder

NAME_HEADING = "名称"
PLAN_CODES = frozenset({"plan_source_added", "plan_source_removed", "plan_source_moved"})


def _plan(finder: PlanFinder, rec: object) -> tuple[str, str] | None:
    """(plan id, river name) of the plan the source belongs to, or None."""
    if not isinstance(rec, RiskSourceRecord):
        return None
    found = finder.first(rec.entry_seg_id)
    return (found[0].id, found[0].river_name_zh) if found is not None else None


def plan_problems(d: Diff, finder: PlanFinder) -> list[RowProblem]:
    """One warning per added, removed or moved risk source of a key-river plan."""
    if d.kind != "risk_sources":
        return []
    return list(_problems(d, finder))


def _problems(d: Diff, finder: PlanFinder) -> Iterator[RowProblem]:
    for rec in d.added:
        plan = _plan(finder, rec)
        if plan is not None:
            yield RowProblem(None, NAME_HEADING, "plan_source_added",
                             f"新增风险源{record_label(rec)}将列入「{plan[1]}」一河一策预案",
                             f"the new risk source {record_label(rec)} joins the plan of "
                             f"{plan[1]}", rec.name)
    for rec in d.removed:
        plan = _plan(finder, rec)
        if plan is not None:
            yield RowProblem(None, NAME_HEADING, "plan_source_removed",
                             f"删除的风险源{record_label(rec)}将从「{plan[1]}」一河一策预案中移除",
                             f"the removed risk source {record_label(rec)} leaves the plan of "
                             f"{plan[1]}", rec.name)
    for change in d.changed:
        old, new = _plan(finder, change.old), _plan(finder, change.new)
        if old == new:
            continue
        before = f"「{old[1]}」" if old else "(不在任何重点河流预案)"
        after = f"「{new[1]}」" if new else "(不在任何重点河流预案)"
        yield RowProblem(None, NAME_HEADING, "plan_source_moved",
                         f"风险源{record_label(change.new)}的入河点改变:所属一河一策预案由{before}"
                         f"改为{after},请核实",
                         f"the river entry of {record_label(change.new)} moved: its plan changes "
                         f"from {old[1] if old else 'none'} to {new[1] if new else 'none'}; "
                         "please check", change.new.name)
