"""一园一策一图 in the plan store: the 22 park files seeded as version 1 (kind ``park``); the
engine, ``/api/parks`` and the park pages read the published versions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.plan_world import publish_park, seed_parks

PARK = "park-01"  # 吉林化学工业循环经济示范园区, 吉林市
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 23, 12, 0, tzinfo=SHANGHAI)
ENTERPRISE = "示例石化企业01(吉林市)"  # e2 in park-01


def pool_1(doc: dict) -> dict:
    return next(p for p in doc["park"]["pools"] if p["id"] == "pool-1")


def test_plans_seed_stores_the_22_park_files_as_version_one_once(app, runner):
    from emergency.plan_management import service

    first = runner.invoke(args=["plans", "seed"])
    assert first.exit_code == 0, first.output
    assert "park plans: imported 22 plan files as version 1; 22 plans in the database" \
        in first.output
    again = runner.invoke(args=["plans", "seed"])
    assert "park plans: kept (already stored); 22 plans in the database" in again.output
    with app.extensions["database"].session() as s:
        rows = service.published(s, "park")
        record = service.record(s, "park", PARK)
        assert record.prefectures == ["吉林市"] and record.name_zh == "吉林化学工业循环经济示范园区"
    assert len(rows) == 22 and {v for _pid, v, _doc in rows} == {1}
    # the river plans are a different kind: park-01 is not among them
    with app.extensions["database"].session() as s:
        assert PARK not in {pid for pid, _v, _d in service.published(s, "river")}


def test_without_stored_parks_the_files_are_in_force(app, client):
    body = client.get(f"/api/parks/{PARK}").get_json()
    assert body["version"] is None and body["published_by"] is None
    assert app.extensions["parks"].get().get(PARK).version is None
    assert len(client.get("/api/parks").get_json()["parks"]) == 22


def test_a_published_version_is_what_the_api_the_pages_and_the_engine_read(app, client):
    assert seed_parks(app) == 22 and seed_parks(app) == 0
    body = client.get(f"/api/parks/{PARK}").get_json()
    assert body["version"] == 1 and body["published_by"] == "system"
    before = body["levels"]["park"]["pool_volume_m3"]

    def bigger_pool(doc: dict) -> None:
        pool_1(doc)["volume_m3"] = 9000.0
        pool_1(doc)["name_zh"] = "园区公共应急池1(示例,扩建)"

    assert publish_park(app, PARK, bigger_pool) == 2
    body = client.get(f"/api/parks/{PARK}").get_json()
    assert body["version"] == 2 and body["published_by"] == "park-reviewer"
    assert body["levels"]["park"]["pool_volume_m3"] == pytest.approx(before + 1000)
    assert pool_1(body["plan"])["volume_m3"] == 9000
    listed = {p["id"]: p for p in client.get("/api/parks").get_json()["parks"]}
    assert listed[PARK]["version"] == 2 and listed["park-02"]["version"] == 1
    assert "园区公共应急池1(示例,扩建)" in client.get(f"/parks/{PARK}").get_data(as_text=True)
    engine = app.extensions["engine"].get()
    assert engine.parks().get(PARK).version == 2
    assert pool_1(engine.parks().get(PARK).doc.model_dump())["volume_m3"] == 9000


def test_incidents_record_the_park_plan_version_and_hear_of_a_new_one(loaded, client):
    from emergency.store.incident_models import Incident
    from emergency.store.inventory_models import RiskSource

    seed_parks(loaded)
    loaded.config["FIXED_NOW"] = NOW
    with loaded.extensions["database"].session() as s:
        source = s.scalar(select(RiskSource.id).where(RiskSource.name == ENTERPRISE))
    resp = client.post("/api/incidents", json={
        "substance": "苯", "mass_kg": 1000, "released_volume_m3": 10,
        "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:00+08:00",
        "title": "园区企业小量泄漏(测试)", "risk_source_id": source})
    assert resp.status_code == 201, resp.get_json()
    incident = resp.get_json()
    assert incident["response"]["plans_used"][0] == {"id": PARK, "version": 1, "kind": "park"}
    assert {"id": PARK, "version": 1, "kind": "park"} in incident["plans_used"]

    publish_park(loaded, PARK, lambda doc: pool_1(doc).update(in_use_m3=600.0))
    with loaded.extensions["database"].session() as s:
        row = s.get(Incident, incident["id"])
        notices = [e for e in row.events if e.kind == "plan_updated"]
        assert [e.data for e in notices] == [{"plan": PARK, "version": 2, "was": 1}]
        assert "预案已更新至 v2" in notices[0].summary_zh
    page = client.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert f'href="/parks/{PARK}"' in page


def test_a_drill_keeps_the_park_plan_version_in_force_at_its_start(loaded, client):
    from emergency.incidents import service as incidents

    seed_parks(loaded)
    loaded.config["FIXED_NOW"] = NOW
    leak = {"park_id": PARK, "park_enterprise_id": "e2", "substance": "苯", "mass_kg": 1000,
            "released_volume_m3": 10, "occurred_at": "2026-07-23T09:00+08:00",
            "discovered_at": "2026-07-23T09:00+08:00", "title": "园区企业小量泄漏(演练)"}
    ctx = loaded.extensions["engine"].get()
    with loaded.extensions["database"].session() as s:
        drill, _ = incidents.report_incident(s, ctx, leak, actor="organiser", now=NOW,
                                             is_drill=True)
        drill_id = drill.id
    real = client.post("/api/incidents", json=leak).get_json()

    def smaller_pool(doc: dict) -> None:
        doc["enterprises"][1]["accident_pool"]["volume_m3"] = 500.0

    assert publish_park(loaded, PARK, smaller_pool) == 2

    def pool(pkg) -> float:  # noqa: ANN001 - the enterprise level's free volume
        return pkg.containment.result.levels[0].free_m3

    with loaded.extensions["database"].session() as s:
        drill_pkg = incidents.package_now(s, ctx, incidents.get_incident(s, drill_id), NOW)
        real_pkg = incidents.package_now(s, ctx, incidents.get_incident(s, real["id"]), NOW)
        drill_events = [e.kind for e in incidents.get_incident(s, drill_id).events]
        real_events = [e.kind for e in incidents.get_incident(s, real["id"]).events]
    assert {u.id: u.version for u in drill_pkg.plans_used}[PARK] == 1
    assert {u.id: u.version for u in real_pkg.plans_used}[PARK] == 2
    assert pool(drill_pkg) - pool(real_pkg) == pytest.approx(1500)   # 2,000 → 500 m³
    assert "plan_updated" not in drill_events and "plan_updated" in real_events
