"""Refresh use cases on the database (更新业务): stage, apply, restore, history, board, notices.

Every function takes the caller's SQLAlchemy ``Session`` (one unit of work) and never commits:
``Database.session()`` in the web layer, the CLI or a job commits once, or rolls back on any
error. An apply is therefore one transaction — all or nothing — and a crash or a kill in the
middle of it leaves the previous version intact (the database never sees a commit).

A submission covers one prefecture's *slice* of one inventory (every record of that inventory in
the prefecture; see :mod:`emergency.refresh.prefectures`) and replaces it as a whole: records of
the slice missing from the file are removed. Its file is validated in full by the inventory rules
(:func:`emergency.inventory.rules.validate_table`: schema, units, dates, duplicates, coordinates
inside the declared county, river entry points) plus one rule of the refresh: every row belongs
to the declared prefecture. A valid file is staged with its records and the field-level diff
against the live slice; the diff is made again at apply time and the apply refuses
(:class:`StaleSubmission`) when the live slice changed since the steward saw it.

Versions: the first apply on a slice first stores the slice as it was (``seq`` 0, baseline);
every apply and every restore stores the slice as it is afterwards. Restoring version N applies
N's snapshot as a new version (history is never rewritten).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from operator import itemgetter

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from emergency.inventory import service as inventory
from emergency.inventory.columns import heading_index, normalise_heading
from emergency.inventory.places import Places, places_for
from emergency.inventory.problems import RowProblem
from emergency.inventory.records import (
    RECORD_TYPES,
    MaterialItemRecord,
    Record,
    SubstanceHeld,
)
from emergency.inventory.rules import ParsedRows, RuleSettings, validate_table
from emergency.inventory.tables import FileProblem, RawTable, paused_gc, read_table
from emergency.inventory.vocab import KINDS
from emergency.refresh import codec
from emergency.refresh.board import BoardRow, Confirmation, SubmissionInfo, build_board
from emergency.refresh.diff import Diff, as_json, diff_records, record_label
from emergency.refresh.plan_links import PLAN_CODES, plan_problems
from emergency.refresh.prefectures import PREFECTURES, PROVINCE_ZH, find, in_scope, scopes_for
from emergency.refresh.season import RefreshCalendar
from emergency.refresh.writer import Checkpoint, write_changes
from emergency.river_risks import PlanFinder
from emergency.store.inventory_models import (
    MaterialDepot,
    MaterialItem,
    RiskSource,
    RiskSourceSubstance,
)
from emergency.store.refresh_models import (
    InventoryVersion,
    JobNotice,
    RefreshCampaign,
    RefreshSubmission,
    upsert,
)
from emergency.substances import SubstanceCatalogue, load_catalogue
from rivers.network import RiverNetwork

SCOPE_ERRORS_LISTED = 20  # out-of-scope rows listed one by one before one summary problem


class RefreshError(Exception):
    """A request the refresh cannot do: bilingual message, a code and an HTTP-like status."""

    status = 400

    def __init__(self, code: str, message_zh: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en
        self.details = details


class NotFound(RefreshError):
    status = 404


class NotStaged(RefreshError):
    status = 409


class DeletionsUnconfirmed(RefreshError):
    """The file lacks records of the live slice and the steward did not confirm deleting them
    (nor chose to keep them): nothing is applied."""

    status = 422


class StaleSubmission(RefreshError):
    """The live slice changed after the diff was made: look at the new diff first."""

    status = 409


@dataclass(frozen=True)
class StageInputs:
    """What validation needs: the river network, rule settings, the chemical catalogue and,
    to tell which key-river plans a risk-source file changes, the plans' finder."""

    network: RiverNetwork
    settings: RuleSettings
    catalogue: SubstanceCatalogue | None = None
    plan_finder: PlanFinder | None = None
    campaign_year: int | None = None  # the coming campaign (RefreshCalendar.campaign_year)

    @property
    def today(self) -> date:
        return self.settings.today

    @property
    def year(self) -> int:
        return self.campaign_year or self.today.year


# ----------------------------------------------------------------------------- slices
def check_scope(kind: str, scope: str) -> str:
    """The canonical scope name (长春 → 长春市); :class:`RefreshError` when not allowed."""
    if kind not in KINDS:
        raise NotFound("unknown_inventory", f"没有名为「{kind}」的清单",
                       f"no inventory named {kind!r}")
    found = find(scope)
    if found is None or found not in scopes_for(kind):
        allowed = "、".join(p.name_zh for p in scopes_for(kind))
        raise RefreshError("unknown_prefecture",
                           f"「{scope}」不是可报送的市州(可选:{allowed})",
                           f"{scope!r} is not a prefecture that submits this inventory",
                           allowed=[p.name_zh for p in scopes_for(kind)])
    return found.name_zh


def _slice_condition(kind: str, scope: str):
    table = inventory.MODELS[kind].__table__
    if kind == "experts" and scope == PROVINCE_ZH:
        return or_(table.c.prefecture_zh.is_(None), table.c.prefecture_zh == PROVINCE_ZH)
    return table.c.prefecture_zh == scope


_PARENT_ID = itemgetter(0)  # of a child row: the id of its depot or risk source


@paused_gc()
def live_slice(session: Session, kind: str, scope: str) -> list[inventory.Stored]:
    """The stored records of ``kind`` in ``scope``, in id order (as
    :func:`emergency.inventory.service.stored_records` builds them, but only the slice, and
    fetched in bulk as plain tuples: a slice can hold 100,000 material items)."""
    cls = RECORD_TYPES[kind]
    table = inventory.MODELS[kind].__table__
    condition = _slice_condition(kind, scope)
    fields = [f.name for f in dataclasses.fields(cls) if f.name not in ("items", "substances")]
    rows = session.execute(select(table.c.id, table.c.version, table.c.updated_at,
                                  *(table.c[f] for f in fields))
                           .where(condition).order_by(table.c.id)).tuples().all()
    children: dict[int, tuple] = {}
    in_slice = select(table.c.id).where(condition)
    if kind == "materials":
        it = MaterialItem.__table__
        items = session.execute(
            select(it.c.depot_id, it.c.item, it.c.category, it.c.spec, it.c.quantity,
                   it.c.unit, it.c.purpose, it.c.expiry)
            .where(it.c.depot_id.in_(in_slice)).order_by(it.c.depot_id, it.c.id)).tuples().all()
        children = {depot_id: tuple([MaterialItemRecord(*row[1:]) for row in group])
                    for depot_id, group in groupby(items, _PARENT_ID)}
    elif kind == "risk_sources":
        sub = RiskSourceSubstance.__table__
        held = session.execute(
            select(sub.c.risk_source_id, sub.c.substance_id, sub.c.max_quantity_t)
            .where(sub.c.risk_source_id.in_(in_slice))
            .order_by(sub.c.risk_source_id, sub.c.position)).tuples().all()
        children = {parent: tuple([SubstanceHeld(*row[1:]) for row in group])
                    for parent, group in groupby(held, _PARENT_ID)}
    out = []
    for row_id, version, updated_at, *cells in rows:
        values = dict(zip(fields, cells, strict=True))
        if kind == "teams":
            values["specialties"] = tuple(values["specialties"] or ())
        elif kind == "materials":
            values["items"] = children.get(row_id, ())
        elif kind == "risk_sources":
            values["substances"] = children.get(row_id, ())
        out.append(inventory.Stored(row_id, version, updated_at, cls(**values)))
    return out


def slice_fingerprint(session: Session, kind: str, scope: str) -> str:
    """A cheap fingerprint of the slice: any insert, update (version + 1) or delete changes it."""
    table = inventory.MODELS[kind].__table__
    row = session.execute(select(func.count(), func.coalesce(func.sum(table.c.version), 0),
                                 func.coalesce(func.sum(table.c.id), 0),
                                 func.max(table.c.id))
                          .where(_slice_condition(kind, scope))).one()
    return hashlib.sha256(":".join(str(v) for v in row).encode()).hexdigest()


# ----------------------------------------------------------------------------- staging
def scope_problems(kind: str, scope: str, table: RawTable, places: Places) -> list[RowProblem]:
    """Rows of the file that lie outside the declared prefecture (by county, else prefecture)."""
    index = heading_index(kind)
    county_at = prefecture_at = None
    county_heading = prefecture_heading = None
    for i, heading in enumerate(table.headings):
        col = index.get(normalise_heading(heading))
        if col is not None and col.field == "county" and county_at is None:
            county_at, county_heading = i, col.heading
        if col is not None and col.field == "prefecture" and prefecture_at is None:
            prefecture_at, prefecture_heading = i, col.heading
    out: list[RowProblem] = []
    outside = 0
    first_other: str | None = None
    county_memo: dict[str, str | None] = {}  # county cell → its prefecture if outside the scope
    for number, cells in table.rows:
        if not any(c not in (None, "") for c in cells):
            continue
        other = None
        heading = None
        value = None
        if county_at is not None and county_at < len(cells) and cells[county_at] not in (None, ""):
            text = str(cells[county_at]).strip()
            if text not in county_memo:
                inside = places.county(text, scope if scope != PROVINCE_ZH else None)
                county = None if inside is not None else places.county(text)
                # None: inside the scope, or unknown (the inventory rules report it)
                county_memo[text] = county.prefecture_zh if county is not None else None
            if county_memo[text] is None:
                continue
            other, heading, value = county_memo[text], county_heading, text
        elif prefecture_at is not None:
            cell = cells[prefecture_at] if prefecture_at < len(cells) else None
            if cell in (None, ""):
                if kind == "experts" and scope != PROVINCE_ZH:
                    outside += 1
                    if outside <= SCOPE_ERRORS_LISTED:
                        out.append(RowProblem(
                            number, prefecture_heading, "prefecture_required",
                            f"报送{scope}的专家须填写「所在市(州)」",
                            f"experts submitted for {scope} need the prefecture column filled",
                            None))
                continue
            text = str(cell).strip()
            name = places.prefecture(text) or (PROVINCE_ZH if text == PROVINCE_ZH else None)
            if name is None or in_scope(kind, scope, name):
                continue
            other, heading, value = name, prefecture_heading, text
        if other is None:
            continue
        outside += 1
        first_other = first_other or other
        if outside <= SCOPE_ERRORS_LISTED:
            out.append(RowProblem(number, heading, "outside_prefecture",
                                  f"「{value}」属于{other},不属于本次报送的{scope}",
                                  f"{value!r} lies in {other}, not in {scope} (the prefecture "
                                  "of this submission)", value))
    if outside > SCOPE_ERRORS_LISTED:
        out.append(RowProblem(None, None, "outside_prefecture_many",
                              f"共 {outside} 行不属于{scope}(如{first_other or '其他市州'}):"
                              "是否选错了报送市州或文件?",
                              f"{outside} rows lie outside {scope} (e.g. in "
                              f"{first_other or 'another prefecture'}): wrong prefecture or "
                              "wrong file?"))
    return out


@paused_gc()  # a 100,000-row file: see paused_gc
def stage(session: Session, *, kind: str, scope: str, data: bytes, filename: str,
          inputs: StageInputs, user: str, source: str = "upload",
          now: datetime) -> RefreshSubmission:
    """Validate a whole file and stage it (status ``staged``) or keep its problems (``invalid``).

    Never touches the inventory tables.
    """
    scope = check_scope(kind, scope)
    catalogue = inputs.catalogue or load_catalogue()
    sub = RefreshSubmission(
        created_at=now, created_by=user, source=source, campaign_year=inputs.year,
        kind=kind, prefecture_zh=scope, filename=filename[:255],
        file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data),
        file_blob=zlib.compress(data, 3), status="invalid", rows_read=0, record_count=0,
        error_count=0, warning_count=0, added=0, removed=0, changed=0, unchanged=0,
        records_blob=None, diff_blob=None, base_digest=None, diffed_at=None)
    try:
        table = read_table(kind, data, filename)
    except FileProblem as exc:
        parsed = ParsedRows(kind, (), (exc.problem,), (), 0)
        extra: list[RowProblem] = []
    else:
        parsed = validate_table(kind, table, network=inputs.network, settings=inputs.settings,
                                catalogue=catalogue)
        extra = scope_problems(kind, scope, table, places_for(inputs.network))
    errors = sorted([*parsed.errors, *extra], key=lambda p: (p.row or 0))
    names = row_names(kind, table) if parsed.rows_read else {}
    warnings = [*parsed.warnings]
    if not errors:
        warnings += near_other_sites(session, kind, scope, parsed.records)
    sub.rows_read = parsed.rows_read
    sub.error_count, sub.warning_count = len(errors), len(warnings)
    sub.problems_blob = codec.pack({"errors": [_problem(p, names) for p in errors],
                                    "warnings": [_problem(p, names) for p in warnings]})
    session.add(sub)
    if not errors:
        sub.record_count = len(parsed.records)
        sub.records_blob = codec.encode(kind, parsed.records)
        _diff_into(session, sub, parsed.records, catalogue, now, inputs.plan_finder)
        sub.status = "staged"
    session.flush()
    if sub.status == "staged":
        session.execute(update(RefreshSubmission)
                        .where(RefreshSubmission.kind == kind,
                               RefreshSubmission.prefecture_zh == scope,
                               RefreshSubmission.status == "staged",
                               RefreshSubmission.id != sub.id)
                        .values(status="superseded"))
    return sub


def _problem(p: RowProblem, names: dict[int, str] | None = None) -> dict:
    return {"row": p.row, "column": p.column, "code": p.code, "message_zh": p.message_zh,
            "message_en": p.message_en, "value": p.value,
            "record": (names or {}).get(p.row) if p.row is not None else None}


def row_names(kind: str, table: RawTable) -> dict[int, str]:
    """File row → the record it holds, as a steward names it (name, and county when given), so
    that a problem names the record and not only a row number."""
    index = heading_index(kind)
    name_at = county_at = None
    for i, heading in enumerate(table.headings):
        col = index.get(normalise_heading(heading))
        if col is None:
            continue
        if col.field in ("name", "depot") and name_at is None:
            name_at = i
        elif col.field == "county" and county_at is None:
            county_at = i
        elif col.field == "unit" and kind == "experts" and county_at is None:
            county_at = i  # an expert is known by name and unit
    if name_at is None:
        return {}
    out = {}
    for number, cells in table.rows:
        name = str(cells[name_at]).strip() if name_at < len(cells) and cells[name_at] not in (
            None, "") else ""
        if not name:
            continue
        county = (str(cells[county_at]).strip() if county_at is not None
                  and county_at < len(cells) and cells[county_at] not in (None, "") else "")
        out[number] = f"{name}({county})" if county else name
    return out


NEAR_OTHER_SITE_M = 50.0  # a new record this close to another one is probably a duplicate


def near_other_sites(session: Session, kind: str, scope: str, records: Sequence[Record],
                     limit_m: float = NEAR_OTHER_SITE_M) -> list[RowProblem]:
    """Warnings for records new to the slice whose coordinates lie within ``limit_m`` of
    another record (of the live inventory of that kind anywhere, or of the same file): the
    same site entered twice under another name, or coordinates copied from a neighbour."""
    if not records or not hasattr(records[0], "lon"):
        return []
    table = inventory.MODELS[kind].__table__
    if "lon" not in table.c:
        return []
    live_keys = {s.record.key for s in live_slice(session, kind, scope)}
    fresh = [r for r in records if r.key not in live_keys and r.lon is not None
             and r.lat is not None]
    if not fresh:
        return []
    others = [(f"{name}({county})" if county else name, key_of, lon, lat)
              for name, county, key_of, lon, lat in _located(session, kind)]
    others += [(record_label(r), r.key, r.lon, r.lat) for r in records
               if r.lon is not None and r.lat is not None]
    out = []
    for r in fresh:
        for label, key, lon, lat in others:
            if key == r.key:
                continue
            metres = _metres(r.lon, r.lat, lon, lat)
            if metres <= limit_m:
                out.append(RowProblem(
                    None, None, "near_other_site",
                    f"新记录「{record_label(r)}」的坐标距「{label}」仅 {metres:.0f} 米"
                    f"(不足 {limit_m:.0f} 米):是否重复录入或坐标抄错?",
                    f"the new record {record_label(r)!r} lies {metres:.0f} m from "
                    f"{label!r} (under {limit_m:.0f} m): entered twice, or copied "
                    "coordinates?", f"{r.lon},{r.lat}"))
                break
    return out


def _located(session: Session, kind: str) -> list[tuple]:
    """(name, county, key, lon, lat) of every stored record of ``kind`` with coordinates (the
    key as the record types make it: name + county adcode)."""
    table = inventory.MODELS[kind].__table__
    rows = session.execute(select(table.c.name, table.c.county_zh, table.c.county_adcode,
                                  table.c.lon, table.c.lat)
                           .where(table.c.lon.is_not(None), table.c.lat.is_not(None))).all()
    return [(name, county or "", (name, adcode), lon, lat)
            for name, county, adcode, lon, lat in rows]


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371,008.8 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


@paused_gc()
def _diff_into(session: Session, sub: RefreshSubmission, records: Sequence[Record],
               catalogue: SubstanceCatalogue, now: datetime,
               plan_finder: PlanFinder | None = None) -> Diff:
    live = live_slice(session, sub.kind, sub.prefecture_zh)
    d = diff_records(sub.kind, [s.record for s in live], records)
    if plan_finder is not None and sub.kind == "risk_sources":
        _set_plan_warnings(sub, plan_problems(d, plan_finder))
    counts = d.counts()
    sub.added, sub.removed = counts["added"], counts["removed"]
    sub.changed, sub.unchanged = counts["changed"], counts["unchanged"]
    sub.diff_blob = codec.pack(as_json(d, substance_namer(catalogue)))
    sub.base_digest = slice_fingerprint(session, sub.kind, sub.prefecture_zh)
    sub.diffed_at = now
    return d


def _set_plan_warnings(sub: RefreshSubmission, found: Sequence[RowProblem]) -> None:
    """Replace the submission's key-river plan warnings (they follow the latest diff)."""
    problems = problems_of(sub)
    warnings = [p for p in problems["warnings"] if p["code"] not in PLAN_CODES]
    problems["warnings"] = [*(_problem(p) for p in found), *warnings]  # the plans first
    sub.problems_blob = codec.pack(problems)
    sub.warning_count = len(problems["warnings"])


def substance_namer(catalogue: SubstanceCatalogue):
    def name(substance_id: str) -> str:
        found = catalogue.get(substance_id)
        return found.name_zh if found is not None else substance_id

    return name


def restage(session: Session, submission_id: int, *, now: datetime,
            catalogue: SubstanceCatalogue | None = None,
            plan_finder: PlanFinder | None = None) -> RefreshSubmission:
    """Make the diff of a staged submission again, against the live slice as it is now."""
    sub = submission(session, submission_id, lock=True)
    if sub.status != "staged":
        raise NotStaged("not_staged", "只有待应用的报送可以重新比对",
                        "only a staged submission can be compared again",
                        current_status=sub.status)
    records = codec.decode(sub.records_blob or b"", sub.kind)
    _diff_into(session, sub, records, catalogue or load_catalogue(), now, plan_finder)
    return sub


# ----------------------------------------------------------------------------- reading
def submission(session: Session, submission_id: int, *, lock: bool = False
               ) -> RefreshSubmission:
    stmt = select(RefreshSubmission).where(RefreshSubmission.id == submission_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).one_or_none()
    if found is None:
        raise NotFound("unknown_submission", f"没有编号为 {submission_id} 的报送",
                       f"no submission {submission_id}")
    return found


def submissions(session: Session, *, year: int | None = None, kind: str | None = None,
                scope: str | None = None, limit: int = 100) -> list[RefreshSubmission]:
    stmt = select(RefreshSubmission).order_by(RefreshSubmission.id.desc()).limit(limit)
    if year is not None:
        stmt = stmt.where(RefreshSubmission.campaign_year == year)
    if kind is not None:
        stmt = stmt.where(RefreshSubmission.kind == kind)
    if scope is not None:
        stmt = stmt.where(RefreshSubmission.prefecture_zh == scope)
    return list(session.scalars(stmt))


def problems_of(sub: RefreshSubmission) -> dict:
    return codec.unpack(sub.problems_blob) or {"errors": [], "warnings": []}  # type: ignore


def diff_of(sub: RefreshSubmission) -> dict | None:
    return codec.unpack(sub.diff_blob)  # type: ignore[return-value]


def file_of(sub: RefreshSubmission) -> bytes:
    return zlib.decompress(sub.file_blob)


def version(session: Session, version_id: int) -> InventoryVersion:
    found = session.get(InventoryVersion, version_id)
    if found is None:
        raise NotFound("unknown_version", f"没有编号为 {version_id} 的版本",
                       f"no version {version_id}")
    return found


def versions(session: Session, *, kind: str | None = None, scope: str | None = None,
             limit: int = 200) -> list[InventoryVersion]:
    stmt = select(InventoryVersion).order_by(InventoryVersion.id.desc()).limit(limit)
    if kind is not None:
        stmt = stmt.where(InventoryVersion.kind == kind)
    if scope is not None:
        stmt = stmt.where(InventoryVersion.prefecture_zh == scope)
    return list(session.scalars(stmt))


def records_of_version(v: InventoryVersion) -> list[Record]:
    return codec.decode(v.snapshot_blob, v.kind)


def previous_version(session: Session, v: InventoryVersion) -> InventoryVersion | None:
    return session.scalars(
        select(InventoryVersion).where(InventoryVersion.kind == v.kind,
                                       InventoryVersion.prefecture_zh == v.prefecture_zh,
                                       InventoryVersion.seq < v.seq)
        .order_by(InventoryVersion.seq.desc()).limit(1)).one_or_none()


def version_diff(session: Session, v: InventoryVersion) -> Diff:
    """What version ``v`` changed: its snapshot against the previous one of its slice."""
    before = previous_version(session, v)
    old = records_of_version(before) if before is not None else []
    return diff_records(v.kind, old, records_of_version(v))


def head(session: Session, kind: str, scope: str) -> InventoryVersion | None:
    return session.scalars(
        select(InventoryVersion).where(InventoryVersion.kind == kind,
                                       InventoryVersion.prefecture_zh == scope)
        .order_by(InventoryVersion.seq.desc()).limit(1)).one_or_none()


# ----------------------------------------------------------------------------- writing
def key_token(key: Sequence[object]) -> str:
    """A record's key as one string (the diff page's ``data-key``, the apply form's value)."""
    return "|".join(str(part) for part in key)


def _deletions(session: Session, sub: RefreshSubmission, records: Sequence[Record], *,
               delete: Sequence[str] | None, delete_all: int | None, keep_missing: bool
               ) -> Sequence[Record]:
    """A record of the live slice missing from the file is deleted only when the steward
    confirmed it — ticked its key (``delete``), or confirmed all ``delete_all`` of them (the
    number they saw, so a slice that changed since cannot lose more) — or kept with
    ``keep_missing``. Returns the records to apply; raises DeletionsUnconfirmed."""
    live = [s.record for s in live_slice(session, sub.kind, sub.prefecture_zh)]
    missing = diff_records(sub.kind, live, records).removed
    if not missing:
        return records
    if keep_missing:
        return [*records, *missing]
    if delete_all is not None and delete_all == len(missing):
        return records
    ticked = set(delete or ())
    unconfirmed = [r for r in missing if key_token(r.key) not in ticked]
    if not unconfirmed:
        return records
    names = "、".join(record_label(r) for r in unconfirmed[:10])
    more = f" 等 {len(unconfirmed)} 条" if len(unconfirmed) > 10 else ""
    raise DeletionsUnconfirmed(
        "deletions_unconfirmed",
        f"文件中缺少现有的 {len(missing)} 条记录,应用会删除它们:{names}{more}。请逐条勾选确认删除,"
        "或选择“保留文件中缺少的记录”;未应用任何数据",
        f"the file lacks {len(missing)} record(s) of the live data and applying would delete "
        f"them: {', '.join(record_label(r) for r in unconfirmed[:10])}. Tick each deletion or "
        "choose to keep the missing records; nothing was applied",
        unconfirmed=[{"key": key_token(r.key), "label": record_label(r)} for r in unconfirmed],
        removed=len(missing))


@paused_gc()
def apply(session: Session, submission_id: int, *, user: str, now: datetime,
          checkpoint: Checkpoint | None = None, delete: Sequence[str] | None = None,
          delete_all: int | None = None, keep_missing: bool = False) -> InventoryVersion:
    """Apply a staged submission as a new version of its slice, in the caller's transaction.
    Records of the slice missing from the file must be confirmed for deletion (``delete``:
    their keys, or ``delete_all``: how many) or kept (``keep_missing``): see ``_deletions``."""
    sub = submission(session, submission_id, lock=True)
    if sub.status != "staged":
        zh = {"applied": "该报送已应用", "invalid": "该报送有错误,不能应用",
              "superseded": "该报送已被更新的报送取代"}.get(sub.status, "该报送不能应用")
        raise NotStaged("not_staged", zh, f"the submission is {sub.status}; it cannot be applied",
                        current_status=sub.status)
    if slice_fingerprint(session, sub.kind, sub.prefecture_zh) != sub.base_digest:
        raise StaleSubmission(
            "stale_submission",
            "比对之后,该市州的现有数据已被修改:请查看重新比对的差异后再应用",
            "the live data of this prefecture changed after the comparison: review the new "
            "comparison before applying", submission=sub.id)
    blob = sub.records_blob or b""
    records, digest = codec.decode_with_digest(blob, sub.kind)
    kept = _deletions(session, sub, records, delete=delete, delete_all=delete_all,
                      keep_missing=keep_missing)
    note = sub.filename if kept is records else \
        f"{sub.filename}(保留文件中缺少的 {len(kept) - len(records)} 条 / kept missing records)"
    v = _replace_slice(session, sub.kind, sub.prefecture_zh, kept, user=user, now=now,
                       source="submission", submission_id=sub.id, checkpoint=checkpoint,
                       note=note, encoded=(digest, blob) if kept is records else None)
    sub.status, sub.applied_at, sub.applied_by = "applied", now, user
    return v


@paused_gc()
def restore(session: Session, version_id: int, *, user: str, now: datetime,
            checkpoint: Checkpoint | None = None,
            plan_finder: PlanFinder | None = None) -> InventoryVersion:
    """Roll back: apply version ``version_id``'s snapshot as a new version of its slice."""
    target = version(session, version_id)
    records = records_of_version(target)
    v = _replace_slice(session, target.kind, target.prefecture_zh, records, user=user, now=now,
                       source="rollback", restored_from=target.id, checkpoint=checkpoint,
                       note=f"恢复至版本 {target.id} / restored version {target.id}",
                       encoded=(target.snapshot_digest, target.snapshot_blob))
    # A staged file was compared with data that is gone now: compare it again before applying.
    for pending in session.scalars(select(RefreshSubmission).where(
            RefreshSubmission.kind == target.kind,
            RefreshSubmission.prefecture_zh == target.prefecture_zh,
            RefreshSubmission.status == "staged")):
        _diff_into(session, pending, codec.decode(pending.records_blob or b"", pending.kind),
                   load_catalogue(), now, plan_finder)
    return v


BASELINE_BY = "system"  # the baseline is the data as loaded before the first refresh: no person's


def _baseline_time(live: Sequence[inventory.Stored], now: datetime) -> datetime:
    """When the baseline data was last written (its newest record), not when it was saved."""
    times = [s.updated_at for s in live if s.updated_at is not None]
    if not times:
        return now
    newest = max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)  # stored UTC
    return min(newest, now)


@paused_gc()
def _replace_slice(session: Session, kind: str, scope: str, records: Sequence[Record], *,
                   user: str, now: datetime, source: str, submission_id: int | None = None,
                   restored_from: int | None = None, checkpoint: Checkpoint | None = None,
                   note: str = "", encoded: tuple[str, bytes] | None = None
                   ) -> InventoryVersion:
    """Make the slice hold exactly ``records`` and keep it as a new version.

    ``encoded`` is ``records``' (digest, blob) when the caller has them: the new snapshot is
    that very blob unless some unchanged record differs from ``records`` in item order only.
    """
    live = live_slice(session, kind, scope)
    by_key = {s.record.key: s for s in live}
    last = head(session, kind, scope)
    if last is None:  # the first change of this slice: keep the slice as it was (baseline)
        digest, blob = codec.digest_and_blob(kind, [s.record for s in live])
        session.add(InventoryVersion(
            kind=kind, prefecture_zh=scope, seq=0, created_at=_baseline_time(live, now),
            created_by=BASELINE_BY, source="baseline", record_count=len(live), snapshot_blob=blob,
            snapshot_digest=digest, added=0, removed=0, changed=0, unchanged=len(live),
            note="首次更新前的数据 / the data before the first refresh"))
        session.flush()
        seq = 1
    else:
        seq = last.seq + 1
    d = diff_records(kind, [s.record for s in live], records)
    write_changes(session, kind, added=d.added,
                  changed=[(by_key[c.key], c.new) for c in d.changed],
                  removed=[by_key[r.key] for r in d.removed], now=now, checkpoint=checkpoint)
    if encoded is not None and d.reordered == 0:  # the slice now holds exactly ``records``
        digest, blob = encoded
        after: Sequence[Record] = records
    else:
        touched = {c.key for c in d.changed} | {r.key for r in d.added}
        after = [r if r.key in touched else by_key[r.key].record for r in records]
        digest, blob = codec.digest_and_blob(kind, after)
    counts = d.counts()
    v = InventoryVersion(kind=kind, prefecture_zh=scope, seq=seq, created_at=now,
                         created_by=user, source=source, submission_id=submission_id,
                         restored_from=restored_from, added=counts["added"],
                         removed=counts["removed"], changed=counts["changed"],
                         unchanged=counts["unchanged"], record_count=len(after),
                         snapshot_blob=blob, snapshot_digest=digest, note=note)
    session.add(v)
    session.flush()
    if checkpoint:
        checkpoint("versioned")
    return v


# ----------------------------------------------------------------------------- campaign
def campaign(session: Session, year: int) -> RefreshCampaign | None:
    return session.get(RefreshCampaign, year)


def open_campaign(session: Session, year: int, calendar: RefreshCalendar, now: datetime
                  ) -> tuple[RefreshCampaign, bool]:
    """This year's campaign, opened now if it was not (returns it and whether it was opened)."""
    found = session.get(RefreshCampaign, year)
    if found is not None:
        return found, False
    found = RefreshCampaign(year=year, opens_on=calendar.opens_on(year),
                            closes_on=calendar.closes_on(year), status="open", opened_at=now)
    session.add(found)
    session.flush()
    return found, True


def close_campaign(session: Session, year: int, now: datetime) -> bool:
    found = session.get(RefreshCampaign, year)
    if found is None or found.status == "closed":
        return False
    found.status, found.closed_at = "closed", now
    return True


def add_notice(session: Session, *, kind: str, year: int, message_zh: str, message_en: str,
               dedup_key: str, prefecture_zh: str | None = None, details: dict | None = None,
               now: datetime) -> bool:
    """Record a notice unless one with ``dedup_key`` exists (True when it was added).

    One atomic ``INSERT … ON CONFLICT DO NOTHING``: two runs racing add it once.
    """
    values = {"created_at": now, "kind": kind, "prefecture_zh": prefecture_zh, "year": year,
              "message_zh": message_zh, "message_en": message_en, "details": details,
              "dedup_key": dedup_key}
    table = JobNotice.__table__
    stmt = upsert(session, table).values(**values) \
        .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(table.c.id)
    return session.execute(stmt).first() is not None


def notices(session: Session, *, prefecture_zh: str | None = None, limit: int = 30
            ) -> list[JobNotice]:
    stmt = select(JobNotice).order_by(JobNotice.id.desc()).limit(limit)
    if prefecture_zh is not None:
        stmt = stmt.where(or_(JobNotice.prefecture_zh == prefecture_zh,
                              JobNotice.prefecture_zh.is_(None)))
    return list(session.scalars(stmt))


def missing_prefectures(session: Session, year: int, kinds: Sequence[str]) -> list[str]:
    """Prefectures that have sent no valid file this year for at least one of ``kinds`` (a file
    with errors is not a submission yet: it is reminded too)."""
    sent = set(session.execute(select(RefreshSubmission.prefecture_zh, RefreshSubmission.kind)
                               .where(RefreshSubmission.campaign_year == year,
                                      RefreshSubmission.status.in_(
                                          ("staged", "applied", "superseded")))).tuples())
    return [p.name_zh for p in PREFECTURES if any((p.name_zh, k) not in sent for k in kinds)]


# ----------------------------------------------------------------------------- the board
def confirmations(session: Session, *, season_start: date, today: date,
                  expiry_warning_days: int) -> dict[str, Confirmation]:
    """Per prefecture: risk sources and depots, stale ones, last 核实日期, expired items."""
    acc: dict[str, dict] = {}
    for model in (RiskSource, MaterialDepot):
        stale = case((or_(model.confirmed_at.is_(None), model.confirmed_at < season_start), 1),
                     else_=0)
        for pref, n, n_stale, last in session.execute(
                select(model.prefecture_zh, func.count(), func.sum(stale),
                       func.max(model.confirmed_at)).group_by(model.prefecture_zh)):
            row = acc.setdefault(pref, {"records": 0, "stale": 0, "last": None})
            row["records"] += n
            row["stale"] += int(n_stale or 0)
            if last is not None and (row["last"] is None or last > row["last"]):
                row["last"] = last
    soon = today + timedelta(days=expiry_warning_days)
    for pref, expired, expiring in session.execute(
            select(MaterialDepot.prefecture_zh,
                   func.sum(case((MaterialItem.expiry < today, 1), else_=0)),
                   func.sum(case((and_(MaterialItem.expiry >= today,
                                       MaterialItem.expiry <= soon), 1), else_=0)))
            .join(MaterialDepot, MaterialItem.depot_id == MaterialDepot.id)
            .group_by(MaterialDepot.prefecture_zh)):
        row = acc.setdefault(pref, {"records": 0, "stale": 0, "last": None})
        row["expired"], row["expiring"] = int(expired or 0), int(expiring or 0)
    return {p: Confirmation(r["records"], r["stale"], r["last"], r.get("expired", 0),
                            r.get("expiring", 0)) for p, r in acc.items()}


def live_submissions(session: Session) -> dict[tuple[str, str], int | None]:
    """(prefecture, kind) → the submission whose data each changed slice holds now: its head
    version's submission, or, for a restore, the submission of the version restored (None: the
    baseline or another restore without one)."""
    heads = (select(InventoryVersion.kind, InventoryVersion.prefecture_zh,
                    func.max(InventoryVersion.seq).label("seq"))
             .group_by(InventoryVersion.kind, InventoryVersion.prefecture_zh).subquery())
    rows = session.execute(
        select(InventoryVersion.kind, InventoryVersion.prefecture_zh,
               InventoryVersion.submission_id, InventoryVersion.restored_from)
        .join(heads, and_(InventoryVersion.kind == heads.c.kind,
                          InventoryVersion.prefecture_zh == heads.c.prefecture_zh,
                          InventoryVersion.seq == heads.c.seq))).all()
    out: dict[tuple[str, str], int | None] = {}
    for kind, scope, submission_id, restored_from in rows:
        seen = set()
        while submission_id is None and restored_from is not None and restored_from not in seen:
            seen.add(restored_from)
            submission_id, restored_from = session.execute(
                select(InventoryVersion.submission_id, InventoryVersion.restored_from)
                .where(InventoryVersion.id == restored_from)).one()
        out[(scope, kind)] = submission_id
    return out


def board(session: Session, *, today: date, calendar: RefreshCalendar,
          required: Sequence[str], expiry_warning_days: int) -> list[BoardRow]:
    year = calendar.campaign_year(today)
    infos = [SubmissionInfo(s.id, s.kind, s.prefecture_zh, s.status, s.created_at, s.applied_at)
             for s in session.execute(
                 select(RefreshSubmission.id, RefreshSubmission.kind,
                        RefreshSubmission.prefecture_zh, RefreshSubmission.status,
                        RefreshSubmission.created_at, RefreshSubmission.applied_at)
                 .where(RefreshSubmission.campaign_year == year))]
    reminders = {pref: n for pref, n in session.execute(
        select(JobNotice.prefecture_zh, func.count()).where(JobNotice.kind == "reminder",
                                                            JobNotice.year == year)
        .group_by(JobNotice.prefecture_zh))}
    return build_board(PREFECTURES, list(KINDS), required, infos,
                       confirmations(session, season_start=calendar.season_start(today),
                                     today=today, expiry_warning_days=expiry_warning_days),
                       reminders, live_submissions(session))
