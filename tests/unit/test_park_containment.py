"""Three-level containment (三级防控): hand-checked numbers on small parks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emergency.parks.containment import (
    Barrier,
    EnterpriseLevel,
    ParkLevel,
    Release,
    assess,
    liquid_volume_m3,
)

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def enterprise(*, pool=1000.0, bund=0.0, closed=True, close=15.0, runoff=5.0):
    valve = Barrier("v1", "雨水排口切断阀", closed, close)
    return EnterpriseLevel("e1", "示例企业", pool, bund, valve, runoff)


def park(*, pool=500.0, gate=True, closed=False, close=20.0, runoff=15.0, pump=None):
    barrier = Barrier("g1", "园区雨水闸门", closed, close) if gate else None
    return ParkLevel("p", "示例园区", pool, barrier, runoff, pump, "o1", "园区排口")


def test_a_small_leak_behind_a_closed_valve_stays_in_the_enterprise():
    # 150 m³ spilled: the bund takes 100, the remaining 50 run into the 1,000 m³ pool
    release = Release(T0, minutes(10), liquid_m3=150, pollutant_kg=15_000)
    result = assess(release, park(), enterprise(bund=100))
    assert result.held_at == "enterprise"
    assert result.river_release is None
    level1, level2 = result.levels
    assert level1.inflow_m3 == pytest.approx(150)
    assert level1.held_m3 == pytest.approx(150)
    assert level1.passed_m3 == pytest.approx(0)
    assert level1.overflow_at is None
    assert level2.inflow_m3 == pytest.approx(0)


def test_a_leak_before_the_valve_closes_goes_to_the_park_which_holds_it():
    # 60 m³ over the 10-minute run-off reach the outfall at minutes 5–14; the valve closes at
    # discovery (10) + 30 = minute 40: all 60 m³ leave the enterprise; the park gate is closed.
    release = Release(T0, minutes(10), liquid_m3=60, pollutant_kg=6000)
    result = assess(release, park(closed=True), enterprise(closed=False, close=30))
    assert result.held_at == "park"
    level1, level2 = result.levels
    assert level1.barrier_closed_at == minutes(40)
    assert level1.first_arrival_at == minutes(5)
    assert level1.passed_m3 == pytest.approx(60)
    assert level1.passed_kg == pytest.approx(6000)
    assert level2.first_arrival_at == minutes(20)
    assert level2.held_m3 == pytest.approx(60)
    assert result.river_release is None


def test_a_large_fire_overflows_both_levels_at_hand_checked_times():
    # 50 m³ liquid over 10 min + 360 m³/h fire water for 5 h (6 m³/min) = 1,850 m³.
    # Enterprise (valve closed, pool 1,000 m³, run-off 5 min): minutes 5–14 bring 11 m³/min
    # (110 m³), then 6 m³/min; 890 m³ more need 148⅓ min → full in minute 163 (10:43).
    # Park: 850 m³ leave the enterprise from minute 163; they reach the gate 15 min later
    # (minute 178, gate closed since minute 30); the 500 m³ pool holds 4 + 82 × 6 = 496 m³ by
    # minute 260 and is full in minute 261 (12:21); 350 m³ reach the river from then on.
    release = Release(T0, minutes(10), liquid_m3=50, pollutant_kg=5000,
                      firewater_m3_per_h=360, firewater_hours=5)
    result = assess(release, park(), enterprise())
    assert result.total_water_m3 == pytest.approx(1850)
    level1, level2 = result.levels
    assert level1.overflow_at == minutes(163)
    assert level1.passed_m3 == pytest.approx(850)
    assert level2.barrier_closed_at == minutes(30)
    assert level2.first_arrival_at == minutes(178)
    assert level2.overflow_at == minutes(261)
    assert result.held_at == "river"
    river = result.river_release
    assert river.volume_m3 == pytest.approx(350)
    assert river.starts_at == minutes(261)
    assert river.ends_at == minutes(320)          # fire water stops at 300, + 5 + 15 min
    assert river.outfall_id == "o1"
    # the pools are well mixed: what overflows carries part of the pollutant, never more
    assert 0 < river.mass_kg < level1.passed_kg < 5000


def test_mass_is_conserved_between_held_and_released():
    release = Release(T0, minutes(5), liquid_m3=400, pollutant_kg=40_000, release_hours=1,
                      firewater_m3_per_h=300, firewater_hours=2)
    result = assess(release, park(pool=100, pump=120), enterprise(pool=200, closed=False))
    level1, level2 = result.levels
    assert level2.inflow_m3 == pytest.approx(level1.passed_m3)
    assert result.river_release.volume_m3 == pytest.approx(level2.passed_m3)
    assert result.river_release.mass_kg == pytest.approx(level2.passed_kg)
    assert level2.passed_kg <= level1.passed_kg <= 40_000


def test_pumps_slower_than_the_inflow_let_the_surplus_pass():
    # park level only (no enterprise): 6 m³/min of fire water, pumps 180 m³/h = 3 m³/min
    release = Release(T0, T0, liquid_m3=0, pollutant_kg=0, firewater_m3_per_h=360,
                      firewater_hours=1)
    result = assess(release, park(pool=10_000, closed=True, pump=180, runoff=0))
    level2 = result.levels[0]
    assert level2.level == "park"
    assert level2.held_m3 == pytest.approx(180)
    assert level2.passed_m3 == pytest.approx(180)
    assert result.river_release is None        # clean fire water only: no pollutant leaves


def test_water_the_pumps_cannot_take_bypasses_at_its_own_concentration():
    # 60 m³ carrying 600 kg run off over 10 min (6 m³/min); pumps take 3 m³/min into a pool
    # with room to spare: half of every minute's water passes, with half of the pollutant
    release = Release(T0, T0, liquid_m3=60, pollutant_kg=600)
    result = assess(release, park(pool=10_000, closed=True, pump=180, runoff=0))
    level2 = result.levels[0]
    assert level2.overflow_at is None                      # the pool never fills
    assert level2.passed_m3 == pytest.approx(30)
    assert level2.passed_kg == pytest.approx(300)
    assert result.river_release.starts_at == T0
    assert result.river_release.ends_at == minutes(10)


def test_clean_fire_water_passing_first_does_not_start_the_river_release():
    # the bund holds the first 5 m³ of the spill (minutes 0-4); clean fire water reaches the
    # park from minute 30 and bypasses the slow pumps; the pollutant follows from minute 35
    release = Release(T0, T0, liquid_m3=10, pollutant_kg=1000, firewater_m3_per_h=360,
                      firewater_hours=1)
    result = assess(release, park(pool=10_000, close=20, pump=180, runoff=0),
                    enterprise(pool=0, closed=False, close=100, runoff=30, bund=5))
    assert result.levels[1].first_arrival_at == minutes(30)
    assert result.river_release.starts_at == minutes(35)
    assert result.levels[1].passed_m3 > result.river_release.volume_m3 - 1e-9


def test_a_park_without_a_gate_lets_everything_through():
    release = Release(T0, minutes(10), liquid_m3=30, pollutant_kg=3000)
    result = assess(release, park(gate=False), enterprise(closed=False, close=60))
    assert result.held_at == "river"
    assert result.river_release.mass_kg == pytest.approx(3000)
    assert any("无闸门" in r for r in result.levels[1].reasons_zh)


def test_volume_of_a_liquid_from_mass_and_density():
    assert liquid_volume_m3(1840, 1.84) == pytest.approx(1.0)    # sulfuric acid
    assert liquid_volume_m3(1000, None) == pytest.approx(1.0)     # unknown: as water


def test_clean_fire_water_reaching_the_river_is_not_a_river_release():
    # the bund holds the whole spill; only fire water (which never met it) passes both levels:
    # no pollutant reaches the river, so there is no river release — but the officer is told
    # that fire water leaves and must be sampled
    release = Release(T0, T0, liquid_m3=50, pollutant_kg=5000, firewater_m3_per_h=600,
                      firewater_hours=2)
    result = assess(release, park(pool=0, gate=False), enterprise(pool=0, bund=100,
                                                                   closed=False, close=60))
    assert result.river_release is None
    assert result.held_at == "enterprise"
    assert result.levels[1].passed_m3 > 0
    assert any("外排前须采样监测" in r for r in result.reasons_zh)
