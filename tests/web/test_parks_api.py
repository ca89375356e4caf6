"""一园一策一图 in the engine: incidents at a park enterprise, hand-checked through three levels.

The enterprise is 示例石化企业01(吉林市) in park-01 (吉林化学工业循环经济示范园区, sample plan):
accident pool 2,000 m³ free, bund 800 m³, rain-outfall valve electric (closes 5 min after
discovery), 3 min runoff to it; the park: gate closes 20 min after discovery, 40 min runoff,
public pools 12,500 m³ free, pumps 1,200 m³/h (20 m³/min); outfall-1 → 第二松花江.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 23, 12, 0, tzinfo=SHANGHAI)
ENTERPRISE = "示例石化企业01(吉林市)"
# 1,000 m³ of liquid carrying 100 t of benzene, spilled at 09:00 and discovered at once
LEAK = {"substance": "苯", "mass_kg": 100_000, "released_volume_m3": 1000,
        "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:00+08:00",
        "title": "园区企业储罐泄漏(测试)"}


@pytest.fixture
def at_enterprise(loaded):
    from emergency.store.inventory_models import RiskSource

    loaded.config["FIXED_NOW"] = NOW
    with loaded.extensions["database"].session() as s:
        return s.scalar(select(RiskSource.id).where(RiskSource.name == ENTERPRISE))


def local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%H:%M")


def test_a_leak_within_the_bund_and_pool_is_held_by_the_enterprise(client, at_enterprise):
    # the bund holds the first 800 m³ (spill over 10 min: 100 m³/min, minutes 0-7); 200 m³
    # pass it in minutes 8-9 and reach the valve at minutes 11-12, after it closed (09:05):
    # all 200 m³ go to the 2,000 m³ accident pool. Nothing reaches the river.
    resp = client.post("/api/incidents", json=LEAK | {"risk_source_id": at_enterprise})
    assert resp.status_code == 201, resp.get_json()
    pkg = resp.get_json()["response"]
    cont = pkg["containment"]
    assert cont["held_at"] == "enterprise"
    assert cont["park_id"] == "park-01" and cont["enterprise_name_zh"] == ENTERPRISE
    enterprise, park, river = cont["levels"]
    assert [enterprise["level"], park["level"], river["level"]] == ["enterprise", "park", "river"]
    assert enterprise["inflow_m3"] == pytest.approx(1000)      # 800 in the bund + 200 to pool
    assert enterprise["held_m3"] == pytest.approx(1000)
    assert enterprise["passed_m3"] == 0
    assert local(enterprise["first_arrival_at"]) == "09:11"
    assert local(enterprise["barrier_closed_at"]) == "09:05"
    assert enterprise["overflow_at"] is None
    assert park["inflow_m3"] == 0
    assert cont["river_release"] is None
    assert "企业级防控可将泄漏液体和消防废水全部截留在厂区内" in cont["reasons_zh"]
    assert pkg["downstream"] == []                             # no river plume
    # the first hour comes first: close the valve, open the pool, each by the water's arrival
    first = pkg["checklist"][:2]
    assert [i["key"] for i in first] == ["park:park-01:enterprise:e2:valve",
                                         "park:park-01:enterprise:e2:pool"]
    assert all(local(i["due_at"]) == "09:11" for i in first)
    assert "切断阀" in first[0]["text_zh"]
    assert enterprise["actions"][:2] == [i["key"] for i in first]


def test_a_large_fire_overflows_to_the_river_from_the_park_outfall(client, at_enterprise):
    # + fire-fighting water 2,400 m³/h (40 m³/min) for 5 h. Enterprise: 80 m³ of clean water
    # pass the valve before it closes (minutes 3-4); behind it the pool fills: 240 m³ (minutes
    # 5-10) + 280 m³ with the 200 m³ of spill (11-12) + 40/min → full at minute 49, overflowing
    # from 09:50 at the pool's mixed concentration: 20,000 kg × (1 − (2000/2040)^253) leave.
    # Park: water arrives from 09:43; the gate holds (09:20); pumps take 20 of 40 m³/min, the
    # rest bypasses at its own concentration: half the pollutant reaches the river, from 10:30
    # (minute 50 + 40) to 14:43.
    fire = LEAK | {"risk_source_id": at_enterprise, "firewater_m3_per_h": 2400,
                   "firewater_hours": 5}
    resp = client.post("/api/incidents", json=fire)
    assert resp.status_code == 201, resp.get_json()
    pkg = resp.get_json()["response"]
    cont = pkg["containment"]
    assert cont["held_at"] == "river"
    assert cont["firewater_m3"] == pytest.approx(12_000)
    enterprise, park, _ = cont["levels"]
    assert local(enterprise["overflow_at"]) == "09:50"
    assert enterprise["passed_m3"] == pytest.approx(10_200)
    left_enterprise = 20_000 * (1 - (2000 / 2040) ** 253)
    assert enterprise["passed_kg"] == pytest.approx(left_enterprise, rel=1e-6)
    assert local(park["first_arrival_at"]) == "09:43"
    assert park["overflow_at"] is None                     # the pools never fill
    release = cont["river_release"]
    assert release["outfall_id"] == "outfall-1"
    assert release["river_name_zh"] == "第二松花江"
    assert local(release["starts_at"]) == "10:30" and local(release["ends_at"]) == "14:43"
    assert release["mass_kg"] == pytest.approx(left_enterprise / 2, rel=1e-4)
    assert math.isclose(release["volume_m3"], 40 + 253 * 20, rel_tol=1e-6)
    assert any("自 10:30 起" in r for r in cont["reasons_zh"])  # local time in the reasons
    # the river plume starts at the outfall when the park overflows
    assert pkg["downstream"], "the overflow reaches the river"
    assert all(local(d["front_at_earliest"]) >= "10:30" or d["front_at_earliest"] > "2026-07-24"
               for d in pkg["downstream"])
    keys = [i["key"] for i in pkg["checklist"]]
    assert keys[:3] == ["park:park-01:enterprise:e2:valve", "park:park-01:enterprise:e2:pool",
                        "park:park-01:enterprise:e2:overflow"]
    due = {i["key"]: local(i["due_at"]) for i in pkg["checklist"] if i["due_at"]}
    assert due["park:park-01:enterprise:e2:valve"] == "09:03"
    assert due["park:park-01:enterprise:e2:overflow"] == "09:50"
    assert due["park:park-01:park:gate-1:close"] == "09:43"
    assert due["park:park-01:river:alert"] == "10:30"


def test_bad_containment_input_is_refused_and_nothing_is_stored(client, at_enterprise):
    before = client.get("/api/incidents").get_json()["incidents"]
    for bad in ({"released_volume_m3": -5}, {"firewater_m3_per_h": 1e9},
                {"firewater_hours": "long"}):
        resp = client.post("/api/incidents", json=LEAK | {"risk_source_id": at_enterprise} | bad)
        assert resp.status_code == 422, bad
        error = resp.get_json()["error"]
        assert error["message_zh"] and error["message_en"]
        assert next(iter(bad)) in error["message_en"]
    assert client.get("/api/incidents").get_json()["incidents"] == before


def test_the_parks_api_lists_the_22_parks_with_their_levels(client):
    parks = client.get("/api/parks").get_json()["parks"]
    assert len(parks) == 22
    first = next(p for p in parks if p["id"] == "park-01")
    assert first["levels"]["enterprise"]["pool_free_m3"] == pytest.approx(1900 + 2000 + 750)
    assert first["levels"]["park"]["pool_free_m3"] == pytest.approx(12_500)
    assert first["outfalls"][0]["river_name_zh"] == "第二松花江"
    assert first["outfalls"][0]["distance_m"] < 3000
    one = client.get("/api/parks/park-01").get_json()
    assert one["plan"]["enterprises"][1]["name_zh"] == ENTERPRISE
    assert client.get("/api/parks/nope").status_code == 404


def test_the_park_pages_show_the_three_levels_and_mark_sample_data(client):
    index = client.get("/parks")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "吉林化学工业循环经济示范园区" in html and "示例" in html
    page = client.get("/parks/park-01").get_data(as_text=True)
    for text in ("企业级", "园区级", ENTERPRISE, "园区雨水总排口闸门(示例)", "第二松花江",
                 'href="/rivers/dier-songhua-jiang">第二松花江</a>', "第二松花江 · ",
                 'id="park-data"', "park_map.js"):
        assert text in page
    assert client.get("/parks/nope").status_code == 404
