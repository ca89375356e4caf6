"""The inventory writes of one apply (写入): delete, update, insert — in the caller's transaction.

Nothing here commits. Rows are written in bulk (executemany, ``INSERT … RETURNING`` for new
parents), never one by one. Every update and delete names the row version it read; a row changed
meanwhile by someone else makes the whole apply fail (:class:`StaleInventory`), so the caller's
transaction rolls back and the previous version stays intact. A record's children (a depot's
items, a risk source's substances) are rewritten only when they changed.

``checkpoint(stage)`` is called after each stage (``deleted``, ``updated``, ``inserted``): the
tests use it to kill the process or raise in the middle of an apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from emergency.inventory.records import DepotRecord, Record, RiskSourceRecord
from emergency.inventory.service import (
    MODELS,
    StaleInventory,
    Stored,
    delete_children,
    insert_children,
)

_CHILDREN = {"substances", "items"}
_CHUNK = 900  # ids per IN (...) list

Checkpoint = Callable[[str], None]


def _values(kind: str, rec: Record) -> dict:
    values = {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)
              if f.name not in _CHILDREN}
    if kind == "teams":
        values["specialties"] = list(values["specialties"])
    return values


def _children_of(rec: Record) -> tuple:
    if isinstance(rec, DepotRecord):
        return rec.items
    if isinstance(rec, RiskSourceRecord):
        return rec.substances
    return ()


def write_changes(session: Session, kind: str, *, added: Sequence[Record],
                  changed: Sequence[tuple[Stored, Record]], removed: Sequence[Stored],
                  now: datetime, checkpoint: Checkpoint | None = None) -> None:
    """Apply one slice's changes: ``removed`` rows go, ``changed`` rows are updated (version
    + 1), ``added`` records are inserted (version 1)."""
    table: Table = MODELS[kind].__table__  # type: ignore[assignment]
    connection = session.connection()
    multi_ok = connection.dialect.supports_sane_multi_rowcount

    if removed:
        delete_children(session, kind, [s.id for s in removed])
        result = connection.execute(
            delete(table).where(table.c.id == bindparam("b_id"),
                                table.c.version == bindparam("b_version")),
            [{"b_id": s.id, "b_version": s.version} for s in removed])
        if multi_ok and result.rowcount != len(removed):
            raise StaleInventory(f"{len(removed) - result.rowcount} {kind} rows were changed by "
                                 "someone else during the apply; nothing was applied")
    if checkpoint:
        checkpoint("deleted")

    if changed:
        params = [_values(kind, rec) | {"b_id": s.id, "b_version": s.version,
                                        "version": s.version + 1, "updated_at": now}
                  for s, rec in changed]
        result = connection.execute(
            update(table).where(table.c.id == bindparam("b_id"),
                                table.c.version == bindparam("b_version")), params)
        if multi_ok and result.rowcount != len(params):
            raise StaleInventory(f"{len(params) - result.rowcount} {kind} rows were changed by "
                                 "someone else during the apply; nothing was applied")
        rewrite = [(s.id, rec) for s, rec in changed
                   if _children_of(s.record) != _children_of(rec)
                   or (kind == "materials" and s.record.sample != rec.sample)]
        delete_children(session, kind, [i for i, _rec in rewrite])
        insert_children(session, kind, rewrite)
    if checkpoint:
        checkpoint("updated")

    if added:
        values = [_values(kind, r) | {"version": 1, "updated_at": now} for r in added]
        new_ids = list(session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), values
        ).scalars())
        insert_children(session, kind, list(zip(new_ids, added, strict=True)))
    if checkpoint:
        checkpoint("inserted")


