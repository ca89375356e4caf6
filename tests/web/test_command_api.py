"""Commander decisions (issue 15): start at a level with its basis, override with a reason,
termination refused while the data say the plume is still a danger, accepted with an override and
logged; after termination the checklist is read-only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2026, 7, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SPILL = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
         "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00",
         "title": "吉林市硝基苯泄漏(测试)"}


@pytest.fixture
def commander(app, client_as):
    app.config["FIXED_NOW"] = NOW
    return client_as("commander", username="zhihui")


@pytest.fixture
def officer(app, client_as):
    return client_as("duty_officer", username="zhiban")


@pytest.fixture
def spill(commander):
    resp = commander.post("/api/incidents", json=SPILL)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def url(spill):
    return f"/api/incidents/{spill['id']}/decisions"


def test_a_duty_officer_may_not_start_the_response(officer, spill):
    resp = officer.post(url(spill), json={"kind": "start", "level": 1, "basis": "研判"})
    assert resp.status_code == 403
    assert officer.get(url(spill)).get_json()["decisions"] == []


def test_the_commander_starts_at_the_computed_level_with_a_basis(commander, spill):
    tier = spill["response"]["tier"]["level"]
    missing = commander.post(url(spill), json={"kind": "start", "level": tier})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["problems"][0]["field"] == "basis"
    ok = commander.post(url(spill), json={"kind": "start", "level": tier,
                                          "basis": "松原市取水口预测超标"})
    assert ok.status_code == 201 and ok.get_json()["status"] == "responding"
    log = commander.get(url(spill)).get_json()
    assert log["response_level"] == tier and log["status"] == "responding"
    assert log["decisions"][0]["actor"] == "zhihui" and log["decisions"][0]["basis"]
    timeline = commander.get(f"/api/incidents/{spill['id']}").get_json()["timeline"]
    assert any(e["kind"] == "status_responding" and e["actor"] == "zhihui" for e in timeline)


def test_a_level_other_than_the_computed_tier_needs_a_reason(commander, spill):
    refused = commander.post(url(spill), json={"kind": "start", "level": 3, "basis": "x"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["problems"][0]["field"] == "override_reason"
    ok = commander.post(url(spill), json={"kind": "start", "level": 3, "basis": "x",
                                          "override_reason": "上游已截断,实测远低于预测"})
    assert ok.status_code == 201
    d = commander.get(url(spill)).get_json()["decisions"][0]
    assert d["level"] == 3 and d["computed_tier"] == 1 and d["override_reason"]
    changed = commander.post(url(spill), json={"kind": "change_level", "level": 1,
                                               "basis": "复核"})
    assert changed.status_code == 201
    assert commander.get(url(spill)).get_json()["response_level"] == 1


def test_terminating_with_the_plume_above_the_limit_is_refused_naming_the_conditions(
        commander, spill):
    commander.post(url(spill), json={"kind": "start", "level": 1, "basis": "研判"})
    intake = next(d for d in spill["response"]["downstream"] if d["kind"] == "intake")
    obs = commander.post(f"/api/incidents/{spill['id']}/observations",
                         json={"site_id": intake["id"], "observed_at": "2026-07-23T09:55+08:00",
                               "concentration_mg_l": 1.05})  # 62 × the 0.017 mg/L limit
    assert obs.status_code == 201
    refused = commander.post(url(spill), json={"kind": "terminate"})
    assert refused.status_code == 422
    err = refused.get_json()["error"]
    unmet = {c["id"] for c in err["unmet"]}
    assert {"below_limit", "plume_passed"} <= unmet
    assert "限值" in err["message_zh"] and "limit" in err["message_en"]
    assert commander.get(f"/api/incidents/{spill['id']}").get_json()["status"] == "responding"

    ok = commander.post(url(spill), json={"kind": "terminate",
                                          "override_reason": "演示:省政府决定终止"})
    assert ok.status_code == 201 and ok.get_json()["status"] == "terminated"
    d = commander.get(url(spill)).get_json()["decisions"][-1]
    assert d["kind"] == "terminate" and d["override_reason"]
    assert {u["id"] for u in d["unmet"]} == unmet  # logged with what was not met

    # afterwards: the checklist is read-only, everything stays readable
    item = spill["response"]["checklist"][0]
    late = commander.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                           json={"status": "done", "version": item["version"]})
    assert late.status_code == 422 and late.get_json()["error"]["message_en"]
    assert commander.get(f"/api/incidents/{spill['id']}/response").status_code == 200
    again = commander.post(url(spill), json={"kind": "terminate", "override_reason": "x"})
    assert again.status_code == 422
