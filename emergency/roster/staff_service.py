"""Staff registry use cases (值班人员管理): list, create, change, import, export, sample data.

No Flask: every function takes a SQLAlchemy ``Session`` (one unit of work, committed by the
caller) and the time ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from emergency.roster.errors import Conflict, NotFound, Stale
from emergency.roster.model import Person, Preference, Unavailability
from emergency.roster.sample_staff import sample_staff
from emergency.roster.staff import (
    FieldProblem,
    InvalidInput,
    StaffRecord,
    clean_preference,
    clean_staff,
    clean_unavailability,
    to_person,
)
from emergency.roster.staff_table import read_staff, write_staff_csv, write_staff_xlsx
from emergency.store.roster_models import (
    DutyAssignment,
    DutyStaff,
    StaffPreference,
    StaffUnavailability,
)

__all__ = [
    "ImportResult",
    "add_preference",
    "add_unavailability",
    "count_staff",
    "create_staff",
    "delete_staff",
    "export_staff",
    "get_staff",
    "import_staff",
    "list_staff",
    "load_sample_staff",
    "person_of",
    "remove_preference",
    "remove_unavailability",
    "staff_record",
    "update_staff",
]


# ----------------------------------------------------------------------------- mapping
def unavailability_of(row: DutyStaff) -> tuple[Unavailability, ...]:
    return tuple(Unavailability(u.start_date, u.end_date, u.reason, u.note)
                 for u in row.unavailable)


def preferences_of(row: DutyStaff) -> tuple[Preference, ...]:
    return tuple(Preference(p.kind, p.start_date, p.end_date, frozenset(p.weekdays or ()),
                            p.weight) for p in row.preferences)


def person_of(row: DutyStaff) -> Person:
    """The generator's Person (id: the staff id as text)."""
    return to_person(row.id, row.roles or (), row.qualifications or (), row.name,
                     unavailability_of(row), preferences_of(row))


def staff_record(row: DutyStaff) -> StaffRecord:
    return StaffRecord(name=row.name, unit=row.unit, phone=row.phone, roles=tuple(row.roles),
                       qualifications=tuple(row.qualifications), active=row.active,
                       is_sample=row.is_sample, note=row.note,
                       unavailable=unavailability_of(row), id=row.id,
                       preferences=preferences_of(row))


# ----------------------------------------------------------------------------- reading
def list_staff(session: Session, *, active: bool | None = None, role: str | None = None,
               text: str | None = None) -> list[DutyStaff]:
    query = (select(DutyStaff)
             .options(selectinload(DutyStaff.unavailable), selectinload(DutyStaff.preferences))
             .order_by(DutyStaff.id))
    if active is not None:
        query = query.where(DutyStaff.active.is_(active))
    rows = list(session.scalars(query))
    if role:
        rows = [r for r in rows if role in (r.roles or ())]
    if text:
        needle = text.casefold()
        rows = [r for r in rows if needle in f"{r.name} {r.unit} {r.phone}".casefold()]
    return rows


def count_staff(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DutyStaff)) or 0


def get_staff(session: Session, staff_id: int) -> DutyStaff:
    row = session.get(DutyStaff, staff_id)
    if row is None:
        raise NotFound(f"没有编号为 {staff_id} 的值班人员", f"no staff member {staff_id}")
    return row


# ----------------------------------------------------------------------------- writing
def _apply(row: DutyStaff, values: Mapping[str, object], now: datetime) -> None:
    for key in ("name", "unit", "phone", "note", "active", "is_sample", "username"):
        if key in values:
            setattr(row, key, values[key])
    if "roles" in values:
        row.roles = list(values["roles"])  # type: ignore[call-overload]
    if "qualifications" in values:
        row.qualifications = list(values["qualifications"])  # type: ignore[call-overload]
    if values.get("unavailable") is not None:
        row.unavailable = [StaffUnavailability(start_date=u.start, end_date=u.end,
                                               reason=u.reason, note=u.note)
                           for u in values["unavailable"]]  # type: ignore[union-attr]
    row.updated_at = now


def _username_taken(session: Session, values: Mapping[str, object], staff_id: int | None
                    ) -> list[FieldProblem]:
    name = values.get("username")
    if not name:
        return []
    other = session.scalar(select(DutyStaff).where(DutyStaff.username == name,
                                                   DutyStaff.id != (staff_id or -1)))
    if other is None:
        return []
    return [FieldProblem("username", f"登录账号:「{name}」已关联{other.name}",
                         f"account: {name!r} is already linked to {other.name}", str(name))]


def create_staff(session: Session, data: Mapping[str, object], *, now: datetime) -> DutyStaff:
    values, problems = clean_staff(data)
    problems += _username_taken(session, values, None)
    if problems:
        raise InvalidInput(problems)
    row = DutyStaff(created_at=now)
    _apply(row, values, now)
    session.add(row)
    session.flush()
    return row


def update_staff(session: Session, staff_id: int, data: Mapping[str, object], *,
                 now: datetime, expected_version: int | None = None) -> DutyStaff:
    row = get_staff(session, staff_id)
    if expected_version is not None and expected_version != row.version:
        raise Stale(f"该人员信息已被他人修改(当前版本 {row.version}),请刷新后重试",
                    f"this person was changed by someone else (now version {row.version}); "
                    "reload and try again", current_version=row.version)
    values, problems = clean_staff(data, partial=True)
    problems += _username_taken(session, values, staff_id)
    if problems:
        raise InvalidInput(problems)
    _apply(row, values, now)
    session.flush()
    return row


def delete_staff(session: Session, staff_id: int) -> None:
    """Delete a person who was never on a roster; otherwise refuse (set them inactive)."""
    row = get_staff(session, staff_id)
    used = session.scalar(select(exists().where(DutyAssignment.staff_id == staff_id)))
    if used:
        raise Conflict(f"{row.name} 已在值班表中,不能删除;请将其设为不在岗",
                       f"{row.name} is on a roster and cannot be deleted; set them inactive")
    session.delete(row)
    session.flush()


def add_unavailability(session: Session, staff_id: int, data: Mapping[str, object], *,
                       now: datetime) -> StaffUnavailability:
    row = get_staff(session, staff_id)
    found, problems = clean_unavailability(data)
    if problems or found is None:
        raise InvalidInput(problems)
    entry = StaffUnavailability(start_date=found.start, end_date=found.end, reason=found.reason,
                                note=found.note)
    row.unavailable.append(entry)
    row.updated_at = now
    session.flush()
    return entry


def remove_unavailability(session: Session, staff_id: int, entry_id: int, *,
                          now: datetime) -> None:
    row = get_staff(session, staff_id)
    entry = next((u for u in row.unavailable if u.id == entry_id), None)
    if entry is None:
        raise NotFound(f"{row.name} 没有编号为 {entry_id} 的不可值班记录",
                       f"{row.name} has no unavailability {entry_id}")
    row.unavailable.remove(entry)
    row.updated_at = now
    session.flush()


def add_preference(session: Session, staff_id: int, data: Mapping[str, object], *,
                   now: datetime) -> StaffPreference:
    row = get_staff(session, staff_id)
    found, problems = clean_preference(data)
    if problems or found is None:
        raise InvalidInput(problems)
    entry = StaffPreference(kind=found.kind, start_date=found.start, end_date=found.end,
                            weekdays=sorted(found.weekdays), weight=found.weight,
                            note=str(data.get("note") or "")[:200])
    row.preferences.append(entry)
    row.updated_at = now
    session.flush()
    return entry


def remove_preference(session: Session, staff_id: int, entry_id: int, *, now: datetime) -> None:
    row = get_staff(session, staff_id)
    entry = next((p for p in row.preferences if p.id == entry_id), None)
    if entry is None:
        raise NotFound(f"{row.name} 没有编号为 {entry_id} 的排班意愿",
                       f"{row.name} has no preference {entry_id}")
    row.preferences.remove(entry)
    row.updated_at = now
    session.flush()


# ----------------------------------------------------------------------------- files
@dataclass(frozen=True)
class ImportResult:
    rows_read: int
    created: int
    updated: int
    dry_run: bool

    def as_dict(self) -> dict:
        return {"rows_read": self.rows_read, "created": self.created, "updated": self.updated,
                "dry_run": self.dry_run}


def import_staff(session: Session, data: bytes, filename: str, *, now: datetime,
                 dry_run: bool = False) -> ImportResult:
    """Import a staff file: all rows or none. A row with 编号 updates that person, a row whose
    姓名 and 联系电话 match someone updates them, any other row adds a person.
    Raises InvalidInput listing every problem (row, column, zh, en)."""
    parsed = read_staff(data, filename)
    errors = list(parsed.errors)
    existing = {r.id: r for r in session.scalars(select(DutyStaff))}
    by_person = {(r.name, r.phone): r for r in existing.values()}
    plan: list[tuple[DutyStaff | None, StaffRecord]] = []
    for number, record in parsed.records:
        if record.id is not None:
            target = existing.get(record.id)
            if target is None:
                errors.append(FieldProblem(
                    "id", f"编号 {record.id} 不存在(新增人员请留空编号)",
                    f"there is no staff member {record.id} (leave 编号 blank to add someone)",
                    str(record.id), number, "编号"))
                continue
        else:
            target = by_person.get((record.name, record.phone))
        plan.append((target, record))
    if not errors and not parsed.records:
        errors.append(_no_rows())
    if errors:
        raise InvalidInput(errors)
    created = updated = 0
    for target, record in plan:
        values: dict[str, object] = {
            "name": record.name, "unit": record.unit, "phone": record.phone,
            "roles": record.roles, "qualifications": record.qualifications,
            "active": record.active, "is_sample": record.is_sample, "note": record.note,
            "unavailable": record.unavailable}
        if target is None:
            created += 1
            if not dry_run:
                row = DutyStaff(created_at=now)
                _apply(row, values, now)
                session.add(row)
        else:
            updated += 1
            if not dry_run:
                _apply(target, values, now)
    session.flush()
    return ImportResult(parsed.rows_read, created, updated, dry_run)


def _no_rows() -> FieldProblem:
    return FieldProblem("file", "文件中没有人员数据", "the file has no staff rows")


def export_staff(session: Session, fmt: str) -> bytes:
    records = [staff_record(r) for r in list_staff(session)]
    return write_staff_xlsx(records) if fmt == "xlsx" else write_staff_csv(records)


# ----------------------------------------------------------------------------- sample
def load_sample_staff(session: Session, *, as_of: date, now: datetime) -> int:
    """The 40 sample people (示例), only into an empty table. Returns how many were added."""
    if session.scalar(select(func.count()).select_from(DutyStaff)):
        return 0
    records = sample_staff(as_of)
    for record in records:
        row = DutyStaff(created_at=now)
        _apply(row, {"name": record.name, "unit": record.unit, "phone": record.phone,
                     "roles": record.roles, "qualifications": record.qualifications,
                     "active": record.active, "is_sample": record.is_sample,
                     "note": record.note, "unavailable": record.unavailable}, now)
        row.preferences = [StaffPreference(kind=p.kind, start_date=p.start, end_date=p.end,
                                           weekdays=sorted(p.weekdays), weight=p.weight,
                                           note="示例")
                           for p in record.preferences]
        session.add(row)
    session.flush()
    return len(records)
