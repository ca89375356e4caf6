"""Source tracing (溯源, issue 16 part 6): the planted source ranks first; one click reports it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2026, 7, 24, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def planted_case(app):
    """A sample risk source, a substance only it holds among the sources that reach a station,
    and that station (the first such triple, deterministic)."""
    from emergency.monitoring import tracing_service

    ctx = app.extensions["engine"].get()
    net = ctx.network
    with app.extensions["database"].session() as session:
        sources = ctx.resources(session).risk_sources
        stations = tracing_service.stations(ctx)
        entries = {s.id: net.snap(s.entry_lon, s.entry_lat, segment_id=s.entry_seg_id).position
                   for s in sources}
        traces = {sid: net.trace_downstream(pos) for sid, pos in entries.items()}
        for station in stations:
            reaching = [s for s in sources
                        if (d := traces[s.id].distance_to(station.position)) is not None
                        and d > 20_000]
            for src in reaching:
                for substance, max_t in src.substances:
                    holders = [s for s in reaching
                               if substance in {x for x, _q in s.substances}]
                    catalogue_entry = ctx.catalogue.get(substance)
                    if len(holders) == 1 and catalogue_entry.limit_mg_l and max_t > 0:
                        return src, substance, max_t, station
    pytest.skip("no unique source/substance/station triple in the sample")


def test_the_planted_source_ranks_first_and_one_click_reports_it(app, loaded, client):
    app.config["FIXED_NOW"] = NOW
    src, substance, max_t, station = planted_case(app)
    mass = max_t * 1000 * 0.5
    # released at the source's outfall into the river (a park source's own containment would
    # otherwise hold it on land: issue 17)
    planted = client.post("/api/incidents", json={
        "lon": src.entry_lon, "lat": src.entry_lat, "segment_id": src.entry_seg_id,
        "substance": substance, "mass_kg": mass,
        "occurred_at": "2026-07-23T20:00+08:00", "discovered_at": "2026-07-23T20:30+08:00"})
    assert planted.status_code == 201, planted.get_json()
    at_station = next(d for d in planted.get_json()["response"]["downstream"]
                      if d["id"] == station.id)
    resp = client.post("/api/trace-source", json={
        "station_id": station.id, "substance": substance,
        "concentration_mg_l": at_station["peak_mg_l"], "observed_at": at_station["peak_at"]})
    assert resp.status_code == 200, resp.get_json()
    candidates = resp.get_json()["candidates"]
    first = candidates[0]
    assert first["risk_source_id"] == src.id and first["rank"] == 1
    assert first["release_window"][0] <= "2026-07-23T20:00+08:00" <= first["release_window"][1]
    assert first["mass_kg"] == pytest.approx(mass, rel=0.05)
    assert any("储存" in r for r in first["reasons_zh"])
    assert len(candidates) > 1
    made = client.post("/api/incidents", json=first["incident"])
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["risk_source_id"] == src.id


def test_a_clean_upstream_reading_rules_out_the_sources_above_it(app, loaded, client):
    app.config["FIXED_NOW"] = NOW
    src, substance, max_t, station = planted_case(app)
    body = {"station_id": station.id, "substance": substance, "concentration_mg_l": 0.5,
            "observed_at": "2026-07-24T08:00+08:00"}
    ranked = client.post("/api/trace-source", json=body).get_json()["candidates"]
    # a clean reading just below the planted source's entry, every hour of the last two days
    ctx = app.extensions["engine"].get()
    entry = ctx.network.snap(src.entry_lon, src.entry_lat, segment_id=src.entry_seg_id)
    trace = ctx.network.trace_downstream(entry.position)
    from rivers.network import RiverPosition

    piece = trace.pieces[0]
    below = RiverPosition(piece.segment, piece.from_offset_m
                          + min(500.0, (piece.to_offset_m - piece.from_offset_m) / 2))
    lon, lat = ctx.network.lonlat_at(below)
    clean = [{"lon": lon, "lat": lat, "observed_at": f"2026-07-{d}T{h:02d}:00+08:00",
              "name_zh": "上游对照"} for d in (22, 23, 24) for h in range(0, 24)
             if f"2026-07-{d}T{h:02d}" <= "2026-07-24T08"]
    again = client.post("/api/trace-source", json=body | {"clean": clean}).get_json()
    mine = next(c for c in again["candidates"] if c["risk_source_id"] == src.id)
    assert mine["ruled_out"] and any("未检出" in r for r in mine["reasons_zh"])
    assert any(c["unlisted"] for c in again["candidates"])
    assert ranked[0]["risk_source_id"] == src.id


def test_bad_trace_requests_are_422_with_every_problem(client):
    resp = client.post("/api/trace-source", json={"substance": "?", "concentration_mg_l": -1})
    assert resp.status_code == 422
    fields = {p["field"] for p in resp.get_json()["error"]["problems"]}
    assert {"location", "substance", "concentration_mg_l", "observed_at"} <= fields


def test_the_sample_stations_sit_at_the_plans_monitoring_sections(client):
    body = client.get("/api/stations").get_json()
    assert body["stations"] and all(s["sample"] and s["label_zh"] == "示例"
                                    for s in body["stations"])
