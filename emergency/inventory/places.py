"""Jilin's prefectures and counties (行政区划) for the inventories: names and point-in-county.

Built from the administrative polygons the river network already carries (``network.admin``),
so a record's declared county and the county its coordinates fall in come from the same data.
Point tests are vectorised (one STRtree query for all points of a file), because an import of
100,000 rows must not test its points one by one.

Geometry is in the network's projected CRS (metres, :mod:`rivers.geo`).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from rivers.geo import project
from rivers.network import RiverNetwork

_SUFFIXES = ("市", "县", "区")
_AUTONOMOUS = re.compile(r"^(?P<stem>.+?)(?:满族|朝鲜族|蒙古族)+自治(?P<suffix>县|州)$")


@dataclass(frozen=True, slots=True)
class County:
    """A county-level unit of Jilin (县 / 县级市 / 市辖区)."""

    adcode: int
    name_zh: str
    prefecture_zh: str
    index: int  # position in network.admin.units["county"]


@dataclass(frozen=True, slots=True)
class Located:
    """Where a point is: its Jilin county (None outside Jilin), and metres to a declared county."""

    county: County | None
    distance_to_declared_m: float


def aliases(name: str) -> set[str]:
    """The spellings a steward uses for a unit: 伊通满族自治县 → 伊通县, 伊通; 桦甸市 → 桦甸."""
    names = {name}
    m = _AUTONOMOUS.match(name)
    if m:
        stem, suffix = m.group("stem"), m.group("suffix")
        names |= {stem + suffix, stem}
        if stem == "前郭尔罗斯":
            names |= {"前郭县", "前郭"}
        if stem == "延边":
            names |= {"延边州"}
    elif name.endswith(_SUFFIXES) and len(name) > 2:
        names.add(name[:-1])
    return names


class Places:
    """Name lookups and bulk point-in-county tests for Jilin."""

    def __init__(self, network: RiverNetwork) -> None:
        admin = network.admin
        self.network = network
        counties = [County(int(u.uid.split(":")[1]), u.name_zh, u.prefecture_zh or "", i)
                    for i, u in enumerate(admin.units["county"]) if u.is_jilin]
        self.counties: tuple[County, ...] = tuple(counties)
        self._polygons = [admin.polygons["county"][c.index] for c in counties]
        self._tree = STRtree(self._polygons)
        self.prefectures: tuple[str, ...] = tuple(
            u.name_zh for u in admin.units["prefecture"] if u.is_jilin)
        self._by_code = {c.adcode: c for c in counties}
        self._by_name: dict[str, list[County]] = {}
        for c in counties:
            for alias in aliases(c.name_zh):
                self._by_name.setdefault(alias, []).append(c)
        self._prefecture_by_name: dict[str, str] = {}
        for p in self.prefectures:
            for alias in aliases(p):
                self._prefecture_by_name[alias] = p
        self._position = {c.adcode: k for k, c in enumerate(counties)}

    # ------------------------------------------------------------------ names
    def county(self, text: str | int | None, prefecture_zh: str | None = None) -> County | None:
        """The county named (full or short name) or coded (adcode) by ``text``; None if unknown.

        ``prefecture_zh`` disambiguates a short name shared by two prefectures.
        """
        if text is None:
            return None
        if isinstance(text, int) or (isinstance(text, str) and text.strip().isdigit()):
            return self._by_code.get(int(text))
        found = self._by_name.get(text.strip().replace(" ", ""), [])
        if prefecture_zh:
            found = [c for c in found if c.prefecture_zh == prefecture_zh]
        return found[0] if len(found) == 1 else None

    def prefecture(self, text: str | None) -> str | None:
        """The full name of the prefecture named by ``text`` (长春 → 长春市); None if unknown."""
        if text is None:
            return None
        return self._prefecture_by_name.get(text.strip().replace(" ", ""))

    def counties_of(self, prefecture_zh: str) -> tuple[County, ...]:
        return tuple(c for c in self.counties if c.prefecture_zh == prefecture_zh)

    # ------------------------------------------------------------------ geometry
    def locate_many(self, lons: Sequence[float], lats: Sequence[float],
                    declared: Sequence[County | None] | None = None) -> list[Located]:
        """The Jilin county of every point, and its distance (m) to the declared county.

        Distance is 0 inside the declared county (or when none is declared).
        """
        n = len(lons)
        if n == 0:
            return []
        # lists, not arrays: pyproj takes a one-element array for a scalar (NumPy warns)
        x, y = project([float(v) for v in lons], [float(v) for v in lats])
        points = shapely.points(np.column_stack([np.asarray(x), np.asarray(y)]))
        hit_point, hit_county = self._tree.query(points, predicate="within")
        county_of = np.full(n, -1, dtype=int)
        county_of[hit_point] = hit_county   # counties do not overlap: at most one hit per point
        out: list[Located] = []
        for k in range(n):
            c = self.counties[county_of[k]] if county_of[k] >= 0 else None
            distance = 0.0
            want = declared[k] if declared is not None else None
            if want is not None and (c is None or c.adcode != want.adcode):
                polygon = self._polygons[self._position[want.adcode]]
                distance = float(shapely.distance(polygon, points[k]))
            out.append(Located(c, distance))
        return out

    def polygon(self, county: County):
        """The county's polygon in the projected CRS (metres)."""
        return self._polygons[self._position[county.adcode]]


_CACHE: weakref.WeakKeyDictionary[RiverNetwork, Places] = weakref.WeakKeyDictionary()


def places_for(network: RiverNetwork) -> Places:
    """The :class:`Places` of a network, built once per network object."""
    found = _CACHE.get(network)
    if found is None:
        found = _CACHE[network] = Places(network)
    return found
