"""The river API: shapes, and clear bilingual errors instead of 500s."""

from __future__ import annotations


def test_health_reports_database_and_rivers(client):
    body = client.get("/api/health").get_json()
    assert body["status"] == "ok" and body["rivers"]["segments"] == 987


def test_rivers_lists_named_rivers_with_basin_and_length(client):
    rivers = client.get("/api/rivers").get_json()["rivers"]
    second = next(r for r in rivers if r["name_zh"] == "第二松花江")
    assert second["id"] == "dier-songhua-jiang" and second["length_km"] > 500
    assert set(second) >= {"id", "name_zh", "name_en", "basin", "length_km"}


def test_snap_returns_the_river_km_and_candidates(client):
    body = client.get("/api/snap?lon=126.55&lat=43.86").get_json()
    assert body["river_name_zh"] == "第二松花江"
    assert body["segment_id"] == 527 and body["distance_m"] > 0 and body["km"] > 0
    assert body["candidates"] and body["warning"]["message_en"]


def test_trace_returns_reaches_crossings_and_length(client):
    body = client.get("/api/trace?lon=126.55&lat=43.86&direction=down").get_json()
    assert body["reaches"][0]["river_name_zh"] == "第二松花江"
    assert any(c["level"] == "province" and c["to_zh"] == "黑龙江省" for c in body["crossings"])
    assert body["length_km"] > 900


def test_upstream_trace(client):
    body = client.get("/api/trace?lon=126.55&lat=43.86&direction=up").get_json()
    assert body["direction"] == "up" and body["reaches"][0]["river_name_zh"] == "第二松花江"


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    return err


def test_missing_and_malformed_parameters_are_400(client):
    _error(client.get("/api/snap?lat=43.8"), 400, "missing_parameter")
    _error(client.get("/api/snap?lon=east&lat=43.8"), 400, "invalid_parameter")
    _error(client.get("/api/trace?lon=126.55&lat=43.86&direction=sideways"), 400,
           "invalid_parameter")
    _error(client.get("/api/snap?lon=126.55&lat=43.86&segment_id=x"), 400, "invalid_parameter")


def test_points_outside_or_swapped_are_422_with_both_languages(client):
    err = _error(client.get("/api/snap?lon=116.4&lat=39.9"), 422, "outside_region")
    assert "最近的河流" in err["message_zh"]
    _error(client.get("/api/snap?lon=43.86&lat=126.55"), 422, "swapped_coordinates")


def test_unknown_segment_is_404(client):
    _error(client.get("/api/snap?lon=126.55&lat=43.86&segment_id=99999"), 404, "unknown_segment")


def test_unknown_api_route_is_json_404(client):
    _error(client.get("/api/nothing-here"), 404, "http_404")
