"""The directed river network (河网): topology, km marks, snapping and traces.

Pure: numpy, shapely and pyproj only. Segments are indexed 0..n-1 internally; ``seg_id`` is the
id in the source data. Coordinates of every segment run downstream (by construction of the
data), so an *offset* on a segment is the distance in metres from its upstream end.

Distances: metres in the NE-China LCC projection (:mod:`rivers.geo`); km in the public API.

Storage is columnar so that a network of a million segments builds in seconds and fits in a few
hundred MB: per-segment attributes are numpy arrays, vertices live in one flat array per kind
(:class:`Ragged`, indexed like a list of arrays), the administrative runs are CSR arrays
(:class:`rivers.admin.AdminRuns`), and a trace is a handful of numpy operations over the
segments of its path rather than a Python object per segment.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import shapely
from shapely import STRtree

from rivers.admin import (
    BORDER_RIVERS,
    DEFAULT_STEP_M,
    LEVELS,
    AdminAreas,
    AdminRuns,
    AdminUnit,
    LevelRuns,
    RunsBySegment,
)
from rivers.exceptions import (
    InvalidCoordinates,
    OutsideRegion,
    SwappedCoordinates,
    TooFarFromRiver,
    UnknownSegment,
)
from rivers.geo import project, unproject

UNNAMED_ZH = "未命名河道"
UNNAMED_EN = "unnamed channel"

#: Snapping limits (the one definition; config SNAP_MAX_DISTANCE_M / SNAP_WARN_DISTANCE_M
#: default to these): beyond ``SNAP_WARN_DISTANCE_M`` (m) the pathway (drain, ditch, outfall)
#: must be confirmed; beyond ``SNAP_MAX_DISTANCE_M`` (m) a point is refused.
SNAP_MAX_DISTANCE_M = 20_000.0
SNAP_WARN_DISTANCE_M = 1_000.0


class Ragged(Sequence[np.ndarray]):
    """A list of arrays kept as one flat array plus offsets (CSR): ``r[i]`` is a view.

    Reads like the ``list[np.ndarray]`` it replaces (``r[i]``, ``len(r)``, iteration, slices
    give lists) but costs one array instead of one Python object per segment, pickles fast, and
    lets whole-network operations run on ``flat`` at once.
    """

    __slots__ = ("flat", "offsets")

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self.flat = flat
        self.offsets = np.asarray(offsets, dtype=np.int64)

    @classmethod
    def from_arrays(cls, arrays: Sequence[np.ndarray], dtype: Any = float) -> Ragged:
        counts = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = (np.concatenate([np.asarray(a, dtype=dtype) for a in arrays]) if len(arrays)
                else np.zeros((0,), dtype=dtype))
        return cls(flat, offsets)

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def owner(self) -> np.ndarray:
        """The index of the row each element of ``flat`` belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.counts)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, i: slice) -> list[np.ndarray]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self.offsets) - 1
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for {n} rows")
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        offs = self.offsets.tolist()
        for a, b in zip(offs[:-1], offs[1:], strict=True):
            yield self.flat[a:b]

    def __getstate__(self) -> tuple[np.ndarray, np.ndarray]:
        return self.flat, self.offsets

    def __setstate__(self, state: tuple[np.ndarray, np.ndarray]) -> None:
        self.flat, self.offsets = state

    def __repr__(self) -> str:
        return f"Ragged({len(self)} rows, {len(self.flat)} elements)"


@dataclass
class NetworkData:
    """Everything derived from the source files; picklable, cached by the loader."""

    seg_id: np.ndarray
    name_zh: list[str | None]
    name_en: list[str | None]
    basin: list[str]
    component: np.ndarray
    stream_order: np.ndarray
    upstream_area_km2: np.ndarray
    area_is_lower_bound: np.ndarray
    in_jilin: np.ndarray
    exits_box: np.ndarray
    length_m: np.ndarray
    downstream: np.ndarray          # index of the next segment, -1 at an outlet
    to_outlet_m: np.ndarray         # from the segment's downstream end to its basin outlet
    from_source_m: np.ndarray       # longest path from a head down to the segment's upstream end
    river_head_to_outlet_m: np.ndarray  # for the segment's named river: its head's distance
    coords_xy: Sequence[np.ndarray]     # projected vertices, metres (a Ragged)
    coords_lonlat: Sequence[np.ndarray]
    vertex_m: Sequence[np.ndarray]      # cumulative distance of each vertex from the upstream end
    runs: Sequence[Mapping[str, LevelRuns]] = field(default_factory=list)  # runs[i][level]
    hydraulics: dict[str, np.ndarray] = field(default_factory=dict)
    reservoirs: list[str | None] = field(default_factory=list)  # lake a segment runs through
    gauges: list[dict] = field(default_factory=list)
    name_corrections: list[dict] = field(default_factory=list)
    bbox_lonlat: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    name_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    # ``name_code``: the river name as an int (-1 = unnamed); equal codes, equal ``name_zh``.
    next_named: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # ``next_named``: the first named segment strictly downstream (-1 = none).
    runs_step_m: float = DEFAULT_STEP_M
    admin_runs: dict[str, AdminRuns] = field(default_factory=dict)
    # ``admin_runs``: the runs per level as CSR arrays; ``runs`` is a per-segment view of them.

    def __post_init__(self) -> None:
        if self.admin_runs and not len(self.runs):
            self.runs = RunsBySegment(self.admin_runs)


@dataclass(frozen=True)
class RiverPosition:
    """A point on the network: segment index and offset (m) from its upstream end."""

    segment: int
    offset_m: float


@dataclass(frozen=True)
class SnapCandidate:
    seg_id: int
    river_name_zh: str | None
    river_name_en: str | None
    distance_m: float
    river_km: float | None
    joins_zh: str | None = None   # for an unnamed channel: the named river it drains to
    joins_en: str | None = None
    joins_after_km: float | None = None


@dataclass(frozen=True)
class SnapResult:
    query_lon: float
    query_lat: float
    position: RiverPosition
    seg_id: int
    lon: float
    lat: float
    distance_m: float
    river_name_zh: str | None
    river_name_en: str | None
    river_km: float | None       # km from the named river's head (None for unnamed channels)
    km_to_outlet: float
    km_from_source: float
    basin: str
    candidates: tuple[SnapCandidate, ...]
    warning_zh: str | None = None
    warning_en: str | None = None


@dataclass(frozen=True)
class TracePiece:
    """One segment (or part of one) on a trace, in travel order."""

    segment: int
    from_offset_m: float
    to_offset_m: float
    from_m: float      # distance along the trace at the piece's start
    to_m: float


class TracePieces(Sequence[TracePiece]):
    """The pieces of a trace, stored as arrays; items are :class:`TracePiece` made on access.

    Behaves as the tuple of pieces it stands for (indexing, slicing, iteration, ``==`` with a
    tuple of pieces); the arrays ``segments``, ``from_offset_m``, ``to_offset_m``, ``from_m``
    and ``to_m`` serve callers that work on whole paths (km marks, plume transport).
    """

    __slots__ = ("segments", "from_offset_m", "to_offset_m", "from_m", "to_m")

    def __init__(self, segments: np.ndarray, from_offset_m: np.ndarray, to_offset_m: np.ndarray,
                 from_m: np.ndarray, to_m: np.ndarray) -> None:
        self.segments = segments
        self.from_offset_m = from_offset_m
        self.to_offset_m = to_offset_m
        self.from_m = from_m
        self.to_m = to_m

    def __len__(self) -> int:
        return len(self.segments)

    @overload
    def __getitem__(self, i: int) -> TracePiece: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[TracePiece, ...]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self)[i]
        return TracePiece(int(self.segments[i]), float(self.from_offset_m[i]),
                          float(self.to_offset_m[i]), float(self.from_m[i]), float(self.to_m[i]))

    def __iter__(self) -> Iterator[TracePiece]:
        for args in zip(self.segments.tolist(), self.from_offset_m.tolist(),
                        self.to_offset_m.tolist(), self.from_m.tolist(), self.to_m.tolist(),
                        strict=True):
            yield TracePiece(*args)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TracePieces | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"TracePieces({len(self)} pieces, {float(self.to_m[-1]) if len(self) else 0:.0f} m)"


@dataclass(frozen=True)
class Reach:
    river_name_zh: str | None
    river_name_en: str | None
    from_km: float
    to_km: float
    seg_ids: tuple[int, ...]


@dataclass(frozen=True)
class Crossing:
    level: str
    km: float
    from_unit: AdminUnit | None
    to_unit: AdminUnit
    lon: float
    lat: float


@dataclass(frozen=True)
class Trace:
    direction: str
    start: RiverPosition
    pieces: Sequence[TracePiece]   # a TracePieces (a tuple of TracePiece to every reader)
    reaches: tuple[Reach, ...]
    crossings: tuple[Crossing, ...]
    length_m: float
    end: str  # 'outlet' | 'data_edge' | 'source'

    def distance_to(self, position: RiverPosition) -> float | None:
        """Distance (m) along the trace to ``position``; None when it is not on the trace."""
        pieces: Iterable[TracePiece] = self.pieces
        if isinstance(pieces, TracePieces):  # only the pieces on the position's segment
            pieces = [pieces[k] for k in np.flatnonzero(pieces.segments == position.segment)]
        for piece in pieces:
            if piece.segment != position.segment:
                continue
            lo, hi = sorted((piece.from_offset_m, piece.to_offset_m))
            if lo - 1e-6 <= position.offset_m <= hi + 1e-6:
                return piece.from_m + abs(position.offset_m - piece.from_offset_m)
        return None


class _Upstream(Sequence[list[int]]):
    """``upstream[i]``: the segments draining directly into ``i`` (CSR; a list per lookup)."""

    __slots__ = ("ptr", "idx")

    def __init__(self, downstream: np.ndarray) -> None:
        order = np.argsort(downstream, kind="stable")  # children of each node in index order
        first = int(np.searchsorted(downstream[order], 0))
        self.idx = order[first:]
        self.ptr = np.zeros(len(downstream) + 1, dtype=np.int64)
        np.cumsum(np.bincount(downstream[self.idx], minlength=len(downstream)),
                  out=self.ptr[1:])

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self.idx[self.ptr[i]:self.ptr[i + 1]].tolist()


class RiverNetwork:
    """Runtime view of :class:`NetworkData` with spatial index and query methods."""

    def __init__(self, data: NetworkData, admin: AdminAreas) -> None:
        self.data = data
        self.admin = admin
        self.lines = as_lines(data.coords_xy)
        self.tree = STRtree(self.lines)
        self.n = len(data.seg_id)
        self._id_order = np.argsort(data.seg_id, kind="stable")
        self._ids_sorted = data.seg_id[self._id_order]
        self.upstream = _Upstream(data.downstream)
        self._down = data.downstream.tolist()  # pointer chasing is fastest on a list
        self._name_code = data.name_code if len(data.name_code) == self.n else _name_codes(
            data.name_zh)
        self._next_named = data.next_named if len(data.next_named) == self.n else _next_named(
            data.downstream, self._name_code)
        self._region = tuple(round(v + m, 1) for v, m in
                             zip(data.bbox_lonlat, (-0.3, -0.3, 0.3, 0.3), strict=True))
        self._named: np.ndarray | None = None
        self._runs = _StackedRuns(data.admin_runs)
        # Radius that holds ~24 segments on average: where the candidate search starts.
        x0, y0, x1, y1 = shapely.total_bounds(self.lines) if self.n else (0.0, 0.0, 1.0, 1.0)
        area = max((x1 - x0) * (y1 - y0), 1.0)
        self._search_m = math.sqrt(24 * area / (math.pi * max(self.n, 1)))

    # ------------------------------------------------------------------ lookups
    def index(self, seg_id: int) -> int:
        try:
            key = int(seg_id)
            k = int(np.searchsorted(self._ids_sorted, key))
            if k < self.n and int(self._ids_sorted[k]) == key:
                return int(self._id_order[k])
        except (ValueError, TypeError, OverflowError):
            pass
        raise UnknownSegment(f"河段编号 {seg_id} 不存在", f"unknown segment id {seg_id}")

    def name(self, i: int) -> tuple[str | None, str | None]:
        return self.data.name_zh[i], self.data.name_en[i]

    def river_km(self, pos: RiverPosition) -> float | None:
        """km along the named river from its head (None for an unnamed channel)."""
        head = self.data.river_head_to_outlet_m[pos.segment]
        if not math.isfinite(head):
            return None
        return (head - self.to_outlet_m(pos)) / 1000.0

    def to_outlet_m(self, pos: RiverPosition) -> float:
        d = self.data
        return float(d.to_outlet_m[pos.segment] + d.length_m[pos.segment] - pos.offset_m)

    def xy_at(self, pos: RiverPosition) -> tuple[float, float]:
        d = self.data
        vm = d.vertex_m[pos.segment]
        xy = d.coords_xy[pos.segment]
        off = min(max(pos.offset_m, 0.0), float(vm[-1]))
        return float(np.interp(off, vm, xy[:, 0])), float(np.interp(off, vm, xy[:, 1]))

    def lonlat_at(self, pos: RiverPosition) -> tuple[float, float]:
        lon, lat = unproject(*self.xy_at(pos))
        return round(float(lon), 6), round(float(lat), 6)

    def locate(self, lon: float, lat: float) -> dict[str, AdminUnit | None]:
        """The county, prefecture, province and nation a lon/lat point lies in."""
        lon, lat = self._checked(lon, lat, region=False)
        return self.admin.locate(*project(lon, lat))

    # ------------------------------------------------------------------ snapping
    def snap(
        self,
        lon: float,
        lat: float,
        *,
        max_distance_m: float = SNAP_MAX_DISTANCE_M,
        warn_distance_m: float = SNAP_WARN_DISTANCE_M,
        segment_id: int | None = None,
    ) -> SnapResult:
        """Connect a point to the river its water would enter.

        The nearest segment wins by default; ``segment_id`` picks one of the candidates instead
        (the duty officer knows the drain leads to the main river, not the nearer ditch).
        Beyond ``warn_distance_m`` the result carries a warning that the pathway (drain, ditch,
        outfall) must be confirmed; beyond ``max_distance_m`` the point is refused.
        """
        lon, lat = self._checked(lon, lat)
        x, y = project(lon, lat)
        point = shapely.Point(x, y)
        nearest, dist = self.tree.query_nearest(point, return_distance=True, all_matches=False)
        i, distance = int(nearest[0]), float(dist[0])
        if distance > max_distance_m:
            name_zh, name_en = self.name(i)
            raise TooFarFromRiver(
                f"该点距最近河流({name_zh or UNNAMED_ZH}){distance / 1000:.1f} km,"
                f"超过 {max_distance_m / 1000:.0f} km 的接入距离,无法确定受纳水体",
                f"the point is {distance / 1000:.1f} km from the nearest river "
                f"({name_en or name_zh or UNNAMED_EN}), beyond the {max_distance_m / 1000:.0f} km "
                "snapping distance; the receiving river cannot be determined",
                nearest_river_zh=name_zh, nearest_river_en=name_en, distance_m=round(distance),
            )
        candidates = self._candidates(point, max_distance_m, nearest_m=distance)
        if segment_id is not None:
            i = self.index(segment_id)
            distance = float(shapely.distance(self.lines[i], point))
            if distance > max_distance_m:
                raise TooFarFromRiver(
                    f"所选河段 {segment_id} 距该点 {distance / 1000:.1f} km,超过接入距离",
                    f"the chosen segment {segment_id} is {distance / 1000:.1f} km away, "
                    "beyond the snapping distance",
                    distance_m=round(distance),
                )
        offset = float(shapely.line_locate_point(self.lines[i], point))
        pos = RiverPosition(i, offset)
        warning_zh = warning_en = None
        if distance > warn_distance_m:
            warning_zh = (f"事发点距河道 {distance / 1000:.1f} km:须核实污染物入河途径"
                          "(雨水管网、沟渠、排污口)后再据此研判")
            warning_en = (f"the point is {distance / 1000:.1f} km from the river: confirm the "
                          "pathway (drain, ditch, outfall) before relying on this result")
        name_zh, name_en = self.name(i)
        snapped_lon, snapped_lat = self.lonlat_at(pos)
        return SnapResult(
            query_lon=lon, query_lat=lat, position=pos, seg_id=int(self.data.seg_id[i]),
            lon=snapped_lon, lat=snapped_lat, distance_m=round(distance, 1),
            river_name_zh=name_zh, river_name_en=name_en, river_km=_r(self.river_km(pos)),
            km_to_outlet=round(self.to_outlet_m(pos) / 1000, 3),
            km_from_source=round(float(self.data.from_source_m[i] + offset) / 1000, 3),
            basin=self.data.basin[i], candidates=candidates,
            warning_zh=warning_zh, warning_en=warning_en,
        )

    def _candidates(self, point, reach_m: float, limit: int = 6,
                    nearest_m: float = 0.0) -> tuple[SnapCandidate, ...]:
        """Nearest segment of every river (named or not) within reach, nearest first.

        Searches a growing radius (from one that holds a couple of dozen segments on average)
        until ``limit`` rivers are found or the reach is covered: every river missing from a
        search lies farther than all rivers found, so the answer is that of a single search of
        the whole reach, at a fraction of the cost on a dense network.
        """
        radius = min(reach_m, max(self._search_m, 2.0 * nearest_m))
        while True:
            hits = self.tree.query(point, predicate="dwithin", distance=radius)
            chosen = self._nearest_rivers(hits, point, limit)
            if len(chosen) >= limit or radius >= reach_m:
                break
            radius = min(reach_m, radius * 3.0)
        out = []
        for dist, i in chosen:
            offset = float(shapely.line_locate_point(self.lines[i], point))
            pos = RiverPosition(i, offset)
            name_zh, name_en = self.name(i)
            joins = None if name_zh else self._first_named_downstream(pos)
            out.append(SnapCandidate(
                seg_id=int(self.data.seg_id[i]), river_name_zh=name_zh, river_name_en=name_en,
                distance_m=round(dist, 1), river_km=_r(self.river_km(pos)),
                joins_zh=joins[0] if joins else None, joins_en=joins[1] if joins else None,
                joins_after_km=joins[2] if joins else None,
            ))
        return tuple(out)

    def _nearest_rivers(self, hits: np.ndarray, point, limit: int) -> list[tuple[float, int]]:
        """(distance, segment) of the nearest segment of each of the ``limit`` nearest rivers.

        A river is a name; every unnamed channel counts on its own. Among equally near segments
        of one river the first hit wins; the result is ordered by (distance, segment).
        """
        if len(hits) == 0:
            return []
        dists = shapely.distance(self.lines[hits], point)
        order = np.argsort(dists, kind="stable")
        names = self.data.name_zh
        best: dict[str | int, tuple[float, int]] = {}
        cutoff = math.inf
        for dist, i in zip(dists[order].tolist(), hits[order].tolist(), strict=True):
            if dist > cutoff:
                break
            key: str | int = names[i] or i
            if key not in best:
                best[key] = (dist, i)
                if len(best) == limit:
                    cutoff = dist  # rivers tied with the last one still compete
        return sorted(best.values())[:limit]

    def _first_named_downstream(self, pos: RiverPosition) -> tuple[str, str | None, float] | None:
        d = self.data
        j = int(self._next_named[pos.segment])
        if j < 0:
            return None
        travelled = self.to_outlet_m(pos) - float(d.to_outlet_m[j] + d.length_m[j])
        return d.name_zh[j], d.name_en[j], round(travelled / 1000, 3)

    def _checked(self, lon: object, lat: object, *, region: bool = True) -> tuple[float, float]:
        """Numbers, in range, not swapped, inside the data (``region``): else a clear refusal.

        The region is the river data's box plus a margin of 0.3° (more than the snapping
        distance), so that a point just outside the box is judged by its distance to a river.
        """
        lon_f, lat_f = _as_numbers(lon, lat)
        west, south, east, north = self._region
        if west <= lon_f <= east and south <= lat_f <= north:
            return lon_f, lat_f
        if west <= lat_f <= east and south <= lon_f <= north:
            raise SwappedCoordinates(
                f"坐标 ({lon_f}, {lat_f}) 似乎写反了:经度应在前。是否为 ({lat_f}, {lon_f})?",
                f"the coordinates ({lon_f}, {lat_f}) look swapped: longitude comes first. "
                f"Did you mean ({lat_f}, {lon_f})?",
                suggested_lon=lat_f, suggested_lat=lon_f,
            )
        if abs(lat_f) > 90 or abs(lon_f) > 180:
            raise InvalidCoordinates(
                f"坐标超出范围:经度须在 −180…180,纬度须在 −90…90(收到 {lon_f}, {lat_f})",
                f"coordinates out of range: lon must be −180…180 and lat −90…90 "
                f"(got {lon_f}, {lat_f})",
            )
        if not region:
            return lon_f, lat_f
        x, y = project(lon_f, lat_f)
        if self._named is None:
            self._named = np.flatnonzero(self._name_code >= 0)
        named = self._named
        dists = shapely.distance(self.lines[named], shapely.Point(x, y))
        k = int(np.argmin(dists))
        name_zh, name_en = self.name(int(named[k]))
        km = float(dists[k]) / 1000
        raise OutsideRegion(
            f"坐标 ({lon_f}, {lat_f}) 不在本系统河网数据范围内"
            f"(经度 {west}–{east},纬度 {south}–{north});最近的河流为{name_zh},距离约 {km:.0f} km",
            f"({lon_f}, {lat_f}) lies outside the river data of this system (lon {west}–{east}, "
            f"lat {south}–{north}); the nearest river is {name_en or name_zh}, "
            f"about {km:.0f} km away",
            nearest_river_zh=name_zh, nearest_river_en=name_en, distance_m=round(km * 1000),
        )

    # ------------------------------------------------------------------ traces
    def downstream_path(self, segment: int) -> np.ndarray:
        """The segments from ``segment`` down to its outlet (or the data edge), in order."""
        down = self._down
        path = [segment]
        i = down[segment]
        while i >= 0:
            path.append(i)
            i = down[i]
        return np.array(path, dtype=np.int64)

    def trace_downstream(self, start: RiverPosition, *, max_m: float = math.inf) -> Trace:
        """The path from ``start`` to the basin outlet (or the edge of the data)."""
        d = self.data
        segs = self.downstream_path(start.segment)
        length = d.length_m[segs]
        from_off = np.zeros(len(segs))
        from_off[0] = start.offset_m
        to_off = length.copy()
        if math.isfinite(max_m):
            steps = to_off - from_off
            before = np.concatenate(([0.0], np.cumsum(steps)[:-1]))
            keep = max(int(np.searchsorted(before, max_m, side="left")), 1)
            segs, from_off, to_off, before = segs[:keep], from_off[:keep], to_off[:keep], \
                before[:keep]
            stop = np.minimum(to_off, from_off + (max_m - before))
            cut = np.flatnonzero(stop < to_off)
            if len(cut):
                k = int(cut[0]) + 1
                segs, from_off, to_off = segs[:k], from_off[:k], stop[:k]
        steps = to_off - from_off
        travelled = np.cumsum(steps)
        from_m = np.concatenate(([0.0], travelled[:-1]))
        to_m = (from_m + to_off) - from_off
        pieces = TracePieces(segs, from_off, to_off, from_m, to_m)
        end = "data_edge" if d.exits_box[int(segs[-1])] else "outlet"
        return self._trace("down", start, pieces, float(travelled[-1]), end)

    def trace_upstream(self, start: RiverPosition, *, max_m: float = math.inf) -> Trace:
        """The main stem upstream of ``start``: at each confluence the branch of the same name,
        else the one with the larger drainage area."""
        d = self.data
        segs: list[int] = []
        from_off: list[float] = []
        to_off: list[float] = []
        from_m: list[float] = []
        to_m: list[float] = []
        travelled = 0.0
        i, offset = start.segment, start.offset_m
        while True:
            remaining = max_m - travelled
            stop = max(0.0, offset - remaining)
            segs.append(i)
            from_off.append(offset)
            to_off.append(stop)
            from_m.append(travelled)
            to_m.append(travelled + offset - stop)
            travelled += offset - stop
            ups = self.upstream[i]
            if not ups or offset >= remaining:  # the source, or the distance asked for
                break
            same = [u for u in ups if d.name_zh[u] and d.name_zh[u] == d.name_zh[i]]
            i = max(same or ups, key=lambda u: d.upstream_area_km2[u])
            offset = float(d.length_m[i])
        pieces = TracePieces(np.array(segs, dtype=np.int64), np.array(from_off),
                             np.array(to_off), np.array(from_m), np.array(to_m))
        return self._trace("up", start, pieces, travelled, "source")

    def upstream_segments(self, i: int) -> list[int]:
        """Every segment draining into segment ``i`` (the whole upstream tree)."""
        out, stack = [], list(self.upstream[i])
        while stack:
            u = stack.pop()
            out.append(u)
            stack.extend(self.upstream[u])
        return out

    def _trace(self, direction: str, start: RiverPosition, pieces: TracePieces,
               length_m: float, end: str) -> Trace:
        return Trace(direction, start, pieces, self._reaches(pieces),
                     tuple(self._crossings(pieces, upstream=direction == "up")), length_m, end)

    def _reaches(self, pieces: TracePieces) -> tuple[Reach, ...]:
        """Consecutive pieces on the same river (by name; unnamed channels run together)."""
        d = self.data
        segs = pieces.segments
        codes = self._name_code[segs]
        bounds = np.concatenate(([0], np.flatnonzero(codes[1:] != codes[:-1]) + 1, [len(segs)]))
        ids = d.seg_id[segs]
        out = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            first = int(segs[a])
            out.append(Reach(d.name_zh[first], d.name_en[first],
                             round(float(pieces.from_m[a]) / 1000, 3),
                             round(float(pieces.to_m[b - 1]) / 1000, 3),
                             tuple(ids[a:b].tolist())))
        return tuple(out)

    def _crossings(self, pieces: TracePieces, *, upstream: bool = False) -> list[Crossing]:
        """First arrival in every unit the water reaches, level by level, in travel order.

        The runs of all levels that the trace passes are gathered into one array (a score of
        numpy operations, whatever the trace's length). A unit can first be reached only where
        the reached-set changes from one run to the next, so only those runs are looked at in
        Python; the unit the water comes *from* is the last known unit (primary >= 0) of the
        same level before that run.
        """
        runs = self._runs
        idx, piece_of, level_start = runs.along(pieces, self.data.length_m, upstream)
        if len(idx) == 0:
            return []
        reached, primary = runs.unpack(runs.state[idx])
        change = np.flatnonzero(reached[1:] != reached[:-1]) + 1
        # Where each reached-set first occurs (ids are distinct across levels): later runs
        # with the same set cannot reach anything new.
        first_runs = np.concatenate(([0], change))
        _, where = np.unique(reached[first_runs], return_index=True)
        first_runs = first_runs[np.sort(where)]
        last_known: np.ndarray | None = None  # per run: the last run before with a primary
        hits: list[tuple[int, int, frozenset[int]]] = []  # (run, level, units new there)
        level = -1
        seen: set[int] = set()
        first_primary = -1
        for r, rid in zip(first_runs.tolist(), reached[first_runs].tolist(), strict=True):
            if level + 1 < len(LEVELS) and r >= level_start[level + 1]:
                level = bisect_right(level_start, r) - 1
                first_primary = int(primary[r])
                seen = {first_primary}
            new = runs.sets[rid] - seen
            if new:
                seen |= new
                hits.append((r, level, new))
        if not hits:
            return []
        at_runs = [r for r, _, _ in hits]
        hit_pieces = piece_of[at_runs]
        hit_idx = idx[at_runs]
        from_m = pieces.from_m[hit_pieces].tolist()
        from_off = pieces.from_offset_m[hit_pieces].tolist()
        to_off = pieces.to_offset_m[hit_pieces].tolist()
        start_m = runs.start_m[hit_idx].tolist()
        below_m = runs.start_m[np.minimum(hit_idx + 1, len(runs.start_m) - 1)].tolist()
        seg_of = pieces.segments[hit_pieces].tolist()
        hit_pieces = hit_pieces.tolist()
        found: list[tuple[str, float, int, int, int, float]] = []
        for h, (r, level, new) in enumerate(hits):
            current = int(primary[r])
            if r > level_start[level]:
                if last_known is None:
                    last_known = np.maximum.accumulate(
                        np.where(primary >= 0, np.arange(len(primary)), -1))
                j = int(last_known[r - 1])
                current = int(primary[j if j >= level_start[level] else level_start[level]])
            if not upstream:
                at = from_m[h] + max(start_m[h] - from_off[h], 0.0)
            elif r == level_start[level] or int(piece_of[r - 1]) != hit_pieces[h]:
                at = from_m[h]  # the first run met on this piece
            else:  # a run is entered (going up) where the run below it starts
                at = (from_m[h] + from_off[h]) - below_m[h]
            step = at - from_m[h]
            offset = from_off[h] + step if to_off[h] >= from_off[h] else from_off[h] - step
            for unit in sorted(new):
                found.append((LEVELS[level], at, current, unit, seg_of[h], offset))
        if not found:
            return []
        # One interpolation and one projection call for all crossing points (crossings of
        # several levels often share a point).
        at_place: dict[tuple[int, float], int] = {}
        for *_, s, off in found:
            at_place.setdefault((s, off), len(at_place))
        segs = np.fromiter((s for s, _ in at_place), dtype=np.int64, count=len(at_place))
        offs = np.fromiter((off for _, off in at_place), dtype=float, count=len(at_place))
        points = shapely.line_interpolate_point(self.lines[segs], offs)
        lon_of, lat_of = unproject(shapely.get_x(points), shapely.get_y(points))
        out = []
        for name, at, current, unit, s, off in found:
            units = self.admin.units[name]
            k = at_place[(s, off)]
            out.append(Crossing(name, round(at / 1000, 3),
                                units[current] if current >= 0 else None, units[unit],
                                round(float(lon_of[k]), 6), round(float(lat_of[k]), 6)))
        out.sort(key=lambda c: (c.km, LEVELS.index(c.level)))
        return out


class _StackedRuns:
    """The runs of all levels in one index space (level after level), for one-pass traces.

    Built at load time from the per-level :class:`AdminRuns`: run ``k`` of level ``L`` is
    ``base[L] + k`` here, and reached-set ids are made distinct across levels.
    """

    def __init__(self, admin_runs: dict[str, AdminRuns]) -> None:
        levels = [admin_runs[level] for level in LEVELS]
        base = np.cumsum([0] + [len(r.start_m) for r in levels])
        set_base = np.cumsum([0] + [len(r.sets) for r in levels])
        # ptr[i, L]: first run of segment i at level L (one row per segment: one gather).
        self.ptr = np.stack([r.ptr + base[k] for k, r in enumerate(levels)], axis=1)
        self.start_m = np.concatenate([r.start_m for r in levels])
        # (primary, reached-set id) packed in one int64 per run: one gather per trace.
        primary = np.concatenate([r.primary for r in levels]).astype(np.int64)
        reached = np.concatenate([r.reached + set_base[k] for k, r in enumerate(levels)])
        self.state = (primary << 32) | reached.astype(np.int64)
        self.sets = tuple(s for r in levels for s in r.sets)

    @staticmethod
    def unpack(state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(reached-set ids, primary units) of gathered ``state`` values."""
        return state & 0xFFFFFFFF, state >> 32

    def along(self, pieces: TracePieces, length_m: np.ndarray, upstream: bool
              ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The runs a trace passes, level after level, each level in travel order: their
        indices, the piece of each, and where each level starts in them.

        Every piece but the first and the last covers its whole segment, so passes all its
        runs; those two may start or end inside theirs (run ``k`` covers offsets
        [start_m[k], start_m[k+1]) of its segment).
        """
        segs = pieces.segments
        count = len(segs)
        lo = np.take(self.ptr, segs, axis=0).T  # levels × pieces
        hi = np.take(self.ptr, segs + 1, axis=0).T
        for p in sorted({0, count - 1}):  # a trace starts and ends anywhere on a segment
            a, b = float(pieces.from_offset_m[p]), float(pieces.to_offset_m[p])
            full = float(length_m[segs[p]])
            if (a, b) == ((full, 0.0) if upstream else (0.0, full)):
                continue
            for level in range(len(LEVELS)):
                a0, b0 = int(lo[level, p]), int(hi[level, p])
                starts = self.start_m[a0:b0].tolist()
                k_a = max(bisect_right(starts, a) - 1, 0)
                if upstream:  # from the run holding ``a`` down to the one holding ``b``
                    k_b = max(min(k_a, bisect_right(starts, b) - 1), 0)
                    lo[level, p], hi[level, p] = a0 + k_b, a0 + k_a + 1
                else:  # from the run holding ``a`` to the last that starts before ``b``
                    k_b = max(k_a, bisect_left(starts, b) - 1)
                    lo[level, p], hi[level, p] = a0 + k_a, a0 + k_b + 1
        lo, hi = lo.ravel(), hi.ravel()
        counts = hi - lo
        before = np.cumsum(counts) - counts   # runs gathered before each (level, piece)
        slot = np.repeat(np.arange(len(counts)), counts)
        step = np.arange(len(slot))
        if upstream:  # each piece's runs in reverse
            idx = (hi - 1 + before)[slot] - step
        else:
            idx = (lo - before)[slot] + step
        level_start = before[::count].tolist() if count else [0] * len(LEVELS)
        return idx, slot % count, level_start


def as_lines(coords: Sequence[np.ndarray]) -> np.ndarray:
    """Vertex arrays → an object array of shapely LineStrings (one per segment)."""
    if isinstance(coords, Ragged):
        if len(coords) == 0:
            return np.empty(0, dtype=object)
        return shapely.linestrings(coords.flat, indices=coords.owner())
    out = np.empty(len(coords), dtype=object)
    out[:] = [shapely.LineString(xy) for xy in coords]
    return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _as_numbers(lon: object, lat: object) -> tuple[float, float]:
    try:
        lon_f, lat_f = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        lon_f = lat_f = math.nan
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise InvalidCoordinates(
            f"坐标无效:经度 {lon!r},纬度 {lat!r} 须为十进制度数",
            f"invalid coordinates: lon {lon!r}, lat {lat!r} must be decimal degrees",
        )
    return lon_f, lat_f


def _name_codes(names: Sequence[str | None]) -> np.ndarray:
    """Names → int codes (-1 for None), equal names equal codes."""
    table: dict[str, int] = {}
    return np.fromiter((-1 if nm is None else table.setdefault(nm, len(table)) for nm in names),
                       dtype=np.int32, count=len(names))


def _next_named(downstream: np.ndarray, name_code: np.ndarray) -> np.ndarray:
    """For every segment the first named segment strictly downstream of it (-1 = none).

    Pointer jumping: O(n log depth) in numpy instead of a Python walk per segment.
    """
    n = len(downstream)
    down = downstream.astype(np.int64)
    safe = np.maximum(down, 0)
    hit = np.where(down < 0, -1, np.where(name_code[safe] >= 0, down, -2))
    ptr = np.where(hit == -2, down, -1)  # unresolved: look further down from ``ptr``
    for _ in range(64):
        todo = np.flatnonzero(hit == -2)
        if len(todo) == 0:
            return hit
        p = ptr[todo]
        resolved = hit[p] != -2
        hit_p, ptr_p = hit[p], ptr[p]
        hit[todo[resolved]] = hit_p[resolved]
        ptr[todo[~resolved]] = ptr_p[~resolved]
    raise ValueError(f"river network has segments that reach no outlet (a cycle?) among {n}")


def _codes_of(names: Sequence[str | None], codes: np.ndarray, wanted: Iterable[str]) -> list[int]:
    """The codes of the ``wanted`` names that occur in ``names``."""
    present, first = np.unique(codes, return_index=True)
    by_name = {names[int(i)]: int(c) for c, i in zip(present.tolist(), first.tolist(),
                                                      strict=True) if c >= 0}
    return [by_name[w] for w in wanted if w in by_name]


def _depths(downstream: np.ndarray) -> np.ndarray:
    """Number of segments below each segment (0 at an outlet), by pointer jumping."""
    n = len(downstream)
    ptr = downstream.astype(np.int64).copy()
    depth = (ptr >= 0).astype(np.int64)
    for _ in range(max(n, 1).bit_length() + 2):
        todo = np.flatnonzero(ptr >= 0)
        if len(todo) == 0:
            return depth
        p = ptr[todo]
        depth_p, ptr_p = depth[p], ptr[p]
        depth[todo] += depth_p
        ptr[todo] = ptr_p
    raise ValueError("river network has segments that reach no outlet (a cycle?)")


def _vertex_m(xy: Ragged) -> Ragged:
    """Cumulative distance of each vertex from its segment's first vertex (m).

    Summed vertex by vertex across all segments at once, in the same order as a cumsum per
    segment (so the figures are identical to it), in as many steps as the longest segment has
    vertices.
    """
    flat = xy.flat
    step = np.hypot(*np.diff(flat, axis=0).T) if len(flat) > 1 else np.zeros(0)
    vm = np.zeros(len(flat))
    counts = xy.counts
    starts = xy.offsets[:-1]
    by_count = np.argsort(-counts, kind="stable")
    sorted_counts = counts[by_count]
    for k in range(1, int(counts.max()) if len(counts) else 0):
        active = by_count[:int(np.searchsorted(-sorted_counts, -k, side="left"))]
        idx = starts[active] + k
        vm[idx] = vm[idx - 1] + step[idx - 1]
    return Ragged(vm, xy.offsets)


def _levels(depth: np.ndarray) -> list[np.ndarray]:
    """Segments grouped by depth (0 = outlets), each group in index order."""
    order = np.argsort(depth, kind="stable")
    bounds = np.zeros(int(depth.max()) + 2 if len(depth) else 1, dtype=np.int64)
    np.cumsum(np.bincount(depth, minlength=len(bounds) - 1), out=bounds[1:])
    return [order[bounds[k]:bounds[k + 1]] for k in range(len(bounds) - 1)]


def read_rivers_geojson(rivers_path: Path, corrections: Sequence[dict] = ()) -> dict[str, Any]:
    """The river GeoJSON as the columns :func:`build_from_arrays` takes.

    ``corrections`` rename listed segments (documented fixes of the source names).
    """
    features = json.loads(rivers_path.read_text("utf-8"))["features"]
    props = [dict(f["properties"]) for f in features]
    by_id = {p["seg_id"]: p for p in props}
    for fix in corrections:
        for sid in fix["seg_ids"]:
            if by_id[sid]["name_zh"] != fix["was"]:
                raise ValueError(f"name correction for seg {sid}: expected {fix['was']!r}, "
                                 f"found {by_id[sid]['name_zh']!r}")
            by_id[sid].update(name_zh=fix["name_zh"], name_en=fix["name_en"],
                              name_source="corrected")
    seg_id = np.array([p["seg_id"] for p in props], dtype=np.int64)
    index_of = {int(s): k for k, s in enumerate(seg_id.tolist())}
    return {
        "seg_id": seg_id,
        "downstream": np.array([index_of[p["downstream_seg"]] if p["downstream_seg"] is not None
                                else -1 for p in props], dtype=np.int64),
        "coords_lonlat": Ragged.from_arrays(
            [np.asarray(f["geometry"]["coordinates"], dtype=float) for f in features]),
        "name_zh": [p["name_zh"] for p in props],
        "name_en": [p["name_en"] for p in props],
        "basin": [p["system"] or "" for p in props],
        "component": np.array([p["component"] for p in props]),
        "stream_order": np.array([p["stream_order"] for p in props]),
        "upstream_area_km2": np.array([float(p["upstream_area_km2"] or 0) for p in props]),
        "area_is_lower_bound": np.array([bool(p["upstream_area_note"]) for p in props]),
        "in_jilin": np.array([bool(p["in_jilin"]) for p in props]),
        "exits_box": np.array([bool(p["exits_box"]) for p in props]),
        "name_corrections": list(corrections),
    }


def build_network_data(rivers_path: Path, admin: AdminAreas,
                       corrections: Sequence[dict] = ()) -> NetworkData:
    """Read the river GeoJSON and derive topology, lengths, km marks and admin runs.

    ``corrections`` rename listed segments (documented fixes of the source names).
    """
    return build_from_arrays(admin=admin, **read_rivers_geojson(rivers_path, corrections))


def build_from_arrays(
    *,
    admin: AdminAreas,
    seg_id: np.ndarray,
    downstream: np.ndarray,
    coords_lonlat: Ragged,
    name_zh: list[str | None],
    name_en: list[str | None],
    basin: list[str],
    component: np.ndarray,
    stream_order: np.ndarray,
    upstream_area_km2: np.ndarray,
    in_jilin: np.ndarray,
    exits_box: np.ndarray,
    area_is_lower_bound: np.ndarray | None = None,
    coords_xy: Ragged | None = None,
    name_code: np.ndarray | None = None,
    name_corrections: Sequence[dict] = (),
    runs_step_m: float = DEFAULT_STEP_M,
) -> NetworkData:
    """Derive topology, lengths, km marks and admin runs from per-segment columns.

    Parameters
    ----------
    admin
        The administrative polygons (projected) whose boundaries the traces report.
    seg_id
        Source ids, one per segment (int).
    downstream
        Index (not id) of the next segment downstream, -1 at an outlet; must form a forest.
    coords_lonlat
        Vertices per segment in lon/lat degrees (EPSG:4326), drawn downstream.
    coords_xy
        The same vertices projected to NE-China LCC metres, if the caller has them (a generator
        that works in metres); else they are projected here.
    name_code
        ``name_zh`` as int codes (-1 unnamed), if the caller has them.
    runs_step_m
        Sampling step (m) of the administrative runs (see :meth:`AdminAreas.segment_runs`).

    Everything else is copied per segment. No step loops over segments in Python: lengths are
    numpy over the flat vertex arrays, km marks are swept level by level of depth, and the
    admin runs are computed on all samples at once.
    """
    n = len(seg_id)
    downstream = np.asarray(downstream, dtype=np.int64)
    if coords_xy is None:
        x, y = project(coords_lonlat.flat[:, 0], coords_lonlat.flat[:, 1])
        coords_xy = Ragged(np.column_stack([x, y]), coords_lonlat.offsets)
    vertex_m = _vertex_m(coords_xy)
    length_m = vertex_m.flat[coords_xy.offsets[1:] - 1] if n else np.zeros(0)

    depth = _depths(downstream)
    levels = _levels(depth)
    to_outlet = np.zeros(n)
    for group in levels[1:]:  # outlets first: each segment adds the one below it
        below = downstream[group]
        to_outlet[group] = to_outlet[below] + length_m[below]
    from_source = np.zeros(n)
    for group in reversed(levels[1:]):  # heads first: the longest path from any head
        np.maximum.at(from_source, downstream[group], from_source[group] + length_m[group])

    codes = _name_codes(name_zh) if name_code is None else np.asarray(name_code, dtype=np.int32)
    named = codes >= 0
    component = np.asarray(component)
    river_head = np.full(n, np.inf)
    if named.any():
        keys = np.stack([codes[named].astype(np.int64), component[named].astype(np.int64)])
        _, group_of = np.unique(keys, axis=1, return_inverse=True)
        group_of = group_of.reshape(-1)
        head = np.zeros(int(group_of.max()) + 1)
        np.maximum.at(head, group_of, to_outlet[named] + length_m[named])
        river_head[named] = head[group_of]

    lines = as_lines(coords_xy)
    border = np.isin(codes, _codes_of(name_zh, codes, BORDER_RIVERS))
    runs = admin.segment_runs(lines, border, step_m=runs_step_m)
    ll = coords_lonlat.flat
    bbox = (
        math.floor(ll[:, 0].min() * 10) / 10, math.floor(ll[:, 1].min() * 10) / 10,
        math.ceil(ll[:, 0].max() * 10) / 10, math.ceil(ll[:, 1].max() * 10) / 10,
    )
    return NetworkData(
        seg_id=np.asarray(seg_id, dtype=np.int64),
        name_zh=list(name_zh),
        name_en=list(name_en),
        basin=list(basin),
        component=component,
        stream_order=np.asarray(stream_order),
        upstream_area_km2=np.asarray(upstream_area_km2, dtype=float),
        area_is_lower_bound=(np.zeros(n, dtype=bool) if area_is_lower_bound is None
                             else np.asarray(area_is_lower_bound, dtype=bool)),
        in_jilin=np.asarray(in_jilin, dtype=bool),
        exits_box=np.asarray(exits_box, dtype=bool),
        length_m=length_m,
        downstream=downstream,
        to_outlet_m=to_outlet,
        from_source_m=from_source,
        river_head_to_outlet_m=river_head,
        coords_xy=coords_xy,
        coords_lonlat=coords_lonlat,
        vertex_m=vertex_m,
        admin_runs=runs,
        name_corrections=list(name_corrections),
        bbox_lonlat=bbox,
        name_code=codes,
        next_named=_next_named(downstream, codes),
        runs_step_m=runs_step_m,
    )


# ---------------------------------------------------------------------- named rivers
@dataclass(frozen=True)
class River:
    """A named river of the network (all its segments, in one basin)."""

    id: str
    name_zh: str
    name_en: str | None
    basin: str
    length_km: float
    length_in_jilin_km: float
    seg_ids: tuple[int, ...]


# Homophones whose romanisations collide (伊通河 / 一统河 are both "Yitong He").
RIVER_ID_OVERRIDES = {"一统河": "yitong-he-huifa"}


def river_slug(name_en: str | None, name_zh: str) -> str:
    """A stable ASCII id from the English name: 'Di’er Songhua Jiang (…)' → 'dier-songhua-jiang'."""
    import re

    if name_zh in RIVER_ID_OVERRIDES:
        return RIVER_ID_OVERRIDES[name_zh]
    base = (name_en or "").split("(")[0].replace("’", "").replace("'", "").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", base).strip("-")
    return slug or f"river-{abs(hash(name_zh)) % 10**6}"


def named_rivers(data: NetworkData) -> list[River]:
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(data.name_zh):
        if name:
            groups.setdefault(name, []).append(i)
    rivers = []
    for name, segs in groups.items():
        main = max(segs, key=lambda i: data.length_m[i])
        rivers.append(River(
            id=river_slug(data.name_en[main], name), name_zh=name, name_en=data.name_en[main],
            basin=data.basin[main],
            length_km=round(float(sum(data.length_m[i] for i in segs)) / 1000, 1),
            length_in_jilin_km=round(
                float(sum(data.length_m[i] for i in segs if data.in_jilin[i])) / 1000, 1),
            seg_ids=tuple(int(data.seg_id[i]) for i in segs),
        ))
    rivers.sort(key=lambda r: (-r.length_in_jilin_km, r.id))
    ids = [r.id for r in rivers]
    if len(set(ids)) != len(ids):
        raise ValueError(f"river ids are not unique: {sorted(ids)}")
    return rivers
