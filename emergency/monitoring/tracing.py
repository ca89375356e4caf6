"""Source tracing (溯源): which upstream risk source explains a detection at a station or point.

Pure: numpy and the river model (rivers.*); no Flask, no database. Everything is loaded before
it runs: the network, the candidate sources (with where their water enters the river and what
they hold), the flow condition, and any upstream readings that saw nothing.

For each candidate whose water reaches the detection point (its downstream trace passes it):

* **release window** — a slug released at ``t_r`` passes the point between ``t_r + front`` and
  ``t_r + tail`` (Jobson 1996 for this flow), so the detection at ``t_obs`` is explained by a
  release in ``[t_obs − tail, t_obs − front_earliest]`` (the earliest front at the
  maximum-probable velocity: the latest possible release);
* **mass** — the mass whose forecast *peak* equals the observed concentration (a lower bound:
  the sample may not have caught the peak), ``c_obs / c_peak(1 kg)``;
* **plausibility rank** — handles that substance (+3) or that pollutant class (+1.5); the
  mass within its stored maximum (+2, else minus the log10 of the excess); the window in the
  recent past (ends within ``RECENT_HOURS``: +1); an upstream reading below the detection
  limit at a time the plume from that source should have been passing rules it out (to the
  bottom, with the reason). Ties go to the smaller mass (the nearer source).

An **unlisted source** (未登记来源) between the nearest clean upstream reading and the
detection point is added when such a reading exists: the detection came from somewhere below
it. All weights are engineering choices [I], stated in the reasons shown to the officer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from rivers.network import RiverNetwork, RiverPosition
from rivers.transport import Reach, plume_along_path

RECENT_HOURS = 72.0        # [I] a window ending longer ago than this is stale
W_SUBSTANCE, W_CLASS, W_MASS, W_RECENT = 3.0, 1.5, 2.0, 1.0


@dataclass(frozen=True)
class SourceCandidate:
    """A risk source (or park outfall) as tracing sees it."""

    id: int | str
    name_zh: str
    entry: RiverPosition                      # where its water enters the river
    substances: tuple[tuple[str, float], ...]  # (substance id, stored maximum in t)
    classes: tuple[str, ...] = ()              # pollutant classes of what it holds
    sample: bool = True


@dataclass(frozen=True)
class CleanReading:
    """An upstream reading that saw nothing (below its detection limit) at a place and time."""

    position: RiverPosition
    at: datetime
    name_zh: str = ""


@dataclass(frozen=True)
class TraceHit:
    risk_source_id: int | str | None
    name_zh: str
    release_from: datetime
    release_to: datetime
    mass_kg: float
    distance_km: float
    score: float
    ruled_out: bool
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    unlisted: bool = False
    sample: bool = True
    rank: int = 0
    entry: RiverPosition | None = None


@dataclass(frozen=True)
class Detection:
    position: RiverPosition
    observed_at: datetime
    concentration_mg_l: float
    substance_id: str
    pollutant_class: str | None = None
    decay_per_day: float = 0.0


def trace_sources(detection: Detection, candidates: Sequence[SourceCandidate], *,
                  network: RiverNetwork, reaches_of, now: datetime,
                  clean: Sequence[CleanReading] = ()) -> list[TraceHit]:
    """Rank ``candidates`` for ``detection`` (best first; see the module docstring).

    ``reaches_of(trace) -> list[Reach]`` gives a trace's hydraulics under the current flow.
    """
    hits: list[TraceHit] = []
    for cand in candidates:
        trace = network.trace_downstream(cand.entry)
        dist = trace.distance_to(detection.position)
        if dist is None:
            continue
        offsets = [dist]
        clean_here = [(c, trace.distance_to(c.position)) for c in clean]
        clean_here = [(c, d) for c, d in clean_here if d is not None and d < dist - 1.0]
        offsets += [d for _c, d in clean_here]
        reaches: list[Reach] = reaches_of(trace)
        plume = plume_along_path(reaches, np.clip(offsets, 1.0, trace.length_m), mass_kg=1.0,
                                 decay_per_day=detection.decay_per_day)
        front_mp = float(plume.leading_edge_earliest_s[0])
        tail = float(plume.trailing_edge_s[0])
        per_kg = float(plume.peak_mg_l[0])
        t_from = detection.observed_at - timedelta(seconds=tail)
        t_to = detection.observed_at - timedelta(seconds=front_mp)
        mass = detection.concentration_mg_l / max(per_kg, 1e-300)
        zh, en = [], []
        score = 0.0
        held = dict(cand.substances)
        if detection.substance_id in held:
            score += W_SUBSTANCE
            zh.append("该源储存/使用该物质")
            en.append("holds this substance")
            stored_kg = held[detection.substance_id] * 1000.0
            if mass <= stored_kg:
                score += W_MASS
                zh.append(f"所需泄漏量约 {mass:.3g} kg,不超过其最大储量 {stored_kg:.3g} kg")
                en.append(f"needs about {mass:.3g} kg, within its stored {stored_kg:.3g} kg")
            else:
                score -= math.log10(mass / stored_kg)
                zh.append(f"所需泄漏量约 {mass:.3g} kg,超过其最大储量 {stored_kg:.3g} kg")
                en.append(f"needs about {mass:.3g} kg, more than its stored {stored_kg:.3g} kg")
        elif detection.pollutant_class and detection.pollutant_class in cand.classes:
            score += W_CLASS
            zh.append("该源储存同类污染物")
            en.append("holds a substance of the same class")
        else:
            zh.append("该源未登记储存该物质或同类物质")
            en.append("holds neither this substance nor its class")
        if (now - t_to).total_seconds() <= RECENT_HOURS * 3600.0:
            score += W_RECENT
            zh.append("推算排放时段在近期")
            en.append("the release window is recent")
        else:
            zh.append(f"推算排放时段早于 {RECENT_HOURS:g} 小时前")
            en.append(f"the release window ended more than {RECENT_HOURS:g} h ago")
        ruled_out = False
        for k, (c, _d) in enumerate(clean_here, start=1):
            # the plume from a release in [t_from, t_to] passes the clean site during
            # [t_from + front, t_to + tail]; a clean reading inside that span rules it out
            pass_from = t_from + timedelta(seconds=float(plume.leading_edge_s[k]))
            pass_to = t_to + timedelta(seconds=float(plume.trailing_edge_s[k]))
            if pass_from <= c.at <= pass_to:
                ruled_out = True
                zh.append(f"上游 {c.name_zh or '监测点'} 在污染团应经过时未检出,排除")
                en.append(f"upstream {c.name_zh or 'site'} saw nothing while this plume "
                          "should have been passing: ruled out")
                break
        hits.append(TraceHit(cand.id, cand.name_zh, t_from, t_to, mass, round(dist / 1000, 1),
                             round(score, 2), ruled_out, tuple(zh), tuple(en),
                             sample=cand.sample, entry=cand.entry))
    hits += _unlisted(detection, clean, network=network, reaches_of=reaches_of, now=now)
    hits.sort(key=lambda h: (h.ruled_out, -h.score, h.mass_kg))
    return [_ranked(h, k) for k, h in enumerate(hits, start=1)]


def _ranked(hit: TraceHit, rank: int) -> TraceHit:
    return replace(hit, rank=rank)


def _unlisted(detection: Detection, clean: Sequence[CleanReading], *, network: RiverNetwork,
              reaches_of, now: datetime) -> list[TraceHit]:
    """One candidate "between the nearest clean upstream reading and here", if any."""
    best = None
    for c in clean:
        trace = network.trace_downstream(c.position)
        d = trace.distance_to(detection.position)
        if d is not None and d > 1.0 and (best is None or d < best[1]):
            best = (c, d, trace)
    if best is None:
        return []
    c, d, trace = best
    reaches = reaches_of(trace)
    plume = plume_along_path(reaches, np.clip([d / 2, d], 1.0, trace.length_m), mass_kg=1.0,
                             decay_per_day=detection.decay_per_day)
    # released somewhere between: at the midpoint's travel time, within (0, the whole reach)
    t_from = detection.observed_at - timedelta(seconds=float(plume.trailing_edge_s[1]))
    t_to = detection.observed_at - timedelta(seconds=0.0)
    mass = detection.concentration_mg_l / max(float(plume.peak_mg_l[0]), 1e-300)
    zh = (f"上游 {c.name_zh or '监测点'} 未检出:来源可能是其与本点之间的未登记排放"
          f"(相距 {d / 1000:.1f} km)",)
    en = (f"upstream {c.name_zh or 'site'} saw nothing: possibly an unlisted discharge in the "
          f"{d / 1000:.1f} km between",)
    # scores like a source of the right substance whose mass is unknown, but not recent-proven
    return [TraceHit(None, f"未登记来源({c.name_zh or '上游监测点'}至本点之间)", t_from, t_to, mass,
                     round(d / 2000, 1), W_SUBSTANCE + W_RECENT, False, zh, en, unlisted=True,
                     sample=False)]


__all__ = ["SourceCandidate", "CleanReading", "Detection", "TraceHit", "trace_sources",
           "RECENT_HOURS"]
