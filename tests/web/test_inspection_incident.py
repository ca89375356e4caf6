"""An incident at (or upstream of) a risk source shows its open hazards until they are closed."""

from __future__ import annotations

import pytest

from emergency.store.inventory_models import RiskSource
from tests.inspection_world import make_world, submit


@pytest.fixture
def world(loaded, make_user, login):
    return make_world(loaded, make_user, login)


def report_at(world, source_id: int) -> dict:
    resp = world["admin"].post("/api/incidents", json={
        "risk_source_id": source_id, "substance": "硝基苯", "mass_kg": 5000,
        "occurred_at": "2026-06-10T09:00+08:00", "discovered_at": "2026-06-10T09:20+08:00",
        "title": "风险源泄漏(测试)"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_the_response_package_names_the_open_major_hazard_until_it_is_closed(world):
    hazards = submit(world, world.task()).get_json()["hazards"]
    incident = report_at(world, world.source_id)
    block = incident["response"]["open_hazards"]
    assert block[0]["relation"] == "at" and block[0]["major"]
    assert block[0]["text_zh"].startswith("该风险源存在未销号重大隐患:应急预案")
    assert {h["grade"] for h in block[0]["hazards"]} == {"major", "minor"}
    page = world["viewer"].get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "该风险源存在未销号重大隐患" in page
    for h in hazards:  # rectified by the steward, verified by an inspector
        r = world["steward"].post(f"/api/hazards/{h['id']}/rectify",
                                  json={"version": h["version"], "note": "已整改"}).get_json()
        assert world["insp2"].post(f"/api/hazards/{h['id']}/verify",
                                   json={"version": r["version"]}).status_code == 200
    again = world["viewer"].get(f"/api/incidents/{incident['id']}/response").get_json()
    assert again["open_hazards"] == []
    page = world["viewer"].get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "未销号重大隐患" not in page


def test_an_incident_whose_water_passes_the_source_names_it_with_its_distance(world):
    submit(world, world.task())
    with world.db.session() as s:
        source = s.get(RiskSource, world.source_id)
        entry = (source.entry_lon, source.entry_lat, source.entry_seg_id)
    # a spill at the source's river entry, reported as a point (not as the risk source)
    resp = world["admin"].post("/api/incidents", json={
        "lon": entry[0], "lat": entry[1], "segment_id": entry[2], "substance": "苯",
        "mass_kg": 100, "occurred_at": "2026-06-10T09:00+08:00",
        "discovered_at": "2026-06-10T09:20+08:00", "title": "河道泄漏(测试)"})
    block = resp.get_json()["response"]["open_hazards"]
    assert [b["risk_source_id"] for b in block] == [world.source_id]
    assert block[0]["relation"] == "downstream" and block[0]["km"] < 1
    assert world.source_name in block[0]["text_zh"] and "重大隐患" in block[0]["text_zh"]
    world.app.config["INSPECTION_INCIDENT_REACH_KM"] = -1  # out of reach: not listed
    again = world["viewer"].get(f"/api/incidents/{resp.get_json()['id']}/response").get_json()
    assert again["open_hazards"] == []


def test_the_river_plan_lists_the_source_with_its_open_major_hazard_until_closed(world):
    """隐患排查 → 一河一策: the plan's risk-source list (page and API) marks the source."""
    hazards = submit(world, world.task()).get_json()["hazards"]
    plans = world["viewer"].get("/api/plans").get_json()["plans"]
    plan_id, listed = next(
        (p["id"], r) for p in plans
        for r in world["viewer"].get(f"/api/plans/{p['id']}").get_json()["risk_sources"]
        if r["id"] == world.source_id)
    assert listed["open_major_hazards"] == 1
    page = world["viewer"].get(f"/rivers/{plan_id}").get_data(as_text=True)
    assert "未销号重大隐患 1 项" in page
    assert f"/hazards?risk_source={world.source_id}" in page
    for h in hazards:
        r = world["steward"].post(f"/api/hazards/{h['id']}/rectify",
                                  json={"version": h["version"], "note": "已整改"}).get_json()
        world["insp2"].post(f"/api/hazards/{h['id']}/verify", json={"version": r["version"]})
    again = world["viewer"].get(f"/api/plans/{plan_id}").get_json()["risk_sources"]
    assert next(r for r in again if r["id"] == world.source_id)["open_major_hazards"] == 0
    assert "未销号重大隐患" not in world["viewer"].get(f"/rivers/{plan_id}").get_data(as_text=True)
