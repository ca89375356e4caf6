"""The incident API end to end: report, response package, edits, observations, conflicts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.incident_world import NOW, SPILL, report_spill


@pytest.fixture
def fixed_now(app):
    app.config["FIXED_NOW"] = NOW
    return NOW


@pytest.fixture
def spill(app, client, fixed_now):
    return report_spill(app, client, fixed_now)


def test_reporting_an_incident_returns_the_whole_package(spill):
    pkg = spill["response"]
    for key in ("snap", "tier", "warning", "report_deadlines", "downstream", "crossings",
                "intercept_options", "resources", "checklist", "notifications"):
        assert key in pkg
    # The plan's 松原市 intake (a prefecture city) is predicted interrupted: tier I.
    assert pkg["tier"]["level"] == 1 and pkg["warning"]["level"] == "red"
    assert pkg["plan_id"] == "dier-songhua-jiang"
    assert any(d["kind"] == "intake" and d["exceeds"] for d in pkg["downstream"])
    first = pkg["downstream"][0]
    assert set(first) >= {"kind", "id", "name_zh", "km", "front_at", "front_at_earliest",
                          "peak_at", "tail_at", "peak_mg_l", "limit_mg_l", "exceeds"}
    assert first["front_at"].endswith("+08:00")
    due = {d["id"]: d["due_at"] for d in pkg["report_deadlines"]}
    assert due["first_report"] == "2026-07-23T11:30+08:00"


def test_the_package_is_readable_again_and_lists_the_incident(client, spill):
    again = client.get(f"/api/incidents/{spill['id']}/response").get_json()
    assert again["tier"] == spill["response"]["tier"]
    listed = client.get("/api/incidents").get_json()["incidents"]
    assert [i["id"] for i in listed] == [spill["id"]]


def test_checking_off_an_item_persists_with_who_and_when(client, spill):
    item = spill["response"]["checklist"][0]
    url = f"/api/incidents/{spill['id']}/checklist/{item['id']}"
    done = client.patch(url, json={"status": "done", "note": "已电话报告",
                                   "version": item["version"]})
    assert done.status_code == 200
    stored = next(i for i in client.get(f"/api/incidents/{spill['id']}/response").get_json()
                  ["checklist"] if i["id"] == item["id"])
    assert stored["status"] == "done" and stored["note"] == "已电话报告"
    assert stored["done_at"] == "2026-07-23T10:00+08:00" and stored["done_by"]
    timeline = client.get(f"/api/incidents/{spill['id']}").get_json()["timeline"]
    assert any(e["kind"] == "checklist" for e in timeline)


def test_a_stale_save_is_refused_not_silently_overwritten(client, spill):
    item = spill["response"]["checklist"][0]
    url = f"/api/incidents/{spill['id']}/checklist/{item['id']}"
    assert client.patch(url, json={"status": "done", "version": item["version"]}).status_code == 200
    stale = client.patch(url, json={"status": "not_applicable", "version": item["version"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["message_zh"]
    stored = client.get(f"/api/incidents/{spill['id']}/response").get_json()["checklist"][0]
    assert stored["status"] == "done"


def test_checking_off_does_not_block_an_edit_of_the_incident(client, spill):
    item = spill["response"]["checklist"][0]
    client.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                 json={"status": "done", "version": item["version"]})
    edit = client.patch(f"/api/incidents/{spill['id']}", json={"deaths": 1,
                                                                "version": spill["version"]})
    assert edit.status_code == 200


def test_an_update_regrades_and_is_logged(client, fixed_now):
    small = client.post("/api/incidents", json=SPILL | {"substance": "苯", "mass_kg": 0.01})
    assert small.get_json()["tier_level"] == 4
    resp = client.patch(f"/api/incidents/{small.get_json()['id']}",
                        json={"deaths": 30, "version": small.get_json()["version"]})
    body = resp.get_json()
    assert resp.status_code == 200 and body["tier_level"] == 1
    timeline = client.get(f"/api/incidents/{body['id']}").get_json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert "updated" in kinds and "regraded" in kinds


def test_an_observed_late_front_refits_the_arrival_times(app, client, spill):
    app.config["FIXED_NOW"] = datetime(2026, 7, 23, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    boundary = next(d for d in spill["response"]["downstream"]
                    if d["kind"] == "boundary" and d["km"] > 30)
    resp = client.post(f"/api/incidents/{spill['id']}/observations",
                       json={"site_id": boundary["id"], "observed_at": "2026-07-23T22:00+08:00",
                             "concentration_mg_l": 0.4, "front_detected": True})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["fit"]["n_observations"] == 1 and body["fit"]["sites"][0]["reach_factor"] > 1
    later = next(d for d in body["response"]["downstream"] if d["id"] == boundary["id"])
    assert later["front_at"] > boundary["front_at"]


def test_arrival_at_a_point_downstream_and_refusal_upstream(client, spill):
    down = client.get(f"/api/incidents/{spill['id']}/arrival?lon=126.05&lat=44.79")
    assert down.status_code == 200 and down.get_json()["arrival"]["km"] > 100
    up = client.get(f"/api/incidents/{spill['id']}/arrival?lon=125.32&lat=43.95")
    assert up.status_code == 422
    assert up.get_json()["error"]["code"] == "not_downstream"


def test_invalid_reports_are_422_with_every_problem_and_nothing_saved(client, fixed_now):
    resp = client.post("/api/incidents", json={"substance": "?", "mass_kg": "lots"})
    assert resp.status_code == 422
    fields = {p["field"] for p in resp.get_json()["error"]["problems"]}
    assert {"substance", "mass_kg", "occurred_at", "location"} <= fields
    assert client.get("/api/incidents").get_json()["incidents"] == []


def test_a_point_far_from_any_river_is_refused_and_nothing_saved(client, fixed_now):
    resp = client.post("/api/incidents", json=SPILL | {"lon": 116.4, "lat": 39.9})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "outside_region"
    assert client.get("/api/incidents").get_json()["incidents"] == []


def test_unknown_incident_is_404(client):
    assert client.get("/api/incidents/999/response").status_code == 404


def test_status_is_not_changed_by_an_edit_but_by_a_commander_decision(client, spill):
    url = f"/api/incidents/{spill['id']}"
    refused = client.patch(url, json={"status": "terminated", "version": spill["version"]})
    assert refused.status_code == 422 and "decisions" in refused.get_json()["error"]["message_en"]
    assert client.get(url).get_json()["status"] == "reported"


def test_the_first_report_draft_is_filled_from_the_incident(client, spill):
    text = client.get(f"/api/incidents/{spill['id']}/first-report").get_json()["text"]
    assert "硝基苯" in text and "20000 kg" in text and "第二松花江" in text
    assert "特别重大(I级)" in text and "2026年07月23日09时00分" in text
    assert "松原市第二松花江取水口(示例)" in text
    assert "【待填】" in text  # what the system cannot know is never invented


