"""Risk sources assigned to key rivers (一河一策一图 风险源), on a small hand-made network.

甲河 (plan) runs east along 43.5°N: seg 1 (125.8→125.9°E), seg 3 (→126.0), seg 8 (→126.2).
乙河 (plan) flows south along 125.9°E (seg 2: 43.7→43.6°N, seg 5: →43.5) into 甲河 at 125.9°E;
丙河 (no plan) flows west along 43.6°N from 126.0°E into 乙河. An unnamed channel (seg 7) flows
north along 126.0°E from 43.4°N into 甲河, fed by 丁河 (no plan, seg 9, from 43.3°N).
戊河 (seg 10) is a separate basin with no plan.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyproj import Geod

from emergency.inventory.snapshot import Resources, RiskSourceView
from emergency.river_risks import RiverRiskCache, assign_risk_sources
from emergency.substances import load_catalogue
from plans.loader import Plan, PlanSet
from rivers.loader import load_network

GEOD = Geod(ellps="WGS84")
REAL_DATA = Path(__file__).resolve().parents[2] / "rivers" / "data"
LAT = 43.5


def _fc(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _box(w: float, s: float, e: float, n: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _seg(seg_id, name, coords, downstream, area=500):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"seg_id": seg_id, "name_zh": name, "name_en": name and f"{name}-en",
                           "system": "测试水系", "component": 1, "stream_order": 1,
                           "upstream_area_km2": area, "upstream_area_note": None,
                           "in_jilin": True, "exits_box": False, "downstream_seg": downstream}}


def _unit(**props):
    return {"type": "Feature", "geometry": _box(125.0, 42.8, 127.0, 44.2), "properties": props}


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    d: Path = tmp_path_factory.mktemp("risks")
    (d / "rivers.geojson").write_text(_fc([
        _seg(1, "甲河", [[125.8, LAT], [125.9, LAT]], 3),
        _seg(3, "甲河", [[125.9, LAT], [126.0, LAT]], 8, area=900),
        _seg(8, "甲河", [[126.0, LAT], [126.2, LAT]], None, area=1200),
        _seg(2, "乙河", [[125.9, 43.7], [125.9, 43.6]], 5, area=200),
        _seg(5, "乙河", [[125.9, 43.6], [125.9, LAT]], 3, area=400),
        _seg(4, "丙河", [[126.0, 43.6], [125.9, 43.6]], 5, area=150),
        _seg(7, None, [[126.0, 43.4], [126.0, LAT]], 8, area=120),
        _seg(9, "丁河", [[126.0, 43.3], [126.0, 43.4]], 7, area=100),
        _seg(10, "戊河", [[125.6, 43.2], [125.7, 43.2]], None, area=100),
    ]))
    (d / "admin_country.geojson").write_text(_fc([
        _unit(iso3="CHN", name_zh="中国", name_en="China")]))
    (d / "admin_province.geojson").write_text(_fc([
        _unit(adcode=220000, name_zh="西省", name_en="West", is_jilin=True)]))
    (d / "admin_prefecture.geojson").write_text(_fc([
        _unit(adcode=220100, name_zh="西市", province_zh="西省", is_jilin=True)]))
    (d / "admin_county.geojson").write_text(_fc([
        _unit(adcode=220101, name_zh="西县", prefecture_zh="西市", province_zh="西省")]))
    (d / "lakes.geojson").write_text(_fc([]))
    (d / "hydrology.csv").write_text(
        "station_zh,station_en,river_zh,lon_approx,lat_approx,catchment_km2,"
        "mean_annual_runoff_1e8_m3,mean_discharge_m3s,source\n")
    shutil.copy(REAL_DATA / "hydraulics_defaults.yaml", d)
    return load_network(data_dir=d, cache_dir=None)


def _plan(net, plan_id: str, name: str, seg_ids: tuple[int, ...]) -> Plan:
    return Plan(id=plan_id, river_name_zh=name, river_name_en=None, basin="测试水系",
                prefectures=("西市",), counties=("西县",), upstream=(), downstream=(),
                sites=(), response_cards={}, contacts=(), sample=True,
                source_file=f"{plan_id}.yaml", seg_ids=seg_ids,
                segments=tuple(net.index(s) for s in seg_ids))


@pytest.fixture(scope="module")
def plans(net):
    return PlanSet({"jia": _plan(net, "jia", "甲河", (1, 3, 8)),
                    "yi": _plan(net, "yi", "乙河", (2, 5))})


def source(id: int, seg_id: int, lon: float, lat: float, *, river: str = "甲河",
           kind: str = "enterprise", substances=(("benzene", 120.0),),
           risk_level: str = "较大") -> RiskSourceView:
    return RiskSourceView(id=id, kind=kind, name_zh=f"示例风险源{id:02d}", lon=lon + 0.002,
                          lat=lat + 0.002, county_zh="西县", substances=tuple(substances),
                          entry_seg_id=seg_id, entry_lon=lon, entry_lat=lat,
                          receiving_river_zh=river, sample=True, risk_level=risk_level)


def km_east(lon1: float, lon2: float, lat: float = LAT) -> float:
    return GEOD.line_length([lon1, lon2], [lat, lat]) / 1000


def km_north(lat1: float, lat2: float, lon: float) -> float:
    return GEOD.line_length([lon, lon], [lat1, lat2]) / 1000


def test_a_source_entering_the_plan_river_is_listed_at_its_entry_km(net, plans):
    out = assign_risk_sources(net, plans, [source(1, 3, 125.95, LAT, risk_level="重大")],
                              catalogue=load_catalogue())
    (r,) = out["jia"]
    assert r.km == pytest.approx(km_east(125.8, 125.95), rel=0.005)
    assert r.via_km == 0 and r.via_river_zh is None and r.direct
    assert (r.kind_zh, r.risk_level, r.county_zh) == ("重大风险源企业", "重大", "西县") and r.sample
    assert [(s.name_zh, s.max_t) for s in r.substances] == [("苯", 120.0)]
    assert out["yi"] == ()


def test_a_source_on_an_unplanned_tributary_joins_at_the_mouth_with_the_distance_to_it(net, plans):
    out = assign_risk_sources(net, plans, [source(2, 9, 126.0, 43.35, river="丁河"),
                                           source(3, 7, 126.0, 43.45, river="未命名河道")])
    by_id = {r.id: r for r in out["jia"]}
    mouth_km = km_east(125.8, 126.0)
    assert by_id[2].km == pytest.approx(mouth_km, rel=0.005)
    assert by_id[2].via_km == pytest.approx(km_north(43.35, LAT, 126.0), rel=0.005)
    assert by_id[2].via_river_zh == "丁河" and not by_id[2].direct  # the named river on the way
    assert by_id[3].km == pytest.approx(mouth_km, rel=0.005)
    assert by_id[3].via_km == pytest.approx(km_north(43.45, LAT, 126.0), rel=0.005)
    assert by_id[3].via_river_zh == "未命名河道"


def test_a_source_belongs_to_the_first_plan_river_its_water_reaches(net, plans):
    out = assign_risk_sources(net, plans, [source(4, 4, 125.95, 43.6, river="丙河"),
                                           source(5, 2, 125.9, 43.65, river="乙河")])
    assert out["jia"] == ()  # 乙河 has its own plan: its water stops there
    on_yi = {r.id: r for r in out["yi"]}
    assert on_yi[4].km == pytest.approx(km_north(43.7, 43.6, 125.9), rel=0.005)
    assert on_yi[4].via_river_zh == "丙河"
    assert on_yi[4].via_km == pytest.approx(km_east(125.95, 125.9, 43.6), rel=0.005)
    assert on_yi[5].direct and on_yi[5].km == pytest.approx(km_north(43.7, 43.65, 125.9),
                                                            rel=0.005)


def test_a_source_whose_water_reaches_no_plan_river_is_in_no_plan(net, plans):
    out = assign_risk_sources(net, plans, [source(6, 10, 125.65, 43.2, river="戊河"),
                                           source(7, 999, 125.65, 43.2)])  # unknown segment
    assert out == {"jia": (), "yi": ()}


def test_sources_are_ordered_from_upstream_then_by_the_distance_up_the_tributary(net, plans):
    out = assign_risk_sources(net, plans, [
        source(10, 8, 126.1, LAT), source(11, 9, 126.0, 43.35, river="丁河"),
        source(12, 7, 126.0, 43.45), source(13, 1, 125.85, LAT), source(14, 3, 125.95, LAT)])
    assert [r.id for r in out["jia"]] == [13, 14, 12, 11, 10]
    kms = [r.km for r in out["jia"]]
    assert kms == sorted(kms)


def test_the_cache_recomputes_only_for_a_new_snapshot(net, plans, monkeypatch):
    from emergency import river_risks

    calls = []
    real = river_risks.assign_risk_sources

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(river_risks, "assign_risk_sources", counted)
    cache = RiverRiskCache()
    first = Resources((), (), (source(1, 3, 125.95, LAT),))
    a = cache.get(net, plans, first)
    assert cache.get(net, plans, first) is a and len(calls) == 1
    assert a["jia"][0].risk_level == "较大"
    changed = Resources((), (), (source(1, 3, 125.95, LAT), source(2, 1, 125.85, LAT)))
    b = cache.get(net, plans, changed)
    assert len(calls) == 2 and [r.id for r in b["jia"]] == [2, 1]
