"""Three-level containment (三级防控体系): enterprise → park → river, minute by minute.

Pure: no Flask, no database. A release inside a chemical park (一园一策一图) is first held by the
enterprise (bund 围堰, rain-outfall cut-off valve 雨水排口切断阀, accident pool 事故应急池), what
escapes by the park (gates on the rain network 雨水管网闸门, public emergency pools 公共应急池, the
pumps that fill them), and only what escapes both reaches the river through the park's outfall.

The model (every assumption is an engineering inference [I], its number configurable):

* Water reaching the enterprise's drains: the released liquid over the release window
  (``release_hours``; an instantaneous spill runs off over ``spill_runoff_minutes``) plus
  fire-fighting water (消防废水) at ``firewater_m3_per_h`` for ``firewater_hours``.
  The released liquid is first held by the bund (围堰) up to its volume; fire-fighting water is
  not (it falls across the plant).
* It reaches the enterprise's rain outfall ``runoff_minutes`` later. A cut-off valve that is
  normally closed (常闭) holds from the start; otherwise it closes ``close_minutes`` after the
  release was discovered. Behind a closed valve water goes to the accident pool until its free
  volume is used; then it overflows into the park's rain network. Water passing before the valve
  closes leaves too.
* The park does the same with its gate (``runoff_minutes`` from the enterprise outfall), its
  public pools (free volume) and, when given, the pumping rate into them (what arrives faster
  leaves). What leaves the park enters the river at the park outfall: that is the river release.
* The pollutant travels with the water it was released in; water passing a barrier before it
  holds keeps its concentration; a pool is well mixed, so what cannot get in leaves at the
  concentration of pool and inflow mixed.

Times are aware datetimes; volumes m³; masses kg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import numpy as np

#: An instantaneous spill runs off into the drains over this many minutes [I].
SPILL_RUNOFF_MINUTES = 10.0
#: Fire-fighting duration when only a rate is given, h. GB 50160-2008 (石油化工企业设计防火规范)
#: requires the fire-water supply of process units to last at least 3 h [P].
DEFAULT_FIREWATER_HOURS = 3.0
#: The simulation ends this long after the last water reaches the park outfall.
_TAIL_MINUTES = 5
#: Volumes below this are "nothing" (m³): rounding of the minute steps.
_EPS_M3 = 1e-6
#: Pollutant masses below this are "nothing" (kg).
_EPS_KG = 1e-6


@dataclass(frozen=True)
class Barrier:
    """A cut-off valve or gate: normally closed, or closed ``close_minutes`` after discovery."""

    id: str
    name_zh: str
    normally_closed: bool
    close_minutes: float
    closer_zh: str = ""


@dataclass(frozen=True)
class EnterpriseLevel:
    """Level 1 (企业级): the enterprise where the release happens."""

    id: str
    name_zh: str
    pool_free_m3: float            # accident pool volume minus what is in use
    bund_m3: float                 # the bund around the tank area
    valve: Barrier                 # the rain outfall's cut-off valve
    runoff_minutes: float          # release point → enterprise rain outfall
    pool_name_zh: str = "事故应急池"


@dataclass(frozen=True)
class ParkLevel:
    """Level 2 (园区级): the park's rain network, gate, public pools and pumps."""

    id: str
    name_zh: str
    pool_free_m3: float
    gate: Barrier | None           # None: the network drains to the river unguarded
    runoff_minutes: float          # enterprise outfall → park gate / outfall
    pumping_m3_per_h: float | None  # into the public pools; None: not limiting
    outfall_id: str
    outfall_name_zh: str
    pool_names_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    occurred_at: datetime
    discovered_at: datetime
    liquid_m3: float
    pollutant_kg: float
    release_hours: float = 0.0
    firewater_m3_per_h: float = 0.0
    firewater_hours: float = 0.0


@dataclass(frozen=True)
class LevelResult:
    level: str                     # 'enterprise' | 'park'
    name_zh: str
    free_m3: float
    inflow_m3: float               # what reached this level
    held_m3: float
    passed_m3: float               # what left it (to the next level)
    passed_kg: float
    barrier_closed_at: datetime | None
    first_arrival_at: datetime | None   # water first reaches this level's barrier
    overflow_at: datetime | None   # its pool full, water passing from then on
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]


@dataclass(frozen=True)
class RiverRelease:
    mass_kg: float
    volume_m3: float
    starts_at: datetime
    ends_at: datetime
    outfall_id: str
    outfall_name_zh: str

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class Containment:
    held_at: str                   # 'enterprise' | 'park' | 'river'
    total_water_m3: float
    liquid_m3: float
    firewater_m3: float
    levels: tuple[LevelResult, ...]
    river_release: RiverRelease | None
    reasons_zh: tuple[str, ...] = field(default=())
    reasons_en: tuple[str, ...] = field(default=())


def liquid_volume_m3(mass_kg: float, density_g_cm3: float | None) -> float:
    """Volume of a released liquid from its mass; unknown density: that of water (1 g/cm³)."""
    density = density_g_cm3 if density_g_cm3 and density_g_cm3 > 0 else 1.0
    return mass_kg / (density * 1000.0)


def _fmt(m3: float) -> str:
    return f"{m3:,.0f}" if m3 >= 100 else f"{m3:,.1f}"


def _hm(dt: datetime | None) -> str:
    return dt.strftime("%H:%M") if dt else "—"


def _closing_minute(barrier: Barrier, release: Release) -> float:
    """Minutes after the release when the barrier holds."""
    if barrier.normally_closed:
        return 0.0
    known = (release.discovered_at - release.occurred_at).total_seconds() / 60
    return max(0.0, known) + max(0.0, barrier.close_minutes)


def _shift(series: np.ndarray, minutes: float) -> np.ndarray:
    steps = int(round(max(0.0, minutes)))
    if steps == 0:
        return series.copy()
    out = np.zeros_like(series)
    out[steps:] = series[:-steps]
    return out


def _stage(water: np.ndarray, mass: np.ndarray, close_minute: float | None, free_m3: float,
           pump_per_min: float | None) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Water and mass leaving one level, minute by minute, and the minute its pool filled.

    Before the barrier holds, water passes as it comes. Behind it, the pool fills (at most
    ``pump_per_min`` a minute): water the pumps cannot take, or that no longer fits, bypasses
    at its own concentration; once the pool is full it is well mixed, and what flows through
    leaves at the mixed concentration of pool and inflow.
    """
    out_w = np.zeros_like(water)
    out_m = np.zeros_like(mass)
    room = max(0.0, free_m3)
    pool_w = pool_m = 0.0
    full_at: int | None = None
    closed_from = math.inf if close_minute is None else close_minute
    for t in np.flatnonzero(water > 0):
        w, m = float(water[t]), float(mass[t])
        if t < closed_from:
            out_w[t], out_m[t] = w, m
            continue
        was_full = room <= _EPS_M3
        take = min(w, room, pump_per_min if pump_per_min is not None else math.inf)
        room -= take
        left = w - take
        if left <= _EPS_M3:
            pool_w += w
            pool_m += m
            continue
        if was_full or room <= _EPS_M3:
            full_at = int(t) if full_at is None else full_at
        if was_full:
            # a full pool is well mixed: what flows through leaves at the mixed concentration
            conc = (pool_m + m) / (pool_w + w)
            pool_m = pool_w * conc
        else:
            # water the pumps cannot take (or that no longer fits) bypasses the pool as it came
            conc = m / w
            pool_w += take
            pool_m += take * conc
        out_w[t] = left
        out_m[t] = left * conc
    return out_w, out_m, full_at


def assess(release: Release, park: ParkLevel, enterprise: EnterpriseLevel | None = None, *,
           spill_runoff_minutes: float = SPILL_RUNOFF_MINUTES,
           tz: tzinfo | None = None) -> Containment:
    """Which level holds the release, when each level overflows, what reaches the river.

    ``enterprise`` is None for a release on park ground outside any enterprise (level 1 does
    not apply: water goes straight into the park's rain network). ``tz``: the business time
    zone the results (and the clock times in the reasons) are given in; None: the release's.
    """
    t0 = release.occurred_at
    release_min = max(release.release_hours * 60, spill_runoff_minutes, 1.0)
    fire_min = max(0.0, release.firewater_hours * 60) if release.firewater_m3_per_h > 0 else 0.0
    delays = (enterprise.runoff_minutes if enterprise else 0.0) + park.runoff_minutes
    horizon = int(math.ceil(max(release_min, fire_min) + delays)) + _TAIL_MINUTES + 1
    minutes = np.arange(horizon)

    liquid = np.where(minutes < release_min, release.liquid_m3 / release_min, 0.0)
    kg = np.where(minutes < release_min, release.pollutant_kg / release_min, 0.0)
    # the last partial minute of a release window
    frac = release_min - math.floor(release_min)
    if frac > 0:
        last = int(math.floor(release_min))
        liquid[last] = release.liquid_m3 / release_min * frac
        kg[last] = release.pollutant_kg / release_min * frac
    fire = np.zeros(horizon)
    if fire_min > 0:
        fire = np.where(minutes < fire_min, release.firewater_m3_per_h / 60.0, 0.0)
        frac = fire_min - math.floor(fire_min)
        if frac > 0:
            fire[int(math.floor(fire_min))] = release.firewater_m3_per_h / 60.0 * frac
    total_fire = float(fire.sum())

    def at(minute: float | None) -> datetime | None:
        if minute is None:
            return None
        moment = t0 + timedelta(minutes=float(minute))
        return moment.astimezone(tz) if tz is not None else moment

    levels: list[LevelResult] = []
    reasons_zh: list[str] = []
    reasons_en: list[str] = []
    reasons_zh.append(f"进入排水系统的水量:泄漏液体 {_fmt(release.liquid_m3)} m³"
                      + (f" + 消防水 {_fmt(release.firewater_m3_per_h)} m³/h × "
                         f"{release.firewater_hours:g} h = {_fmt(total_fire)} m³"
                         if total_fire > 0 else ""))
    reasons_en.append(f"water reaching the drains: released liquid {_fmt(release.liquid_m3)} m³"
                      + (f" + fire-fighting water {_fmt(release.firewater_m3_per_h)} m³/h × "
                         f"{release.firewater_hours:g} h = {_fmt(total_fire)} m³"
                         if total_fire > 0 else ""))

    if enterprise is not None:
        # the bund holds the first of the released liquid (and its pollutant)
        bund = max(0.0, enterprise.bund_m3)
        cum = np.cumsum(liquid)
        held_before = np.minimum(cum - liquid, bund)
        held_now = np.minimum(cum, bund) - held_before
        share = np.divide(held_now, liquid, out=np.zeros_like(liquid), where=liquid > 0)
        liquid_out = liquid - held_now
        kg_out = kg * (1 - share)
        bund_held = float(held_now.sum())
        water = _shift(liquid_out + fire, enterprise.runoff_minutes)
        mass = _shift(kg_out, enterprise.runoff_minutes)
        close = _closing_minute(enterprise.valve, release)
        out_w, out_m, full = _stage(water, mass, close, enterprise.pool_free_m3, None)
        inflow = float(water.sum())
        passed = float(out_w.sum())
        first = _first(water)
        rz, re_ = _level_reasons("企业", "enterprise", enterprise.valve, close, first,
                                 enterprise.pool_name_zh, enterprise.pool_free_m3, inflow,
                                 passed, full, at, bund=bund, bund_held=bund_held)
        levels.append(LevelResult(
            "enterprise", enterprise.name_zh, enterprise.pool_free_m3, inflow + bund_held,
            inflow - passed + bund_held, passed, float(out_m.sum()), at(close), at(first),
            at(full), tuple(rz), tuple(re_)))
    else:
        out_w = liquid + fire
        out_m = kg

    water2 = _shift(out_w, park.runoff_minutes)
    mass2 = _shift(out_m, park.runoff_minutes)
    close2 = _closing_minute(park.gate, release) if park.gate else None
    pump = park.pumping_m3_per_h / 60.0 if park.pumping_m3_per_h else None
    out2_w, out2_m, full2 = _stage(water2, mass2, close2, park.pool_free_m3, pump)
    inflow2 = float(water2.sum())
    passed2 = float(out2_w.sum())
    first2 = _first(water2)
    rz, re_ = _level_reasons("园区", "park", park.gate, close2, first2,
                             "、".join(park.pool_names_zh) or "公共应急池", park.pool_free_m3,
                             inflow2, passed2, full2, at, pump_m3_h=park.pumping_m3_per_h)
    levels.append(LevelResult(
        "park", park.name_zh, park.pool_free_m3, inflow2, inflow2 - passed2, passed2,
        float(out2_m.sum()), at(close2), at(first2), at(full2), tuple(rz), tuple(re_)))

    river = None
    mass2 = float(out2_m.sum())
    if passed2 > _EPS_M3 and mass2 > _EPS_KG:
        # the river release is the polluted water: clean fire water passing first is not
        polluted = out2_m > _EPS_M3 * max(1.0, mass2)
        idx = np.flatnonzero(polluted if polluted.any() else out2_w > _EPS_M3)
        river = RiverRelease(
            mass_kg=mass2, volume_m3=passed2, starts_at=at(float(idx[0])),
            ends_at=at(float(idx[-1] + 1)), outfall_id=park.outfall_id,
            outfall_name_zh=park.outfall_name_zh)
        held_at = "river"
        reasons_zh.append(f"园区控制失效:{_fmt(passed2)} m³(污染物 {river.mass_kg:,.1f} kg)"
                          f"自 {_hm(river.starts_at)} 起经{park.outfall_name_zh}进入河流")
        reasons_en.append(f"the park does not hold it: {_fmt(passed2)} m³ ({river.mass_kg:,.1f} kg "
                          f"of pollutant) reach the river by {park.outfall_name_zh} "
                          f"from {_hm(river.starts_at)}")
    else:
        held_at = ("enterprise" if enterprise is not None and levels[0].passed_kg <= _EPS_KG
                   else "park")
        if held_at == "enterprise" and levels[0].passed_m3 <= _EPS_M3:
            reasons_zh.append("企业级防控可将泄漏液体和消防废水全部截留在厂区内")
            reasons_en.append("the enterprise holds all released liquid and fire-fighting water")
        elif held_at == "enterprise":
            reasons_zh.append("企业级防控可截留全部泄漏物料,无污染物进入河流")
            reasons_en.append("the enterprise holds all the released liquid; no pollutant reaches "
                              "the river")
        else:
            reasons_zh.append("园区级防控可截留流出企业的全部污染物,无污染物进入河流")
            reasons_en.append("the park holds all pollutant that leaves the enterprise; "
                              "nothing reaches the river")
        if passed2 > _EPS_M3:
            # the model's assumption, said where it matters: fire water may carry combustion
            # products the model does not count
            reasons_zh.append(f"约 {_fmt(passed2)} m³ 未接触泄漏物料的消防水经"
                              f"{park.outfall_name_zh}外排;消防废水可能含燃烧产物,"
                              "外排前须采样监测")
            reasons_en.append(f"about {_fmt(passed2)} m³ of fire water that never met the spill "
                              f"leave by {park.outfall_name_zh}; fire water may carry combustion "
                              "products: sample before it leaves")
    return Containment(held_at=held_at, total_water_m3=release.liquid_m3 + total_fire,
                       liquid_m3=release.liquid_m3, firewater_m3=total_fire,
                       levels=tuple(levels), river_release=river,
                       reasons_zh=tuple(reasons_zh), reasons_en=tuple(reasons_en))


def _first(series: np.ndarray) -> float | None:
    idx = np.flatnonzero(series > _EPS_M3)
    return float(idx[0]) if len(idx) else None


def _level_reasons(word_zh: str, word_en: str, barrier: Barrier | None, close: float | None,
                   first: float | None, pool_zh: str, free: float, inflow: float, passed: float,
                   full: int | None, at, *, bund: float = 0.0, bund_held: float = 0.0,
                   pump_m3_h: float | None = None) -> tuple[list[str], list[str]]:
    zh: list[str] = []
    en: list[str] = []
    if bund > 0:
        zh.append(f"围堰容积 {_fmt(bund)} m³,截留泄漏液体 {_fmt(bund_held)} m³")
        en.append(f"bund {_fmt(bund)} m³ holds {_fmt(bund_held)} m³ of the released liquid")
    if barrier is None:
        zh.append(f"{word_zh}雨水管网无闸门,来水直接外排")
        en.append(f"the {word_en}'s rain network has no gate: water leaves unguarded")
    elif barrier.normally_closed:
        zh.append(f"{barrier.name_zh}常闭")
        en.append(f"{barrier.name_zh} is normally closed")
    else:
        zh.append(f"{barrier.name_zh}于发现后 {barrier.close_minutes:g} 分钟关闭({_hm(at(close))})"
                  f",来水最早 {_hm(at(first))} 到达")
        en.append(f"{barrier.name_zh} closes {barrier.close_minutes:g} min after discovery "
                  f"({_hm(at(close))}); water first arrives {_hm(at(first))}")
    zh.append(f"{pool_zh}可用容积 {_fmt(free)} m³,来水 {_fmt(inflow)} m³"
              + (f",泵入能力 {_fmt(pump_m3_h)} m³/h" if pump_m3_h else ""))
    en.append(f"{pool_zh}: free {_fmt(free)} m³ against {_fmt(inflow)} m³ arriving"
              + (f", pumping {_fmt(pump_m3_h)} m³/h" if pump_m3_h else ""))
    if full is not None:
        zh.append(f"{pool_zh}预计 {_hm(at(full))} 满溢")
        en.append(f"{pool_zh} full at {_hm(at(full))}")
    if passed > _EPS_M3:
        zh.append(f"流出{word_zh} {_fmt(passed)} m³")
        en.append(f"{_fmt(passed)} m³ leave the {word_en}")
    return zh, en
