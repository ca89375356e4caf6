"""The plans API: the key-river plans, filterable, each with its sites' km marks."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from emergency.store.inventory_models import RiskSource


def test_plans_are_listed_and_filtered(client):
    body = client.get("/api/plans").get_json()
    assert body["count"] == 49 and all(p["sample"] for p in body["plans"])
    jilin = client.get("/api/plans?prefecture=吉林市").get_json()["plans"]
    assert "dier-songhua-jiang" in {p["id"] for p in jilin}
    assert len(jilin) < body["count"]


def test_a_plan_has_its_sites_snapped_with_km_marks(client):
    plan = client.get("/api/plans/dier-songhua-jiang").get_json()
    assert plan["river_name_zh"] == "第二松花江"
    kms = [s["km"] for s in plan["sites"]]
    assert kms == sorted(kms) and all(s["snap_distance_m"] <= 3000 for s in plan["sites"])
    assert all("示例" in s["name_zh"] for s in plan["sites"] if s["kind"] == "intake")
    assert plan["response_cards"]["toxic_organic"][0]["text_zh"]
    intakes = client.get("/api/plans/dier-songhua-jiang?kind=intake").get_json()["sites"]
    assert intakes and {s["kind"] for s in intakes} == {"intake"}


def test_an_unknown_plan_is_404_in_both_languages(client):
    resp = client.get("/api/plans/no-such-river")
    assert resp.status_code == 404 and resp.get_json()["error"]["message_zh"]


# ----------------------------------------------------------------------------- risk sources
REAL_PARK = "吉林化学工业循环经济示范园区"


def test_a_plan_lists_the_risk_sources_whose_water_reaches_it_first(loaded, client, network):
    plan = client.get("/api/plans/dier-songhua-jiang").get_json()
    sources = {r["name_zh"]: r for r in plan["risk_sources"]}
    park = sources[REAL_PARK]  # on the north bank at 吉林市: enters the river directly
    assert park["kind"] == "chemical_park" and park["kind_zh"] == "化工园区"
    assert park["via_km"] == 0 and park["via_river_zh"] is None
    assert park["risk_level"] == "重大" and park["county_zh"] == "龙潭区"
    assert park["substances"] and all(s["name_zh"] and s["max_t"] > 0 for s in park["substances"])
    entry = network.snap(park["entry_lon"], park["entry_lat"], segment_id=None)
    assert entry.river_name_zh == "第二松花江"
    assert park["km"] == pytest.approx(entry.river_km, abs=0.05)  # the river's own km mark
    kms = [r["km"] for r in plan["risk_sources"]]
    assert kms == sorted(kms) and 0 < kms[0] and kms[-1] < 600
    tributary = [r for r in plan["risk_sources"] if r["via_river_zh"]]
    assert tributary and all(r["via_km"] > 0 for r in tributary)


def test_a_source_of_another_river_is_listed_on_that_river_only(loaded, client):
    dier = {r["id"] for r in client.get("/api/plans/dier-songhua-jiang").get_json()[
        "risk_sources"]}
    hun = client.get("/api/plans/hun-jiang").get_json()["risk_sources"]  # 鸭绿江 basin
    assert hun and not dier & {r["id"] for r in hun}
    huifa = client.get("/api/plans/huifa-he").get_json()["risk_sources"]  # a 第二松花江 tributary
    assert huifa and not dier & {r["id"] for r in huifa}


def test_the_risk_sources_follow_an_inventory_change(loaded, client):
    assert REAL_PARK in {r["name_zh"] for r in client.get(
        "/api/plans/dier-songhua-jiang").get_json()["risk_sources"]}
    with loaded.extensions["database"].session() as s:
        s.execute(delete(RiskSource).where(RiskSource.name == REAL_PARK))
    assert REAL_PARK not in {r["name_zh"] for r in client.get(
        "/api/plans/dier-songhua-jiang").get_json()["risk_sources"]}


def test_a_plan_without_an_inventory_has_no_risk_sources(client):
    assert client.get("/api/plans/dier-songhua-jiang").get_json()["risk_sources"] == []
