"""Which key-river plans (一河一策) a risk-source refresh changes: one warning per source."""

from __future__ import annotations

import dataclasses

import pytest

from emergency.inventory.sample import generate_sample
from emergency.refresh.diff import diff_records
from emergency.refresh.plan_links import plan_problems
from emergency.river_risks import PlanFinder
from emergency.substances import load_catalogue

PARK = "吉林化学工业循环经济示范园区"


@pytest.fixture(scope="module")
def sources(network):
    return generate_sample(network, load_catalogue()).risk_sources


@pytest.fixture(scope="module")
def finder(network, plan_set):
    return PlanFinder(network, plan_set)


def plan_name(finder, rec) -> str | None:  # noqa: ANN001
    found = finder.first(rec.entry_seg_id)
    return found[0].river_name_zh if found else None


def test_removing_adding_and_moving_sources_name_the_plans_they_change(sources, finder,
                                                                       plan_set):
    park = next(r for r in sources if r.name == PARK)
    assert plan_name(finder, park) == "第二松花江"
    others = [r for r in sources if r.name != PARK and plan_name(finder, r) is not None]
    kept, added = others[0], others[1]
    yitong = plan_set.plans["yitong-he"].segments[0]
    moved = dataclasses.replace(kept, entry_seg_id=int(finder.network.data.seg_id[yitong]))
    live = [park, kept]
    submitted = [moved, added]
    problems = plan_problems(diff_records("risk_sources", live, submitted), finder)
    by_code = {p.code: p for p in problems}
    assert set(by_code) == {"plan_source_removed", "plan_source_added", "plan_source_moved"}
    assert "第二松花江" in by_code["plan_source_removed"].message_zh
    assert by_code["plan_source_removed"].value == PARK
    assert plan_name(finder, added) in by_code["plan_source_added"].message_zh
    move = by_code["plan_source_moved"]
    assert f"由「{plan_name(finder, kept)}」改为「伊通河」" in move.message_zh
    assert "to 伊通河" in move.message_en and move.column == "名称"


def test_changes_that_keep_every_source_on_its_plan_say_nothing(sources, finder):
    park = next(r for r in sources if r.name == PARK)
    phone = dataclasses.replace(park, phone="0432-63000000")
    assert plan_problems(diff_records("risk_sources", [park], [phone]), finder) == []


def test_other_inventories_are_not_looked_at(network, finder):
    depots = generate_sample(network, load_catalogue()).depots[:2]
    assert plan_problems(diff_records("materials", depots, depots[:1]), finder) == []
