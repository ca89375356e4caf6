"""The plans API: the key-river plans, filterable, each with its sites' km marks."""

from __future__ import annotations


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
