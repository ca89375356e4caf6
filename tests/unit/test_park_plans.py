"""Chemical-park plan files (一园一策一图): the sample set loads; bad files list every problem."""

from __future__ import annotations

import copy

import pytest
import yaml

from plans.parks import PARKS_DIR, load_park_plans, parse_park_document, validate_park_plan


@pytest.fixture(scope="module")
def parks(network, plan_set):
    return load_park_plans(network, plan_set)


@pytest.fixture(scope="module")
def raw_park():
    return yaml.safe_load((PARKS_DIR / "park-01.yaml").read_text("utf-8"))


def test_the_22_sample_parks_load_with_their_three_levels(parks, plan_set):
    assert len(parks) == 22
    for park in parks:
        assert park.doc.sample
        assert len(park.doc.enterprises) >= 2
        assert park.outfalls and all(o.distance_m <= 3000 for o in park.outfalls)
        for pid in park.doc.river.plans:
            assert pid in plan_set.plans
        for contact in park.doc.contacts:
            assert "示例" in contact.unit_zh + contact.role_zh


def test_the_real_park_links_inventory_enterprises_and_its_river(parks):
    found = parks.for_risk_source("吉林化学工业循环经济示范园区")
    assert found is not None
    park, enterprise = found
    assert enterprise is None
    assert park.doc.river.plans == ["dier-songhua-jiang"]
    linked = [e for e in park.doc.enterprises if e.risk_source_zh]
    assert linked
    again = parks.for_risk_source(linked[0].risk_source_zh)
    assert again == (park, linked[0])


def test_negative_volumes_and_unknown_keys_are_all_reported(raw_park):
    raw = copy.deepcopy(raw_park)
    raw["enterprises"][0]["accident_pool"]["volume_m3"] = -5
    raw["park"]["pools"][0]["in_use_m3"] = raw["park"]["pools"][0]["volume_m3"] + 1
    raw["enterprises"][1]["colour"] = "red"
    doc, problems = parse_park_document(raw, "x.yaml")
    assert doc is None
    paths = {p.path for p in problems}
    assert "enterprises[0].accident_pool.volume_m3" in paths
    assert "enterprises[1].colour" in paths
    assert "park.pools[0]" in paths
    by_path = {p.path: p for p in problems}
    assert by_path["enterprises[0].accident_pool.volume_m3"].message_zh == "不能小于 0"
    assert by_path["park.pools[0]"].message_zh == "已占用容积不能大于总容积"


def test_a_valve_outside_its_park_and_an_outfall_far_from_rivers_are_refused(
        raw_park, network, plan_set):
    raw = copy.deepcopy(raw_park)
    raw["enterprises"][0]["outfalls"][0]["lon"] += 0.2          # ~16 km east
    raw["park"]["outfalls"][0]["lon"] = 125.2                  # open country, far from rivers
    raw["park"]["outfalls"][0]["lat"] = 44.9
    raw["river"]["plans"] = ["no-such-river"]
    park, problems = validate_park_plan(raw, "x.yaml", network, plan_set)
    assert park is None
    paths = {p.path for p in problems}
    assert "enterprises[0].outfalls[0]" in paths
    assert "river.plans[0]" in paths
    messages = " ".join(p.message_zh for p in problems)
    assert "超出园区范围" in messages


def test_a_gate_reference_must_exist_and_ids_are_unique(raw_park):
    raw = copy.deepcopy(raw_park)
    raw["park"]["outfalls"][0]["gate"] = "gate-9"
    raw["enterprises"][1]["id"] = raw["enterprises"][0]["id"]
    _, problems = parse_park_document(raw, "x.yaml")
    paths = {p.path for p in problems}
    assert "park.outfalls[0].gate" in paths
    assert "enterprises[1]" in paths
