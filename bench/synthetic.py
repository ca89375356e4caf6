"""A generated river network of a million segments over the Jilin box (合成河网).

The tree is drawn the way a DEM-derived network is: a random terrain is drained by
*priority-flood* (Barnes et al. 2014, "Priority-flood: an optimal depression-filling and
watershed-labeling algorithm") from a few outlets on the edge of the box. Each grid cell becomes
one segment, from the cell's centre to the centre of the cell it drains to (an outlet cell drains
off the edge of the box).

The terrain is the distance to the nearest outlet (water runs to the outlets, as it runs to the
松花江 in the north and the 鸭绿江 in the south) plus smooth noise of ``meander_cells`` cells
(basin-scale detours) and white noise of ``roughness_cells`` cells (local tortuosity). The
defaults give paths of the length of the real network's: the longest ~1,500 km (1,441 km in the
bundled data, the 松花江 system), the mean ~650 km (806 km, length-weighted, for Jilin's rivers);
:func:`depth_stats` reports them.

Everything is numpy except the flood itself (a binary heap, ~2 s for a million cells).
Coordinates are NE-China LCC metres (:mod:`rivers.geo`) inside the box of 吉林省, so the real
administrative polygons apply to the synthetic rivers.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import shapely

from rivers.geo import unproject
from rivers.network import Ragged

# Outlets as fractions of the box (x from west, y from south): north (the 松花江 side) and
# south (the 鸭绿江 side).
DEFAULT_OUTLETS: tuple[tuple[float, float], ...] = ((0.3, 1.0), (0.3, 0.0))


@dataclass
class SyntheticNetwork:
    """Columns for :func:`rivers.network.build_from_arrays`, and how they were made."""

    columns: dict
    depth: np.ndarray        # segments below each segment (a trace has depth + 1 segments)
    cell_m: tuple[float, float]
    grid: tuple[int, int]    # (rows, columns)
    outlets: int


def generate(
    n_segments: int,
    box_xy: tuple[float, float, float, float],
    *,
    seed: int = 20_240_601,
    outlets: tuple[tuple[float, float], ...] = DEFAULT_OUTLETS,
    meander_cells: float = 250.0,
    roughness_cells: float = 3.0,
    named_area_km2: float = 100.0,
    inside: object | None = None,
) -> SyntheticNetwork:
    """Generate a tree network of exactly ``n_segments`` segments.

    Parameters
    ----------
    n_segments
        Number of segments (= grid cells drained).
    box_xy
        (xmin, ymin, xmax, ymax) in NE-China LCC metres.
    seed
        Seed of every random draw: the same arguments give the same network.
    outlets
        Outlet positions as fractions of the box; each drains one basin.
    meander_cells, roughness_cells
        Amplitudes (in cells) of the smooth and white noise added to the distance to the outlets.
    named_area_km2
        A main stem is named (合成河 k) where its drainage area reaches this many km².
    inside
        A projected polygon (吉林省): ``in_jilin`` is set for segments whose midpoint lies in it.
    """
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box_xy
    aspect = (x1 - x0) / (y1 - y0)
    ny = math.ceil(math.sqrt(n_segments / aspect))
    nx = math.ceil(n_segments / ny)
    cell_x, cell_y = (x1 - x0) / nx, (y1 - y0) / ny
    outlet_rc = [(min(int(fy * ny), ny - 1), min(int(fx * nx), nx - 1)) for fx, fy in outlets]

    rows, cols = np.mgrid[0:ny, 0:nx]
    dist = np.full((ny, nx), np.inf)
    for r, c in outlet_rc:
        dist = np.minimum(dist, np.hypot(rows - r, cols - c))
    terrain = (dist + meander_cells * _smooth_noise(ny, nx, rng)
               + roughness_cells * rng.random((ny, nx)))
    parent, cells = _priority_flood(terrain, outlet_rc, n_segments)

    # Segment k is cell cells[k]; its downstream segment is that of the parent cell.
    seg_of_cell = np.full(ny * nx, -1, dtype=np.int64)
    seg_of_cell[cells] = np.arange(n_segments)
    downstream = np.where(parent[cells] >= 0, seg_of_cell[np.maximum(parent[cells], 0)], -1)

    r, c = np.divmod(cells, nx)
    cx = x0 + (c + 0.5 + rng.uniform(-0.3, 0.3, n_segments)) * cell_x
    cy = y0 + (r + 0.5 + rng.uniform(-0.3, 0.3, n_segments)) * cell_y
    ex = np.where(downstream >= 0, cx[np.maximum(downstream, 0)], 0.0)
    ey = np.where(downstream >= 0, cy[np.maximum(downstream, 0)], 0.0)
    for k in np.flatnonzero(downstream < 0).tolist():  # an outlet drains to the nearest edge
        ex[k], ey[k] = _to_edge(cx[k], cy[k], box_xy)
    wiggle = rng.uniform(-0.2, 0.2, n_segments)
    mx = (cx + ex) / 2 - wiggle * (ey - cy)
    my = (cy + ey) / 2 + wiggle * (ex - cx)
    flat_xy = np.stack([np.column_stack([cx, cy]), np.column_stack([mx, my]),
                        np.column_stack([ex, ey])], axis=1).reshape(-1, 2)
    offsets = np.arange(0, 3 * n_segments + 1, 3, dtype=np.int64)
    lon, lat = unproject(flat_xy[:, 0], flat_xy[:, 1])

    depth = _depths(downstream)
    levels = _levels(depth)
    cells_up = np.ones(n_segments)
    strahler = np.ones(n_segments, dtype=np.int64)
    top = np.zeros(n_segments, dtype=np.int64)       # highest order among the children
    tied = np.zeros(n_segments, dtype=np.int64)      # children of that order
    for group in reversed(levels[1:]):  # heads first
        below = downstream[group]
        np.add.at(cells_up, below, cells_up[group])
        np.maximum.at(top, below, strahler[group])
        np.add.at(tied, below, strahler[group] == top[below])
        parents = np.unique(below)
        strahler[parents] = np.where(tied[parents] >= 2, top[parents] + 1, top[parents])
    area_km2 = cells_up * cell_x * cell_y / 1e6

    root = _roots(downstream)
    basin_names = [f"合成水系{k + 1}" for k in range(len(outlets))]
    outlet_segments = np.flatnonzero(downstream < 0)
    basin_of_root = np.zeros(n_segments, dtype=np.int64)
    basin_of_root[outlet_segments] = np.arange(len(outlet_segments))
    component = basin_of_root[root]

    name_code = _main_stem_names(downstream, area_km2, named_area_km2)
    names_zh = [f"合成河{k + 1}" for k in range(int(name_code.max()) + 1)]
    names_en = [f"Synthetic River {k + 1}" for k in range(len(names_zh))]
    codes = name_code.tolist()
    comps = component.tolist()
    in_jilin = (shapely.contains_xy(inside, mx, my) if inside is not None
                else np.ones(n_segments, dtype=bool))
    columns = {
        "seg_id": np.arange(1, n_segments + 1, dtype=np.int64),
        "downstream": downstream,
        "coords_lonlat": Ragged(np.column_stack([lon, lat]), offsets),
        "coords_xy": Ragged(flat_xy, offsets),
        "name_zh": [names_zh[k] if k >= 0 else None for k in codes],
        "name_en": [names_en[k] if k >= 0 else None for k in codes],
        "name_code": name_code,
        "basin": [basin_names[k] for k in comps],
        "component": component,
        "stream_order": strahler,
        "upstream_area_km2": area_km2,
        "in_jilin": in_jilin,
        "exits_box": downstream < 0,
    }
    return SyntheticNetwork(columns, depth, (cell_x, cell_y), (ny, nx), len(outlets))


def depth_stats(depth: np.ndarray, length_m: np.ndarray | None = None,
                to_outlet_m: np.ndarray | None = None) -> dict:
    """Lengths of the traces from every segment to its outlet: in segments (depth + 1) and,
    given the segment lengths and km marks, in km."""
    segs = depth + 1
    out = {"tree_trace_segments_max": int(segs.max()),
           "tree_trace_segments_mean": float(segs.mean()),
           "tree_trace_segments_p50": float(np.percentile(segs, 50)),
           "tree_trace_segments_p95": float(np.percentile(segs, 95))}
    if length_m is not None and to_outlet_m is not None:
        km = (to_outlet_m + length_m) / 1000
        out.update(tree_trace_km_max=float(km.max()), tree_trace_km_mean=float(km.mean()),
                   segment_m_mean=float(length_m.mean()))
    return out


def _priority_flood(terrain: np.ndarray, outlets: list[tuple[int, int]], n_cells: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Drain the grid from the outlets, lowest cell first; stop when ``n_cells`` are drained.

    Returns the parent (downstream) cell of every cell (-1 at an outlet or undrained) and the
    drained cells in the order they were reached.
    """
    ny, nx = terrain.shape
    width = nx + 2  # a frame of cells marked done saves every bounds check
    done = np.ones((ny + 2, width), dtype=bool)
    done[1:-1, 1:-1] = False
    height = np.full((ny + 2, width), np.inf)
    height[1:-1, 1:-1] = terrain
    done_l = done.ravel().tolist()
    height_l = height.ravel().tolist()
    parent_l = [-1] * ((ny + 2) * width)
    steps = (-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1)
    heap = []
    for r, c in outlets:
        cell = (r + 1) * width + c + 1
        done_l[cell] = True
        heap.append((height_l[cell], cell))
    heapq.heapify(heap)
    reached = [cell for _, cell in heap]
    pop, push = heapq.heappop, heapq.heappush
    while heap and len(reached) < n_cells:
        _, cell = pop(heap)
        for step in steps:
            nb = cell + step
            if not done_l[nb]:
                done_l[nb] = True
                parent_l[nb] = cell
                push(heap, (height_l[nb], nb))
                reached.append(nb)
                if len(reached) == n_cells:
                    break
    if len(reached) < n_cells:
        raise ValueError(f"grid of {ny}×{nx} cells cannot drain {n_cells} cells")
    # Back from the framed grid to row-major cell numbers of the ny × nx grid.
    framed = np.array(reached, dtype=np.int64)
    parent_framed = np.array(parent_l, dtype=np.int64)[framed]

    def unframe(idx: np.ndarray) -> np.ndarray:
        r, c = np.divmod(idx, width)
        return (r - 1) * nx + (c - 1)

    parent = np.full(ny * nx, -1, dtype=np.int64)
    cells = unframe(framed)
    has = parent_framed >= 0
    parent[cells[has]] = unframe(parent_framed[has])
    return parent, cells


def _smooth_noise(ny: int, nx: int, rng: np.random.Generator,
                  scales: tuple[int, ...] = (256, 64, 16),
                  weights: tuple[float, ...] = (1.0, 0.5, 0.25)) -> np.ndarray:
    """Value noise: random values on coarse grids of ``scales`` cells, bilinearly spread."""
    out = np.zeros((ny, nx))
    for scale, weight in zip(scales, weights, strict=True):
        coarse = rng.standard_normal((ny // scale + 2, nx // scale + 2))
        ys, xs = np.arange(ny) / scale, np.arange(nx) / scale
        r0, c0 = ys.astype(int), xs.astype(int)
        fy, fx = (ys - r0)[:, None], (xs - c0)[None, :]
        a, b = coarse[np.ix_(r0, c0)], coarse[np.ix_(r0, c0 + 1)]
        c, d = coarse[np.ix_(r0 + 1, c0)], coarse[np.ix_(r0 + 1, c0 + 1)]
        out += weight * ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy)
    return out


def _to_edge(x: float, y: float, box: tuple[float, float, float, float]) -> tuple[float, float]:
    x0, y0, x1, y1 = box
    gaps = {(x0, y): x - x0, (x1, y): x1 - x, (x, y0): y - y0, (x, y1): y1 - y}
    return min(gaps, key=lambda p: gaps[p])


def _depths(downstream: np.ndarray) -> np.ndarray:
    ptr = downstream.copy()
    depth = (ptr >= 0).astype(np.int64)
    while True:
        todo = np.flatnonzero(ptr >= 0)
        if len(todo) == 0:
            return depth
        p = ptr[todo]
        depth_p, ptr_p = depth[p], ptr[p]
        depth[todo] += depth_p
        ptr[todo] = ptr_p


def _roots(downstream: np.ndarray) -> np.ndarray:
    """The outlet segment of every segment (pointer jumping)."""
    root = np.where(downstream >= 0, downstream, np.arange(len(downstream)))
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


def _levels(depth: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(depth, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(depth))))
    return [order[bounds[k]:bounds[k + 1]] for k in range(len(bounds) - 1)]


def _main_stem_names(downstream: np.ndarray, area_km2: np.ndarray, named_area_km2: float
                     ) -> np.ndarray:
    """Name codes: a river is a main stem (at each confluence the larger-area branch carries
    the name on upstream) where its drainage area is at least ``named_area_km2``; -1 elsewhere.
    """
    n = len(downstream)
    has_parent = np.flatnonzero(downstream >= 0)
    order = np.lexsort((-area_km2[has_parent], downstream[has_parent]))
    children = has_parent[order]
    first = np.ones(len(children), dtype=bool)
    first[1:] = downstream[children[1:]] != downstream[children[:-1]]
    is_main = np.zeros(n, dtype=bool)
    is_main[children[first]] = True
    # The bottom of each main stem: follow the stem down while it is its parent's main branch.
    bottom = np.where(is_main, downstream, np.arange(n))
    while True:
        nxt = bottom[bottom]
        stop = ~is_main[bottom]
        new = np.where(stop, bottom, nxt)
        if np.array_equal(new, bottom):
            break
        bottom = new
    named = area_km2 >= named_area_km2
    rivers, code = np.unique(bottom[named], return_inverse=True)
    out = np.full(n, -1, dtype=np.int32)
    out[named] = code.reshape(-1)
    del rivers
    return out
