"""Validation of inventory files (导入校验): every problem, with row, column heading and reason.

``parse_rows`` reads a CSV/XLSX file and returns :class:`ParsedRows`: the records of the rows
that passed, every error and every warning. It is pure (no database, no Flask): an import
applies the records only when there is no error at all, so an import is all-or-nothing.

Checked, row by row:

* required columns and cells; text lengths; numbers (finite, ≥ 0 for quantities);
  dates as ``YYYY-MM-DD`` or ``YYYY/MM/DD`` (or a date cell in XLSX); yes/no cells;
  fixed vocabularies (kinds, the seven material categories, storage modes, levels, units);
  telephone numbers;
* places: the county (full or short name) exists in Jilin and agrees with the prefecture when one
  is given; the coordinates lie in Jilin and inside the declared county (a point within
  ``county_tolerance_m`` of it is accepted with a warning: boundaries are simplified);
  swapped longitude/latitude are recognised;
* duplicates within the file by the natural key (name + county; experts: name + unit);
  materials: a depot's columns agree on all its rows, items are not repeated;
* risk sources: every substance is in the chemical catalogue; the discharge route is snapped to
  the river network (outfall if given, else the site; a named receiving river or a segment id
  picks the entry point);
* materials past their expiry date, or within ``expiry_warning_days`` of it, are *warnings*:
  the stock exists and must be shown, flagged, not refused.

Validation is done in bulk: point-in-county for all rows in one spatial query, no per-row I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from itertools import zip_longest

from emergency.exports import restore
from emergency.inventory.columns import (
    COLUMNS,
    DEPOT_FIELDS,
    ITEM_FIELDS,
    ITEM_REQUIRED,
    Column,
    column,
    heading_index,
    normalise_heading,
)
from emergency.inventory.places import County, Places, places_for
from emergency.inventory.problems import RowProblem
from emergency.inventory.records import (
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.inventory.tables import (
    FileProblem,
    RawTable,
    format_number,
    paused_gc,
    read_table,
)
from emergency.inventory.vocab import (
    EXPIRY_WARNING_DAYS,
    HOLDER_TYPES,
    KINDS,
    MATERIAL_CATEGORIES,
    NO,
    RISK_LEVELS,
    RISK_SOURCE_KINDS,
    STORAGE_MODES,
    TEAM_LEVELS,
    UNITS,
    YES,
)
from emergency.substances import SubstanceCatalogue, load_catalogue
from rivers.exceptions import RiverError
from rivers.network import SNAP_MAX_DISTANCE_M, UNNAMED_ZH, RiverNetwork, SnapResult

PROVINCE_ZH = "吉林省"


@dataclass(frozen=True)
class RuleSettings:
    """Tolerances of the checks. Distances in metres."""

    today: date
    county_tolerance_m: float = 1_000.0
    snap_max_distance_m: float = SNAP_MAX_DISTANCE_M
    outfall_max_distance_m: float = SNAP_MAX_DISTANCE_M
    expiry_warning_days: int = EXPIRY_WARNING_DAYS


@dataclass(frozen=True)
class ParsedRows:
    """The outcome of validating one file: records of the good rows, every problem."""

    kind: str
    records: tuple[Record, ...]
    errors: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...]
    rows_read: int

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rows(kind: str, data: bytes, filename: str, *, network: RiverNetwork,
               settings: RuleSettings, catalogue: SubstanceCatalogue | None = None
               ) -> ParsedRows:
    """Read ``data`` (CSV or XLSX, by ``filename``'s extension) and validate every row."""
    _check_kind(kind)
    try:
        table = read_table(kind, data, filename)
    except FileProblem as exc:
        return ParsedRows(kind, (), (exc.problem,), (), 0)
    return validate_table(kind, table, network=network, settings=settings, catalogue=catalogue)


def validate_table(kind: str, table: RawTable, *, network: RiverNetwork, settings: RuleSettings,
                   catalogue: SubstanceCatalogue | None = None) -> ParsedRows:
    """Validate the raw cells of one sheet (see the module docstring for the checks)."""
    _check_kind(kind)
    v = _Validator(kind, network, settings, catalogue or load_catalogue())
    return v.run(table)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown inventory kind {kind!r} (one of {', '.join(KINDS)})")


# ----------------------------------------------------------------------------- cells
class CellError(ValueError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]0{1,2}:0{2}(?::0{2})?)?$")
_PHONE = re.compile(r"^(?:\+?86-?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|"
                    r"[1-9]\d{6,7}|400-?\d{3}-?\d{4}|110|119|120|122|12345|12369)$")
_PHONE_SPLIT = re.compile(r"[/;；、,，]+")
_LIST_SPLIT = re.compile(r"[、;；,，/\n]+")
_SUBSTANCE_SPLIT = re.compile(r"[;；\n]+")
_SUBSTANCE_ITEM = re.compile(r"^(?P<name>.+?)\s*(?:[:：=]\s*|\s+)(?P<qty>[^\s:：=]+)\s*(?:t|吨)?$")
_NUMBER_TYPES = frozenset({bool, int, float})


_PLACE_FIELDS = frozenset({"lon", "lat", "county"})  # a depot cannot be placed without them


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def has_content(cells: Sequence[object]) -> bool:
    """Whether a file row holds something: a cell that is not empty and not only spaces (a
    0 or a False alone does not make a row)."""
    for cell in cells:
        if cell and not (isinstance(cell, str) and cell.isspace()):
            return True
    return False


def text_cell(value: object, max_length: int = 200) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    else:
        text = str(value).strip()
        if text[:1] == "'":  # a cell an export made inert ('=…) imports back as written
            text = restore(text)
    if len(text) > max_length:
        raise CellError("too_long", f"内容过长({len(text)} 字,最多 {max_length} 字)",
                        f"too long ({len(text)} characters, at most {max_length})")
    return text


def number_cell(value: object) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise CellError("not_a_number", f"须为数字,收到「{value}」",
                        f"must be a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise CellError("not_a_number", f"须为数字,收到「{value}」",
                            f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise CellError("not_a_number", "须为有限的数字", "must be a finite number")
    return number


def int_cell(value: object) -> int | None:
    number = number_cell(value)
    if number is None:
        return None
    if not number.is_integer():
        raise CellError("not_an_integer", f"须为整数,收到「{value}」",
                        f"must be a whole number, got {value!r}")
    return int(number)


def date_cell(value: object) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE.match(str(value).strip())
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise CellError("invalid_date", f"日期无效「{value}」:须为 YYYY-MM-DD 或 YYYY/MM/DD",
                    f"invalid date {value!r}: use YYYY-MM-DD or YYYY/MM/DD")


def bool_cell(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError("invalid_flag", f"须为 是 或 否,收到「{value}」",
                    f"must be 是 (yes) or 否 (no), got {value!r}")


def choice_cell(value: object, allowed: Mapping[str, str] | Mapping[str, tuple[str, str]],
                label_zh: str, label_en: str) -> str | None:
    """The Chinese value of a fixed vocabulary (its English name is also accepted)."""
    text = text_cell(value)
    if text is None:
        return None
    text = normalise_heading(text)
    for zh, en in allowed.items():
        english = en[1] if isinstance(en, tuple) else en
        if text == zh or text.casefold() == english.replace(" ", "").casefold():
            return zh
    raise CellError("not_allowed", f"{label_zh}须为 {' / '.join(allowed)} 之一,收到「{value}」",
                    f"{label_en} must be one of {', '.join(allowed)}, got {value!r}")


def unit_cell(value: object) -> str | None:
    """A unit of quantity, in its stored spelling (吨 → t, 米 → m, 个 stays 个)."""
    text = text_cell(value, 20)
    if text is None:
        return None
    stored = UNITS.get(text.replace(" ", ""))
    if stored is None:
        raise CellError("unknown_unit",
                        f"计量单位「{text}」无法识别"
                        "(可用:吨、千克、升、立方米、米、个、套、台、辆 等)",
                        f"unknown unit {text!r} (use t, kg, L, m³, m, 个, 套, 台, 辆 …)")
    return stored


# The undialable numbers of the sample data, e.g. 0431-8xxxx042(示例).
_SAMPLE_PHONE = re.compile(r"^0\d{2,3}-8x{4,}\d{2,4}\(示例\)$")


def phone_cell(value: object) -> str | None:
    text = text_cell(value, 50)
    if text is None:
        return None
    if _SAMPLE_PHONE.match(text):
        return text
    parts = [p.replace(" ", "") for p in _PHONE_SPLIT.split(text) if p.strip()]
    bad = [p for p in parts if not _PHONE.match(p.replace("(", "").replace(")", "-")
                                                .replace("--", "-"))]
    if bad or not parts:
        raise CellError("invalid_phone",
                        f"电话号码无效「{text}」:手机 11 位,固话 区号-号码,多个号码用 / 分隔",
                        f"invalid telephone number {text!r}: 11-digit mobile or area code-number; "
                        "separate several numbers with /")
    return text


def substances_cell(value: object, catalogue: SubstanceCatalogue) -> tuple[SubstanceHeld, ...]:
    text = text_cell(value, 2000)
    if text is None:
        return ()
    held: list[SubstanceHeld] = []
    seen: set[str] = set()
    problems_zh: list[str] = []
    problems_en: list[str] = []
    for part in (p.strip() for p in _SUBSTANCE_SPLIT.split(text)):
        if not part:
            continue
        m = _SUBSTANCE_ITEM.match(part)
        if not m:
            problems_zh.append(f"「{part}」缺少最大存在量(应为 名称:吨数)")
            problems_en.append(f"{part!r} lacks its maximum quantity (write name:tonnes)")
            continue
        substance = catalogue.get(m.group("name"))
        if substance is None:
            problems_zh.append(f"「{m.group('name')}」不在化学品目录中")
            problems_en.append(f"{m.group('name')!r} is not in the chemical catalogue")
            continue
        try:
            qty = number_cell(m.group("qty"))
        except CellError:
            qty = None
        if qty is None or qty < 0:
            problems_zh.append(f"「{part}」的最大存在量须为不小于 0 的数")
            problems_en.append(f"the maximum quantity in {part!r} must be a number ≥ 0")
            continue
        if substance.id in seen:
            problems_zh.append(f"「{substance.name_zh}」重复列出")
            problems_en.append(f"{substance.name_en} is listed twice")
            continue
        seen.add(substance.id)
        held.append(SubstanceHeld(substance.id, qty))
    if problems_zh:
        raise CellError("invalid_substances", ";".join(problems_zh), "; ".join(problems_en))
    return tuple(held)


def format_substances(held: tuple[SubstanceHeld, ...], catalogue: SubstanceCatalogue) -> str:
    """The cell text of a substance list: ``硝基苯:120;苯:300`` (inverse of substances_cell)."""
    return ";".join(f"{catalogue[s.substance_id].name_zh}:{format_number(s.max_t)}"
                    for s in held)


def split_list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(p.strip() for p in _LIST_SPLIT.split(text) if p.strip())


# ----------------------------------------------------------------------------- validator
@dataclass
class _Row:
    number: int
    values: dict[str, object] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # fields whose cell had an error
    county: County | None = None
    prefecture: str | None = None
    bad: bool = False  # any error on the row

    def get(self, name: str) -> object:
        return self.values.get(name)


_CHOICES: dict[str, tuple[Mapping, str, str]] = {
    "kind": ({zh: code for code, (zh, _en) in RISK_SOURCE_KINDS.items()}, "风险源类型", "kind"),
    "risk_level": (RISK_LEVELS, "环境风险等级", "risk level"),
    "holder_type": (HOLDER_TYPES, "单位类型", "holder type"),
    "storage_mode": (STORAGE_MODES, "储备方式", "storage mode"),
    "category": (MATERIAL_CATEGORIES, "类别", "category"),
    "level": (TEAM_LEVELS, "队伍级别", "level"),
}
_KIND_BY_ZH = {zh: code for code, (zh, _en) in RISK_SOURCE_KINDS.items()}


class _Conversions(dict):
    """Cell → its converted value (or :class:`CellError`), converted on the first sight only:
    looking a cell up is one C-level step, a column one ``map``."""

    def __init__(self, convert: Callable[[object], object]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: object) -> object:
        value = self[raw] = self.convert(raw)
        return value


class _Validator:
    def __init__(self, kind: str, network: RiverNetwork, settings: RuleSettings,
                 catalogue: SubstanceCatalogue) -> None:
        self.kind = kind
        self.network = network
        self.settings = settings
        self.catalogue = catalogue
        self.places: Places = places_for(network)
        self.errors: list[RowProblem] = []
        self.warnings: list[RowProblem] = []
        self.columns = {c.field: c for c in COLUMNS[kind]}

    # -------------------------------------------------------------- reporting
    def error(self, row: _Row | int | None, field_name: str | None, code: str, zh: str, en: str,
              value: object = None) -> None:
        number = row.number if isinstance(row, _Row) else row
        if isinstance(row, _Row):
            row.bad = True
        self.errors.append(RowProblem(number, self._heading(field_name), code, zh, en,
                                      None if value is None else str(value)))

    def warn(self, row: _Row | int | None, field_name: str | None, code: str, zh: str, en: str,
             value: object = None) -> None:
        number = row.number if isinstance(row, _Row) else row
        self.warnings.append(RowProblem(number, self._heading(field_name), code, zh, en,
                                        None if value is None else str(value)))

    def _heading(self, field_name: str | None) -> str | None:
        if field_name is None:
            return None
        col = self.columns.get(field_name)
        return col.heading if col else field_name

    # -------------------------------------------------------------- the run
    def run(self, table: RawTable) -> ParsedRows:
        mapping = self._map_headings(table)
        if mapping is None:
            return self._result((), 0)
        rows = self._parse_cells(table, mapping)
        for row in rows:
            self._places(row)
        self._check_points(rows)
        build: Callable[[list[_Row]], list[Record]] = getattr(self, f"_build_{self.kind}")
        records = build(rows)
        return self._result(tuple(records), len(rows))

    def _result(self, records: tuple[Record, ...], rows_read: int) -> ParsedRows:
        errors = tuple(sorted(self.errors, key=_by_row))  # stable: column order kept in a row
        return ParsedRows(self.kind, records if not errors else (), errors,
                          tuple(sorted(self.warnings, key=_by_row)), rows_read)

    def _map_headings(self, table: RawTable) -> dict[int, Column] | None:
        index = heading_index(self.kind)
        mapping: dict[int, Column] = {}
        seen: dict[str, str] = {}
        for i, heading in enumerate(table.headings):
            norm = normalise_heading(heading)
            if not norm:
                continue
            col = index.get(norm)
            if col is None:
                self.warn(table.header_row, None, "unknown_column",
                          f"未知列「{heading}」已忽略", f"unknown column {heading!r} ignored",
                          heading)
                continue
            if col.field in seen:
                self.error(table.header_row, col.field, "duplicate_column",
                           f"列「{heading}」与「{seen[col.field]}」重复",
                           f"column {heading!r} repeats {seen[col.field]!r}", heading)
                continue
            seen[col.field] = heading
            mapping[i] = col
        present = {c.field for c in mapping.values()}
        required = [c for c in COLUMNS[self.kind] if c.required]
        if self.kind == "materials" and present & set(ITEM_FIELDS):
            required += [column("materials", f) for f in ITEM_REQUIRED]
        if self.kind == "risk_sources" and ({"outfall_lon", "outfall_lat"} & present):
            required += [column("risk_sources", f) for f in ("outfall_lon", "outfall_lat")]
        missing = [c for c in required if c.field not in present]
        for col in missing:
            self.error(table.header_row, col.field, "missing_column",
                       f"缺少必填列「{col.heading}」", f"required column {col.heading!r} "
                       f"({col.heading_en}) is missing")
        if missing or any(p.code == "duplicate_column" for p in self.errors):
            return None
        return mapping

    @paused_gc()
    def _parse_cells(self, table: RawTable, mapping: dict[int, Column]) -> list[_Row]:
        """Convert every cell, column by column.

        The file is transposed once, and each column's distinct values are converted once (a
        depot's columns repeat on each of its rows; categories, units and dates repeat across
        the file); a column whose distinct values all converted cleanly is not scanned again
        for errors: 100,000 rows validate in seconds.
        """
        kept = [(number, cells) for number, cells in table.rows if has_content(cells)]
        if not kept:
            self.error(None, None, "no_rows", "文件中没有数据行", "the file has no data rows")
            return []
        columns = [(i, col) for i, col in mapping.items() if not col.computed]
        by_column = list(zip_longest(*(cells for _number, cells in kept)))
        absent = (None,) * len(kept)
        raws = [by_column[i] if i < len(by_column) else absent for i, _col in columns]
        converted = [self._column_values(col, raw)
                     for (_i, col), raw in zip(columns, raws, strict=True)]
        fields = [col.field for _i, col in columns]
        cells_by_row = zip(*(values for values, _distinct in converted), strict=True)
        rows = [_Row(number, dict(zip(fields, cells, strict=True)))
                for (number, _cells), cells in zip(kept, cells_by_row, strict=True)]
        for (_i, col), raw, (values, distinct) in zip(columns, raws, converted, strict=True):
            if not any(isinstance(v, CellError) for v in distinct) and not (
                    col.required and None in distinct):
                continue  # the usual case: every cell of the column is usable
            for k, value in enumerate(values):
                if isinstance(value, CellError):
                    self.error(rows[k], col.field, value.code, value.zh, value.en, raw[k])
                elif value is None and col.required:
                    self.error(rows[k], col.field, "required", f"「{col.heading}」为必填项",
                               f"{col.heading_en} ({col.heading}) is required")
                else:
                    continue
                rows[k].failed.add(col.field)
                rows[k].values[col.field] = None
        return rows

    def _column_values(self, col: Column, raw: Sequence[object]
                       ) -> tuple[list[object], Iterable[object]]:
        """The cells of one column converted (a bad cell becomes its :class:`CellError`), each
        distinct cell once; and the distinct results."""
        memo = _Conversions(partial(self._convert, col))
        try:
            values = list(map(memo.__getitem__, raw))
        except TypeError:  # an unhashable cell: never from csv/openpyxl, but be safe
            values = [self._convert(col, r) for r in raw]
            return values, values
        if any(isinstance(k, int | float) for k in memo) \
                and len(_NUMBER_TYPES.intersection(map(type, raw))) > 1:
            # 1, 1.0 and True are one dict key but not one cell (True is no number; 是 ≠ 1)
            memo = _Conversions(lambda typed: self._convert(col, typed[1]))
            values = list(map(memo.__getitem__, zip(map(type, raw), raw, strict=True)))
        return values, memo.values()

    def _convert(self, col: Column, raw: object) -> object:
        try:
            return self._cell(col, raw)
        except CellError as exc:
            return exc

    def _cell(self, col: Column, raw: object) -> object:
        if col.field == "phone":
            return phone_cell(raw)
        if self.kind == "materials" and col.field == "unit":
            return unit_cell(raw)
        if col.type == "number":
            value = number_cell(raw)
            if value is not None and value < 0 and col.field not in ("lon", "lat",
                                                                     "outfall_lon", "outfall_lat"):
                raise CellError("negative", "不能为负数", "must not be negative")
            return value
        if col.type == "int":
            value = int_cell(raw)
            if value is not None and value < 0:
                raise CellError("negative", "不能为负数", "must not be negative")
            return value
        if col.type == "date":
            return date_cell(raw)
        if col.type == "bool":
            return bool_cell(raw)
        if col.type == "choice":
            allowed, zh, en = _CHOICES[col.field]
            return choice_cell(raw, allowed, zh, en)
        if col.type == "substances":
            return substances_cell(raw, self.catalogue)
        if col.type == "list":
            return split_list(text_cell(raw, col.max_length))
        return text_cell(raw, col.max_length)

    # -------------------------------------------------------------- places
    def _places(self, row: _Row) -> None:
        text = row.get("prefecture")
        if text is not None:
            prefecture = self.places.prefecture(str(text))
            if prefecture is None and self.kind == "experts" and str(text) == PROVINCE_ZH:
                prefecture = PROVINCE_ZH
            if prefecture is None:
                self.error(row, "prefecture", "unknown_prefecture",
                           f"「{text}」不是吉林省的市(州)",
                           f"{text!r} is not a prefecture of Jilin", text)
                row.failed.add("prefecture")
            row.prefecture = prefecture
        if "county" not in self.columns or row.get("county") is None:
            return
        text = str(row.get("county"))
        county = self.places.county(text, row.prefecture if row.prefecture != PROVINCE_ZH
                                    else None)
        if county is None:
            self.error(row, "county", "unknown_county",
                       f"「{text}」不是吉林省的县级行政区(县、县级市、市辖区)"
                       + (f",或不属于{row.prefecture}" if row.prefecture else ""),
                       f"{text!r} is not a county-level unit of Jilin"
                       + (f" in {row.prefecture}" if row.prefecture else ""), text)
            row.failed.add("county")
            return
        if row.prefecture and county.prefecture_zh != row.prefecture:
            self.error(row, "prefecture", "prefecture_mismatch",
                       f"{county.name_zh}属于{county.prefecture_zh},不属于{row.prefecture}",
                       f"{county.name_zh} lies in {county.prefecture_zh}, not {row.prefecture}",
                       row.prefecture)
        row.county = county
        row.prefecture = county.prefecture_zh

    def _check_points(self, rows: list[_Row]) -> None:
        """Coordinates: numbers in range, not swapped, in Jilin, inside the declared county."""
        if "lon" not in self.columns:
            return
        todo: dict[tuple[float, float, int], list[_Row]] = {}
        for row in rows:
            lon, lat = row.get("lon"), row.get("lat")
            if lon is None or lat is None:
                continue
            assert isinstance(lon, float) and isinstance(lat, float)
            if 38 <= lon <= 48 and 118 <= lat <= 134:
                self.error(row, "lon", "swapped_coordinates",
                           f"经纬度似乎写反了:经度 {lon}、纬度 {lat}。"
                           f"是否为 经度 {lat}、纬度 {lon}?",
                           f"longitude and latitude look swapped ({lon}, {lat}); did you mean "
                           f"longitude {lat}, latitude {lon}?", f"{lon}, {lat}")
                row.failed.add("lon")
                continue
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                self.error(row, "lon", "invalid_coordinates",
                           f"坐标超出范围:经度须在 −180…180,纬度须在 −90…90(收到 {lon}, {lat})",
                           f"coordinates out of range (got {lon}, {lat})", f"{lon}, {lat}")
                row.failed.add("lon")
                continue
            if row.county is not None:
                todo.setdefault((lon, lat, row.county.adcode), []).append(row)
        keys = list(todo)
        declared = [self.places.county(k[2]) for k in keys]
        located = self.places.locate_many([k[0] for k in keys], [k[1] for k in keys], declared)
        tolerance = self.settings.county_tolerance_m
        for (lon, lat, _code), want, found in zip(keys, declared, located, strict=True):
            assert want is not None
            for row in todo[(lon, lat, _code)]:
                if found.county is not None and found.county.adcode == want.adcode:
                    continue
                if found.county is None:
                    where = self._where(lon, lat)
                    self.error(row, "lon", "outside_jilin",
                               f"坐标 ({lon}, {lat}) 不在吉林省内" + (f"(位于{where})" if where
                                                                 else ""),
                               f"({lon}, {lat}) is not in Jilin Province"
                               + (f" (it lies in {where})" if where else ""), f"{lon}, {lat}")
                    row.failed.add("lon")
                elif found.distance_to_declared_m <= tolerance:
                    self.warn(row, "lon", "near_county_boundary",
                              f"坐标位于{found.county.name_zh},距申报的{want.name_zh}边界 "
                              f"{found.distance_to_declared_m:.0f} m:按{want.name_zh}接受,请核实",
                              f"the point lies in {found.county.name_zh}, "
                              f"{found.distance_to_declared_m:.0f} m outside {want.name_zh}: "
                              "accepted, please check", f"{lon}, {lat}")
                else:
                    self.error(row, "lon", "outside_declared_county",
                               f"坐标 ({lon}, {lat}) 位于{found.county.prefecture_zh}"
                               f"{found.county.name_zh},不在申报的{want.name_zh}内"
                               f"(距其边界 {found.distance_to_declared_m / 1000:.1f} km)",
                               f"({lon}, {lat}) lies in {found.county.name_zh} "
                               f"({found.county.prefecture_zh}), not in the declared county "
                               f"{want.name_zh} ({found.distance_to_declared_m / 1000:.1f} km "
                               "from it)", f"{lon}, {lat}")
                    row.failed.add("lon")

    def _where(self, lon: float, lat: float) -> str | None:
        try:
            found = self.network.locate(lon, lat)
        except RiverError:
            return None
        unit = found.get("province") or found.get("nation")
        return unit.name_zh if unit else None

    def _duplicates(self, rows: list[_Row], key: Callable[[_Row], tuple | None],
                    field_name: str, what_zh: str, what_en: str) -> None:
        first: dict[tuple, int] = {}
        for row in rows:
            k = key(row)
            if k is None:
                continue
            if k in first:
                self.error(row, field_name, "duplicate_row",
                           f"与第 {first[k]} 行重复({what_zh}相同)",
                           f"duplicates row {first[k]} (same {what_en})", k[0])
            else:
                first[k] = row.number

    def _expiry(self, row: _Row, expiry: date | None) -> None:
        if expiry is None:
            return
        today = self.settings.today
        if expiry < today:
            self.warn(row, "expiry", "expired",
                      f"物资已过有效期({expiry.isoformat()}):请及时更换",
                      f"past its expiry date ({expiry.isoformat()}): replace it",
                      expiry.isoformat())
        elif expiry <= today + timedelta(days=self.settings.expiry_warning_days):
            days = (expiry - today).days
            self.warn(row, "expiry", "expiring_soon",
                      f"物资将于 {days} 天内过期({expiry.isoformat()})",
                      f"expires within {days} days ({expiry.isoformat()})", expiry.isoformat())

    # -------------------------------------------------------------- builders
    def _build_risk_sources(self, rows: list[_Row]) -> list[Record]:
        self._duplicates(rows, lambda r: (r.get("name"), r.county.adcode)
                         if r.get("name") and r.county else None,
                         "name", "名称和所在县", "name and county")
        out: list[Record] = []
        for row in rows:
            outfall_lon, outfall_lat = row.get("outfall_lon"), row.get("outfall_lat")
            if (outfall_lon is None) != (outfall_lat is None):
                missing = "outfall_lat" if outfall_lat is None else "outfall_lon"
                self.error(row, missing, "incomplete_outfall", "排放口经度和纬度须同时填写",
                           "give both the outfall's longitude and latitude")
                continue
            held = row.get("substances")
            if "substances" not in row.failed and not held:
                self.error(row, "substances", "required", "须至少填写一种风险物质",
                           "at least one substance is required")
            if row.bad or not row.failed.isdisjoint({"lon", "lat", "county"}):
                continue
            snap = self._snap(row)
            if snap is None or row.bad:
                continue
            snapped, joins = snap
            assert row.county is not None
            out.append(RiskSourceRecord(
                kind=_KIND_BY_ZH[str(row.get("kind"))], name=str(row.get("name")),
                operator=_opt(row.get("operator")), industry=_opt(row.get("industry")),
                county_adcode=row.county.adcode, county_zh=row.county.name_zh,
                prefecture_zh=row.county.prefecture_zh,
                lon=_f(row.get("lon")), lat=_f(row.get("lat")), substances=held,  # type: ignore
                outfall_lon=_optf(outfall_lon), outfall_lat=_optf(outfall_lat),
                receiving_river_zh=snapped.river_name_zh or UNNAMED_ZH, joins_river_zh=joins,
                entry_seg_id=snapped.seg_id, entry_lon=snapped.lon, entry_lat=snapped.lat,
                entry_distance_m=snapped.distance_m, risk_level=str(row.get("risk_level")),
                contact=str(row.get("contact")), phone=str(row.get("phone")),
                confirmed_at=row.get("confirmed_at"),  # type: ignore[arg-type]
                sample=bool(row.get("sample")),
            ))
        return out

    def _snap(self, row: _Row) -> tuple[SnapResult, str | None] | None:
        """The river entry point of a risk source's discharge route, and the named river."""
        lon, lat = _f(row.get("lon")), _f(row.get("lat"))
        outfall = None
        if row.get("outfall_lon") is not None:
            outfall = (_f(row.get("outfall_lon")), _f(row.get("outfall_lat")))
            apart = _distance_m(lon, lat, *outfall)
            if apart > self.settings.outfall_max_distance_m:
                self.error(row, "outfall_lon", "outfall_too_far",
                           f"排放口距厂址 {apart / 1000:.1f} km,超过 "
                           f"{self.settings.outfall_max_distance_m / 1000:.0f} km:请核实排放口坐标",
                           f"the outfall is {apart / 1000:.1f} km from the site: check it",
                           f"{outfall[0]}, {outfall[1]}")
                return None
        segment = row.get("entry_seg_id")
        declared = row.get("receiving_river")
        max_m = self.settings.snap_max_distance_m
        try:
            snapped, joins = discharge_entry(
                self.network, lon, lat, outfall=outfall,
                segment_id=segment, receiving_river=declared,  # type: ignore[arg-type]
                max_distance_m=max_m)
        except RiverError as exc:
            point_field = "outfall_lon" if outfall else "lon"
            field_name = "entry_seg_id" if exc.code == "unknown_segment" or (
                segment is not None and exc.code == "too_far_from_river") else point_field
            where = outfall or (lon, lat)
            self.error(row, field_name, exc.code, f"无法确定入河点:{exc.message_zh}",
                       f"cannot determine the river entry point: {exc.message_en}",
                       segment if field_name == "entry_seg_id" else f"{where[0]}, {where[1]}")
            return None
        if declared and declared not in (snapped.river_name_zh, joins, UNNAMED_ZH):
            name = snapped.river_name_zh or UNNAMED_ZH
            self.warn(row, "receiving_river", "receiving_river_mismatch",
                      f"申报的受纳水体「{declared}」在 {max_m / 1000:.0f} km 内的河网中未找到,"
                      f"入河点按最近河流「{name}」计算,请核实",
                      f"the declared receiving river {declared!r} was not found within "
                      f"{max_m / 1000:.0f} km; the entry point is on {name}: please check",
                      declared)
        return snapped, joins

    def _build_materials(self, rows: list[_Row]) -> list[Record]:
        depots: dict[tuple[str, int], list[_Row]] = {}
        for row in rows:
            if row.get("depot") and row.county is not None:
                depots.setdefault((str(row.get("depot")), row.county.adcode), []).append(row)
        out: list[Record] = []
        fields = [f for f in DEPOT_FIELDS if f in self.columns and f != "prefecture"]
        for (name, _code), group in depots.items():
            first = group[0]
            signature = tuple(first.values.get(f) for f in fields)
            for row in group[1:]:
                if tuple(row.values.get(f) for f in fields) == signature \
                        and not row.failed and not first.failed:
                    continue  # the usual case: the depot's columns repeated unchanged
                for f in fields:
                    if f in row.failed or f in first.failed:
                        continue
                    a, b = first.get(f), row.get(f)
                    if a != b:
                        heading = self.columns[f].heading
                        self.error(row, f, "depot_mismatch",
                                   f"同一储备库「{name}」的{heading}在第 {first.number} 行为"
                                   f"「{_show(a)}」,此处为「{_show(b)}」",
                                   f"depot {name!r}: {self.columns[f].heading_en} is "
                                   f"{_show(a)!r} on row {first.number} but {_show(b)!r} here",
                                   _show(b))
            items: list[MaterialItemRecord] = []
            seen: dict[tuple, int] = {}
            for row in group:
                item = self._item(row)
                if item is None:
                    continue
                k = (item.item, item.spec, item.expiry)
                if k in seen:
                    self.error(row, "item", "duplicate_item",
                               f"与第 {seen[k]} 行重复(同一储备库、物资名称、规格型号和有效期)",
                               f"duplicates row {seen[k]} (same depot, item, spec and expiry)",
                               item.item)
                    continue
                seen[k] = row.number
                items.append(item)
            if any(r.bad or not r.failed.isdisjoint(_PLACE_FIELDS) for r in group):
                continue
            assert first.county is not None
            out.append(DepotRecord(
                name=name, holder=str(first.get("holder")),
                holder_type=str(first.get("holder_type")),
                storage_mode=str(first.get("storage_mode")), county_adcode=first.county.adcode,
                county_zh=first.county.name_zh, prefecture_zh=first.county.prefecture_zh,
                address=_opt(first.get("address")), lon=_f(first.get("lon")),
                lat=_f(first.get("lat")), contact=str(first.get("contact")),
                phone=str(first.get("phone")), items=tuple(items),
                confirmed_at=first.get("confirmed_at"),  # type: ignore[arg-type]
                sample=bool(first.get("sample")),
            ))
        return out

    def _item(self, row: _Row) -> MaterialItemRecord | None:
        v, failed = row.values, row.failed
        item, category, quantity, unit = (v.get("item"), v.get("category"), v.get("quantity"),
                                          v.get("unit"))
        spec, purpose, expiry = v.get("spec"), v.get("purpose"), v.get("expiry")
        if item is None and category is None and quantity is None and unit is None \
                and spec is None and purpose is None and expiry is None \
                and failed.isdisjoint(ITEM_FIELDS):
            return None  # a depot without items
        if item is None or category is None or quantity is None or unit is None:
            for f in ITEM_REQUIRED:
                if v.get(f) is None and f not in failed:
                    col = self.columns[f]
                    self.error(row, f, "required", f"填写物资时「{col.heading}」为必填项",
                               f"{col.heading_en} ({col.heading}) is required for an item")
                    failed.add(f)
        if expiry is not None:
            self._expiry(row, expiry)  # type: ignore[arg-type]
        if failed and not failed.isdisjoint(ITEM_FIELDS):
            return None
        return MaterialItemRecord(item, category, spec, quantity, unit, purpose,  # type: ignore
                                  expiry)  # type: ignore[arg-type]

    def _build_teams(self, rows: list[_Row]) -> list[Record]:
        self._duplicates(rows, lambda r: (r.get("name"), r.county.adcode)
                         if r.get("name") and r.county else None,
                         "name", "队伍名称和所在县", "name and county")
        out: list[Record] = []
        for row in rows:
            if row.bad or row.county is None:
                continue
            out.append(TeamRecord(
                name=str(row.get("name")), level=str(row.get("level")),
                unit=str(row.get("unit")), county_adcode=row.county.adcode,
                county_zh=row.county.name_zh, prefecture_zh=row.county.prefecture_zh,
                lon=_f(row.get("lon")), lat=_f(row.get("lat")),
                members=int(row.get("members")),  # type: ignore[arg-type]
                specialties=tuple(row.get("specialties") or ()),  # type: ignore[arg-type]
                leader=str(row.get("leader")), phone=str(row.get("phone")),
                sample=bool(row.get("sample")),
            ))
        return out

    def _build_experts(self, rows: list[_Row]) -> list[Record]:
        self._duplicates(rows, lambda r: (r.get("name"), r.get("unit"))
                         if r.get("name") and r.get("unit") else None,
                         "name", "姓名和工作单位", "name and unit")
        out: list[Record] = []
        for row in rows:
            if row.bad:
                continue
            out.append(ExpertRecord(
                name=str(row.get("name")), field=str(row.get("field")),
                title=_opt(row.get("title")), unit=str(row.get("unit")),
                prefecture_zh=row.prefecture, phone=str(row.get("phone")),
                sample=bool(row.get("sample")),
            ))
        return out


def discharge_entry(network: RiverNetwork, lon: float, lat: float, *,
                    outfall: tuple[float, float] | None = None, segment_id: int | None = None,
                    receiving_river: str | None = None, max_distance_m: float = SNAP_MAX_DISTANCE_M
                    ) -> tuple[SnapResult, str | None]:
    """Where a risk source's water enters the river network, and the first named river.

    The outfall (排放口) when given, else the site, is snapped to: the segment ``segment_id``
    when given; else the nearest segment of the named ``receiving_river`` within
    ``max_distance_m`` when there is one; else the nearest segment. Raises
    :class:`rivers.exceptions.RiverError` (too far from any river, unknown segment …).
    """
    x_lon, x_lat = outfall if outfall is not None else (lon, lat)
    snapped = network.snap(x_lon, x_lat, max_distance_m=max_distance_m, segment_id=segment_id)
    if segment_id is None and receiving_river and receiving_river != UNNAMED_ZH \
            and snapped.river_name_zh != receiving_river:
        match = next((c for c in snapped.candidates if c.river_name_zh == receiving_river), None)
        if match is not None:
            snapped = network.snap(x_lon, x_lat, max_distance_m=max_distance_m,
                                   segment_id=match.seg_id)
    joins = snapped.river_name_zh or first_named_downstream(network, snapped.position.segment)
    return snapped, joins


def first_named_downstream(network: RiverNetwork, segment: int) -> str | None:
    """The first named river reached going downstream from segment index ``segment``."""
    data = network.data
    i = segment
    while i >= 0:
        if data.name_zh[i]:
            return data.name_zh[i]
        i = int(data.downstream[i])
    return None


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from rivers.geo import project

    x1, y1 = project(lon1, lat1)
    x2, y2 = project(lon2, lat2)
    return float(math.hypot(x2 - x1, y2 - y1))


def _by_row(problem: RowProblem) -> int:
    return problem.row or 0


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _f(value: object) -> float:
    assert isinstance(value, (int, float))
    return float(value)


def _optf(value: object) -> float | None:
    return None if value is None else _f(value)


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return format_number(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
