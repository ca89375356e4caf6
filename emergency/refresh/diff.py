"""The field-level difference between the live slice and a submission (差异比对). Pure.

Records are matched by natural key (name + county; experts: name + unit). A record is *added*
(only in the submission), *removed* (only in the live data), *changed* (some field differs: each
change is ``old → new``) or *unchanged*. The order of a depot's items and of a risk source's
substances carries no meaning: a record that differs only in that order is unchanged.

A depot's items are matched within the depot by item + spec + expiry, then, among those left, by
item + spec when that is unambiguous (a new batch with a later expiry is then one *changed* item,
``有效期至 2026-06-30 → 2027-06-30``, not a removal and an addition).

``as_json`` turns a :class:`Diff` into what the steward reads: Chinese column headings (with the
English ones), values written as in the files, labels such as ``示例化工厂(朝阳区)``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from emergency.inventory.columns import COLUMNS
from emergency.inventory.records import (
    RECORD_TYPES,
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.inventory.tables import format_number
from emergency.inventory.vocab import RISK_SOURCE_KINDS

_SKIP = frozenset({"county_adcode", "items"})  # the key's code; items are compared one by one
_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(MaterialItemRecord))
# record field → the column (and so the heading) it is read from
_COLUMN_OF = {"county_zh": "county", "prefecture_zh": "prefecture",
              "receiving_river_zh": "receiving_river", "joins_river_zh": "joins_river"}
_HEADINGS_EXTRA = {"county_adcode": ("县级行政区划代码", "county code")}


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One item of a depot: ``added``, ``removed`` or ``changed`` (with its fields)."""

    change: str
    old: MaterialItemRecord | None
    new: MaterialItemRecord | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def item(self) -> MaterialItemRecord:
        found = self.new if self.new is not None else self.old
        assert found is not None
        return found


@dataclass(frozen=True, slots=True)
class RecordChange:
    key: tuple
    old: Record
    new: Record
    fields: tuple[FieldChange, ...]
    items: tuple[ItemChange, ...] = ()

    @property
    def reconfirm_only(self) -> bool:
        """Only the 核实日期 moved: the record was re-confirmed unchanged."""
        return not self.items and [f.field for f in self.fields] == ["confirmed_at"]


@dataclass(frozen=True)
class Diff:
    kind: str
    added: tuple[Record, ...]
    removed: tuple[Record, ...]
    changed: tuple[RecordChange, ...]
    unchanged: int
    reordered: int = 0  # unchanged records whose items / substances came in another order

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed),
                "changed": len(self.changed), "unchanged": self.unchanged,
                "reconfirmed": sum(1 for c in self.changed if c.reconfirm_only)}


# ----------------------------------------------------------------------------- computing
def diff_records(kind: str, live: Iterable[Record], submitted: Sequence[Record]) -> Diff:
    """What replacing ``live`` by ``submitted`` changes (``submitted`` keys must be unique)."""
    if kind not in RECORD_TYPES:
        raise ValueError(f"unknown inventory kind {kind!r}")
    live_by_key = {r.key: r for r in live}
    added: list[Record] = []
    changed: list[RecordChange] = []
    unchanged = reordered = 0
    seen: set[tuple] = set()
    for rec in submitted:
        key = rec.key
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in the submission: validate it first")
        seen.add(key)
        old = live_by_key.get(key)
        if old is None:
            added.append(rec)
        elif old == rec:
            unchanged += 1
        elif _canonical(old) == _canonical(rec):
            unchanged += 1
            reordered += 1
        else:
            changed.append(record_change(old, rec))
    removed = tuple(r for k, r in live_by_key.items() if k not in seen)
    return Diff(kind, tuple(added), removed, tuple(changed), unchanged, reordered)


def _canonical(rec: Record) -> Record:
    """The record with its items and substances in a fixed order (order is not content)."""
    if isinstance(rec, DepotRecord):
        return dataclasses.replace(rec, items=tuple(sorted(rec.items, key=_item_sort_key)))
    if isinstance(rec, RiskSourceRecord):
        return dataclasses.replace(rec, substances=tuple(sorted(rec.substances,
                                                                key=lambda s: s.substance_id)))
    return rec


def _item_sort_key(it: MaterialItemRecord) -> tuple:
    return (it.item, it.spec or "", it.expiry or date.min, it.category, it.quantity, it.unit,
            it.purpose or "")


def record_change(old: Record, new: Record) -> RecordChange:
    fields = []
    for f in dataclasses.fields(old):
        if f.name in _SKIP:
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if f.name == "substances":
            a = tuple(sorted(a, key=lambda s: s.substance_id))
            b = tuple(sorted(b, key=lambda s: s.substance_id))
        if a != b:
            fields.append(FieldChange(f.name, getattr(old, f.name), getattr(new, f.name)))
    items: tuple[ItemChange, ...] = ()
    if isinstance(old, DepotRecord) and isinstance(new, DepotRecord):
        items = item_changes(old.items, new.items)
    return RecordChange(old.key, old, new, tuple(fields), items)


def item_changes(old: Sequence[MaterialItemRecord], new: Sequence[MaterialItemRecord]
                 ) -> tuple[ItemChange, ...]:
    """The items added, removed and changed between two stocks of one depot."""
    same = Counter(old) & Counter(new)
    old_left = _minus(old, same)
    new_left = _minus(new, same)
    out: list[ItemChange] = []
    for key_of in (lambda i: (i.item, i.spec, i.expiry), lambda i: (i.item, i.spec)):
        olds: dict[tuple, list[MaterialItemRecord]] = {}
        news: dict[tuple, list[MaterialItemRecord]] = {}
        for it in old_left:
            olds.setdefault(key_of(it), []).append(it)
        for it in new_left:
            news.setdefault(key_of(it), []).append(it)
        paired_old: list[MaterialItemRecord] = []
        paired_new: list[MaterialItemRecord] = []
        for k, candidates in news.items():
            was = olds.get(k, [])
            if len(was) == 1 and len(candidates) == 1:
                a, b = was[0], candidates[0]
                out.append(ItemChange("changed", a, b, tuple(
                    FieldChange(name, getattr(a, name), getattr(b, name))
                    for name in _ITEM_FIELDS if getattr(a, name) != getattr(b, name))))
                paired_old.append(a)
                paired_new.append(b)
        old_left = _without(old_left, paired_old)
        new_left = _without(new_left, paired_new)
    out += [ItemChange("removed", it, None) for it in old_left]
    out += [ItemChange("added", None, it) for it in new_left]
    return tuple(out)


def _minus(items: Sequence[MaterialItemRecord], common: Counter) -> list[MaterialItemRecord]:
    budget = Counter(common)
    out = []
    for it in items:
        if budget[it] > 0:
            budget[it] -= 1
        else:
            out.append(it)
    return out


def _without(items: list[MaterialItemRecord], taken: list[MaterialItemRecord]
             ) -> list[MaterialItemRecord]:
    gone = {id(it) for it in taken}
    return [it for it in items if id(it) not in gone]


# ----------------------------------------------------------------------------- presenting
def heading(kind: str, field: str) -> tuple[str, str]:
    """The column heading a steward knows for a record field, in Chinese and English."""
    if field in _HEADINGS_EXTRA:
        return _HEADINGS_EXTRA[field]
    wanted = _COLUMN_OF.get(field, field)
    if kind == "materials" and field == "name":
        wanted = "depot"
    for col in COLUMNS[kind]:
        if col.field == wanted:
            return col.heading, col.heading_en
    if kind == "materials":
        for col in COLUMNS["materials"]:
            if col.field == field:
                return col.heading, col.heading_en
    return field, field


def record_label(rec: Record) -> str:
    if isinstance(rec, ExpertRecord):
        return f"{rec.name}({rec.unit})"
    return f"{rec.name}({rec.county_zh})"


def item_label(it: MaterialItemRecord) -> str:
    parts = [it.item, it.spec, it.expiry.isoformat() if it.expiry else None]
    return " / ".join(p for p in parts if p)


def show(value: object, substance_name: Callable[[str], str] | None = None) -> str:
    """A value as the files write it (dates ISO, 20.0 → 20, 是/否, substance lists)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float | int):
        return format_number(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        if value and isinstance(value[0], SubstanceHeld):
            name = substance_name or (lambda s: s)
            return ";".join(f"{name(s.substance_id)}:{format_number(s.max_t)}" for s in value)
        return "、".join(str(v) for v in value)
    return str(value)


def _show_field(field: str, value: object, substance_name: Callable[[str], str] | None) -> str:
    if field == "kind" and isinstance(value, str) and value in RISK_SOURCE_KINDS:
        return RISK_SOURCE_KINDS[value][0]
    return show(value, substance_name)


def _fields_json(kind: str, changes: Iterable[FieldChange],
                 substance_name: Callable[[str], str] | None) -> list[dict]:
    out = []
    for c in changes:
        zh, en = heading(kind, c.field)
        out.append({"field": c.field, "heading": zh, "heading_en": en,
                    "old": _show_field(c.field, c.old, substance_name),
                    "new": _show_field(c.field, c.new, substance_name)})
    return out


def summary_fields(rec: Record) -> list[str]:
    """The few fields that identify an added or removed record at a glance."""
    if isinstance(rec, RiskSourceRecord):
        return ["kind", "risk_level", "receiving_river_zh", "contact"]
    if isinstance(rec, DepotRecord):
        return ["holder", "storage_mode", "address"]
    if isinstance(rec, TeamRecord):
        return ["level", "unit", "members", "leader"]
    return ["field", "title", "phone"]


def _summary(kind: str, rec: Record, substance_name: Callable[[str], str] | None) -> list[dict]:
    out = []
    for name in summary_fields(rec):
        zh, en = heading(kind, name)
        out.append({"heading": zh, "heading_en": en,
                    "value": _show_field(name, getattr(rec, name), substance_name)})
    if isinstance(rec, DepotRecord):
        out.append({"heading": "物资", "heading_en": "items", "value": str(len(rec.items))})
    return out


def as_json(diff: Diff, substance_name: Callable[[str], str] | None = None) -> dict:
    """The diff as the steward reads it (JSON-able; stored with a staged submission)."""
    kind = diff.kind
    changed = []
    for c in diff.changed:
        items = [{"change": i.change, "label": item_label(i.item),
                  "fields": _fields_json("materials", i.fields, substance_name)}
                 for i in c.items]
        changed.append({"key": list(c.key), "label": record_label(c.new),
                        "reconfirm_only": c.reconfirm_only,
                        "fields": _fields_json(kind, c.fields, substance_name),
                        "items": items})
    return {
        "kind": kind, "counts": diff.counts(),
        "added": [{"key": list(r.key), "label": record_label(r),
                   "fields": _summary(kind, r, substance_name)} for r in diff.added],
        "removed": [{"key": list(r.key), "label": record_label(r),
                     "fields": _summary(kind, r, substance_name)} for r in diff.removed],
        "changed": changed,
    }
