"""The sample inventory: the seed figures, real geography, and a lossless file round trip."""

from __future__ import annotations

from collections import Counter
from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from emergency.inventory import export
from emergency.inventory.rules import RuleSettings, parse_rows
from emergency.inventory.sample import REAL_PARK, generate_sample
from emergency.inventory.vocab import MATERIAL_CATEGORIES
from emergency.substances import load_catalogue

AS_OF = date(2026, 5, 20)


@pytest.fixture(scope="module")
def sample(network):
    return generate_sample(network, load_catalogue(), as_of=AS_OF)


def test_the_sample_holds_52_enterprises_99_tailings_ponds_and_22_chemical_parks(sample):
    assert Counter(r.kind for r in sample.risk_sources) == {
        "enterprise": 52, "tailings_pond": 99, "chemical_park": 22}
    assert all(r.sample for r in sample.risk_sources)


def test_every_sample_site_lies_in_its_declared_county(network, sample):
    for rec in (*sample.risk_sources, *sample.depots, *sample.teams):
        county = network.locate(rec.lon, rec.lat)["county"]
        assert county is not None and county.uid == f"county:{rec.county_adcode}", rec.name
        assert county.name_zh == rec.county_zh and county.prefecture_zh == rec.prefecture_zh


def test_only_the_real_chemical_park_carries_a_real_name(sample):
    names = [r.name for r in sample.risk_sources]
    assert REAL_PARK in names
    assert all(n.startswith("示例") for n in names if n != REAL_PARK)
    assert "示例化工企业02(吉林市)" in names


def test_tailings_ponds_are_in_mining_counties_and_hold_cyanide_heavy_metals_or_xanthate(sample):
    catalogue = load_catalogue()
    mining = {"白山市", "通化市", "延边朝鲜族自治州", "吉林市"}
    for rec in (r for r in sample.risk_sources if r.kind == "tailings_pond"):
        assert rec.prefecture_zh in mining
        classes = {catalogue[s.substance_id].pollutant_class for s in rec.substances}
        ids = {s.substance_id for s in rec.substances}
        assert classes & {"cyanide", "heavy_metal"} or ids & {"iron"}, rec.name
    cyanide = [r for r in sample.risk_sources
               if any(s.substance_id == "sodium_cyanide" for s in r.substances)]
    assert cyanide and all(r.kind == "tailings_pond" for r in cyanide)


def test_petrochemical_sources_of_jilin_city_hold_organics_and_drain_to_the_songhua(sample):
    catalogue = load_catalogue()
    longtan = [r for r in sample.risk_sources
               if r.county_zh == "龙潭区" and r.kind != "tailings_pond"]
    assert len(longtan) >= 6
    assert all(r.joins_river_zh == "第二松花江" for r in longtan)
    organic = {s.substance_id for r in longtan for s in r.substances
               if catalogue[s.substance_id].pollutant_class == "toxic_organic"}
    assert {"nitrobenzene", "benzene"} <= organic


def test_every_risk_source_has_a_discharge_route_on_the_river_network(network, sample):
    for rec in sample.risk_sources:
        snap = network.snap(*((rec.outfall_lon, rec.outfall_lat) if rec.outfall_lon
                              else (rec.lon, rec.lat)), segment_id=rec.entry_seg_id)
        assert (snap.lon, snap.lat) == (rec.entry_lon, rec.entry_lat)
        assert rec.entry_distance_m <= 12_000


def test_every_prefecture_has_a_depot_with_all_seven_categories_and_some_stock_expires(sample):
    municipal = [d for d in sample.depots if d.name.startswith("示例市级")]
    assert len({d.prefecture_zh for d in municipal}) == 9
    provincial = [d for d in sample.depots if d.name.startswith("示例省级")]
    assert len(provincial) == 2 and {d.prefecture_zh for d in provincial} == {"长春市"}
    for depot in [*municipal, provincial[0]]:
        assert {i.category for i in depot.items} == set(MATERIAL_CATEGORIES), depot.name
    expiries = [i.expiry for d in sample.depots for i in d.items if i.expiry]
    assert any(e < AS_OF for e in expiries)
    assert any(AS_OF <= e <= date(2026, 8, 18) for e in expiries)
    names = {i.item for d in sample.depots for i in d.items}
    assert {"活性炭", "围油栏", "吸油毡", "石灰", "聚合氯化铝", "聚丙烯酰胺", "沙袋",
            "应急监测车", "吸污车"} <= names
    assert {d.storage_mode for d in sample.depots} == {"自储", "代储", "协议储备"}


def test_two_provincial_teams_and_one_per_prefecture_and_twenty_experts(sample):
    levels = Counter(t.level for t in sample.teams)
    assert levels["省级"] == 2
    assert len({t.prefecture_zh for t in sample.teams if t.level == "市级"}) == 9
    assert len(sample.experts) == 20 and len({e.field for e in sample.experts}) >= 10


def test_the_sample_is_deterministic(network, sample):
    assert generate_sample(network, load_catalogue(), as_of=AS_OF) == sample


def test_records_are_frozen(sample):
    with pytest.raises(FrozenInstanceError):
        sample.risk_sources[0].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["risk_sources", "materials", "teams", "experts"])
def test_the_sample_exported_to_a_file_reads_back_as_the_same_records(network, sample, kind,
                                                                      fmt):
    catalogue = load_catalogue()
    records = sample.records(kind)
    data = export.to_csv(kind, records, catalogue) if fmt == "csv" else \
        export.to_xlsx(kind, records, catalogue)
    parsed = parse_rows(kind, data, f"{kind}.{fmt}", network=network,
                        settings=RuleSettings(today=AS_OF), catalogue=catalogue)
    assert parsed.errors == ()
    assert parsed.records == records
    assert {w.code for w in parsed.warnings} <= {"expired", "expiring_soon"}
