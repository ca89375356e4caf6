"""The scenario library on the real river network: every release and watched point reaches the
river the organisers intend, and every scenario is playable on the incident engine (with and
without the bundled river plans)."""

from __future__ import annotations

import pytest

from emergency.drills.scenario import library_files, load_file
from emergency.drills.service import check_scenario, river_of
from emergency.incidents.context import build_engine_context

SCENARIOS = {p.stem: p for p in library_files()}


@pytest.fixture(scope="module")
def scenarios():
    return {sid: load_file(path) for sid, path in SCENARIOS.items()}


@pytest.fixture(scope="module")
def contexts(network, plan_set, park_set):
    # the chemical-park plans are part of the engine (三级防控) in both variants
    return {"engine only": build_engine_context(network, parks=lambda: park_set),
            "with river plans": build_engine_context(network, plans=lambda: plan_set,
                                                     parks=lambda: park_set)}


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_each_release_and_point_snaps_to_its_intended_river(network, park_set, scenarios, sid):
    scenario = scenarios[sid]
    for spec in scenario.incidents:
        if "park_id" in spec.report:  # inside a chemical park: by the park's outfall
            park = park_set.get(spec.report["park_id"])
            enterprise = park.enterprise(spec.report["park_enterprise_id"])
            assert park.outfall_for(enterprise).river_name_zh == spec.river
            continue
        name, snap = river_of(network, spec.report["lon"], spec.report["lat"])
        assert spec.river and name == spec.river, (sid, spec.id, name)
        assert snap.distance_m < 1_000, (sid, "the release is more than 1 km from the river")
    for point in scenario.points:
        name, snap = river_of(network, point.lon, point.lat)
        assert name == point.river, (sid, point.id, name)
        assert snap.distance_m < 1_000


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
@pytest.mark.parametrize("variant", ["engine only", "with river plans"])
def test_each_scenario_is_playable_on_the_engine(contexts, scenarios, sid, variant):
    findings = check_scenario(contexts[variant], scenarios[sid])
    assert [f for f in findings if f["level"] != "info"] == [], findings


def test_the_library_covers_the_five_required_cases(network, scenarios):
    by_id = scenarios
    chem = by_id["jetdz-chemical-park-fire"]
    _name, snap = river_of(network, chem.incidents[0].report["lon"],
                           chem.incidents[0].report["lat"])
    assert snap.river_name_zh is None          # a first-order tributary of the 第二松花江
    assert chem.incidents[0].river == "第二松花江"
    assert network.locate(snap.lon, snap.lat)["prefecture"].name_zh == "吉林市"

    tailings = by_id["baishan-tailings-dam-break"].incidents[0]
    assert tailings.report["flow_condition"] == "flood" and tailings.river == "浑江"
    _name, snap = river_of(network, tailings.report["lon"], tailings.report["lat"])
    assert "鸭绿江" in snap.basin

    tanker = by_id["tumen-tanker-burhatong"].incidents[0]
    _name, snap = river_of(network, tanker.report["lon"], tanker.report["lat"])
    crossings = network.trace_downstream(snap.position).crossings
    assert "图们江" in snap.basin and any(c.level == "nation" for c in crossings)

    winter = by_id["songhua-winter-ice-oil"].incidents[0]
    assert winter.river == "松花江" and winter.report["flow_condition"] == "ice"

    metal = by_id["jilin-cadmium-upstream-intake"]
    assert metal.incidents[0].report["substance"] == "镉"
    assert any(p.kind == "intake" for p in metal.points)


def test_the_park_fire_drill_fires_on_the_containment_events(contexts, scenarios):
    """The hand-checked fire of tests/web/test_parks_api.py: the enterprise pool is full at
    09:50 and the river release starts at 10:30, so I2 (15 min before the overflow) is due at
    T+00:35 and I3 and the disposal phase at T+01:30."""
    from datetime import timedelta

    from emergency.drills import engine as eng
    from emergency.incidents.inputs import parse_incident
    from emergency.incidents.service import package_for

    ctx = contexts["with river plans"]
    scenario = scenarios["park01-fire-three-level"]
    spec = scenario.incidents[0]
    inc = parse_incident(spec.report, substances=ctx.catalogue,
                         season_by_month=ctx.season_by_month, now=spec.discovered_at, tz=ctx.tz)
    pkg = package_for(ctx, None, inc, spec.discovered_at)
    times = eng.event_times(pkg)
    t0 = scenario.t0
    assert times["containment:enterprise_overflow"] - t0 == timedelta(minutes=50)
    assert times["containment:river_release"] - t0 == timedelta(minutes=90)
    world = eng.World(t0=t0, fronts={spec.id: times})
    ahead = {u.ref: u.at - t0 for u in eng.upcoming(scenario, world, t0)
             if u.kind == "inject"}
    assert ahead["I2"] == timedelta(minutes=35)
    assert ahead["I3"] == timedelta(minutes=90)
    described = {i.id: i.trigger.describe()[0] for i in scenario.injects}
    assert described["I2"] == "三级防控:企业事故应急池满溢 -00:15"
