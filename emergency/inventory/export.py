"""Records → table rows (CSV/XLSX, same headings as the import) and → JSON / GeoJSON dicts.

Pure: the service loads the records, this module shapes them. Everything written here reads
back through :mod:`emergency.inventory.rules` as the same records (the round trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from emergency.inventory.columns import COLUMNS
from emergency.inventory.records import (
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    TeamRecord,
)
from emergency.inventory.rules import format_substances
from emergency.inventory.tables import write_csv, write_xlsx
from emergency.inventory.vocab import (
    EXPIRY_WARNING_DAYS,
    MATERIAL_CATEGORIES,
    RISK_SOURCE_KINDS,
)
from emergency.substances import SubstanceCatalogue

LAYERS = ("risk_sources", "materials", "teams")  # the inventories that have coordinates


class NoGeometry(ValueError):
    """The inventory has no coordinates (experts), so it is not a map layer."""


def headings(kind: str) -> list[str]:
    return [c.heading for c in COLUMNS[kind]]


def table_rows(kind: str, records: Sequence[Record],
               catalogue: SubstanceCatalogue) -> list[list[object]]:
    """One list of cells per row, in the order of :data:`COLUMNS`; materials: a row per item."""
    fields = [c.field for c in COLUMNS[kind]]
    rows: list[list[object]] = []
    for rec in records:
        for values in _cells(kind, rec, catalogue):
            rows.append([values.get(f) for f in fields])
    return rows


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _cells(kind: str, rec: Record, catalogue: SubstanceCatalogue) -> list[dict[str, object]]:
    if isinstance(rec, RiskSourceRecord):
        return [{
            "kind": RISK_SOURCE_KINDS[rec.kind][0], "name": rec.name, "operator": rec.operator,
            "industry": rec.industry, "prefecture": rec.prefecture_zh, "county": rec.county_zh,
            "lon": rec.lon, "lat": rec.lat,
            "substances": format_substances(rec.substances, catalogue),
            "outfall_lon": rec.outfall_lon, "outfall_lat": rec.outfall_lat,
            "receiving_river": rec.receiving_river_zh, "entry_seg_id": rec.entry_seg_id,
            "entry_lon": rec.entry_lon, "entry_lat": rec.entry_lat,
            "entry_distance_m": rec.entry_distance_m, "joins_river": rec.joins_river_zh,
            "risk_level": rec.risk_level, "contact": rec.contact, "phone": rec.phone,
            "confirmed_at": rec.confirmed_at, "sample": _yes(rec.sample),
        }]
    if isinstance(rec, DepotRecord):
        depot = {
            "depot": rec.name, "holder": rec.holder, "holder_type": rec.holder_type,
            "storage_mode": rec.storage_mode, "prefecture": rec.prefecture_zh,
            "county": rec.county_zh, "address": rec.address, "lon": rec.lon, "lat": rec.lat,
            "contact": rec.contact, "phone": rec.phone, "confirmed_at": rec.confirmed_at,
            "sample": _yes(rec.sample),
        }
        if not rec.items:
            return [depot]
        return [depot | {"item": it.item, "category": it.category, "spec": it.spec,
                         "quantity": it.quantity, "unit": it.unit, "purpose": it.purpose,
                         "expiry": it.expiry} for it in rec.items]
    if isinstance(rec, TeamRecord):
        return [{
            "name": rec.name, "level": rec.level, "unit": rec.unit,
            "prefecture": rec.prefecture_zh, "county": rec.county_zh, "lon": rec.lon,
            "lat": rec.lat, "members": rec.members, "specialties": "、".join(rec.specialties),
            "leader": rec.leader, "phone": rec.phone, "sample": _yes(rec.sample),
        }]
    assert isinstance(rec, ExpertRecord)
    return [{"name": rec.name, "field": rec.field, "title": rec.title, "unit": rec.unit,
             "prefecture": rec.prefecture_zh, "phone": rec.phone, "sample": _yes(rec.sample)}]


def to_csv(kind: str, records: Sequence[Record], catalogue: SubstanceCatalogue) -> bytes:
    return write_csv(headings(kind), table_rows(kind, records, catalogue))


def to_xlsx(kind: str, records: Sequence[Record], catalogue: SubstanceCatalogue) -> bytes:
    return write_xlsx(kind, headings(kind), table_rows(kind, records, catalogue))


# ----------------------------------------------------------------------------- JSON
def item_flags(expiry: date | None, today: date | None,
               warning_days: int = EXPIRY_WARNING_DAYS) -> dict[str, object]:
    """Expiry flags of an item on ``today``: expired, expiring within ``warning_days``."""
    if expiry is None or today is None:
        return {"expired": False, "expiring_soon": False, "days_to_expiry": None}
    days = (expiry - today).days
    return {"expired": days < 0,
            "expiring_soon": 0 <= days and expiry <= today + timedelta(days=warning_days),
            "days_to_expiry": days}


def item_dict(it: MaterialItemRecord, today: date | None) -> dict:
    return {"item": it.item, "category": it.category,
            "category_en": MATERIAL_CATEGORIES.get(it.category), "spec": it.spec,
            "quantity": it.quantity, "unit": it.unit, "purpose": it.purpose,
            "expiry": it.expiry.isoformat() if it.expiry else None, **item_flags(it.expiry, today)}


def record_dict(rec: Record, catalogue: SubstanceCatalogue, *, id: int | None = None,
                today: date | None = None, meta: dict | None = None) -> dict:
    """The API's shape of one record (also the properties of its GeoJSON feature)."""
    body: dict = {"id": id}
    if isinstance(rec, RiskSourceRecord):
        body |= {
            "kind": rec.kind, "kind_zh": RISK_SOURCE_KINDS[rec.kind][0],
            "kind_en": RISK_SOURCE_KINDS[rec.kind][1], "name_zh": rec.name,
            "operator_zh": rec.operator, "industry_zh": rec.industry,
            "county_zh": rec.county_zh, "county_adcode": rec.county_adcode,
            "prefecture_zh": rec.prefecture_zh, "lon": rec.lon, "lat": rec.lat,
            "substances": [_substance(s.substance_id, s.max_t, catalogue)
                           for s in rec.substances],
            "discharge": {
                "outfall": ({"lon": rec.outfall_lon, "lat": rec.outfall_lat}
                            if rec.outfall_lon is not None else None),
                "receiving_river_zh": rec.receiving_river_zh,
                "joins_river_zh": rec.joins_river_zh,
                "entry": {"segment_id": rec.entry_seg_id, "lon": rec.entry_lon,
                          "lat": rec.entry_lat, "distance_m": rec.entry_distance_m},
            },
            "risk_level": rec.risk_level, "contact_zh": rec.contact, "phone": rec.phone,
            "confirmed_at": rec.confirmed_at.isoformat() if rec.confirmed_at else None,
        }
    elif isinstance(rec, DepotRecord):
        items = [item_dict(it, today) for it in rec.items]
        body |= {
            "name_zh": rec.name, "holder_zh": rec.holder, "holder_type": rec.holder_type,
            "storage_mode": rec.storage_mode, "county_zh": rec.county_zh,
            "county_adcode": rec.county_adcode, "prefecture_zh": rec.prefecture_zh,
            "address_zh": rec.address, "lon": rec.lon, "lat": rec.lat,
            "contact_zh": rec.contact, "phone": rec.phone,
            "confirmed_at": rec.confirmed_at.isoformat() if rec.confirmed_at else None,
            "categories": sorted({it.category for it in rec.items},
                                 key=list(MATERIAL_CATEGORIES).index),
            "expired_items": sum(1 for i in items if i["expired"]),
            "expiring_items": sum(1 for i in items if i["expiring_soon"]),
            "items": items,
        }
    elif isinstance(rec, TeamRecord):
        body |= {
            "name_zh": rec.name, "level": rec.level, "unit_zh": rec.unit,
            "county_zh": rec.county_zh, "county_adcode": rec.county_adcode,
            "prefecture_zh": rec.prefecture_zh, "lon": rec.lon, "lat": rec.lat,
            "members": rec.members, "specialties": list(rec.specialties),
            "leader_zh": rec.leader, "phone": rec.phone,
        }
    else:
        assert isinstance(rec, ExpertRecord)
        body |= {"name_zh": rec.name, "field_zh": rec.field, "title_zh": rec.title,
                 "unit_zh": rec.unit, "prefecture_zh": rec.prefecture_zh, "phone": rec.phone}
    body["sample"] = rec.sample
    if meta:
        body |= meta
    return body


def _substance(substance_id: str, max_t: float, catalogue: SubstanceCatalogue) -> dict:
    s = catalogue.get(substance_id)
    return {"id": substance_id, "name_zh": s.name_zh if s else substance_id,
            "name_en": s.name_en if s else None, "cas": s.cas if s else None,
            "pollutant_class": s.pollutant_class if s else None, "max_t": max_t}


def to_geojson(kind: str, rows: Sequence[tuple[int | None, Record]],
               catalogue: SubstanceCatalogue, today: date | None = None) -> dict:
    """A FeatureCollection (WGS84 lon/lat) of one layer; experts have no geometry."""
    if kind not in LAYERS:
        raise NoGeometry(kind)
    features = []
    for id_, rec in rows:
        assert not isinstance(rec, ExpertRecord)
        features.append({
            "type": "Feature", "id": id_,
            "geometry": {"type": "Point", "coordinates": [rec.lon, rec.lat]},
            "properties": record_dict(rec, catalogue, id=id_, today=today),
        })
    return {"type": "FeatureCollection", "name": kind, "features": features}
