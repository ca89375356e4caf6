"""The field-level diff between plan versions (预案版本比对) and the one-document check."""

from __future__ import annotations

import copy

import pytest
import yaml

from plans import PLANS_DIR
from plans.diff import diff_documents, distance_m
from plans.loader import check_document, load_plans


@pytest.fixture(scope="module")
def yinma():
    return yaml.safe_load((PLANS_DIR / "yinma-he.yaml").read_text("utf-8"))


def test_the_same_document_has_no_changes_even_with_numbers_written_differently(yinma):
    other = copy.deepcopy(yinma)
    other["facilities"][0]["storage_m3"] = float(other["facilities"][0]["storage_m3"])
    other["receptors"][0]["lon"] += 1e-7  # ~1 cm: a rounding, not a move
    assert diff_documents(yinma, other) == []


def test_a_moved_site_is_reported_with_its_distance_in_metres(yinma):
    other = copy.deepcopy(yinma)
    other["receptors"][2]["lat"] += 0.001  # 0.001° of latitude ≈ 111 m
    (change,) = diff_documents(yinma, other)
    assert change.op == "moved" and change.key == "intake-1"
    assert change.distance_m == pytest.approx(111.2, abs=0.5)
    assert "移动 111 m" in change.message_zh and "moved by 111 m" in change.message_en


def test_sites_added_removed_and_attributes_old_to_new(yinma):
    other = copy.deepcopy(yinma)
    removed = other["monitoring"].pop(0)
    added = dict(other["facilities"][0], id="intercept-9", name_zh="新闸(示例)")
    other["facilities"].append(added)
    other["facilities"][1]["techniques"] = ["闸坝调控"]
    ops = {(c.section, c.op, c.key, c.field) for c in diff_documents(yinma, other)}
    assert ("monitoring", "removed", removed["id"], None) in ops
    assert ("facilities", "added", "intercept-9", None) in ops
    assert ("facilities", "changed", "intercept-2", "techniques") in ops
    assert len(ops) == 3


def test_response_card_measures_added_removed_and_changed(yinma):
    other = copy.deepcopy(yinma)
    card = other["response_cards"]["petroleum"]
    gone = card.pop(1)
    card.append({"text_zh": "新增措施", "responsible_zh": "县政府", "group": "应急监测"})
    card[0]["deadline_h"] = 2
    changes = diff_documents(yinma, other)
    ops = {(c.op, c.field) for c in changes}
    assert ("added", "text_zh") in ops and ("removed", "text_zh") in ops
    assert ("changed", "deadline_h") in ops
    assert any(gone["text_zh"] in c.message_zh for c in changes if c.op == "removed")


def test_haversine_distance_of_one_degree_of_latitude():
    assert distance_m(125.0, 43.0, 125.0, 44.0) == pytest.approx(111_195, rel=1e-3)


def test_one_document_is_checked_with_the_file_rules_against_the_other_plans(network, yinma):
    others = load_plans(network)
    plan, problems = check_document(network, yinma, "yinma-he", others=others)
    assert problems == [] and plan is not None and len(plan.sites) == len(
        others.plans["yinma-he"].sites)
    bad = copy.deepcopy(yinma)
    bad["upstream"] = ["no-such-plan"]
    bad["receptors"][0]["lon"] += 0.2
    _plan, problems = check_document(network, bad, "yinma-he", others=others)
    assert {p.path for p in problems} == {"upstream[0]", "receptors[0]"}
    _plan, problems = check_document(network, yinma, "dier-songhua-jiang", others=others)
    assert any(p.path == "id" for p in problems)
