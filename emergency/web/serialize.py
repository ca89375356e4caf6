"""Domain results → JSON-ready dicts (the API's shapes live here, nowhere else)."""

from __future__ import annotations

from rivers.admin import AdminUnit
from rivers.network import UNNAMED_EN, UNNAMED_ZH, Crossing, River, SnapCandidate, SnapResult, Trace


def unit_dict(unit: AdminUnit | None) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.uid, "level": unit.level, "name_zh": unit.name_zh, "name_en": unit.name_en,
            "prefecture_zh": unit.prefecture_zh, "province_zh": unit.province_zh,
            "is_jilin": unit.is_jilin}


def river_dict(river: River) -> dict:
    return {"id": river.id, "name_zh": river.name_zh, "name_en": river.name_en,
            "basin": river.basin, "length_km": river.length_km,
            "length_in_jilin_km": river.length_in_jilin_km, "segment_ids": list(river.seg_ids)}


def candidate_dict(c: SnapCandidate) -> dict:
    return {"segment_id": c.seg_id, "river_name_zh": c.river_name_zh or UNNAMED_ZH,
            "river_name_en": c.river_name_en or UNNAMED_EN, "named": c.river_name_zh is not None,
            "distance_m": c.distance_m, "km": c.river_km, "joins_zh": c.joins_zh,
            "joins_en": c.joins_en, "joins_after_km": c.joins_after_km}


def snap_dict(s: SnapResult) -> dict:
    return {
        "river_name_zh": s.river_name_zh or UNNAMED_ZH,
        "river_name_en": s.river_name_en or UNNAMED_EN,
        "named": s.river_name_zh is not None,
        "segment_id": s.seg_id,
        "distance_m": s.distance_m,
        "km": s.river_km,
        "km_to_outlet": s.km_to_outlet,
        "km_from_source": s.km_from_source,
        "basin": s.basin,
        "query": {"lon": s.query_lon, "lat": s.query_lat},
        "snapped": {"lon": s.lon, "lat": s.lat},
        "candidates": [candidate_dict(c) for c in s.candidates],
        "warning": ({"message_zh": s.warning_zh, "message_en": s.warning_en}
                    if s.warning_zh else None),
    }


def crossing_dict(c: Crossing) -> dict:
    return {"level": c.level, "km": c.km,
            "from_zh": c.from_unit.name_zh if c.from_unit else None,
            "from_en": c.from_unit.name_en if c.from_unit else None,
            "to_zh": c.to_unit.name_zh, "to_en": c.to_unit.name_en,
            "from_id": c.from_unit.uid if c.from_unit else None, "to_id": c.to_unit.uid,
            "to_is_jilin": c.to_unit.is_jilin, "lon": c.lon, "lat": c.lat}


def trace_dict(t: Trace, snap: SnapResult | None = None, *, geometry: list | None = None) -> dict:
    body = {
        "direction": t.direction,
        "reaches": [{"river_name_zh": r.river_name_zh or UNNAMED_ZH,
                     "river_name_en": r.river_name_en or UNNAMED_EN,
                     "from_km": r.from_km, "to_km": r.to_km, "segment_ids": list(r.seg_ids)}
                    for r in t.reaches],
        "crossings": [crossing_dict(c) for c in t.crossings],
        "length_km": round(t.length_m / 1000, 3),
        "ends_at": t.end,
    }
    if snap is not None:
        body["snap"] = snap_dict(snap)
    if geometry is not None:
        body["geometry"] = {"type": "LineString", "coordinates": geometry}
    return body
