"""Inventory use cases on the database: apply validated records, export, load the sample.

Every function takes a SQLAlchemy ``Session`` — the caller's unit of work — and never commits:
the caller (``Database.session()`` in the web layer or CLI) commits once, or rolls back on any
error, so an import is one transaction, all or nothing. Records are written in bulk (one
``INSERT … RETURNING`` per table, executemany updates), never row by row.

An import *adds and updates* by natural key (name + county; experts: name + unit); it never
deletes. A changed record gets ``version + 1`` and a new ``updated_at``; the update names the
version it read, and a row changed meanwhile by someone else makes the whole import fail
(:class:`StaleInventory`). A depot's items are replaced as a whole when any of them changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from emergency.inventory import export
from emergency.inventory.records import (
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.inventory.rules import ParsedRows, RuleSettings, parse_rows
from emergency.store.inventory_models import (
    Expert,
    MaterialDepot,
    MaterialItem,
    RiskSource,
    RiskSourceSubstance,
    Team,
)
from emergency.store.models import utcnow
from emergency.substances import SubstanceCatalogue, load_catalogue
from rivers.network import RiverNetwork

MODELS = {"risk_sources": RiskSource, "materials": MaterialDepot, "teams": Team,
          "experts": Expert}
RECORDS = {"risk_sources": RiskSourceRecord, "materials": DepotRecord, "teams": TeamRecord,
           "experts": ExpertRecord}
_CHILDREN = {"substances", "items"}
_CHUNK = 900  # ids per IN (...) list


class StaleInventory(RuntimeError):
    """Rows changed by someone else between reading and writing: nothing was applied."""


@dataclass(frozen=True)
class ApplyResult:
    kind: str
    inserted: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Stored:
    """A record as stored: its row id, version and time of the last change."""

    id: int
    version: int
    updated_at: datetime | None
    record: Record


@dataclass(frozen=True)
class ImportReport:
    parsed: ParsedRows
    result: ApplyResult | None   # None when the file had errors (nothing applied)
    dry_run: bool = False


# ----------------------------------------------------------------------------- reading
def stored_records(session: Session, kind: str, ids: Iterable[int] | None = None
                   ) -> list[Stored]:
    """Every stored record of ``kind`` (or those with ``ids``), in id order."""
    model = MODELS[kind]
    table: Table = model.__table__  # type: ignore[assignment]
    stmt = select(table).order_by(table.c.id)
    id_list = None if ids is None else list(ids)
    if id_list is not None:
        stmt = stmt.where(table.c.id.in_(id_list))
    rows = session.execute(stmt).mappings().all()
    children = _children(session, kind, id_list)
    fields = [f.name for f in dataclasses.fields(RECORDS[kind]) if f.name not in _CHILDREN]
    out = []
    for row in rows:
        values = {f: row[f] for f in fields}
        if kind == "teams":
            values["specialties"] = tuple(values["specialties"] or ())
        if kind == "risk_sources":
            values["substances"] = tuple(children.get(row["id"], ()))
        elif kind == "materials":
            values["items"] = tuple(children.get(row["id"], ()))
        out.append(Stored(row["id"], row["version"], row["updated_at"],
                          RECORDS[kind](**values)))
    return out


def _children(session: Session, kind: str, ids: list[int] | None) -> dict[int, list]:
    out: dict[int, list] = {}
    if kind == "risk_sources":
        sub = RiskSourceSubstance.__table__
        stmt = select(sub.c.risk_source_id, sub.c.substance_id, sub.c.max_quantity_t) \
            .order_by(sub.c.risk_source_id, sub.c.position)
        if ids is not None:
            stmt = stmt.where(sub.c.risk_source_id.in_(ids))
        for parent, substance_id, max_t in session.execute(stmt):
            out.setdefault(parent, []).append(SubstanceHeld(substance_id, max_t))
    elif kind == "materials":
        it = MaterialItem.__table__
        stmt = select(it.c.depot_id, it.c.item, it.c.category, it.c.spec, it.c.quantity,
                      it.c.unit, it.c.purpose, it.c.expiry).order_by(it.c.depot_id, it.c.id)
        if ids is not None:
            stmt = stmt.where(it.c.depot_id.in_(ids))
        for row in session.execute(stmt):
            out.setdefault(row[0], []).append(MaterialItemRecord(*row[1:]))
    return out


def records_of(session: Session, kind: str) -> list[Record]:
    return [s.record for s in stored_records(session, kind)]


def counts(session: Session) -> dict[str, int]:
    """Rows per inventory (risk sources also by kind, materials also as items)."""
    out = {kind: session.scalar(select(func.count()).select_from(model)) or 0
           for kind, model in MODELS.items()}
    out["material_items"] = session.scalar(select(func.count()).select_from(MaterialItem)) or 0
    for kind, n in session.execute(select(RiskSource.kind, func.count())
                                   .group_by(RiskSource.kind)):
        out[f"risk_sources.{kind}"] = n
    return out


@dataclass(frozen=True)
class InventoryQuery:
    """Filters of a listing; None means "any". ``bbox`` is (west, south, east, north) in degrees.

    ``category`` keeps the depots holding items of that category, and only those items.
    """

    county_adcode: int | None = None
    prefecture_zh: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    risk_kind: str | None = None
    river_zh: str | None = None
    substance_id: str | None = None
    category: str | None = None
    storage_mode: str | None = None
    level: str | None = None
    specialty: str | None = None
    field: str | None = None


def search(session: Session, kind: str, q: InventoryQuery) -> list[Stored]:
    """The stored records of ``kind`` that match every filter of ``q`` (id order)."""
    table: Table = MODELS[kind].__table__  # type: ignore[assignment]
    c = table.c
    conditions = []
    if q.county_adcode is not None and "county_adcode" in c:
        conditions.append(c.county_adcode == q.county_adcode)
    if q.prefecture_zh is not None:
        conditions.append(c.prefecture_zh == q.prefecture_zh)
    if q.bbox is not None and "lon" in c:
        west, south, east, north = q.bbox
        conditions += [c.lon.between(west, east), c.lat.between(south, north)]
    if kind == "risk_sources":
        if q.risk_kind is not None:
            conditions.append(c.kind == q.risk_kind)
        if q.river_zh is not None:
            conditions.append(or_(c.receiving_river_zh == q.river_zh,
                                  c.joins_river_zh == q.river_zh))
        if q.substance_id is not None:
            sub = RiskSourceSubstance.__table__.c
            conditions.append(c.id.in_(select(sub.risk_source_id)
                                       .where(sub.substance_id == q.substance_id)))
    if kind == "materials":
        if q.category is not None:
            it = MaterialItem.__table__.c
            conditions.append(c.id.in_(select(it.depot_id).where(it.category == q.category)))
        if q.storage_mode is not None:
            conditions.append(c.storage_mode == q.storage_mode)
    if kind == "teams" and q.level is not None:
        conditions.append(c.level == q.level)
    if kind == "experts" and q.field is not None:
        conditions.append(c.field.contains(q.field, autoescape=True))
    if conditions:
        ids = list(session.scalars(select(c.id).where(*conditions).order_by(c.id)))
        wanted = set(ids)
        found = [s for s in stored_records(session, kind, ids if len(ids) <= _CHUNK else None)
                 if s.id in wanted]
    else:
        found = stored_records(session, kind)
    if kind == "teams" and q.specialty is not None:
        found = [s for s in found if any(q.specialty in sp
                                         for sp in s.record.specialties)]  # type: ignore
    if kind == "materials" and q.category is not None:
        found = [dataclasses.replace(s, record=dataclasses.replace(
            s.record, items=tuple(i for i in s.record.items  # type: ignore[union-attr]
                                  if i.category == q.category))) for s in found]
    return found


# ----------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class _Plan:
    inserts: list[Record]
    updates: list[tuple[Stored, Record]]
    unchanged: int


def plan_rows(session: Session, kind: str, records: Sequence[Record]) -> _Plan:
    """What applying ``records`` would do: which keys are new, which changed."""
    existing = {s.record.key: s for s in stored_records(session, kind)}
    inserts: list[Record] = []
    updates: list[tuple[Stored, Record]] = []
    unchanged = 0
    seen: set = set()
    for rec in records:
        if rec.key in seen:
            raise ValueError(f"duplicate key {rec.key!r}: validate before applying")
        seen.add(rec.key)
        found = existing.get(rec.key)
        if found is None:
            inserts.append(rec)
        elif found.record == rec:
            unchanged += 1
        else:
            updates.append((found, rec))
    return _Plan(inserts, updates, unchanged)


def apply_rows(session: Session, kind: str, records: Sequence[Record]) -> ApplyResult:
    """Insert new and update changed records of ``kind`` in the caller's transaction."""
    plan = plan_rows(session, kind, records)
    table: Table = MODELS[kind].__table__  # type: ignore[assignment]
    now = utcnow()
    new_ids: list[int] = []
    if plan.inserts:
        values = [_values(kind, r) | {"version": 1, "updated_at": now} for r in plan.inserts]
        new_ids = list(session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), values
        ).scalars())
    if plan.updates:
        params = [_values(kind, r) | {"b_id": s.id, "b_version": s.version,
                                      "version": s.version + 1, "updated_at": now}
                  for s, r in plan.updates]
        connection = session.connection()
        result = connection.execute(
            update(table).where(table.c.id == bindparam("b_id"),
                                table.c.version == bindparam("b_version")), params)
        if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
            raise StaleInventory(
                f"{len(params) - result.rowcount} {kind} rows were changed by someone else "
                "during the import; nothing was applied")
        delete_children(session, kind, [s.id for s, _r in plan.updates])
    parents = list(zip(new_ids, plan.inserts, strict=True)) + \
        [(s.id, r) for s, r in plan.updates]
    insert_children(session, kind, parents)
    return ApplyResult(kind, len(plan.inserts), len(plan.updates), plan.unchanged)


def _values(kind: str, rec: Record) -> dict:
    values = {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)
              if f.name not in _CHILDREN}
    if kind == "teams":
        values["specialties"] = list(values["specialties"])
    return values


def delete_children(session: Session, kind: str, parent_ids: list[int]) -> None:
    if kind == "risk_sources":
        column = RiskSourceSubstance.__table__.c.risk_source_id
    elif kind == "materials":
        column = MaterialItem.__table__.c.depot_id
    else:
        return
    for k in range(0, len(parent_ids), _CHUNK):
        session.execute(delete(column.table).where(column.in_(parent_ids[k:k + _CHUNK])))


def insert_children(session: Session, kind: str, parents: list[tuple[int, Record]]) -> None:
    rows: list[dict] = []
    if kind == "risk_sources":
        for parent_id, rec in parents:
            assert isinstance(rec, RiskSourceRecord)
            rows += [{"risk_source_id": parent_id, "position": k, "substance_id": s.substance_id,
                      "max_quantity_t": s.max_t} for k, s in enumerate(rec.substances)]
        if rows:
            session.execute(insert(RiskSourceSubstance.__table__), rows)
    elif kind == "materials":
        for parent_id, rec in parents:
            assert isinstance(rec, DepotRecord)
            rows += [{"depot_id": parent_id, "item": it.item, "category": it.category,
                      "spec": it.spec, "quantity": it.quantity, "unit": it.unit,
                      "purpose": it.purpose, "expiry": it.expiry, "sample": rec.sample}
                     for it in rec.items]
        if rows:
            session.execute(insert(MaterialItem.__table__), rows)


# ----------------------------------------------------------------------------- use cases
def import_file(session: Session, kind: str, data: bytes, filename: str, *,
                network: RiverNetwork, settings: RuleSettings,
                catalogue: SubstanceCatalogue | None = None, dry_run: bool = False
                ) -> ImportReport:
    """Validate a whole file, then apply it (unless ``dry_run``) only if it has no error."""
    parsed = parse_rows(kind, data, filename, network=network, settings=settings,
                        catalogue=catalogue)
    if not parsed.ok:
        return ImportReport(parsed, None, dry_run)
    if dry_run:
        plan = plan_rows(session, kind, parsed.records)
        return ImportReport(parsed, ApplyResult(kind, len(plan.inserts), len(plan.updates),
                                                plan.unchanged), True)
    return ImportReport(parsed, apply_rows(session, kind, parsed.records))


def export_file(session: Session, kind: str, fmt: str,
                catalogue: SubstanceCatalogue | None = None, today: date | None = None
                ) -> bytes | dict:
    """The inventory as CSV or XLSX bytes (import headings), or a GeoJSON dict."""
    catalogue = catalogue or load_catalogue()
    if fmt == "geojson":
        return export.to_geojson(kind, [(s.id, s.record) for s in stored_records(session, kind)],
                                 catalogue, today)
    records = records_of(session, kind)
    if fmt == "csv":
        return export.to_csv(kind, records, catalogue)
    if fmt == "xlsx":
        return export.to_xlsx(kind, records, catalogue)
    raise ValueError(f"unknown export format {fmt!r}")


def load_sample(session: Session, network: RiverNetwork, *, as_of: date,
                catalogue: SubstanceCatalogue | None = None) -> dict[str, int]:
    """Load the sample inventory into every inventory table that is empty (idempotent).

    Returns the number of records loaded per inventory (0 where the table held data).
    """
    from emergency.inventory.sample import generate_sample

    loaded = {kind: 0 for kind in MODELS}
    empty = [kind for kind, model in MODELS.items()
             if not session.scalar(select(func.count()).select_from(model))]
    if not empty:
        return loaded
    sample = generate_sample(network, catalogue or load_catalogue(), as_of=as_of)
    for kind in empty:
        records = sample.records(kind)
        apply_rows(session, kind, records)
        loaded[kind] = len(records)
    return loaded
