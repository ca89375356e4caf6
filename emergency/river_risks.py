"""Which risk sources (风险源) threaten which key river (一河一策一图): the plan's risk sources.

A risk source belongs to the **first key river its water reaches**: from its river entry
segment (``entry_seg_id``, computed when it was imported) the water runs downstream until it
meets a segment of a plan river. A source that enters a plan river directly joins it at its
entry point; a source on a tributary without a plan of its own joins where that tributary meets
the plan river, ``via_km`` upstream of it. Because the trace stops at the first plan river met,
a source on 辉发河 belongs to 辉发河's plan, not to 第二松花江's, though its water ends there too:
each source belongs to exactly one plan (or to none, when its water leaves the data before
reaching a plan river).

Pure: reads the river network, the plan set and the inventory snapshot
(:class:`emergency.inventory.snapshot.Resources`); no Flask, no database. ``RiverRiskCache``
computes the assignment once per (network, plans, snapshot): the snapshot object is rebuilt
only when the inventory's fingerprint changes, so its identity stands for the fingerprint.

Distances are km along the network (projected CRS of :mod:`rivers.geo`); ``km`` is the plan
river's km mark from its head, the same marks as the plans' sites (:mod:`plans.loader`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from emergency.inventory.vocab import RISK_SOURCE_KINDS
from rivers.exceptions import UnknownSegment
from rivers.geo import project
from rivers.network import UNNAMED_EN, UNNAMED_ZH

if TYPE_CHECKING:
    from emergency.inventory.snapshot import RiskSourceView
    from plans.loader import Plan, PlanSet
    from rivers.network import RiverNetwork


@dataclass(frozen=True, slots=True)
class SubstanceAmount:
    """A substance a source holds (catalogue names) and its maximum quantity in tonnes."""

    id: str
    name_zh: str
    name_en: str
    max_t: float


@dataclass(frozen=True, slots=True)
class PlanRiskSource:
    """A risk source of a plan river, where its water joins the river.

    ``km`` is the plan river's km mark where the water joins it (the entry point for a direct
    source, the tributary's mouth otherwise); ``via_km`` the distance along the tributaries from
    the entry point to there (0 for a direct source), ``via_river_zh`` the tributary's name.
    ``lon``/``lat`` are the source's own position, ``entry_lon``/``entry_lat`` where its water
    enters the network.
    """

    id: int
    plan_id: str
    name_zh: str
    kind: str
    kind_zh: str
    kind_en: str
    substances: tuple[SubstanceAmount, ...]
    risk_level: str | None
    county_zh: str
    lon: float
    lat: float
    entry_lon: float
    entry_lat: float
    km: float
    via_km: float
    via_river_zh: str | None
    via_river_en: str | None
    sample: bool

    @property
    def direct(self) -> bool:
        return self.via_river_zh is None


def plan_head_m(network: RiverNetwork, plan: Plan) -> float:
    """Distance (m) from the plan river's head to its basin outlet (as :mod:`plans.loader`)."""
    d = network.data
    return max(float(d.to_outlet_m[i] + d.length_m[i]) for i in plan.segments)


class PlanFinder:
    """The first plan river the water entering at a segment reaches (see the module docstring).

    Built once per (network, plans): the plans' segments are indexed, each query walks down.
    """

    def __init__(self, network: RiverNetwork, plans: PlanSet) -> None:
        self.network = network
        self._down = network.data.downstream.tolist()
        self._plan_of: dict[int, Plan] = {i: p for p in plans.plans.values() for i in p.segments}

    def first(self, seg_id: int | None) -> tuple[Plan, int, int] | None:
        """(plan, entry index, index of the first plan segment reached) for the segment with
        id ``seg_id``; None when the id is unknown or the water reaches no plan river."""
        if seg_id is None:
            return None
        try:
            entry = self.network.index(seg_id)
        except UnknownSegment:  # the network was rebuilt without this segment: not placed
            return None
        j, steps = entry, 0
        while j >= 0 and j not in self._plan_of and steps <= self.network.n:
            j, steps = self._down[j], steps + 1
        if j >= 0 and j in self._plan_of:
            return self._plan_of[j], entry, j
        return None


def assign_risk_sources(
    network: RiverNetwork,
    plans: PlanSet,
    sources: Iterable[RiskSourceView],
    *,
    catalogue: Any = None,
) -> dict[str, tuple[PlanRiskSource, ...]]:
    """Each plan's risk sources, upstream first (by ``km``, then ``via_km``, then id).

    Parameters
    ----------
    network : RiverNetwork
        The river network the sources' ``entry_seg_id`` and the plans' segments refer to.
    plans : PlanSet
        The key-river plans; a segment belongs to at most one plan.
    sources : iterable of RiskSourceView
        The inventory's risk sources (``entry_seg_id``, ``entry_lon``/``entry_lat`` in WGS84).
    catalogue : SubstanceCatalogue, optional
        Names the substances; an id the catalogue does not know is shown as the id.

    Returns
    -------
    dict
        plan id → the plan's sources; every plan has an entry (possibly empty).
    """
    d = network.data
    finder = PlanFinder(network, plans)
    head_m = {pid: plan_head_m(network, p) for pid, p in plans.plans.items()}

    found: list[tuple[RiskSourceView, int, int, Plan]] = []  # source, entry, join segment, plan
    for src in sources:
        reached = finder.first(src.entry_seg_id)
        if reached is not None:
            plan, entry, join = reached
            found.append((src, entry, join, plan))

    offsets = _entry_offsets(network, [(s.entry_lon, s.entry_lat) for s, *_ in found],
                             [e for _, e, _, _ in found])
    out: dict[str, list[PlanRiskSource]] = {pid: [] for pid in plans.plans}
    for (src, entry, join, plan), offset in zip(found, offsets, strict=True):
        entry_to_outlet = float(d.to_outlet_m[entry] + d.length_m[entry]) - offset
        if join == entry:
            join_to_outlet, via_zh, via_en = entry_to_outlet, None, None
        else:  # the tributary's mouth: the upstream end of the plan segment
            join_to_outlet = float(d.to_outlet_m[join] + d.length_m[join])
            via_zh, via_en = _tributary_name(network, entry, join, src.receiving_river_zh)
        kind_zh, kind_en = RISK_SOURCE_KINDS.get(src.kind, (src.kind, src.kind))
        out[plan.id].append(PlanRiskSource(
            id=src.id, plan_id=plan.id, name_zh=src.name_zh, kind=src.kind, kind_zh=kind_zh,
            kind_en=kind_en, substances=_substances(src.substances, catalogue),
            risk_level=src.risk_level,
            county_zh=src.county_zh, lon=src.lon, lat=src.lat, entry_lon=src.entry_lon,
            entry_lat=src.entry_lat,
            km=round(max(head_m[plan.id] - join_to_outlet, 0.0) / 1000, 3),
            via_km=round(max(entry_to_outlet - join_to_outlet, 0.0) / 1000, 3),
            via_river_zh=via_zh, via_river_en=via_en, sample=src.sample))
    return {pid: tuple(sorted(rows, key=lambda r: (r.km, r.via_km, r.id)))
            for pid, rows in out.items()}


def _entry_offsets(network: RiverNetwork, lonlat: list[tuple[float, float]],
                   segments: list[int]) -> list[float]:
    """Offsets (m from the upstream end) of the entry points on their entry segments."""
    if not lonlat:
        return []
    if len(lonlat) == 1:  # pyproj treats a one-element array as a scalar (and warns)
        xy = project(float(lonlat[0][0]), float(lonlat[0][1]))
    else:
        xy = project(np.array([p[0] for p in lonlat], dtype=float),
                     np.array([p[1] for p in lonlat], dtype=float))
    x, y = (np.atleast_1d(np.asarray(v, dtype=float)) for v in xy)
    points = shapely.points(x, y)
    offsets = shapely.line_locate_point(network.lines[np.array(segments)], points)
    return [float(v) for v in np.atleast_1d(offsets)]


def _tributary_name(network: RiverNetwork, entry: int, join: int,
                    receiving_zh: str | None) -> tuple[str, str]:
    """The tributary the water takes into the plan river: the channel just above the mouth if
    it is named, else the nearest named river on the way, else the receiving river's name."""
    d = network.data
    path: list[int] = []
    j = entry
    while j >= 0 and j != join:
        path.append(j)
        j = int(d.downstream[j])
    for i in reversed(path):
        if d.name_zh[i]:
            return str(d.name_zh[i]), str(d.name_en[i] or d.name_zh[i])
    if receiving_zh and receiving_zh != UNNAMED_ZH:
        return receiving_zh, receiving_zh
    return UNNAMED_ZH, UNNAMED_EN


def _substances(held: Iterable[tuple[str, float]], catalogue: Any) -> tuple[SubstanceAmount, ...]:
    out = []
    for substance_id, max_t in held:
        s = catalogue.get(substance_id) if catalogue is not None else None
        out.append(SubstanceAmount(substance_id, s.name_zh if s else substance_id,
                                   s.name_en if s else substance_id, float(max_t)))
    return tuple(out)


class RiverRiskCache:
    """:func:`assign_risk_sources` once per (network, plans, inventory snapshot).

    ``get`` compares the three by identity: the snapshot cache hands back the same object while
    the inventory's fingerprint is unchanged, a new one after any change.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, Any, Any] | None = None
        self._value: dict[str, tuple[PlanRiskSource, ...]] = {}
        self._lock = threading.Lock()

    def get(self, network: RiverNetwork, plans: PlanSet, resources: Any, *,
            catalogue: Any = None) -> dict[str, tuple[PlanRiskSource, ...]]:
        key = self._key
        if key is not None and key[0] is network and key[1] is plans and key[2] is resources:
            return self._value
        with self._lock:
            key = self._key
            if key is None or key[0] is not network or key[1] is not plans \
                    or key[2] is not resources:
                self._value = assign_risk_sources(
                    network, plans, getattr(resources, "risk_sources", ()) or (),
                    catalogue=catalogue)
                self._key = (network, plans, resources)
            return self._value
