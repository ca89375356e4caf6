"""Dispatch (调度, issue 15): request a team and materials from the ranked resources, track them
to arrival, the shortfall against what the intercept needs, stock reserved, stale saves → 409,
the printable dispatch order."""

from __future__ import annotations

import pytest

from tests.incident_world import report_spill


@pytest.fixture
def spill(loaded, client):
    body = report_spill(loaded, client, title="吉林市硝基苯泄漏(调度测试)")
    assert body["response"]["resources"], "the sample inventories give ranked resources"
    return body


def base(spill):
    return f"/api/incidents/{spill['id']}/dispatches"


def test_a_team_is_dispatched_and_arrives_with_who_and_when(client, spill):
    site = spill["response"]["resources"][0]
    team = site["teams"][0]
    made = client.post(base(spill), json={"site_id": site["site_id"], "kind": "team",
                                          "resource_id": team["id"]})
    assert made.status_code == 201, made.get_json()
    d = made.get_json()
    assert d["status"] == "requested" and d["eta"] and d["ready_by"]
    for status in ("dispatched", "en_route", "arrived"):
        resp = client.patch(f"{base(spill)}/{d['id']}", json={"status": status,
                                                              "version": d["version"]})
        assert resp.status_code == 200, resp.get_json()
        d = resp.get_json()
    assert [h["status"] for h in d["history"]] == ["requested", "dispatched", "en_route",
                                                   "arrived"]
    assert all(h["by"] == "admin" for h in d["history"])
    board = client.get(base(spill)).get_json()
    mine = next(s for s in board["shortfalls"] if s["site_id"] == site["site_id"])
    assert mine["teams_sent"] == 1 and mine["teams_arrived"] == 1
    timeline = client.get(f"/api/incidents/{spill['id']}").get_json()["timeline"]
    assert sum(e["kind"] == "dispatch" for e in timeline) == 4
    # the same team twice is refused
    again = client.post(base(spill), json={"site_id": site["site_id"], "kind": "team",
                                           "resource_id": team["id"]})
    assert again.status_code == 422


def test_skipping_a_state_or_a_stale_version_is_refused(client, spill):
    site = spill["response"]["resources"][0]
    d = client.post(base(spill), json={"site_id": site["site_id"], "kind": "team",
                                       "resource_id": site["teams"][0]["id"]}).get_json()
    skip = client.patch(f"{base(spill)}/{d['id']}", json={"status": "arrived",
                                                          "version": d["version"]})
    assert skip.status_code == 422 and skip.get_json()["error"]["message_zh"]
    ok = client.patch(f"{base(spill)}/{d['id']}", json={"status": "dispatched",
                                                        "version": d["version"]})
    assert ok.status_code == 200
    stale = client.patch(f"{base(spill)}/{d['id']}", json={"status": "cancelled",
                                                           "version": d["version"]})
    assert stale.status_code == 409
    assert client.get(base(spill)).get_json()["dispatches"][0]["status"] == "dispatched"


def test_materials_reduce_the_shortfall_and_reserve_the_stock(client, spill):
    site = next(s for s in spill["response"]["resources"]
                if s["needed"] and any(o["items"] for o in s["depots"]))
    need = site["needed"][0]
    depot = next(o for o in site["depots"]
                 if any(i["item"] == need["item"] for i in o["items"]))
    held = next(i for i in depot["items"] if i["item"] == need["item"])
    before = next(s for s in client.get(base(spill)).get_json()["shortfalls"]
                  if s["site_id"] == site["site_id"])
    short0 = next(i for i in before["items"] if i["item"] == need["item"])["short"]
    assert short0 == pytest.approx(need["quantity"])
    qty = min(held["quantity"], need["quantity"]) / 2
    made = client.post(base(spill), json={"site_id": site["site_id"], "kind": "depot",
                                          "resource_id": depot["id"],
                                          "items": [{"item": need["item"], "quantity": qty}]})
    assert made.status_code == 201, made.get_json()
    board = client.get(base(spill)).get_json()
    after = next(s for s in board["shortfalls"] if s["site_id"] == site["site_id"])
    item = next(i for i in after["items"] if i["item"] == need["item"])
    assert item["sent"] == pytest.approx(qty) and item["short"] == pytest.approx(short0 - qty)
    assert {"depot_id": depot["id"], "item": need["item"], "quantity": qty} in board["reserved"]
    # more than the depot has left is refused, nothing changed
    too_much = client.post(base(spill), json={"site_id": site["site_id"], "kind": "depot",
                                              "resource_id": depot["id"],
                                              "items": [{"item": need["item"],
                                                         "quantity": held["quantity"]}]})
    assert too_much.status_code == 422
    assert "占用" in too_much.get_json()["error"]["message_zh"]
    assert len(client.get(base(spill)).get_json()["dispatches"]) == 1
    order = client.get(f"/incidents/{spill['id']}/dispatches/{made.get_json()['id']}/print")
    assert order.status_code == 200
    html = order.get_data(as_text=True)
    assert "调度单" in html and depot["name_zh"] in html and need["item"] in html


def test_a_viewer_cannot_dispatch(app, spill, make_user, login):
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    site = spill["response"]["resources"][0]
    resp = viewer.post(base(spill), json={"site_id": site["site_id"], "kind": "team",
                                          "resource_id": site["teams"][0]["id"]})
    assert resp.status_code == 403
