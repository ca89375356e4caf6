"""Administrative units along the rivers (行政区: 县 / 市 / 省 / 国).

A river is cut into *runs* per administrative level: stretches along which the unit the water
is in (``primary``) and the units it touches (``reached``) stay the same. The downstream trace
then reads boundary crossings off these runs without any geometry at query time.

"Reached" means the river lies inside the unit or within ``touch_distance_m`` of it (default
1 km, the positional accuracy of the DEM-derived river lines). A river that runs *along* a
boundary therefore reaches the units on both banks, as a boundary river does in law, and a
border river (图们江, 鸭绿江 along the DPRK border) reaches the neighbouring country.
All geometry is in the projected CRS of :mod:`rivers.geo` (metres).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.ops import transform as shapely_transform

from rivers.geo import project

LEVELS: tuple[str, ...] = ("nation", "province", "prefecture", "county")
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
    """Runs of one level along one segment; ``starts`` are offsets in m from the upstream end."""

    starts: tuple[float, ...]
    primary: tuple[int, ...]  # index into AdminAreas.units[level], -1 = outside all units
    reached: tuple[frozenset[int], ...]
    all_reached: frozenset[int]  # union of ``reached``: lets a trace skip a segment in O(1)
    last_primary: int            # the last primary >= 0 along the segment, else -1


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
        lines: list,
        border_river: list[str | None],
        *,
        step_m: float = 250.0,
        touch_distance_m: float = 1000.0,
    ) -> list[dict[str, LevelRuns]]:
        """Sample every line every ``step_m`` and compress the samples into runs per level.

        ``border_river[i]`` is the name of the border river segment ``i`` belongs to, or None.
        """
        lengths = shapely.length(np.asarray(lines, dtype=object))
        seg_of_sample: list[np.ndarray] = []
        offsets: list[np.ndarray] = []
        for i, length in enumerate(lengths):
            offs = np.append(np.arange(0.0, length, step_m), length)
            offsets.append(offs)
            seg_of_sample.append(np.full(len(offs), i))
        seg_idx = np.concatenate(seg_of_sample)
        all_offsets = np.concatenate(offsets)
        line_array = np.asarray(lines, dtype=object)
        points = shapely.line_interpolate_point(line_array[seg_idx], all_offsets)

        per_level: dict[str, tuple[np.ndarray, list[set[int]]]] = {}
        for level in LEVELS:
            polys = self.polygons[level]
            primary = np.full(len(points), -1)
            pt, poly = self._trees[level].query(points, predicate="within")
            primary[pt[::-1]] = poly[::-1]  # first match wins
            # Buffer a simplified copy: fast, and 50 m simplification is far below the 1 km reach.
            grown = shapely.buffer(shapely.simplify(np.asarray(polys, dtype=object), 50.0),
                                   touch_distance_m)
            pt, poly = STRtree(grown).query(points, predicate="within")
            reached: list[set[int]] = [set() for _ in range(len(points))]
            for p, q in zip(pt.tolist(), poly.tolist(), strict=True):
                reached[p].add(q)
            for p, q in enumerate(primary.tolist()):
                if q >= 0:
                    reached[p].add(q)
            per_level[level] = (primary, reached)

        nation_index = {u.uid: k for k, u in enumerate(self.units["nation"])}
        result: list[dict[str, LevelRuns]] = []
        start = 0
        for i, offs in enumerate(offsets):
            stop = start + len(offs)
            runs: dict[str, LevelRuns] = {}
            for level in LEVELS:
                primary, reached = per_level[level]
                extra: set[int] = set()
                if level == "nation" and border_river[i] in BORDER_RIVERS:
                    extra = {nation_index[BORDER_RIVERS[border_river[i]][0]]}
                runs[level] = _compress(offs[:-1] if len(offs) > 1 else offs,
                                        primary[start:stop], reached[start:stop], extra)
            result.append(runs)
            start = stop
        return result


def _compress(offs: np.ndarray, primary: np.ndarray, reached: list[set[int]],
              extra: set[int]) -> LevelRuns:
    """Keep only the samples where the (primary, reached) state changes."""
    starts: list[float] = []
    prim: list[int] = []
    reach: list[frozenset[int]] = []
    for k, off in enumerate(offs.tolist()):
        state = (int(primary[k]), frozenset(reached[k] | extra))
        if not prim or (prim[-1], reach[-1]) != state:
            starts.append(off)
            prim.append(state[0])
            reach.append(state[1])
    known = [p for p in prim if p >= 0]
    return LevelRuns(tuple(starts), tuple(prim), tuple(reach), frozenset().union(*reach),
                     known[-1] if known else -1)
