"""The directed river network (河网): topology, km marks, snapping and traces.

Pure: numpy, shapely and pyproj only. Segments are indexed 0..n-1 internally; ``seg_id`` is the
id in the source data. Coordinates of every segment run downstream (by construction of the
data), so an *offset* on a segment is the distance in metres from its upstream end.

Distances: metres in the NE-China LCC projection (:mod:`rivers.geo`); km in the public API.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree

from rivers.admin import LEVELS, AdminAreas, AdminUnit, LevelRuns
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
    coords_xy: list[np.ndarray]     # projected vertices, metres
    coords_lonlat: list[np.ndarray]
    vertex_m: list[np.ndarray]      # cumulative distance of each vertex from the upstream end
    runs: list[dict[str, LevelRuns]] = field(default_factory=list)
    hydraulics: dict[str, np.ndarray] = field(default_factory=dict)
    reservoirs: list[str | None] = field(default_factory=list)  # lake a segment runs through
    gauges: list[dict] = field(default_factory=list)
    name_corrections: list[dict] = field(default_factory=list)
    bbox_lonlat: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


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
    pieces: tuple[TracePiece, ...]
    reaches: tuple[Reach, ...]
    crossings: tuple[Crossing, ...]
    length_m: float
    end: str  # 'outlet' | 'data_edge' | 'source'

    def distance_to(self, position: RiverPosition) -> float | None:
        """Distance (m) along the trace to ``position``; None when it is not on the trace."""
        for piece in self.pieces:
            if piece.segment != position.segment:
                continue
            lo, hi = sorted((piece.from_offset_m, piece.to_offset_m))
            if lo - 1e-6 <= position.offset_m <= hi + 1e-6:
                return piece.from_m + abs(position.offset_m - piece.from_offset_m)
        return None


class RiverNetwork:
    """Runtime view of :class:`NetworkData` with spatial index and query methods."""

    def __init__(self, data: NetworkData, admin: AdminAreas) -> None:
        self.data = data
        self.admin = admin
        self.lines = as_lines(data.coords_xy)
        self.tree = STRtree(self.lines)
        self.n = len(data.seg_id)
        self._index_of = {int(s): i for i, s in enumerate(data.seg_id.tolist())}
        self.upstream: list[list[int]] = [[] for _ in range(self.n)]
        for i, d in enumerate(data.downstream.tolist()):
            if d >= 0:
                self.upstream[d].append(i)

    # ------------------------------------------------------------------ lookups
    def index(self, seg_id: int) -> int:
        try:
            return self._index_of[int(seg_id)]
        except (KeyError, ValueError, TypeError):
            raise UnknownSegment(f"河段编号 {seg_id} 不存在",
                                 f"unknown segment id {seg_id}") from None

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
        max_distance_m: float = 20_000.0,
        warn_distance_m: float = 1_000.0,
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
        candidates = self._candidates(point, max_distance_m)
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

    def _candidates(self, point, reach_m: float, limit: int = 6) -> tuple[SnapCandidate, ...]:
        """Nearest segment of every river (named or not) within reach, nearest first."""
        hits = self.tree.query(point, predicate="dwithin", distance=reach_m)
        if len(hits) == 0:
            return ()
        dists = shapely.distance(self.lines[hits], point)
        best: dict[str | int, tuple[float, int]] = {}
        for i, dist in zip(hits.tolist(), dists.tolist(), strict=True):
            key: str | int = self.data.name_zh[i] or i  # every unnamed channel on its own
            if key not in best or dist < best[key][0]:
                best[key] = (dist, i)
        out = []
        for dist, i in sorted(best.values())[:limit]:
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

    def _first_named_downstream(self, pos: RiverPosition) -> tuple[str, str | None, float] | None:
        d = self.data
        travelled = d.length_m[pos.segment] - pos.offset_m
        i = int(d.downstream[pos.segment])
        while i >= 0:
            if d.name_zh[i]:
                return d.name_zh[i], d.name_en[i], round(float(travelled) / 1000, 3)
            travelled += d.length_m[i]
            i = int(d.downstream[i])
        return None

    def _checked(self, lon: object, lat: object, *, region: bool = True) -> tuple[float, float]:
        """Numbers, in range, not swapped, inside the data (``region``): else a clear refusal.

        The region is the river data's box plus a margin of 0.3° (more than the snapping
        distance), so that a point just outside the box is judged by its distance to a river.
        """
        lon_f, lat_f = _as_numbers(lon, lat)
        west, south, east, north = (round(v + m, 1) for v, m in
                                    zip(self.data.bbox_lonlat, (-0.3, -0.3, 0.3, 0.3), strict=True))
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
        named = np.flatnonzero([n is not None for n in self.data.name_zh])
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
    def trace_downstream(self, start: RiverPosition, *, max_m: float = math.inf) -> Trace:
        """The path from ``start`` to the basin outlet (or the edge of the data)."""
        d = self.data
        pieces: list[TracePiece] = []
        travelled = 0.0
        i, offset = start.segment, start.offset_m
        while i >= 0 and travelled < max_m:
            length = float(d.length_m[i])
            stop = min(length, offset + (max_m - travelled))
            pieces.append(TracePiece(i, offset, stop, travelled, travelled + stop - offset))
            travelled += stop - offset
            i, offset = int(d.downstream[i]), 0.0
        last = pieces[-1].segment
        end = "data_edge" if d.exits_box[last] else "outlet"
        return self._trace("down", start, pieces, travelled, end)

    def trace_upstream(self, start: RiverPosition, *, max_m: float = math.inf) -> Trace:
        """The main stem upstream of ``start``: at each confluence the branch of the same name,
        else the one with the larger drainage area."""
        d = self.data
        pieces: list[TracePiece] = []
        travelled = 0.0
        i, offset = start.segment, start.offset_m
        while travelled < max_m:
            stop = max(0.0, offset - (max_m - travelled))
            pieces.append(TracePiece(i, offset, stop, travelled, travelled + offset - stop))
            travelled += offset - stop
            ups = self.upstream[i]
            if not ups:
                break
            same = [u for u in ups if d.name_zh[u] and d.name_zh[u] == d.name_zh[i]]
            i = max(same or ups, key=lambda u: d.upstream_area_km2[u])
            offset = float(d.length_m[i])
        return self._trace("up", start, pieces, travelled, "source")

    def upstream_segments(self, i: int) -> list[int]:
        """Every segment draining into segment ``i`` (the whole upstream tree)."""
        out, stack = [], list(self.upstream[i])
        while stack:
            u = stack.pop()
            out.append(u)
            stack.extend(self.upstream[u])
        return out

    def _trace(self, direction: str, start: RiverPosition, pieces: list[TracePiece],
               length_m: float, end: str) -> Trace:
        return Trace(direction, start, tuple(pieces), tuple(self._reaches(pieces)),
                     tuple(self._crossings(pieces)), length_m, end)

    def _reaches(self, pieces: Sequence[TracePiece]) -> Iterable[Reach]:
        d = self.data
        group: list[TracePiece] = []
        for piece in pieces:
            if group and d.name_zh[group[-1].segment] != d.name_zh[piece.segment]:
                yield self._reach(group)
                group = []
            group.append(piece)
        if group:
            yield self._reach(group)

    def _reach(self, group: list[TracePiece]) -> Reach:
        name_zh, name_en = self.name(group[0].segment)
        return Reach(name_zh, name_en, round(group[0].from_m / 1000, 3),
                     round(group[-1].to_m / 1000, 3),
                     tuple(int(self.data.seg_id[p.segment]) for p in group))

    def _crossings(self, pieces: Sequence[TracePiece]) -> list[Crossing]:
        """First arrival in every unit the water reaches, level by level, in travel order."""
        found: list[tuple[str, float, int, int, TracePiece]] = []
        for level in LEVELS:
            seen: set[int] = set()
            current = -1
            first = True
            for piece in pieces:
                runs = self.data.runs[piece.segment][level]
                if not first and runs.all_reached <= seen:
                    # Nothing new on this segment: skip its runs (the common case).
                    if runs.last_primary >= 0 and piece.to_offset_m > piece.from_offset_m:
                        current = runs.last_primary
                    continue
                for at_m, primary, reached in _runs_along(runs, piece):
                    if first:
                        current = primary
                        seen.add(primary)
                        first = False
                    for unit in sorted(reached - seen):
                        seen.add(unit)
                        found.append((level, at_m, current, unit, piece))
                    if primary >= 0:
                        current = primary
        if not found:
            return []
        # One projection call for all crossing points (pyproj is costly per call).
        xy = np.array([self.xy_at(RiverPosition(p.segment, _offset_at(p, at))) for _, at, _, _, p
                       in found])
        lons, lats = unproject(xy[:, 0], xy[:, 1])
        out = []
        for (level, at_m, current, unit, _), lon, lat in zip(found, lons, lats, strict=True):
            units = self.admin.units[level]
            out.append(Crossing(level, round(at_m / 1000, 3),
                                units[current] if current >= 0 else None, units[unit],
                                round(float(lon), 6), round(float(lat), 6)))
        out.sort(key=lambda c: (c.km, LEVELS.index(c.level)))
        return out


def _runs_along(runs: LevelRuns, piece: TracePiece) -> Iterable[tuple[float, int, frozenset]]:
    """The runs a piece passes, in travel order, each with the trace distance where it starts.

    Run ``k`` covers offsets [starts[k], starts[k+1]) of the segment.
    """
    starts = runs.starts
    a, b = piece.from_offset_m, piece.to_offset_m
    k = max(bisect_right(starts, a) - 1, 0)
    if a <= b:  # downstream: offsets increase
        while k < len(starts) and (starts[k] <= a or starts[k] < b):
            yield piece.from_m + max(starts[k] - a, 0.0), runs.primary[k], runs.reached[k]
            k += 1
    else:  # upstream: offsets decrease
        entry = piece.from_m
        while k >= 0:
            yield entry, runs.primary[k], runs.reached[k]
            if starts[k] <= b:
                break
            entry = piece.from_m + a - starts[k]
            k -= 1


def _offset_at(piece: TracePiece, at_m: float) -> float:
    step = at_m - piece.from_m
    return piece.from_offset_m + step if piece.to_offset_m >= piece.from_offset_m else (
        piece.from_offset_m - step)


def as_lines(coords: Sequence[np.ndarray]) -> np.ndarray:
    """Vertex arrays → an object array of shapely LineStrings (one per segment)."""
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


# ---------------------------------------------------------------------- building
def build_network_data(rivers_path: Path, admin: AdminAreas,
                       corrections: Sequence[dict] = ()) -> NetworkData:
    """Read the river GeoJSON and derive topology, lengths, km marks and admin runs.

    ``corrections`` rename listed segments (documented fixes of the source names).
    """
    features = json.loads(rivers_path.read_text("utf-8"))["features"]
    n = len(features)
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
    coords_lonlat = [np.asarray(f["geometry"]["coordinates"], dtype=float) for f in features]
    coords_xy = []
    vertex_m = []
    for ll in coords_lonlat:
        x, y = project(ll[:, 0], ll[:, 1])
        xy = np.column_stack([x, y])
        coords_xy.append(xy)
        vertex_m.append(np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]))
    length_m = np.array([vm[-1] for vm in vertex_m])
    downstream = np.array(
        [index_of[p["downstream_seg"]] if p["downstream_seg"] is not None else -1 for p in props]
    )
    upstream: list[list[int]] = [[] for _ in range(n)]
    for i, dn in enumerate(downstream.tolist()):
        if dn >= 0:
            upstream[dn].append(i)

    # Distance to outlet: walk up from every outlet (the network is a forest of in-trees).
    to_outlet = np.full(n, np.nan)
    order: list[int] = []  # outlets first, heads last
    stack = [i for i in range(n) if downstream[i] < 0]
    for i in stack:
        to_outlet[i] = 0.0
    while stack:
        i = stack.pop()
        order.append(i)
        for u in upstream[i]:
            to_outlet[u] = to_outlet[i] + length_m[i]
            stack.append(u)
    if np.isnan(to_outlet).any():
        raise ValueError("river network has segments that reach no outlet (a cycle?)")
    from_source = np.zeros(n)
    for i in reversed(order):  # heads first
        if upstream[i]:
            from_source[i] = max(from_source[u] + length_m[u] for u in upstream[i])

    names = [p["name_zh"] for p in props]
    head: dict[tuple[str, int], float] = {}
    for i, name in enumerate(names):
        if name:
            key = (name, int(props[i]["component"]))
            head[key] = max(head.get(key, 0.0), float(to_outlet[i] + length_m[i]))
    river_head = np.array([
        head[(names[i], int(props[i]["component"]))] if names[i] else np.inf for i in range(n)
    ])

    lines = list(as_lines(coords_xy))
    border = [name if name in ("图们江", "鸭绿江") else None for name in names]
    runs = admin.segment_runs(lines, border)
    all_ll = np.concatenate(coords_lonlat)
    bbox = (
        math.floor(all_ll[:, 0].min() * 10) / 10, math.floor(all_ll[:, 1].min() * 10) / 10,
        math.ceil(all_ll[:, 0].max() * 10) / 10, math.ceil(all_ll[:, 1].max() * 10) / 10,
    )
    return NetworkData(
        seg_id=seg_id,
        name_zh=names,
        name_en=[p["name_en"] for p in props],
        basin=[p["system"] or "" for p in props],
        component=np.array([p["component"] for p in props]),
        stream_order=np.array([p["stream_order"] for p in props]),
        upstream_area_km2=np.array([float(p["upstream_area_km2"] or 0) for p in props]),
        area_is_lower_bound=np.array([bool(p["upstream_area_note"]) for p in props]),
        in_jilin=np.array([bool(p["in_jilin"]) for p in props]),
        exits_box=np.array([bool(p["exits_box"]) for p in props]),
        length_m=length_m,
        downstream=downstream,
        to_outlet_m=to_outlet,
        from_source_m=from_source,
        river_head_to_outlet_m=river_head,
        coords_xy=coords_xy,
        coords_lonlat=coords_lonlat,
        vertex_m=vertex_m,
        runs=runs,
        name_corrections=list(corrections),
        bbox_lonlat=bbox,
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
