"""Build the :class:`RiverNetwork` from the bundled data, once, with an on-disk cache.

The derived structures (projected lines, topology, km marks, admin runs, hydraulics) take tens
of seconds to compute from the GeoJSON; they are pickled under ``cache_dir`` keyed by the SHA-256
of the data files and of this package's source, so a warm start only unpickles them.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.ops import transform as shapely_transform

from rivers.admin import AdminAreas
from rivers.geo import project
from rivers.hydraulics import estimate_hydraulics, read_defaults, read_gauges
from rivers.network import NetworkData, RiverNetwork, as_lines, build_network_data

DATA_DIR = Path(__file__).parent / "data"
DATA_FILES = (
    "rivers.geojson", "lakes.geojson", "admin_country.geojson", "admin_province.geojson",
    "admin_prefecture.geojson", "admin_county.geojson", "hydrology.csv",
    "hydraulics_defaults.yaml", "name_corrections.yaml",
)
_CODE_FILES = ("admin.py", "network.py", "hydraulics.py", "loader.py", "geo.py")


def cache_key(data_dir: Path = DATA_DIR) -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES:
        path = data_dir / name
        if path.exists():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    for name in _CODE_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def load_network(data_dir: Path = DATA_DIR, cache_dir: Path | None = None) -> RiverNetwork:
    """The river network, from the cache when it is current, else built and cached."""
    key = cache_key(data_dir)
    cache_file = cache_dir / f"network-{key}.pickle" if cache_dir else None
    if cache_file and cache_file.exists():
        with cache_file.open("rb") as fh:
            data, units, polygons = pickle.load(fh)
        return RiverNetwork(data, AdminAreas(units, polygons))
    admin = AdminAreas.from_geojson(data_dir)
    data = build_network_data(data_dir / "rivers.geojson", admin,
                              corrections=_read_corrections(data_dir))
    attach_hydraulics(data, data_dir)
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: two processes starting together never read a half-written cache.
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((data, admin.units, admin.polygons), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
        for old in cache_file.parent.glob("network-*.pickle"):
            if old != cache_file:
                old.unlink(missing_ok=True)
    return RiverNetwork(data, admin)


def _read_corrections(data_dir: Path) -> dict:
    import yaml

    path = data_dir / "name_corrections.yaml"
    return yaml.safe_load(path.read_text("utf-8")) or {} if path.exists() else {}


def attach_hydraulics(data: NetworkData, data_dir: Path) -> None:
    defaults = read_defaults(data_dir / "hydraulics_defaults.yaml")
    arrays, gauges = estimate_hydraulics(
        name_zh=data.name_zh, basin=data.basin, downstream=data.downstream,
        to_outlet_m=data.to_outlet_m, upstream_area_km2=data.upstream_area_km2,
        coords_xy=data.coords_xy, gauges=read_gauges(data_dir / "hydrology.csv"),
        defaults=defaults,
    )
    arrays["reservoir_volume_m3"], data.reservoirs = _reservoir_volumes(data, data_dir, defaults)
    data.hydraulics = arrays
    data.gauges = gauges


def _reservoir_volumes(data: NetworkData, data_dir: Path, defaults: dict
                       ) -> tuple[np.ndarray, list[str | None]]:
    """Share of each lake's volume (area × mean depth) held by each segment running through it."""
    lakes = json.loads((data_dir / "lakes.geojson").read_text("utf-8"))["features"]
    depths = defaults.get("reservoir_mean_depth_m", {})
    fallback = float(defaults.get("default_reservoir_mean_depth_m", 5))
    lines = as_lines(data.coords_xy)
    volume = np.zeros(len(lines))
    lake_of: list[str | None] = [None] * len(lines)
    for lake in lakes:
        name = lake["properties"]["name_zh"]
        poly = shapely_transform(lambda x, y, z=None: project(x, y), shape(lake["geometry"]))
        inside = shapely.length(shapely.intersection(lines, poly))
        total = float(inside.sum())
        if total < 500.0:  # the network does not run through this lake
            continue
        lake_volume = float(shapely.area(poly)) * float(depths.get(name, fallback))
        for i in np.flatnonzero(inside > 0.5 * data.length_m):
            volume[i] = lake_volume * inside[i] / total
            lake_of[i] = name or "未命名湖泊"
    return volume, lake_of
