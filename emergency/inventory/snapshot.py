"""A frozen snapshot of the inventories for the incident engine (资源快照).

The engine ranks depots and teams by travel time and reads a risk source's discharge route in
the middle of its arithmetic; it must not query the database there. ``load_resources(session)``
reads everything it needs in four queries beforehand and returns plain frozen dataclasses.

Coordinates are WGS84 degrees; ``MaterialItemView.quantity`` is in ``unit``; ``max_t`` in tonnes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emergency.store.inventory_models import (
    MaterialDepot,
    MaterialItem,
    RiskSource,
    RiskSourceSubstance,
    Team,
)


@dataclass(frozen=True, slots=True)
class MaterialItemView:
    item: str
    category: str
    spec: str | None
    quantity: float
    unit: str
    expiry: date | None


@dataclass(frozen=True, slots=True)
class DepotView:
    id: int
    name_zh: str
    holder_zh: str
    lon: float
    lat: float
    county_zh: str
    contact_zh: str
    phone: str
    items: tuple[MaterialItemView, ...]
    sample: bool


@dataclass(frozen=True, slots=True)
class TeamView:
    id: int
    name_zh: str
    level: str
    lon: float
    lat: float
    county_zh: str
    leader_zh: str
    phone: str
    members: int
    specialties: tuple[str, ...]
    sample: bool


@dataclass(frozen=True, slots=True)
class RiskSourceView:
    """A risk source and where its water enters the river (``entry_*``, segment id)."""

    id: int
    kind: str
    name_zh: str
    lon: float
    lat: float
    county_zh: str
    substances: tuple[tuple[str, float], ...]   # (substance id, maximum quantity in t)
    entry_seg_id: int
    entry_lon: float
    entry_lat: float
    receiving_river_zh: str
    sample: bool
    risk_level: str | None = None   # 环境风险等级: 重大 / 较大 / 一般


@dataclass(frozen=True, slots=True)
class Resources:
    depots: tuple[DepotView, ...]
    teams: tuple[TeamView, ...]
    risk_sources: tuple[RiskSourceView, ...]

    def risk_source(self, id: int) -> RiskSourceView | None:
        return next((s for s in self.risk_sources if s.id == id), None)


def load_resources(session: Session) -> Resources:
    """Everything the engine reads from the inventories, loaded now (ordered by id)."""
    items: dict[int, list[MaterialItemView]] = {}
    for row in session.execute(select(
            MaterialItem.depot_id, MaterialItem.item, MaterialItem.category, MaterialItem.spec,
            MaterialItem.quantity, MaterialItem.unit, MaterialItem.expiry,
    ).order_by(MaterialItem.depot_id, MaterialItem.id)):
        items.setdefault(row.depot_id, []).append(MaterialItemView(
            row.item, row.category, row.spec, row.quantity, row.unit, row.expiry))
    depots = tuple(
        DepotView(d.id, d.name, d.holder, d.lon, d.lat, d.county_zh, d.contact, d.phone,
                  tuple(items.get(d.id, ())), d.sample)
        for d in session.scalars(select(MaterialDepot).order_by(MaterialDepot.id)))
    teams = tuple(
        TeamView(t.id, t.name, t.level, t.lon, t.lat, t.county_zh, t.leader, t.phone, t.members,
                 tuple(t.specialties or ()), t.sample)
        for t in session.scalars(select(Team).order_by(Team.id)))
    held: dict[int, list[tuple[str, float]]] = {}
    for row in session.execute(select(
            RiskSourceSubstance.risk_source_id, RiskSourceSubstance.substance_id,
            RiskSourceSubstance.max_quantity_t,
    ).order_by(RiskSourceSubstance.risk_source_id, RiskSourceSubstance.position)):
        held.setdefault(row.risk_source_id, []).append((row.substance_id, row.max_quantity_t))
    sources = tuple(
        RiskSourceView(r.id, r.kind, r.name, r.lon, r.lat, r.county_zh,
                       tuple(held.get(r.id, ())), r.entry_seg_id, r.entry_lon, r.entry_lat,
                       r.receiving_river_zh, r.sample, r.risk_level)
        for r in session.scalars(select(RiskSource).order_by(RiskSource.id)))
    return Resources(depots, teams, sources)


class ResourceCache:
    """``load_resources`` behind a fingerprint: one cheap aggregate query per call.

    The snapshot is rebuilt only when a row was added, removed or changed (counts, highest ids
    and version sums of the tables it reads): an import by a data steward shows up on the next
    report, while a duty officer's report does not pay for re-reading unchanged inventories.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._value: Resources | None = None
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> Resources:
        key = tuple(session.execute(select(*_fingerprint_columns())).one())
        with self._lock:
            if key != self._key or self._value is None:
                self._value, self._key = load_resources(session), key
            return self._value


def _fingerprint_columns() -> list:
    cols = []
    for model in (MaterialDepot, MaterialItem, Team, RiskSource, RiskSourceSubstance):
        cols.append(select(func.count()).select_from(model).scalar_subquery())
        cols.append(select(func.max(model.id)).scalar_subquery())
        if hasattr(model, "version"):
            cols.append(select(func.sum(model.version)).scalar_subquery())
    return cols
