"""Administrative units along the rivers (行政区: 县 / 市 / 省 / 国).

A river is cut into *runs* per administrative level: stretches along which the unit the water
is in (``primary``) and the units it touches (``reached``) stay the same. The downstream trace
then reads boundary crossings off these runs without any geometry at query time.

"Reached" means the river lies inside the unit or within ``touch_distance_m`` of it (default
1 km, the positional accuracy of the DEM-derived river lines). A river that runs *along* a
boundary therefore reaches the units on both banks, as a boundary river does in law, and a
border river (图们江, 鸭绿江 along the DPRK border) reaches the neighbouring country.
All geometry is in the projected CRS of :mod:`rivers.geo` (metres).

The runs of a level are stored for all segments at once as CSR arrays (:class:`AdminRuns`,
about 16 bytes a run, reached-sets interned), so that a million segments fit in tens of MB;
``NetworkData.runs[i][level]`` still reads one segment's runs as a :class:`LevelRuns`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.ops import transform as shapely_transform

from rivers.geo import project

LEVELS: tuple[str, ...] = ("nation", "province", "prefecture", "county")
DEFAULT_STEP_M = 250.0  # sampling step of the runs along each segment
LEVEL_FILES = {
    "nation": "admin_country.geojson",
    "province": "admin_province.geojson",
    "prefecture": "admin_prefecture.geojson",
    "county": "admin_county.geojson",
}
# Border rivers: entering one means reaching the national border (the neighbour on the other bank).
BORDER_RIVERS: dict[str, tuple[str, str, str]] = {
    "图们江": ("nation:PRK", "朝鲜", "DPRK"),
    "鸭绿江": ("nation:PRK", "朝鲜", "DPRK"),
}


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit. ``uid`` is ``level:code`` (adcode, or ISO3 for nations)."""

    uid: str
    level: str
    name_zh: str
    name_en: str | None
    province_zh: str | None = None
    prefecture_zh: str | None = None
    is_jilin: bool = False


@dataclass(frozen=True)
class LevelRuns:
    """Runs of one level along one segment; ``starts`` are offsets in m from the upstream end.

    A per-segment view of :class:`AdminRuns` (for reading and tests; traces use the arrays).
    """

    starts: tuple[float, ...]
    primary: tuple[int, ...]  # index into AdminAreas.units[level], -1 = outside all units
    reached: tuple[frozenset[int], ...]
    all_reached: frozenset[int]  # union of ``reached``: lets a trace skip a segment in O(1)
    last_primary: int            # the last primary >= 0 along the segment, else -1


@dataclass(frozen=True)
class AdminRuns:
    """The runs of one level for every segment, stored compactly (CSR arrays).

    Segment ``i`` owns runs ``ptr[i]:ptr[i+1]``; run ``k`` covers offsets
    ``[start_m[k], start_m[k+1])`` of its segment (m from the upstream end) and has the unit the
    water is in, ``primary[k]`` (index into ``AdminAreas.units[level]``, -1 outside all units),
    and the units it reaches, ``sets[reached[k]]``. Reached-sets are interned: a network has a few
    hundred distinct ones, so a run costs 16 bytes whatever its set. Per segment,
    ``sets[all_reached[i]]`` is the union over its runs (a trace skips a segment that reaches
    nothing new in O(1)) and ``first_primary`` / ``last_primary`` are its first and last
    primary >= 0 (-1 if none), the unit the water leaves it in going up / down.
    """

    ptr: np.ndarray            # int64, n + 1
    start_m: np.ndarray        # float64, one per run
    primary: np.ndarray        # int32, one per run
    reached: np.ndarray        # int32 id into ``sets``, one per run
    all_reached: np.ndarray    # int32 id into ``sets``, one per segment
    first_primary: np.ndarray  # int32, one per segment
    last_primary: np.ndarray   # int32, one per segment
    sets: tuple[frozenset[int], ...]

    def segment(self, i: int) -> LevelRuns:
        """The runs of segment ``i`` as a :class:`LevelRuns`."""
        a, b = int(self.ptr[i]), int(self.ptr[i + 1])
        return LevelRuns(tuple(self.start_m[a:b].tolist()), tuple(self.primary[a:b].tolist()),
                         tuple(self.sets[r] for r in self.reached[a:b].tolist()),
                         self.sets[int(self.all_reached[i])], int(self.last_primary[i]))

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in (
            "ptr", "start_m", "primary", "reached", "all_reached", "first_primary", "last_primary"))


class RunsBySegment(Sequence[Mapping[str, LevelRuns]]):
    """``runs[i][level]``: the :class:`LevelRuns` of segment ``i``, read from the CSR arrays.

    The per-segment shape the runs had before they were stored as :class:`AdminRuns`; kept
    for readers (tools, tests) that walk a few segments. Made on access, so cheap to hold.
    """

    __slots__ = ("levels",)

    def __init__(self, levels: dict[str, AdminRuns]) -> None:
        self.levels = levels

    def __len__(self) -> int:
        return len(next(iter(self.levels.values())).all_reached) if self.levels else 0

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"segment {i} out of range for {n} segments")
        return _SegmentRuns(self.levels, i)


class _SegmentRuns(Mapping[str, LevelRuns]):
    __slots__ = ("levels", "segment")

    def __init__(self, levels: dict[str, AdminRuns], segment: int) -> None:
        self.levels = levels
        self.segment = segment

    def __getitem__(self, level: str) -> LevelRuns:
        return self.levels[level].segment(self.segment)

    def __iter__(self) -> Iterator[str]:
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)


def _unit_from_props(level: str, props: dict) -> AdminUnit:
    if level == "nation":
        return AdminUnit(f"nation:{props['iso3']}", level, props["name_zh"], props.get("name_en"))
    return AdminUnit(
        uid=f"{level}:{props['adcode']}",
        level=level,
        name_zh=props["name_zh"],
        name_en=props.get("name_en"),
        province_zh=props.get("province_zh"),
        prefecture_zh=props.get("prefecture_zh"),
        is_jilin=bool(props.get("is_jilin")),
    )


def _projected(geom):
    return shapely_transform(lambda x, y, z=None: project(x, y), geom)


class AdminAreas:
    """Administrative polygons of every level, projected, with spatial indexes."""

    def __init__(self, units: dict[str, list[AdminUnit]], polygons: dict[str, list]) -> None:
        self.units = units
        self.polygons = polygons
        self._trees = {level: STRtree(polygons[level]) for level in LEVELS}
        self._by_uid = {u.uid: u for level in LEVELS for u in units[level]}

    @classmethod
    def from_geojson(cls, data_dir: Path) -> AdminAreas:
        units: dict[str, list[AdminUnit]] = {}
        polygons: dict[str, list] = {}
        for level in LEVELS:
            features = json.loads((data_dir / LEVEL_FILES[level]).read_text("utf-8"))["features"]
            units[level] = [_unit_from_props(level, f["properties"]) for f in features]
            polygons[level] = [shapely.make_valid(_projected(shape(f["geometry"])))
                               for f in features]
        return cls(units, polygons)

    def unit(self, uid: str) -> AdminUnit | None:
        return self._by_uid.get(uid)

    def locate(self, x: float, y: float) -> dict[str, AdminUnit | None]:
        """The unit of every level that contains the projected point (None where none does)."""
        point = shapely.Point(x, y)
        found: dict[str, AdminUnit | None] = {}
        for level in LEVELS:
            hits = self._trees[level].query(point, predicate="within")
            found[level] = self.units[level][int(hits[0])] if len(hits) else None
        return found

    def segment_runs(
        self,
        lines: Sequence | np.ndarray,
        border_river: Sequence[str | None] | np.ndarray,
        *,
        step_m: float = DEFAULT_STEP_M,
        touch_distance_m: float = 1000.0,
        cell_m: float = 1000.0,
        chunk: int = 250_000,
    ) -> dict[str, AdminRuns]:
        """Sample every line every ``step_m`` and compress the samples into runs per level.

        Parameters
        ----------
        lines
            Projected LineStrings (m, NE-China LCC), one per segment, drawn downstream.
        border_river
            Per segment: the name of the border river it belongs to (a key of
            ``BORDER_RIVERS``), or None; or a boolean array (True = on the DPRK border river).
        step_m
            Sampling step along each line (m). Samples sit at 0, step, 2·step … < length; a
            crossing's km mark is therefore exact to ``step_m`` (the bundled network uses 250 m).
        touch_distance_m
            A unit is reached where the river comes within this distance of it (m).
        cell_m
            Side (m) of the grid cells used to skip the polygon tests far from any boundary.
        chunk
            Samples tested per batch (bounds the memory of the point-in-polygon pairs).

        Returns
        -------
        dict
            ``level -> AdminRuns`` for every level of :data:`LEVELS`.

        Notes
        -----
        The answer is that of testing every sample against every polygon, but most samples
        are not tested: a sample in a grid cell whose centre lies inside exactly one unit and
        farther than ``touch_distance_m`` + 100 m + half the cell's diagonal from every
        boundary of its level is inside that unit and reaches no other (the 1 km-grown copies
        are buffers of 50 m simplifications). Only samples in cells near a boundary are tested
        (prepared point-in-polygon), about 1–15 % of them depending on the level.
        """
        line_array = np.asarray(lines, dtype=object)
        n = len(line_array)
        lengths = shapely.length(line_array)
        # Samples at k * step_m for k < ceil(length / step_m) (at least one, at offset 0): the
        # points np.arange(0, length, step_m) gives, computed for all segments at once.
        counts = np.maximum(np.ceil(lengths / step_m), 1).astype(np.int64)
        first = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=first[1:])
        seg_idx = np.repeat(np.arange(n), counts)
        offsets = (np.arange(int(first[-1])) - first[seg_idx]) * step_m
        xs, ys = _points_along(line_array, seg_idx, offsets)
        cells = _Cells(xs, ys, cell_m)
        on_border = _border_mask(border_river, n)
        nation_index = {u.uid: k for k, u in enumerate(self.units["nation"])}
        prk = nation_index.get(BORDER_RIVERS["图们江"][0])

        result: dict[str, AdminRuns] = {}
        for level in LEVELS:
            polys = np.asarray(self.polygons[level], dtype=object)
            # Buffer a simplified copy: fast, and 50 m simplification is far below the 1 km reach.
            grown = shapely.buffer(shapely.simplify(polys, 50.0), touch_distance_m)
            shapely.prepare(polys)
            shapely.prepare(grown)
            grown_tree = STRtree(grown)
            primary = np.full(len(offsets), -1, dtype=np.int32)
            masks = np.zeros((len(offsets), (len(polys) + 63) // 64), dtype=np.uint64)
            label = cells.labels(self._trees[level], polys, touch_distance_m + 100.0)
            pure = np.flatnonzero(label >= 0)
            primary[pure] = label[pure]
            _set_bits(masks, pure, label[pure])
            tested = np.flatnonzero(label == _NEAR_BOUNDARY)
            for lo in range(0, len(tested), chunk):
                rows = tested[lo:lo + chunk]
                points = shapely.points(xs[rows], ys[rows])
                pt, poly = _containing(self._trees[level], polys, points, xs[rows], ys[rows])
                first_hit = np.full(len(rows), -1, dtype=np.int32)
                first_hit[pt[::-1]] = poly[::-1]  # first match wins (tree order, as a query)
                primary[rows] = first_hit
                pt, poly = _containing(grown_tree, grown, points, xs[rows], ys[rows])
                _set_bits(masks, rows[pt], poly)
                inside = np.flatnonzero(first_hit >= 0)
                _set_bits(masks, rows[inside], first_hit[inside])
            if level == "nation" and prk is not None:
                border = np.flatnonzero(on_border[seg_idx])
                _set_bits(masks, border, np.full(len(border), prk))
            result[level] = _compress(n, first, seg_idx, offsets, primary, masks)
        return result


_NEAR_BOUNDARY = -2


class _Cells:
    """A grid over the samples, for telling the samples far from every boundary."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, cell_m: float) -> None:
        self.cell_m = cell_m
        if len(xs) == 0:
            self.of_sample = np.zeros(0, dtype=np.int64)
            self.used = np.zeros(0, dtype=np.int64)
            self.cx = self.cy = np.zeros(0)
            return
        x0, y0 = float(xs.min()), float(ys.min())
        ix = ((xs - x0) // cell_m).astype(np.int64)
        iy = ((ys - y0) // cell_m).astype(np.int64)
        width = int(ix.max()) + 1
        key = iy * width + ix
        occupied = np.bincount(key)
        self.used = np.flatnonzero(occupied)          # grid cells holding samples
        compact = np.full(len(occupied), -1, dtype=np.int64)
        compact[self.used] = np.arange(len(self.used))
        self.of_sample = compact[key]                   # sample -> index into used
        self.cx = x0 + (self.used % width + 0.5) * cell_m
        self.cy = y0 + (self.used // width + 0.5) * cell_m

    def labels(self, tree: STRtree, polys: np.ndarray, reach_m: float) -> np.ndarray:
        """Per sample: the unit it is surely in and reaches alone, -1 if surely in none and
        reaching none, or ``_NEAR_BOUNDARY`` if it must be tested."""
        label = np.full(len(self.used), _NEAR_BOUNDARY, dtype=np.int32)
        parts = shapely.get_parts(polys)
        is_area = shapely.get_type_id(parts) == 3
        edges = shapely.get_parts(shapely.boundary(parts[is_area]))
        # One prepared MultiLineString: its distance queries use an index of the edges.
        boundaries = [shapely.multilinestrings(edges)]
        if not is_area.all():  # lines or points left over by make_valid
            boundaries.append(shapely.geometrycollections(list(parts[~is_area])))
        centres = shapely.points(self.cx, self.cy)
        far = np.ones(len(centres), dtype=bool)
        for boundary in boundaries:
            shapely.prepare(boundary)
            far &= ~shapely.dwithin(boundary, centres, reach_m + self.cell_m * math.sqrt(0.5))
        far_idx = np.flatnonzero(far)
        pt, poly = _containing(tree, polys, centres[far_idx], self.cx[far_idx], self.cy[far_idx])
        hits = np.bincount(pt, minlength=len(far_idx))
        unit = np.full(len(far_idx), -1, dtype=np.int32)
        unit[pt] = poly
        label[far_idx[hits == 0]] = -1
        label[far_idx[hits == 1]] = unit[hits == 1]
        return label[self.of_sample]


def _points_along(lines: np.ndarray, seg_idx: np.ndarray, offsets: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """x, y of the points at ``offsets`` (m) along ``lines[seg_idx]``, all at once.

    Interpolates on the flat vertex array: the vertices' cumulative distances along all lines
    end to end, searched once (numpy), rather than one GEOS call per point.
    """
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return np.zeros(0), np.zeros(0)
    step = np.hypot(*np.diff(coords, axis=0).T)
    step[owner[1:] != owner[:-1]] = 0.0  # no distance between one line's end and the next
    along = np.concatenate(([0.0], np.cumsum(step)))
    start = np.searchsorted(owner, np.arange(len(lines)))   # first vertex of each line
    stop = np.searchsorted(owner, np.arange(len(lines)), side="right") - 2  # last edge
    target = along[start[seg_idx]] + offsets
    k = np.searchsorted(along, target, side="right") - 1
    k = np.clip(k, start[seg_idx], np.maximum(stop[seg_idx], start[seg_idx]))
    nxt = np.minimum(k + 1, len(coords) - 1)
    span = along[nxt] - along[k]
    t = np.divide(target - along[k], span, out=np.zeros_like(span), where=span > 0)
    t = np.clip(t, 0.0, 1.0)
    xy = coords[k] + t[:, None] * (coords[nxt] - coords[k])
    return xy[:, 0], xy[:, 1]


def _border_mask(border_river: Sequence[str | None] | np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(border_river, dtype=object) if not isinstance(border_river, np.ndarray) \
        else border_river
    if arr.dtype == bool:
        return arr
    return np.fromiter((name in BORDER_RIVERS for name in arr.tolist()), dtype=bool, count=n)


def _containing(tree: STRtree, polys: np.ndarray, points: np.ndarray, xs: np.ndarray,
                ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, polygon) index pairs where the point lies inside the polygon (not on its edge).

    The tree's box query, then a prepared point-in-polygon test per pair: the same pairs, in the
    same order, as ``tree.query(points, predicate="within")``, many times faster.
    """
    pt, poly = tree.query(points)
    keep = shapely.contains_xy(polys[poly], xs[pt], ys[pt])
    return pt[keep], poly[keep]


def _set_bits(masks: np.ndarray, rows: np.ndarray, units: np.ndarray) -> None:
    """Add ``units[j]`` to the bit set of sample ``rows[j]`` (masks: samples × 64-bit words)."""
    if len(rows) == 0:
        return
    units = units.astype(np.int64)
    bits = np.left_shift(np.uint64(1), (units % 64).astype(np.uint64))
    np.bitwise_or.at(masks, (rows, units // 64), bits)


def _compress(n: int, first: np.ndarray, seg_idx: np.ndarray, offsets: np.ndarray,
              primary: np.ndarray, masks: np.ndarray) -> AdminRuns:
    """Keep only the samples where the (primary, reached) state changes along a segment."""
    keep = np.ones(len(offsets), dtype=bool)
    if len(offsets) > 1:
        same = (primary[1:] == primary[:-1]) & (masks[1:] == masks[:-1]).all(axis=1)
        keep[1:] = ~same
    keep[first[:-1]] = True  # every segment starts a run
    runs = np.flatnonzero(keep)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(seg_idx[runs], minlength=n), out=ptr[1:])
    run_masks = masks[runs]
    seg_masks = np.bitwise_or.reduceat(run_masks, ptr[:-1], axis=0) if n else run_masks[:0]
    table, inverse = _unique_rows(np.concatenate([run_masks, seg_masks]))
    sets = tuple(_members(row) for row in table.tolist())
    prim = primary[runs]
    k = np.arange(len(runs))
    valid = prim >= 0
    if n:
        last = np.maximum.reduceat(np.where(valid, k, -1), ptr[:-1])
        head = np.minimum.reduceat(np.where(valid, k, len(runs)), ptr[:-1])
    else:
        last = head = np.zeros(0, dtype=np.int64)
    last_primary = np.where(last >= 0, prim[np.maximum(last, 0)], -1).astype(np.int32)
    first_primary = np.where(head < len(runs), prim[np.minimum(head, len(runs) - 1)],
                             -1).astype(np.int32)
    return AdminRuns(ptr=ptr, start_m=offsets[runs].astype(np.float64), primary=prim,
                     reached=inverse[:len(runs)], all_reached=inverse[len(runs):],
                     first_primary=first_primary, last_primary=last_primary, sets=sets)


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a 2-D uint64 array and each row's index among them.

    Sorts one 64-bit hash per row instead of the rows themselves (several times faster than
    ``np.unique(axis=0)`` on millions of rows); a hash collision falls back to the latter.
    """
    if rows.shape[1] == 1:
        key = rows[:, 0]
    else:
        key = np.zeros(len(rows), dtype=np.uint64)
        for w in range(rows.shape[1]):  # FNV-style mixing; uint64 arithmetic wraps
            key = (key ^ rows[:, w]) * np.uint64(0x100000001B3)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    table = rows[first]
    inverse = inverse.reshape(-1)
    if rows.shape[1] > 1 and not np.array_equal(table[inverse], rows):
        table, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    return table, inverse.astype(np.int32)


def _members(words: list[int]) -> frozenset[int]:
    return frozenset(64 * w + b for w, word in enumerate(words) for b in range(64)
                     if word >> b & 1)
