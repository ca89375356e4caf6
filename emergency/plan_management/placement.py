"""Placing a plan site (点位定位): typed or picked coordinates snapped onto the plan's own river.

The web editor asks, for every coordinate a steward types (decimal or 度分秒, read by
:func:`emergency.incidents.geometry.parse_coordinates`) or picks on the map, where the point lands
on **its own river** — the river's km and the distance — and refuses it beyond the plan limit
(:data:`plans.loader.DEFAULT_MAX_SITE_DISTANCE_M`, the file validator's rule), naming the nearest
river of the network within the snap limit (:data:`rivers.network.SNAP_MAX_DISTANCE_M`) so the
steward sees which river the point is really on. Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from emergency.incidents.geometry import CoordinateError, parse_coordinates
from plans.loader import DEFAULT_MAX_SITE_DISTANCE_M, Plan, snap_to_plan
from rivers.exceptions import RiverError
from rivers.network import SNAP_MAX_DISTANCE_M, RiverNetwork


@dataclass(frozen=True)
class Placement:
    ok: bool
    lon: float | None
    lat: float | None
    km: float | None = None             # along the plan river, from its head
    distance_m: float | None = None     # from the point to the river
    seg_id: int | None = None
    snapped_lon: float | None = None
    snapped_lat: float | None = None
    nearest_river_zh: str | None = None  # when refused: the river the point is nearest to
    nearest_river_en: str | None = None
    nearest_distance_m: float | None = None
    message_zh: str = ""
    message_en: str = ""


def place(network: RiverNetwork, plan: Plan, *, text: str | None = None,
          lon: float | None = None, lat: float | None = None,
          limit_m: float = DEFAULT_MAX_SITE_DISTANCE_M,
          search_m: float = SNAP_MAX_DISTANCE_M) -> Placement:
    """Where a typed (``text``) or picked (``lon``, ``lat``) point lands on ``plan``'s river."""
    if text is not None:
        try:
            lon, lat = parse_coordinates(text)
        except CoordinateError as exc:
            return Placement(False, None, None, message_zh=exc.message_zh,
                             message_en=exc.message_en)
    if lon is None or lat is None:
        return Placement(False, None, None, message_zh="请输入坐标",
                         message_en="enter the coordinates")
    seg_id, km, distance, (slon, slat) = snap_to_plan(network, plan, lon, lat)
    if distance <= limit_m:
        return Placement(True, lon, lat, km=km, distance_m=round(distance, 1), seg_id=seg_id,
                         snapped_lon=slon, snapped_lat=slat,
                         message_zh=f"{plan.river_name_zh} km {km:.1f},距河道 {distance:,.0f} m",
                         message_en=f"{plan.river_name_en or plan.river_name_zh} km {km:.1f}, "
                                    f"{distance:,.0f} m from the channel")
    nearest_zh = nearest_en = None
    nearest_m = None
    try:
        snap = network.snap(lon, lat, max_distance_m=search_m)
        nearest_zh, nearest_en = snap.river_name_zh, snap.river_name_en
        nearest_m = round(float(snap.distance_m), 1)
    except RiverError:
        pass
    where_zh = (f"最近的河流是{nearest_zh or '未命名河道'}(相距 {nearest_m:,.0f} m)"
                if nearest_m is not None else f"{search_m / 1000:g} km 内没有河流")
    where_en = (f"the nearest river is {nearest_en or nearest_zh or 'an unnamed channel'} "
                f"({nearest_m:,.0f} m away)" if nearest_m is not None
                else f"no river within {search_m / 1000:g} km")
    return Placement(
        False, lon, lat, km=km, distance_m=round(distance, 1), seg_id=seg_id,
        nearest_river_zh=nearest_zh, nearest_river_en=nearest_en, nearest_distance_m=nearest_m,
        message_zh=f"距本河流({plan.river_name_zh}){distance / 1000:.1f} km,超过允许的 "
                   f"{limit_m / 1000:g} km;{where_zh}",
        message_en=f"{distance / 1000:.1f} km from its river "
                   f"({plan.river_name_en or plan.river_name_zh}), beyond the allowed "
                   f"{limit_m / 1000:g} km; {where_en}")
