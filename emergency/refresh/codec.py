"""Inventory records ⇄ compact, compressed JSON (快照编码). Pure.

A snapshot or a staged submission is ``{"v": 1, "kind": …, "fields": […], "rows": [[…], …]}``:
one list per record, in the dataclass's field order, nested children as lists, dates as ISO
strings. JSON keeps every float exactly (shortest repr), so ``decode(encode(r)) == r``.
The bytes are zlib-compressed: 100,000 material items take a few MB.

``digest`` is the SHA-256 of the canonical encoding (records sorted by natural key): two slices
with the same records have the same digest whatever order they were read in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from datetime import date

from emergency.inventory.records import (
    RECORD_TYPES,
    DepotRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.inventory.tables import paused_gc

FORMAT_VERSION = 1
_LEVEL = 3  # zlib: a good ratio at a fraction of level 6's time
_DATE_FIELDS = frozenset({"confirmed_at"})
_FIELDS = {kind: tuple(f.name for f in dataclasses.fields(cls))
           for kind, cls in RECORD_TYPES.items()}


def fields(kind: str) -> tuple[str, ...]:
    return _FIELDS[kind]


# ----------------------------------------------------------------------------- rows
def _row(kind: str, rec: Record) -> list:
    out: list = []
    for name in _FIELDS[kind]:
        value = getattr(rec, name)
        if name == "substances":
            value = [[s.substance_id, s.max_t] for s in value]
        elif name == "items":
            value = [[i.item, i.category, i.spec, i.quantity, i.unit, i.purpose,
                      i.expiry.isoformat() if i.expiry else None] for i in value]
        elif name == "specialties":
            value = list(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out.append(value)
    return out


def _record(kind: str, names: Sequence[str], row: Sequence) -> Record:
    values = dict(zip(names, row, strict=True))
    for name in _DATE_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = date.fromisoformat(values[name])
    if kind == "risk_sources":
        values["substances"] = tuple(SubstanceHeld(s, float(t)) for s, t in values["substances"])
        return RiskSourceRecord(**values)
    if kind == "materials":
        values["items"] = tuple(
            MaterialItemRecord(i, c, sp, float(q), u, p, date.fromisoformat(e) if e else None)
            for i, c, sp, q, u, p, e in values["items"])
        return DepotRecord(**values)
    if kind == "teams":
        values["specialties"] = tuple(values["specialties"])
        return TeamRecord(**values)
    return RECORD_TYPES[kind](**values)


# ----------------------------------------------------------------------------- bytes
@paused_gc()
def canonical(kind: str, records: Iterable[Record]) -> bytes:
    """The uncompressed JSON of ``records`` in natural-key order (what ``digest`` hashes)."""
    ordered = sorted(records, key=lambda r: r.key)
    return _json(kind, ordered)


def _json(kind: str, records: Iterable[Record]) -> bytes:
    body = {"v": FORMAT_VERSION, "kind": kind, "fields": list(_FIELDS[kind]),
            "rows": [_row(kind, r) for r in records]}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def encode(kind: str, records: Iterable[Record]) -> bytes:
    """Compressed JSON of ``records`` in natural-key order."""
    return zlib.compress(canonical(kind, records), _LEVEL)


@paused_gc()
def decode(blob: bytes, kind: str | None = None) -> list[Record]:
    """The records of an ``encode``d blob (``kind`` checked when given)."""
    body = json.loads(zlib.decompress(blob))
    return _records(body, kind)


@paused_gc()
def decode_with_digest(blob: bytes, kind: str | None = None) -> tuple[list[Record], str]:
    """The records of an ``encode``d blob and their ``digest``, decompressing once."""
    raw = zlib.decompress(blob)
    return _records(json.loads(raw), kind), hashlib.sha256(raw).hexdigest()


def _records(body: dict, kind: str | None) -> list[Record]:
    if body.get("v") != FORMAT_VERSION:
        raise ValueError(f"unknown snapshot format {body.get('v')!r}")
    if kind is not None and body["kind"] != kind:
        raise ValueError(f"snapshot of {body['kind']}, expected {kind}")
    names = body["fields"]
    return [_record(body["kind"], names, row) for row in body["rows"]]


def digest(kind: str, records: Iterable[Record]) -> str:
    return hashlib.sha256(canonical(kind, records)).hexdigest()


def digest_and_blob(kind: str, records: Iterable[Record]) -> tuple[str, bytes]:
    """Both at the cost of one encoding."""
    raw = canonical(kind, records)
    return hashlib.sha256(raw).hexdigest(), zlib.compress(raw, _LEVEL)


def pack(value: object) -> bytes:
    """Any JSON-able value, compressed (problems, diffs)."""
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                    default=_default).encode("utf-8"), _LEVEL)


def unpack(blob: bytes | None) -> object:
    return None if blob is None else json.loads(zlib.decompress(blob))


def _default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON-able: {type(value).__name__}")
