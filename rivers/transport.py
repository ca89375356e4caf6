"""Plume transport along a downstream path (污染团输移): arrival times and peak concentrations.

Pure: numpy, math and dataclasses only. Units: metres, seconds, kg, m³/s, mg/L (= g/m³).

Method (Jobson 1996, USGS WRIR 96-4013; Jobson 1997, J. Hydraul. Eng. 123(11)) [P]
------------------------------------------------------------------------------------
* Peak velocity of each reach, most probable (eq. 12) and maximum probable (eq. 13)::

      D'a = Da^1.25 · √g / Qa,   Q'a = Q / Qa
      Vp  = 0.094 + 0.0143 · D'a^0.919 · Q'a^-0.469 · S^0.159 · Q / Da
      Vmp = 0.25  + 0.020  · D'a^0.919 · Q'a^-0.469 · S^0.159 · Q / Da

  Without a slope (``None``, NaN or ≤ 0, e.g. a flat DEM cell) eqs. 14/15 are used:
  Vp = 0.020 + 0.051 · D'a^0.821 · Q'a^-0.465 · Q/Da, Vmp = 0.20 + 0.093 · (same).
* Peak travel time T_p accumulates reach by reach (each reach its own velocity); the leading
  edge arrives at 0.89 · T_p, the factor applied once, to the total (eq. 18).
* Unit-peak concentration (eq. 7), T_p in hours::

      C_up = 857 · T_p^(-0.760 · (Q/Qa)^-0.079)

  C_up is Jobson's unit concentration 10⁶ · C · Q / M_r with C · Q / M_r in s⁻¹ (consistent SI
  units), i.e. C_up / 10⁶ is in s⁻¹. Hence, with M in kg and Q in m³/s,
  C_p = 10⁻⁶ · C_up · R_r · M / Q kg/m³ = C_up · R_r · M / (1000 · Q) mg/L.
* The curve's area is ∫C_u dt = 10⁶; a triangle of height C_up and base T_d10 has that area when
  T_d10 = 2·10⁶ / C_up seconds (eq. 19): the passage time from the leading edge to 10 % of peak.
  The response to a slug is therefore taken as the triangle (T_l, 0) → (T_p, C_p) →
  (T_l + T_d10, 0), which carries exactly the recovered mass R_r · M.
* First-order decay: × exp(-k · t) at the travel time of the peak. Q and Q/Qa are those of the
  reach at the query point (dilution by tributaries). Jobson's relations hold once the
  pollutant is mixed across the channel; values within the mixing distance of the release
  are indicative only (the travel time is floored at 1 s to keep them finite).

Continuous release (release_hours = T_r > 0)
-------------------------------------------
Superposition of slugs released uniformly over T_r (Jobson's superposition principle): the
response is the slug triangle convolved with a box of width T_r, in closed form. With base
w = T_d10 and r = T_r / w the peak is C_p · (1 - r/2) for r ≤ 1 and C_p / (2r) =
R_r · M / (Q · T_r) (the steady concentration, mass rate / discharge) for r ≥ 1. It is reached
b · min(r, 1) after the slug peak (b: the triangle's falling limb); the leading edge is
unchanged; the trailing edge comes T_r later. Decay uses the travel time of the water (T_p).

Reservoirs and lakes (Reach.reservoir_volume_m3 set) [I: engineering assumptions]
-------------------------------------------------------------------------------
* Concentration: each reservoir reach is a fully mixed tank of volume V fed by the arriving
  plume, taken as a rectangular pulse of the arriving peak C_in carrying the mass M:
  C_out = C_in · (1 - exp(-M / (V · C_in))), never above C_in nor M / V. Consecutive reservoir
  reaches are tanks in series (give each reach its own share of the volume). The same
  concentration applies anywhere inside the reservoir reach.
* Below the dam the outflow acts as a new continuous source of duration M / (Q · C_out),
  and the river downstream adds its own dispersion, timed from the dam.
* Delay: the bulk (most probable peak) leaves V / Q after it arrives; the first water,
  short-circuiting, leaves ``short_circuit_fraction`` · V / Q after (default 0.1 [I]). The
  leading edges use the short-circuit delay, the earliest peak too. The tank's tail adds
  ln(10) · V / Q to the trailing edge (a mixed tank falls to 10 % in that time).
* A point inside a reservoir reach gets the delay in proportion to its distance along the reach.

Ice cover [I]
-------------
Jobson's relations are for open channels. Under ice the low winter discharge is already in
the input Q; ``ice_velocity_factor`` (default 1.0, i.e. no further change) multiplies the
velocities of ice-covered reaches where local measurements justify it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rivers.exceptions import BeyondPathError

__all__ = [
    "BeyondPathError",
    "PlumeAtPoints",
    "Reach",
    "fischer_dispersion",
    "peak_velocity",
    "plume_along_path",
    "shear_velocity",
    "slug_concentration",
    "triangular_response",
    "unit_peak_concentration",
]

G = 9.81                      # m/s²
LEADING_EDGE_RATIO = 0.89     # Jobson eq. 18
DEFAULT_SHORT_CIRCUIT_FRACTION = 0.1   # [I] first outflow from a reservoir after 0.1 · V/Q
SECONDS_PER_DAY = 86_400.0
_MIN_TRAVEL_S = 1.0           # floor for T_p in eq. 7 (T_p → 0 would give an infinite peak)
_LN10 = math.log(10.0)


@dataclass(frozen=True)
class Reach:
    """One contiguous stretch of the downstream path (a river segment or part of one).

    Attributes
    ----------
    length_m : float
        Length along the path, m (> 0).
    discharge_m3s : float
        Q, discharge now (flow condition applied), m³/s.
    mean_discharge_m3s : float
        Q_a, mean annual discharge, m³/s.
    drainage_area_m2 : float
        D_a, drainage area, m².
    slope : float or None
        Water-surface slope, m/m. ``None``, NaN or ≤ 0 → Jobson's equations without slope.
    width_m : float
        Channel width, m (for the dispersion coefficient of the 1-D slug solution).
    reservoir_volume_m3 : float or None
        Volume of the lake or reservoir this reach lies in (its share of it), m³.
    ice_covered : bool
        True under ice; velocities are then multiplied by ``ice_velocity_factor``.
    """

    length_m: float
    discharge_m3s: float
    mean_discharge_m3s: float
    drainage_area_m2: float
    slope: float | None
    width_m: float
    reservoir_volume_m3: float | None = None
    ice_covered: bool = False


@dataclass(frozen=True)
class PlumeAtPoints:
    """The plume at each query offset (arrays in the order given; times from release start).

    Attributes
    ----------
    offset_m : ndarray
        Query offsets, m downstream of the release point.
    leading_edge_s, leading_edge_earliest_s : ndarray
        Leading edge, most probable and from the maximum probable velocity (earliest credible), s.
    peak_s, peak_earliest_s : ndarray
        Peak concentration passes, most probable and earliest credible, s.
    trailing_edge_s : ndarray
        Concentration back to 10 % of peak (Jobson T_d10), most probable, s.
    peak_mg_l : ndarray
        Most probable peak concentration with first-order decay, mg/L.
    peak_worst_mg_l : ndarray
        Peak for the earliest credible arrival (less dispersion and decay: the worst case), mg/L.
    in_reservoir_or_below : ndarray of bool
        A reservoir or lake lies between the release and the point (or the point lies in one).
    """

    offset_m: np.ndarray
    leading_edge_s: np.ndarray
    leading_edge_earliest_s: np.ndarray
    peak_s: np.ndarray
    peak_earliest_s: np.ndarray
    trailing_edge_s: np.ndarray
    peak_mg_l: np.ndarray
    peak_worst_mg_l: np.ndarray
    in_reservoir_or_below: np.ndarray


def peak_velocity(discharge, mean_discharge, drainage_area_m2, slope, *, maximum_probable=False):
    """Velocity of the peak concentration, m/s (Jobson 1996 eqs. 12-15).

    Parameters
    ----------
    discharge, mean_discharge : float or array_like
        Q now and mean annual Q_a, m³/s (> 0).
    drainage_area_m2 : float or array_like
        D_a, m² (> 0).
    slope : float, array_like or None
        m/m. ``None``, NaN or ≤ 0 selects the equations without slope (eqs. 14/15).
    maximum_probable : bool
        Maximum probable velocity (eqs. 13/15: the earliest credible arrival) instead of the
        most probable one (eqs. 12/14).

    Returns
    -------
    float or ndarray
        Peak velocity, m/s.
    """
    q = np.asarray(discharge, dtype=float)
    qa = np.asarray(mean_discharge, dtype=float)
    da = np.asarray(drainage_area_m2, dtype=float)
    s = np.asarray(np.nan if slope is None else slope, dtype=float)
    d_prime = da**1.25 * math.sqrt(G) / qa
    q_rel = q / qa
    has_slope = s > 0                      # False for NaN too
    s_safe = np.where(has_slope, s, 1.0)
    if maximum_probable:
        with_s = 0.25 + 0.020 * d_prime**0.919 * q_rel**-0.469 * s_safe**0.159 * q / da
        without = 0.20 + 0.093 * d_prime**0.821 * q_rel**-0.465 * q / da
    else:
        with_s = 0.094 + 0.0143 * d_prime**0.919 * q_rel**-0.469 * s_safe**0.159 * q / da
        without = 0.020 + 0.051 * d_prime**0.821 * q_rel**-0.465 * q / da
    v = np.where(has_slope, with_s, without)
    return float(v) if v.ndim == 0 else v


def unit_peak_concentration(travel_time_s, discharge, mean_discharge):
    """Jobson's unit-peak concentration C_up = 857 · T_p^(-0.760 (Q/Qa)^-0.079) (eq. 7).

    Parameters
    ----------
    travel_time_s : float or array_like
        Travel time of the peak, s (floored at 1 s).
    discharge, mean_discharge : float or array_like
        Q and Q_a, m³/s.

    Returns
    -------
    float or ndarray
        C_up = 10⁶ · C_p · Q / (R_r · M), in 10⁻⁶ s⁻¹ (so C_up / 10⁶ is in s⁻¹).
    """
    hours = np.maximum(np.asarray(travel_time_s, dtype=float), _MIN_TRAVEL_S) / 3600.0
    q_rel = np.asarray(discharge, dtype=float) / np.asarray(mean_discharge, dtype=float)
    c = 857.0 * hours ** (-0.760 * q_rel**-0.079)
    return float(c) if c.ndim == 0 else c


def triangular_response(times_s, leading_s, peak_s, trailing_s, peak_mg_l):
    """Concentration of the triangular slug response at ``times_s``, mg/L.

    Zero before ``leading_s``, rising linearly to ``peak_mg_l`` at ``peak_s``, falling
    linearly to zero at ``trailing_s`` (the shape used for superposition).
    """
    t = np.asarray(times_s, dtype=float)
    rise = np.interp(t, [leading_s, peak_s], [0.0, 1.0], left=0.0, right=1.0)
    fall = np.interp(t, [peak_s, trailing_s], [1.0, 0.0], left=1.0, right=0.0)
    return peak_mg_l * np.minimum(rise, fall)


def _slug(travel_s, q, qa, mass_kg, box_s):
    """Jobson slug at river travel time ``travel_s`` spread by a release box of ``box_s``.

    Returns (peak mg/L without decay, falling limb b s, peak delay from the box s).
    """
    tp = np.maximum(travel_s, _MIN_TRAVEL_S)
    c_up = unit_peak_concentration(tp, q, qa)
    c_p = c_up * mass_kg / (1000.0 * q)
    fall = np.maximum(2.0e6 / c_up - (1.0 - LEADING_EDGE_RATIO) * tp, 0.0)
    base = (1.0 - LEADING_EDGE_RATIO) * tp + fall
    r = box_s / base
    peak = c_p * np.where(r <= 1.0, 1.0 - 0.5 * r, 0.5 / np.maximum(r, 1.0))
    return peak, fall, fall * np.minimum(r, 1.0)


def plume_along_path(
    reaches: Sequence[Reach],
    query_offsets_m,
    *,
    mass_kg: float,
    decay_per_day: float = 0.0,
    release_hours: float = 0.0,
    recoverable_fraction: float = 1.0,
    short_circuit_fraction: float = DEFAULT_SHORT_CIRCUIT_FRACTION,
    ice_velocity_factor: float = 1.0,
    velocity_factors=None,
) -> PlumeAtPoints:
    """Arrival times and peak concentrations at offsets along a downstream path.

    Parameters
    ----------
    reaches : sequence of Reach
        The path in travel order; the first reach starts at the release point.
    query_offsets_m : array_like
        Distances downstream of the release point, m (0 ≤ offset ≤ path length).
    mass_kg : float
        Mass released, kg (> 0).
    decay_per_day : float
        First-order decay rate k, 1/day (≥ 0).
    release_hours : float
        Duration of a constant-rate release, h (0: instantaneous slug).
    recoverable_fraction : float
        R_r, fraction of the mass that stays in the water (0 < R_r ≤ 1) before decay.
    short_circuit_fraction : float
        Earliest outflow from a reservoir as a fraction of its residence time V/Q [I].
    ice_velocity_factor : float
        Multiplies the velocities of ice-covered reaches (default 1.0: none) [I].
    velocity_factors : array_like or None
        One factor per reach multiplying both its velocities (a river that slows reach by
        reach; synthetic truths of the assimilation tests). ``None``: all 1.

    Returns
    -------
    PlumeAtPoints

    Raises
    ------
    BeyondPathError
        An offset lies beyond the end of the path.
    ValueError
        Empty path, negative offsets or out-of-range inputs.
    """
    if not reaches:
        raise ValueError("the path has no reaches")
    if not mass_kg > 0 or decay_per_day < 0 or release_hours < 0:
        raise ValueError("need mass_kg > 0, decay_per_day >= 0 and release_hours >= 0")
    if not 0 < recoverable_fraction <= 1 or not 0 <= short_circuit_fraction <= 1:
        raise ValueError("recoverable_fraction must be in (0, 1], short_circuit_fraction in [0, 1]")
    if not ice_velocity_factor > 0:
        raise ValueError("ice_velocity_factor must be > 0")

    cols = np.array(
        [(r.length_m, r.discharge_m3s, r.mean_discharge_m3s, r.drainage_area_m2,
          np.nan if r.slope is None else r.slope,
          np.nan if r.reservoir_volume_m3 is None else r.reservoir_volume_m3, r.ice_covered)
         for r in reaches],
        dtype=float,
    ).T
    length, q, qa, da, slope, volume, ice = cols
    is_res = ~np.isnan(volume)
    if np.any(~(length > 0) | ~(q > 0) | ~(qa > 0) | ~(da > 0)) or np.any(volume[is_res] <= 0):
        raise ValueError("reach lengths, discharges, areas and volumes must be positive")

    x = np.atleast_1d(np.asarray(query_offsets_m, dtype=float))
    bounds = np.concatenate(([0.0], np.cumsum(length)))
    if np.any(~(x >= 0)):
        raise ValueError("query offsets must be >= 0 m")
    beyond = x > bounds[-1] + 1e-6
    if np.any(beyond):
        raise BeyondPathError(
            "查询点超出下游追踪路径的终点",
            "a query offset lies beyond the end of the downstream path",
            offset_m=float(x[beyond].max()),
            path_length_m=float(bounds[-1]),
        )

    # Per-reach travel times (river) and delays (reservoir).
    factor = np.where(ice > 0, ice_velocity_factor, 1.0)
    if velocity_factors is not None:
        per_reach = np.asarray(velocity_factors, dtype=float)
        if per_reach.shape != factor.shape or np.any(~(per_reach > 0)):
            raise ValueError("velocity_factors: one positive factor per reach")
        factor = factor * per_reach
    v_p = peak_velocity(q, qa, da, slope) * factor
    v_mp = peak_velocity(q, qa, da, slope, maximum_probable=True) * factor
    t_reach = np.where(is_res, 0.0, length / v_p)
    t_reach_mp = np.where(is_res, 0.0, length / v_mp)
    residence = np.where(is_res, volume / q, 0.0)

    # Locate the points: reach index and fraction along it.
    n = len(length)
    idx = np.clip(np.searchsorted(bounds, x, side="right") - 1, 0, n - 1)
    frac = np.clip((x - bounds[idx]) / length[idx], 0.0, 1.0)

    def along(per_reach):
        cum = np.concatenate(([0.0], np.cumsum(per_reach)))
        return cum[idx] + frac * per_reach[idx], cum

    t_river, cum_t = along(t_reach)
    t_river_mp, cum_t_mp = along(t_reach_mp)
    d_bulk, _ = along(residence)
    d_short = short_circuit_fraction * d_bulk

    res_reaches = np.flatnonzero(is_res)
    source = np.searchsorted(res_reaches, idx, side="left")   # reservoirs strictly upstream
    in_res = is_res[idx]
    mass = recoverable_fraction * mass_kg
    release_s = release_hours * 3600.0
    q_pt, qa_pt = q[idx], qa[idx]

    def concentrations(t_pt, cum):
        """Undecayed peak (mg/L), falling limb (s) and box delay of the peak (s) per point."""
        src_t0, src_box, c_out, inlet_shift = [0.0], [release_s], [], 0.0
        for k, j in enumerate(res_reaches):
            c_in, _, shift = _slug(cum[j] - src_t0[-1], q[j], qa[j], mass, src_box[-1])
            if k == 0:
                inlet_shift = float(shift)
            c_in = max(float(c_in), 1e-300)
            c_out.append(-c_in * math.expm1(-1000.0 * mass / (volume[j] * c_in)))
            src_t0.append(cum[j])
            src_box.append(1000.0 * mass / (q[j] * c_out[-1]))
        src_t0, src_box = np.array(src_t0), np.array(src_box)
        c_out = np.array([*c_out, np.nan])
        peak, fall, shift = _slug(t_pt - src_t0[source], q_pt, qa_pt, mass, src_box[source])
        peak = np.where(in_res, c_out[source], peak)
        shift = np.where((source == 0) & ~in_res, shift, inlet_shift)
        return peak, fall, shift

    k_s = decay_per_day / SECONDS_PER_DAY
    peak, fall, shift = concentrations(t_river, cum_t)
    peak_mp, _, shift_mp = concentrations(t_river_mp, cum_t_mp)
    age = t_river + d_bulk
    age_mp = t_river_mp + d_short
    return PlumeAtPoints(
        offset_m=x,
        leading_edge_s=LEADING_EDGE_RATIO * t_river + d_short,
        leading_edge_earliest_s=LEADING_EDGE_RATIO * t_river_mp + d_short,
        peak_s=age + shift,
        peak_earliest_s=age_mp + shift_mp,
        trailing_edge_s=age + fall + release_s + _LN10 * d_bulk,
        peak_mg_l=peak * np.exp(-k_s * age),
        peak_worst_mg_l=peak_mp * np.exp(-k_s * age_mp),
        in_reservoir_or_below=(source > 0) | in_res,
    )


def shear_velocity(depth_m, slope):
    """Shear velocity u* = √(g · h · S), m/s, for depth h (m) and slope S (m/m)."""
    return np.sqrt(G * np.asarray(depth_m, dtype=float) * np.asarray(slope, dtype=float))


def fischer_dispersion(velocity_ms, width_m, depth_m, shear_velocity_ms):
    """Longitudinal dispersion coefficient K = 0.011 · U² · W² / (h · u*), m²/s (Fischer 1975).

    Parameters
    ----------
    velocity_ms : float or array_like
        Mean velocity U, m/s.
    width_m, depth_m : float or array_like
        Width W and mean depth h, m.
    shear_velocity_ms : float or array_like
        u*, m/s.
    """
    u = np.asarray(velocity_ms, dtype=float)
    w = np.asarray(width_m, dtype=float)
    return 0.011 * u**2 * w**2 / (np.asarray(depth_m, dtype=float) * shear_velocity_ms)


def slug_concentration(x_m, t_s, *, mass_kg, area_m2, velocity_ms, dispersion_m2s,
                       decay_per_day=0.0):
    """1-D advection-dispersion solution for an instantaneous, cross-sectionally mixed slug.

    C(x, t) = M / (A √(4πKt)) · exp(-(x - Ut)² / (4Kt)) · exp(-kt)

    Parameters
    ----------
    x_m : float or array_like
        Distance downstream of the release, m.
    t_s : float or array_like
        Time since release, s; C = 0 for t ≤ 0.
    mass_kg : float
        Mass released, kg.
    area_m2 : float
        Cross-section A, m².
    velocity_ms : float
        Mean velocity U, m/s.
    dispersion_m2s : float
        Longitudinal dispersion coefficient K, m²/s.
    decay_per_day : float
        First-order decay rate k, 1/day.

    Returns
    -------
    float or ndarray
        Concentration, mg/L.
    """
    x = np.asarray(x_m, dtype=float)
    t = np.asarray(t_s, dtype=float)
    live = t > 0
    ts = np.where(live, t, 1.0)
    spread = 4.0 * dispersion_m2s * ts
    c = (1000.0 * mass_kg / (area_m2 * np.sqrt(math.pi * spread))
         * np.exp(-((x - velocity_ms * ts) ** 2) / spread - decay_per_day / SECONDS_PER_DAY * ts))
    c = np.where(live, c, 0.0)
    return float(c) if c.ndim == 0 else c
