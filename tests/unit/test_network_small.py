"""The river network on a small hand-made network with known answers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyproj import Geod

from rivers.exceptions import OutsideRegion, SwappedCoordinates, TooFarFromRiver
from rivers.loader import load_network
from rivers.network import RiverPosition

GEOD = Geod(ellps="WGS84")
REAL_DATA = Path(__file__).resolve().parents[2] / "rivers" / "data"
LAT = 43.5


def _box(w: float, s: float, e: float, n: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _fc(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _seg(seg_id, name, coords, downstream, *, area=1000, exits=False):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"seg_id": seg_id, "name_zh": name, "name_en": name and f"{name}-en",
                           "system": "测试水系", "component": 1, "stream_order": 1,
                           "upstream_area_km2": area, "upstream_area_note": None,
                           "in_jilin": True, "exits_box": exits, "downstream_seg": downstream}}


def _unit(geom, **props):
    return {"type": "Feature", "geometry": geom, "properties": props}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Trunk 甲河 (seg 1 → seg 3) along 43.5°N from 125.8°E to 126.2°E, tributary 乙河 (seg 2)
    joining at 125.9°E. County/prefecture/province boundary at 126.0°E; China | DPRK at 126.1°E."""
    d: Path = tmp_path_factory.mktemp("small")
    (d / "rivers.geojson").write_text(_fc([
        _seg(1, "甲河", [[125.8, LAT], [125.9, LAT]], 3, area=500),
        _seg(2, "乙河", [[125.9, 43.6], [125.9, LAT]], 3, area=300),
        _seg(3, "甲河", [[125.9, LAT], [126.0, LAT], [126.2, LAT]], None, area=900),
    ]))
    west, east = _box(125.5, 43.0, 126.0, 44.0), _box(126.0, 43.0, 126.5, 44.0)
    (d / "admin_country.geojson").write_text(_fc([
        _unit(_box(125.5, 43.0, 126.1, 44.0), iso3="CHN", name_zh="中国", name_en="China"),
        _unit(_box(126.1, 43.0, 126.5, 44.0), iso3="PRK", name_zh="朝鲜", name_en="DPRK"),
    ]))
    (d / "admin_province.geojson").write_text(_fc([
        _unit(west, adcode=220000, name_zh="西省", name_en="West", is_jilin=True),
        _unit(east, adcode=230000, name_zh="东省", name_en="East", is_jilin=False),
    ]))
    (d / "admin_prefecture.geojson").write_text(_fc([
        _unit(west, adcode=220100, name_zh="西市", province_zh="西省", is_jilin=True),
        _unit(east, adcode=230100, name_zh="东市", province_zh="东省"),
    ]))
    (d / "admin_county.geojson").write_text(_fc([
        _unit(west, adcode=220101, name_zh="西县", prefecture_zh="西市", province_zh="西省"),
        _unit(east, adcode=230101, name_zh="东县", prefecture_zh="东市", province_zh="东省"),
    ]))
    (d / "lakes.geojson").write_text(_fc([]))
    (d / "hydrology.csv").write_text(
        "station_zh,station_en,river_zh,lon_approx,lat_approx,catchment_km2,"
        "mean_annual_runoff_1e8_m3,mean_discharge_m3s,source\n")
    shutil.copy(REAL_DATA / "hydraulics_defaults.yaml", d)
    return load_network(data_dir=d, cache_dir=None)


def geodesic_km(lon1: float, lon2: float, lat: float = LAT) -> float:
    return GEOD.line_length([lon1, lon2], [lat, lat]) / 1000


def test_segment_lengths_match_geodesic_lengths_within_a_fifth_of_a_percent(small):
    for i, (a, b) in enumerate([(125.8, 125.9), (None, None), (125.9, 126.2)]):
        if a is None:
            continue
        assert small.data.length_m[i] / 1000 == pytest.approx(geodesic_km(a, b), rel=0.002)


def test_distance_to_outlet_adds_up_the_downstream_lengths(small):
    d = small.data
    assert d.to_outlet_m[2] == 0
    assert d.to_outlet_m[0] == pytest.approx(d.length_m[2])
    assert d.to_outlet_m[1] == pytest.approx(d.length_m[2])


def test_km_from_source_is_the_longest_path_from_a_head(small):
    d = small.data
    assert d.from_source_m[2] == pytest.approx(max(d.length_m[0], d.length_m[1]))


def test_river_km_runs_from_the_head_of_the_named_river(small):
    d = small.data
    assert small.river_km(RiverPosition(0, 0.0)) == pytest.approx(0.0)
    end = RiverPosition(2, float(d.length_m[2]))
    assert small.river_km(end) == pytest.approx((d.length_m[0] + d.length_m[2]) / 1000)


def test_snap_finds_the_river_and_its_km_mark(small):
    snap = small.snap(125.85, LAT + 0.001)  # ~110 m north of 甲河
    assert snap.river_name_zh == "甲河"
    assert snap.distance_m == pytest.approx(111, abs=3)
    assert snap.river_km == pytest.approx(geodesic_km(125.8, 125.85), rel=0.003)
    assert snap.warning_zh is None


def test_a_point_far_from_the_river_gets_a_pathway_warning(small):
    snap = small.snap(125.85, LAT + 0.03)  # ~3.3 km
    assert "入河途径" in snap.warning_zh and "pathway" in snap.warning_en


def test_a_point_beyond_the_snapping_distance_is_refused_with_the_nearest_river(small):
    with pytest.raises(TooFarFromRiver) as err:
        small.snap(125.85, LAT - 0.25, max_distance_m=20_000)  # ~28 km south
    assert "甲河" in err.value.message_zh


def test_swapped_and_outside_points_are_refused(small):
    with pytest.raises(SwappedCoordinates):
        small.snap(LAT, 125.85)
    with pytest.raises(OutsideRegion):
        small.snap(116.4, 39.9)


def test_downstream_trace_lists_reaches_in_order_with_km(small):
    trace = small.trace_downstream(RiverPosition(1, 0.0))  # head of 乙河
    names = [r.river_name_zh for r in trace.reaches]
    assert names == ["乙河", "甲河"]
    d = small.data
    assert trace.reaches[0].to_km == pytest.approx(d.length_m[1] / 1000, abs=1e-3)
    assert trace.length_m == pytest.approx(d.length_m[1] + d.length_m[2])
    assert trace.end == "outlet"


def test_crossings_are_found_at_every_level_with_their_km(small):
    trace = small.trace_downstream(RiverPosition(0, 0.0))
    by_level = {c.level: c for c in trace.crossings}
    # Reported where the river comes within 1 km of the next unit (sampled every 250 m).
    expected_km = geodesic_km(125.8, 126.0) - 1.0
    for level, (frm, to) in {"county": ("西县", "东县"), "prefecture": ("西市", "东市"),
                             "province": ("西省", "东省")}.items():
        c = by_level[level]
        assert (c.from_unit.name_zh, c.to_unit.name_zh) == (frm, to)
        assert c.km == pytest.approx(expected_km, abs=0.3)
    nation = by_level["nation"]
    assert (nation.from_unit.name_zh, nation.to_unit.name_zh) == ("中国", "朝鲜")
    assert nation.km == pytest.approx(geodesic_km(125.8, 126.1) - 1.0, abs=0.3)


def test_a_trace_starting_inside_the_far_unit_reports_no_crossing(small):
    d = small.data
    start = RiverPosition(2, float(d.length_m[2]) - 1000)  # 126.19°E, in 东县 / 朝鲜
    trace = small.trace_downstream(start)
    assert trace.crossings == ()


def test_upstream_trace_follows_the_river_of_the_same_name(small):
    trace = small.trace_upstream(RiverPosition(2, 5000.0))
    assert [r.river_name_zh for r in trace.reaches] == ["甲河"]
    assert trace.pieces[-1].segment == 0  # 甲河 seg 1, not the larger-area-less 乙河
    assert trace.length_m == pytest.approx(5000.0 + small.data.length_m[0])


def test_upstream_trace_reports_crossings_in_travel_order(small):
    d = small.data
    trace = small.trace_upstream(RiverPosition(2, float(d.length_m[2])))
    levels = [c.level for c in trace.crossings]
    assert "province" in levels and "nation" in levels
    nation = next(c for c in trace.crossings if c.level == "nation")
    assert nation.to_unit.name_zh == "中国"


def test_locate_names_the_units_of_a_point(small):
    found = small.locate(125.7, LAT)
    assert found["county"].name_zh == "西县" and found["nation"].name_zh == "中国"
