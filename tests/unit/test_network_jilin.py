"""The river network on the real data of Jilin."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rivers.exceptions import InvalidCoordinates, OutsideRegion, SwappedCoordinates
from rivers.hydraulics import estimate_hydraulics, read_defaults, read_gauges
from rivers.loader import DATA_DIR
from rivers.network import RiverPosition, named_rivers

JILIN_CITY = (126.55, 43.86)        # 吉林市, on the 第二松花江
YANJI = (129.5, 42.9)               # 延吉市, on the 布尔哈通河 (a 图们江 tributary)


def test_the_network_is_a_forest_of_trees_draining_to_seventeen_outlets(network):
    d = network.data
    assert network.n == 987
    assert int((d.downstream < 0).sum()) == 17
    assert np.isfinite(d.to_outlet_m).all()


def test_projected_lengths_agree_with_the_sources_geodesic_lengths(network):
    source = {f["properties"]["seg_id"]: f["properties"]["length_km"] for f in
              json.loads((DATA_DIR / "rivers.geojson").read_text("utf-8"))["features"]}
    ours = network.data.length_m / 1000
    theirs = np.array([source[int(s)] for s in network.data.seg_id])
    long = theirs > 5  # rounding to 0.01 km dominates on short segments
    assert np.max(np.abs(ours[long] / theirs[long] - 1)) < 0.005


def test_the_documented_name_faults_are_corrected(network):
    d = network.data
    assert d.name_zh[network.index(253)] == "第二松花江"   # was 二道江 below 两江口
    assert d.name_zh[network.index(457)] == "西辽河"        # was 辽河 above 福德店


def test_a_spill_in_jilin_city_travels_down_the_songhua_into_heilongjiang(network):
    snap = network.snap(*JILIN_CITY)
    assert snap.river_name_zh == "第二松花江"
    trace = network.trace_downstream(snap.position)
    names = [r.river_name_zh for r in trace.reaches]
    assert names[:2] == ["第二松花江", "松花江"]
    province = [c for c in trace.crossings if c.level == "province"]
    assert province[0].from_unit.name_zh == "吉林省"
    assert province[0].to_unit.name_zh == "黑龙江省"
    # The 第二松花江 meets the 嫩江 on the provincial boundary ~300 km below 吉林市.
    songhua_start = trace.reaches[1].from_km
    assert 250 < province[0].km <= songhua_start + 1
    prefectures = [c.to_unit.name_zh for c in trace.crossings if c.level == "prefecture"]
    assert prefectures[:2] == ["长春市", "松原市"]


def test_a_spill_on_a_tumen_tributary_reaches_the_national_border(network):
    snap = network.snap(*YANJI)
    assert snap.river_name_zh == "布尔哈通河"
    trace = network.trace_downstream(snap.position)
    tumen = next(r for r in trace.reaches if r.river_name_zh == "图们江")
    nation = [c for c in trace.crossings if c.level == "nation"]
    assert nation[0].from_unit.name_zh == "中国"
    assert nation[0].to_unit.name_zh == "朝鲜"
    assert nation[0].km <= tumen.from_km + 0.01


def test_a_point_in_beijing_is_refused_naming_the_nearest_river(network):
    with pytest.raises(OutsideRegion) as err:
        network.snap(116.40, 39.90)
    assert "最近的河流" in err.value.message_zh and "km" in err.value.message_en


def test_swapped_coordinates_are_detected(network):
    with pytest.raises(SwappedCoordinates) as err:
        network.snap(43.86, 126.55)
    assert err.value.details == {"suggested_lon": 126.55, "suggested_lat": 43.86}


def test_nonsense_coordinates_are_refused(network):
    for lon, lat in [("abc", 43), (float("nan"), 43), (200, 43), (None, None)]:
        with pytest.raises(InvalidCoordinates):
            network.snap(lon, lat)


def test_near_a_town_the_candidates_offer_the_named_river_and_where_a_channel_joins(network):
    i = network.index(472)  # an unnamed channel entering the 第二松花江 at 吉林市
    lon, lat = network.lonlat_at(RiverPosition(i, float(network.data.length_m[i]) / 2))
    snap = network.snap(lon, lat)
    assert snap.river_name_zh is None
    first = snap.candidates[0]
    assert first.seg_id == 472 and first.joins_zh == "第二松花江"
    assert any(c.river_name_zh == "第二松花江" for c in snap.candidates)
    chosen = network.snap(lon, lat, segment_id=next(
        c.seg_id for c in snap.candidates if c.river_name_zh == "第二松花江"))
    assert chosen.river_name_zh == "第二松花江" and chosen.distance_m > snap.distance_m


@pytest.mark.parametrize("held_out", ["吉林", "松花江站(德惠)", "哈尔滨"])
def test_discharge_at_a_held_out_gauge_is_predicted_from_the_other_gauges(network, held_out):
    """The model pins discharge at the gauges it is given, so it is checked at one it is not
    given: a gauge with gauges above and below it on the same stem (interpolation), from the
    published figures (hydrology.csv) — within 15 %."""
    gauges = read_gauges(DATA_DIR / "hydrology.csv")
    (gauge,) = [g for g in gauges if g.station_zh == held_out]
    d = network.data
    estimated, _ = estimate_hydraulics(
        name_zh=d.name_zh, basin=d.basin, downstream=d.downstream, to_outlet_m=d.to_outlet_m,
        upstream_area_km2=d.upstream_area_km2, coords_xy=d.coords_xy,
        gauges=[g for g in gauges if g is not gauge],
        defaults=read_defaults(DATA_DIR / "hydraulics_defaults.yaml"))
    (segment,) = [a["segment"] for a in d.gauges if a["station_zh"] == held_out]
    assert estimated["mean_discharge_m3s"][segment] == pytest.approx(
        gauge.mean_discharge_m3s, rel=0.15)


def test_the_river_list_has_fifty_named_rivers_with_unique_ids(network):
    rivers = named_rivers(network.data)
    assert len(rivers) == 50
    assert {"第二松花江", "图们江", "鸭绿江", "西辽河"} <= {r.name_zh for r in rivers}


def test_locate_finds_county_and_prefecture(network):
    found = network.locate(125.32, 43.88)  # 长春市中心
    assert found["prefecture"].name_zh == "长春市"
    assert found["province"].name_zh == "吉林省"
