"""Plume transport (rivers.transport): Jobson (1996) travel times, peaks, reservoirs, 1-D slug.

Reference values are computed by hand (plain arithmetic, written out below), not by the module.
Jobson's own worked examples: the inputs of Example 1 ("Very limited data", WRIR 96-4013) are
reproduced from the report's text; its published answer figures could not be retrieved, so the
expected values here are hand-computed from the report's equations, not quoted from it.
"""

import math

import numpy as np
import pytest

from rivers.exceptions import BeyondPathError
from rivers.transport import (
    PlumeAtPoints,
    Reach,
    fischer_dispersion,
    peak_velocity,
    plume_along_path,
    shear_velocity,
    slug_concentration,
    triangular_response,
    unit_peak_concentration,
)

HOUR = 3600.0

# Jobson (1996) Example 1: 6,000 kg spilled instantaneously into an ungauged stream; water intake
# 15 km downstream; drainage area 350 km² at the spill, 430 km² at the intake (reach mean 390 km²);
# a nearby gauge (452 km², mean annual flow 5.22 m³/s, 3.88 m³/s at the time) gives
# Q = 3.88 · 390/452 = 3.35 m³/s and Q_a = 5.22 · 390/452 = 4.50 m³/s. No slope is quoted, so the
# equations without slope (14 and 15) apply.
EXAMPLE_1 = Reach(length_m=15_000.0, discharge_m3s=3.35, mean_discharge_m3s=4.50,
                  drainage_area_m2=390e6, slope=None, width_m=20.0)


def river(length_m=10_000.0, q=10.0, qa=12.0, area=1e9, slope=0.001, **overrides):
    return Reach(length_m, q, qa, area, slope, 30.0, **overrides)


def test_peak_velocity_follows_jobson_equations_12_and_13():
    """Hand: D'a = (390e6)^1.25·√9.81/4.50 = 3.81463e10, Q'a = 3.35/4.50 = 0.744444, S = 0.001.

    Vp  = 0.094 + 0.0143·D'a^0.919·Q'a^-0.469·S^0.159·Q/Da = 0.343334 m/s
    Vmp = 0.25  + 0.020 ·D'a^0.919·Q'a^-0.469·S^0.159·Q/Da = 0.598719 m/s
    """
    assert peak_velocity(3.35, 4.50, 390e6, 0.001) == pytest.approx(0.343334, rel=1e-5)
    assert peak_velocity(3.35, 4.50, 390e6, 0.001, maximum_probable=True) == pytest.approx(
        0.598719, rel=1e-5)


def test_peak_velocity_without_slope_follows_jobson_equations_14_and_15():
    """Hand: Vp = 0.020 + 0.051·D'a^0.821·Q'a^-0.465·Q/Da = 0.264636 m/s.

    Vmp = 0.20 + 0.093·D'a^0.821·Q'a^-0.465·Q/Da = 0.646102 m/s.
    """
    for missing in (None, float("nan"), 0.0):
        assert peak_velocity(3.35, 4.50, 390e6, missing) == pytest.approx(0.264636, rel=1e-5)
    assert peak_velocity(3.35, 4.50, 390e6, None, maximum_probable=True) == pytest.approx(
        0.646102, rel=1e-5)


def test_peak_velocity_takes_arrays_with_and_without_slope():
    v = peak_velocity(np.array([3.35, 3.35]), 4.50, 390e6, np.array([0.001, np.nan]))
    assert v == pytest.approx([0.343334, 0.264636], rel=1e-5)


def test_unit_peak_concentration_at_mean_flow_is_857_times_tp_to_minus_0_76():
    """Q = Q_a: C_up = 857 · 10^-0.76 = 148.93 for T_p = 10 h."""
    assert unit_peak_concentration(10 * HOUR, 5.0, 5.0) == pytest.approx(148.93, rel=1e-4)


def test_jobson_example_1_most_probable_arrival_and_peak_by_hand():
    """Example 1 inputs, eq. 14: Vp = 0.264636 m/s, T_p = 15000/Vp = 15.7449 h.

    Leading edge 0.89·T_p = 14.0129 h. C_up = 857·15.7449^(-0.760·0.744444^-0.079) = 100.391;
    C_p = C_up·6000/(1000·3.35) = 179.80 mg/L; T_d10 = 2e6/C_up = 19922 s = 5.5339 h, so the
    concentration is back to 10 % of peak at 14.0129 + 5.5339 = 19.5469 h.
    """
    p = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    assert p.peak_s[0] / HOUR == pytest.approx(15.7449, rel=1e-4)
    assert p.leading_edge_s[0] / HOUR == pytest.approx(14.0129, rel=1e-4)
    assert p.trailing_edge_s[0] / HOUR == pytest.approx(19.5469, rel=1e-4)
    assert p.peak_mg_l[0] == pytest.approx(179.80, rel=1e-4)
    assert not p.in_reservoir_or_below[0]


def test_jobson_example_1_worst_case_is_earlier_and_higher_by_hand():
    """Eq. 15: Vmp = 0.646102 m/s, T_p = 6.44893 h, leading edge 5.73955 h.

    C_up = 857·6.44893^(-0.760·0.744444^-0.079) = 201.029; C_p = 201.029·6000/3350 = 360.05 mg/L.
    """
    p = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    assert p.peak_earliest_s[0] / HOUR == pytest.approx(6.44893, rel=1e-4)
    assert p.leading_edge_earliest_s[0] / HOUR == pytest.approx(5.73955, rel=1e-4)
    assert p.peak_worst_mg_l[0] == pytest.approx(360.05, rel=1e-4)


def test_jobson_triangle_carries_exactly_the_released_mass():
    """∫C dt · Q = M: checks the units of C_p (mg/L) and T_d10 (s) against each other."""
    p = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    t = np.linspace(0.0, 30 * HOUR, 300_001)
    c = triangular_response(t, p.leading_edge_s[0], p.peak_s[0], p.trailing_edge_s[0],
                            p.peak_mg_l[0])
    mass_kg = np.trapezoid(c, t) * 3.35 / 1000.0
    assert mass_kg == pytest.approx(6000.0, rel=1e-4)


def test_leading_edge_arrives_before_peak_and_trailing_edge_after():
    p = plume_along_path([river(), river(q=20.0, qa=25.0)], [1_000.0, 10_000.0, 20_000.0],
                         mass_kg=500.0)
    assert np.all(p.leading_edge_s < p.peak_s)
    assert np.all(p.peak_s < p.trailing_edge_s)
    assert np.all(p.leading_edge_earliest_s < p.leading_edge_s)
    assert np.all(p.peak_earliest_s < p.peak_s)
    assert np.all(np.diff(p.peak_mg_l) < 0)


def test_peak_time_accumulates_reach_by_reach_and_leading_edge_factor_applies_to_total():
    slow, fast = river(slope=0.0001, q=5.0), river(slope=0.01, q=40.0, qa=30.0)
    v1, v2 = peak_velocity(5.0, 12.0, 1e9, 0.0001), peak_velocity(40.0, 30.0, 1e9, 0.01)
    p = plume_along_path([slow, fast], [15_000.0], mass_kg=1.0)
    expected = 10_000.0 / v1 + 5_000.0 / v2
    assert p.peak_s[0] == pytest.approx(expected, rel=1e-12)
    assert p.leading_edge_s[0] == pytest.approx(0.89 * expected, rel=1e-12)


def test_splitting_a_reach_changes_nothing():
    whole = plume_along_path([river(length_m=20_000.0)], [5_000.0, 20_000.0], mass_kg=100.0)
    halves = plume_along_path([river(), river()], [5_000.0, 20_000.0], mass_kg=100.0)
    for field in ("peak_s", "leading_edge_s", "trailing_edge_s", "peak_mg_l"):
        assert getattr(halves, field) == pytest.approx(getattr(whole, field), rel=1e-12)


def test_peak_concentration_is_diluted_by_the_discharge_at_the_point():
    """A tributary doubles Q at 10 km (same Q/Q_a): C_up is continuous there, so C_p halves."""
    p = plume_along_path([river(), river(q=20.0, qa=24.0)], [10_000.0 - 1e-6, 10_000.0],
                         mass_kg=100.0)
    assert p.peak_mg_l[1] == pytest.approx(p.peak_mg_l[0] / 2.0, rel=1e-6)


def test_first_order_decay_multiplies_the_peak_by_exp_minus_k_t():
    base = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    decayed = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0, decay_per_day=0.5)
    factor = math.exp(-0.5 * 15.7449 / 24.0)   # 0.720 at T_p = 15.7449 h
    assert decayed.peak_mg_l[0] == pytest.approx(base.peak_mg_l[0] * factor, rel=1e-4)
    assert decayed.peak_s[0] == base.peak_s[0]


def test_recoverable_fraction_scales_the_peak():
    full = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    part = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0, recoverable_fraction=0.4)
    assert part.peak_mg_l[0] == pytest.approx(0.4 * full.peak_mg_l[0], rel=1e-12)


def test_results_keep_the_order_of_the_query_offsets():
    p = plume_along_path([river(), river()], [18_000.0, 2_000.0, 9_000.0], mass_kg=1.0)
    assert list(p.offset_m) == [18_000.0, 2_000.0, 9_000.0]
    assert p.peak_s[1] < p.peak_s[2] < p.peak_s[0]
    assert isinstance(p, PlumeAtPoints)


def test_query_beyond_the_end_of_the_path_raises_beyond_path_error():
    with pytest.raises(BeyondPathError) as err:
        plume_along_path([river(), river()], [5_000.0, 20_001.0], mass_kg=1.0)
    assert isinstance(err.value, ValueError)
    assert err.value.details["path_length_m"] == 20_000.0
    assert plume_along_path([river(), river()], [20_000.0], mass_kg=1.0).peak_s[0] > 0


def test_negative_offsets_and_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        plume_along_path([river()], [-1.0], mass_kg=1.0)
    with pytest.raises(ValueError):
        plume_along_path([], [0.0], mass_kg=1.0)
    with pytest.raises(ValueError):
        plume_along_path([river(q=0.0)], [0.0], mass_kg=1.0)
    with pytest.raises(ValueError):
        plume_along_path([river()], [0.0], mass_kg=1.0, recoverable_fraction=0.0)


def test_continuous_release_matches_numerical_superposition_of_slugs():
    """The closed form equals 400 sub-slugs of M/400 released uniformly over T_r.

    T_d10 = 5.53 h, so T_r = 2 h (r = 0.36: a single peak) and 12 h (r = 2.17: a plateau, whose
    start is reported as the peak time).
    """
    slug = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    lead, peak, trail, c_p = (slug.leading_edge_s[0], slug.peak_s[0], slug.trailing_edge_s[0],
                              slug.peak_mg_l[0])
    t = np.linspace(0.0, 60 * HOUR, 6_001)
    for release_h in (2.0, 12.0):
        starts = (np.arange(400) + 0.5) / 400 * release_h * HOUR
        c = triangular_response(t[None, :] - starts[:, None], lead, peak, trail, c_p).mean(axis=0)
        cont = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0, release_hours=release_h)
        assert cont.peak_mg_l[0] == pytest.approx(c.max(), rel=2e-3)
        assert np.interp(cont.peak_s[0], t, c) == pytest.approx(c.max(), rel=2e-3)
        if release_h == 2.0:
            assert cont.peak_s[0] == pytest.approx(t[np.argmax(c)], abs=0.02 * HOUR)


def test_long_continuous_release_approaches_mass_rate_over_discharge_and_never_exceeds_slug():
    """200 h release of 6000 kg into 3.35 m³/s: 1000·6000/(3.35·720000) = 2.4876 mg/L.

    Times exp(-k·T_p) for the travel time of the water, T_p = 15.7449 h.
    """
    cont = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0, decay_per_day=0.3,
                            release_hours=200.0)
    steady = 2.4876 * math.exp(-0.3 * 15.7449 / 24.0)
    assert cont.peak_mg_l[0] == pytest.approx(steady, rel=1e-4)
    for hours in (0.1, 1.0, 5.0, 30.0, 200.0):
        c = plume_along_path([EXAMPLE_1], [5_000.0, 15_000.0], mass_kg=6000.0,
                             release_hours=hours)
        s = plume_along_path([EXAMPLE_1], [5_000.0, 15_000.0], mass_kg=6000.0)
        assert np.all(c.peak_mg_l <= s.peak_mg_l)


def test_continuous_release_keeps_the_leading_edge_and_delays_peak_and_trailing_edge():
    slug = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0)
    cont = plume_along_path([EXAMPLE_1], [15_000.0], mass_kg=6000.0, release_hours=3.0)
    assert cont.leading_edge_s[0] == slug.leading_edge_s[0]
    assert cont.trailing_edge_s[0] == pytest.approx(slug.trailing_edge_s[0] + 3 * HOUR)
    assert slug.peak_s[0] < cont.peak_s[0] < slug.trailing_edge_s[0]
    assert cont.peak_mg_l[0] < slug.peak_mg_l[0]


RESERVOIR_PATH = [river(), river(length_m=5_000.0, reservoir_volume_m3=5e6), river()]


def test_reservoir_delays_the_bulk_by_its_residence_time_and_first_water_by_short_circuit():
    """V/Q = 5e6/10 = 5e5 s; the first water after 0.1 · 5e5 = 5e4 s (default [I])."""
    upstream = plume_along_path(RESERVOIR_PATH[:1], [10_000.0], mass_kg=1000.0)
    p = plume_along_path(RESERVOIR_PATH, [15_000.0, 25_000.0], mass_kg=1000.0)
    t_in = upstream.peak_s[0]
    assert p.peak_s[0] == pytest.approx(t_in + 5e5, rel=1e-12)
    assert p.leading_edge_s[0] == pytest.approx(0.89 * t_in + 5e4, rel=1e-12)
    assert p.leading_edge_earliest_s[0] == pytest.approx(
        upstream.leading_edge_earliest_s[0] + 5e4, rel=1e-12)
    assert p.trailing_edge_s[0] > p.peak_s[0] + math.log(10.0) * 5e5
    later = plume_along_path(RESERVOIR_PATH, [15_000.0], mass_kg=1000.0,
                             short_circuit_fraction=0.3)
    assert later.leading_edge_s[0] == pytest.approx(0.89 * t_in + 1.5e5, rel=1e-12)


def test_reservoir_mixes_the_plume_into_its_volume():
    """C_out = C_in · (1 - exp(-1000·M/(V·C_in))), below both C_in and M/V = 0.2 mg/L."""
    c_in = plume_along_path(RESERVOIR_PATH[:1], [10_000.0], mass_kg=1000.0).peak_mg_l[0]
    expected = c_in * -math.expm1(-1000.0 * 1000.0 / (5e6 * c_in))
    p = plume_along_path(RESERVOIR_PATH, [10_000.0, 12_500.0, 15_000.0, 25_000.0],
                         mass_kg=1000.0)
    assert p.peak_mg_l[:3] == pytest.approx([expected] * 3, rel=1e-9)
    assert expected < min(c_in, 0.2)
    assert 0 < p.peak_mg_l[3] <= expected * (1 + 1e-12)
    assert list(p.in_reservoir_or_below) == [True, True, True, True]


def test_only_points_at_or_below_a_reservoir_are_flagged():
    p = plume_along_path(RESERVOIR_PATH, [0.0, 9_999.0, 10_000.0, 20_000.0], mass_kg=1.0)
    assert list(p.in_reservoir_or_below) == [False, False, True, True]


def test_a_tiny_reservoir_changes_the_concentration_little():
    path = [river(), river(length_m=100.0, reservoir_volume_m3=1.0), river()]
    p = plume_along_path(path, [10_000.0], mass_kg=1000.0)
    c_in = plume_along_path(path[:1], [10_000.0], mass_kg=1000.0).peak_mg_l[0]
    assert p.peak_mg_l[0] == pytest.approx(c_in, rel=1e-9)


def test_ice_velocity_factor_slows_only_ice_covered_reaches():
    path = [river(ice_covered=True), river()]
    open_water = plume_along_path(path, [10_000.0, 20_000.0], mass_kg=1.0)
    iced = plume_along_path(path, [10_000.0, 20_000.0], mass_kg=1.0, ice_velocity_factor=0.5)
    t1 = open_water.peak_s[0]
    assert iced.peak_s[0] == pytest.approx(2 * t1, rel=1e-12)
    assert iced.peak_s[1] - iced.peak_s[0] == pytest.approx(open_water.peak_s[1] - t1, rel=1e-9)


def test_fischer_dispersion_and_shear_velocity_by_hand():
    """u* = √(9.81·2·0.0004) = 0.088589 m/s; K = 0.011·0.8²·60²/(2·0.088589) = 143.04 m²/s."""
    u_star = shear_velocity(2.0, 0.0004)
    assert u_star == pytest.approx(0.088589, rel=1e-5)
    assert fischer_dispersion(0.8, 60.0, 2.0, u_star) == pytest.approx(143.04, rel=1e-4)


def test_slug_solution_conserves_mass():
    x = np.linspace(-5_000.0, 60_000.0, 130_001)
    for t, k in ((3_600.0, 0.0), (36_000.0, 0.0), (36_000.0, 0.7)):
        c = slug_concentration(x, t, mass_kg=500.0, area_m2=40.0, velocity_ms=0.6,
                               dispersion_m2s=50.0, decay_per_day=k)
        mass_kg = np.trapezoid(c, x) * 40.0 / 1000.0
        assert mass_kg == pytest.approx(500.0 * math.exp(-k * t / 86_400.0), rel=1e-6)


def test_slug_peak_moves_at_the_mean_velocity():
    x = np.linspace(0.0, 50_000.0, 500_001)
    peaks = [x[np.argmax(slug_concentration(x, t, mass_kg=1.0, area_m2=40.0, velocity_ms=0.6,
                                             dispersion_m2s=50.0))] for t in (10_000.0, 50_000.0)]
    assert (peaks[1] - peaks[0]) / 40_000.0 == pytest.approx(0.6, abs=1e-5)


def test_slug_is_zero_before_release():
    assert slug_concentration(0.0, 0.0, mass_kg=1.0, area_m2=1.0, velocity_ms=1.0,
                              dispersion_m2s=1.0) == 0.0


def test_jobson_and_advection_dispersion_agree_in_order_of_magnitude():
    """Sanity check only: a uniform reach, U = Jobson Vp, A = Q/U, h = A/W, Fischer's K."""
    reach = Reach(40_000.0, 3.35, 4.50, 390e6, 0.001, 20.0)
    jobson = plume_along_path([reach], [15_000.0], mass_kg=6000.0).peak_mg_l[0]
    u = peak_velocity(3.35, 4.50, 390e6, 0.001)
    area = 3.35 / u
    depth = area / 20.0
    k = fischer_dispersion(u, 20.0, depth, shear_velocity(depth, 0.001))
    t = np.linspace(1.0, 40 * HOUR, 20_001)
    ade = slug_concentration(15_000.0, t, mass_kg=6000.0, area_m2=area, velocity_ms=u,
                             dispersion_m2s=k).max()
    assert 0.1 < jobson / ade < 10.0
