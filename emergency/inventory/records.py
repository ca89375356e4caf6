"""The canonical inventory records: what a file row becomes, what the database stores.

Records are plain frozen dataclasses, so two imports of the same file compare equal and a
round trip (export → import) can be checked with ``==``. Coordinates are WGS84 degrees, quantities
in the unit named beside them, distances in metres. ``key`` is the natural key a data steward
recognises (name + county); the database enforces it as a unique constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class SubstanceHeld:
    """A substance of the catalogue held on site, with its maximum quantity (t)."""

    substance_id: str
    max_t: float


@dataclass(frozen=True, slots=True)
class RiskSourceRecord:
    """风险源: a major risk-source enterprise, a tailings pond (尾矿库) or a chemical park.

    The discharge route (排放途径) is the point where water leaving the site enters a river:
    the outfall (排放口) when known, else the site itself, snapped to the river network
    (``entry_*``; ``entry_distance_m`` is the distance from that point to the river).
    ``receiving_river_zh`` is the channel entered (未命名河道 when unnamed) and
    ``joins_river_zh`` the first named river the water reaches on it.
    """

    kind: str
    name: str
    operator: str | None
    industry: str | None
    county_adcode: int
    county_zh: str
    prefecture_zh: str
    lon: float
    lat: float
    substances: tuple[SubstanceHeld, ...]
    outfall_lon: float | None
    outfall_lat: float | None
    receiving_river_zh: str
    joins_river_zh: str | None
    entry_seg_id: int
    entry_lon: float
    entry_lat: float
    entry_distance_m: float
    risk_level: str
    contact: str
    phone: str
    confirmed_at: date | None = None
    sample: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.county_adcode)


@dataclass(frozen=True, slots=True)
class MaterialItemRecord:
    """One line of a depot's stock: item, category (one of seven), spec, quantity and unit."""

    item: str
    category: str
    spec: str | None
    quantity: float
    unit: str
    purpose: str | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class DepotRecord:
    """物资库: where materials are held, by whom, and how (自储 / 代储 / 协议储备)."""

    name: str
    holder: str
    holder_type: str
    storage_mode: str
    county_adcode: int
    county_zh: str
    prefecture_zh: str
    address: str | None
    lon: float
    lat: float
    contact: str
    phone: str
    items: tuple[MaterialItemRecord, ...] = field(default=())
    confirmed_at: date | None = None
    sample: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.county_adcode)


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """应急队伍: a standing response team (省级 / 市级 / 县级) and its base."""

    name: str
    level: str
    unit: str
    county_adcode: int
    county_zh: str
    prefecture_zh: str
    lon: float
    lat: float
    members: int
    specialties: tuple[str, ...]
    leader: str
    phone: str
    sample: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.county_adcode)


@dataclass(frozen=True, slots=True)
class ExpertRecord:
    """专家: a member of the expert pool. Experts have no coordinates; the key is name + unit."""

    name: str
    field: str
    title: str | None
    unit: str
    prefecture_zh: str | None
    phone: str
    sample: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.unit)


Record = RiskSourceRecord | DepotRecord | TeamRecord | ExpertRecord

RECORD_TYPES: dict[str, type] = {
    "risk_sources": RiskSourceRecord,
    "materials": DepotRecord,
    "teams": TeamRecord,
    "experts": ExpertRecord,
}
