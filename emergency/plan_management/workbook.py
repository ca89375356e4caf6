"""Plans as spreadsheets (预案表格交换): export with Chinese headings, import into a draft.

One layout for one plan and for all plans: every sheet is a table whose first column is the plan
id (预案编号), one row per item —

* 河流基本信息 — the plan's own fields, one row per plan;
* 敏感目标 — receptors (取水口、水源地、监测断面、灌溉取水口), with the columns of every kind;
* 应急空间与设施 — intercept facilities;
* 监测点位 — monitoring points;
* 应急处置卡 — response-card measures, by pollutant class, in order;
* 联系人 — contacts;
* 填表说明 — how to fill the workbook (words, units, list separators).

Vocabulary cells hold the Chinese words (类型 “取水口”, 服务对象级别 “设区的市”,
污染物类别 “石油类”); lists are separated by “；”. Every cell is written through
:mod:`emergency.exports` (formula-like text made inert) and read back with
:func:`emergency.exports.restore`, so an exported workbook imports unchanged (an empty diff).

:func:`read_workbook` turns a filled workbook into a plan document, all or nothing: every bad
cell is reported with its sheet, row and column (:class:`CellProblem`). The document is then
checked with the file validator's rules; :func:`locate` maps those problems (field paths such as
``receptors[2].place_level``) back to the sheet, row and column they came from. Reading uses
python-calamine; writing openpyxl. Pure: no Flask, no database.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from emergency.exports import append_row, restore, workbook_bytes, xlsx_cell
from plans.schema import Problem
from plans.vocabulary import (
    FACILITY_TYPES,
    MEASURE_GROUPS,
    PLACE_LEVELS,
    POLLUTANT_CLASSES,
    RECEPTOR_KINDS,
    SECTION_LEVELS,
    TECHNIQUES,
)

LIST_SEPARATOR: Final[str] = "；"
_SEPARATORS: Final = ("；", ";", "\n")
YES, NO = "是", "否"


def _labels(pairs: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """code → 中文 word."""
    return {code: zh for code, (zh, _en) in pairs.items()}


@dataclass(frozen=True)
class Column:
    """One column: its heading, the document key, and how a cell is read and written."""

    heading: str
    key: str
    kind: str = "text"  # text | number | integer | bool | list | choice | json | date
    required: bool = False
    words: Mapping[str, str] = field(default_factory=dict)  # choice: code → 中文 (cell)
    allowed: Sequence[str] = ()  # list: the allowed words (empty: free text)


PLAN_COLUMN = Column("预案编号", "plan_id", required=True)
_SITE_HEAD = (Column("编号", "id", required=True), )
_SITE_COMMON = (Column("名称", "name_zh", required=True), Column("英文名称", "name_en"),
                Column("经度", "lon", "number", required=True),
                Column("纬度", "lat", "number", required=True),
                Column("河段编号", "segment_id", "integer"))

SHEETS: Final[dict[str, tuple[Column, ...]]] = {
    "河流基本信息": (
        PLAN_COLUMN, Column("河流名称", "name_zh", required=True), Column("英文名称", "name_en"),
        Column("水系", "basin", required=True), Column("示例数据", "sample", "bool", required=True),
        Column("示例说明", "sample_note_zh"), Column("流经市(州)", "prefectures", "list"),
        Column("流经县(市、区)", "counties", "list"), Column("上游关联预案", "upstream", "list"),
        Column("下游关联预案", "downstream", "list"),
        Column("河道识别依据(JSON)", "identified", "json")),
    "敏感目标": (
        PLAN_COLUMN, *_SITE_HEAD,
        Column("类型", "kind", "choice", required=True, words=_labels(RECEPTOR_KINDS)),
        *_SITE_COMMON,
        Column("服务对象级别", "place_level", "choice", words=_labels(PLACE_LEVELS)),
        Column("供水/灌溉对象", "serves_zh"),
        Column("服务人口(人)", "population_served", "integer"),
        Column("备用水源", "backup_source_zh"),
        Column("供水能力(m³/日)", "capacity_m3_per_day", "number"),
        Column("断面级别", "section_level", "choice", words=_labels(SECTION_LEVELS)),
        Column("跨界断面", "cross_boundary", "bool"), Column("所跨边界", "boundary_zh"),
        Column("灌溉面积(亩)", "irrigated_area_mu", "number"), Column("备注", "note_zh")),
    "应急空间与设施": (
        PLAN_COLUMN, *_SITE_HEAD, *_SITE_COMMON,
        Column("设施类型", "facility_type", "choice", required=True,
               words={k: k for k in FACILITY_TYPES}),
        Column("可用库容(m³)", "storage_m3", "number"),
        Column("处置技术", "techniques", "list", allowed=tuple(TECHNIQUES)),
        Column("管理单位", "operator_zh"), Column("联系人", "contact_zh"), Column("电话", "phone"),
        Column("布设时间(h)", "deploy_hours", "number"), Column("备注", "note_zh")),
    "监测点位": (
        PLAN_COLUMN, *_SITE_HEAD, *_SITE_COMMON,
        Column("监测项目", "parameters_zh", "list"), Column("监测频次", "frequency_zh"),
        Column("备注", "note_zh")),
    "应急处置卡": (
        PLAN_COLUMN,
        Column("污染物类别", "pollutant_class", "choice", required=True,
               words=_labels(POLLUTANT_CLASSES)),
        Column("序号", "order", "integer", required=True), Column("措施", "text_zh", required=True),
        Column("责任单位", "responsible_zh"),
        Column("措施类别", "group", "choice", words={k: k for k in MEASURE_GROUPS}),
        Column("时限(h)", "deadline_h", "number")),
    "联系人": (
        PLAN_COLUMN, Column("单位", "unit_zh", required=True), Column("职责", "role_zh"),
        Column("电话", "phone")),
}
SITE_SHEETS: Final[dict[str, str]] = {"敏感目标": "receptors", "应急空间与设施": "facilities",
                                      "监测点位": "monitoring"}
GUIDE_SHEET: Final[str] = "填表说明"

GUIDE: Final[tuple[tuple[str, str], ...]] = (
    ("用途", "重点河流“一河一策一图”预案的表格版本:导出 → 按需修改 → 在系统中导入为草稿"
           " → 提交审核 → 发布。"
           "导入时整本工作簿全部通过校验才会保存(全部或全不),每个错误单元格都会列出工作表、行号和列名。"),
    ("预案编号", "每个工作表第一列为预案编号(河流编号,如 yinma-he);"
               "导入单个预案时,各表中只能出现该预案的编号。"),
    ("坐标", "经度、纬度为 WGS84 十进制度(经度在前,如 125.767120、44.142150);"
           "点位须在本河流 3 km 以内。"),
    ("类型", "敏感目标类型:" + "、".join(zh for zh, _ in RECEPTOR_KINDS.values())
           + ";取水口、水源地须填服务对象级别(" + "、".join(zh for zh, _ in PLACE_LEVELS.values())
           + ")、供水对象、服务人口、备用水源;监测断面须填断面级别("
           + "、".join(zh for zh, _ in SECTION_LEVELS.values()) + "),跨界断面须填所跨边界。"),
    ("设施类型", "、".join(FACILITY_TYPES)),
    ("处置技术", "、".join(TECHNIQUES) + "(可填多项,用“；”分隔)"),
    ("污染物类别", "、".join(zh for zh, _ in POLLUTANT_CLASSES.values())),
    ("措施类别", "、".join(MEASURE_GROUPS) + "(《国家突发环境事件应急预案》4.2)"),
    ("多项取值", "流经市(州)、流经县、关联预案、处置技术、监测项目等多项内容用全角分号“；”分隔。"),
    ("是/否", "示例数据、跨界断面填“是”或“否”。"),
    ("示例数据", "示例预案(示例数据=是)中所有名称和电话须含“示例”二字,以免被当作真实信息。"),
    ("编号", "点位编号在同一预案内唯一,只能由小写字母、数字和连字符组成(如 intake-1)。"),
)


# ----------------------------------------------------------------------------- export
def cell_value(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if col.kind == "bool":
        return YES if value else NO
    if col.kind == "list":
        return LIST_SEPARATOR.join(str(v) for v in value) if isinstance(value, list | tuple) \
            else str(value)
    if col.kind == "choice":
        return col.words.get(str(value), str(value))
    if col.kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _rows(document: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The document's items per sheet, as {key: value} (PLAN_COLUMN's key included)."""
    pid = document.get("id")
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    out["河流基本信息"].append({"plan_id": pid, **document})
    for sheet, key in SITE_SHEETS.items():
        out[sheet] = [{"plan_id": pid, **site} for site in document.get(key) or []]
    for pclass, measures in (document.get("response_cards") or {}).items():
        for k, m in enumerate(measures or [], start=1):
            out["应急处置卡"].append({"plan_id": pid, "pollutant_class": pclass, "order": k, **m})
    out["联系人"] = [{"plan_id": pid, **c} for c in document.get("contacts") or []]
    return out


def export_workbook(documents: Sequence[Mapping[str, Any]]) -> bytes:
    """A workbook of ``documents`` (one plan, or all), every cell written inertly."""
    return write_workbook(documents, SHEETS, _rows, (GUIDE_SHEET, GUIDE))


def write_workbook(documents: Sequence[Mapping[str, Any]], sheets: Mapping[str, Sequence[Column]],
                   rows_of: Callable[[Mapping[str, Any]], Mapping[str, list[dict[str, Any]]]],
                   guide: tuple[str, Sequence[tuple[str, str]]]) -> bytes:
    """The XLSX of ``documents``: a sheet per table of ``sheets`` holding every document's rows
    (``rows_of(document)``: sheet name → items), then the guide sheet (name, rows)."""
    book = Workbook(write_only=True)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in sheets}
    for doc in documents:
        for name, items in rows_of(doc).items():
            rows[name].extend(items)
    for name, columns in sheets.items():
        write_table(book, name, columns, rows[name])
    write_guide(book, *guide)
    return workbook_bytes(book)


def write_table(book: Workbook, name: str, columns: Sequence[Column],
                items: Sequence[Mapping[str, Any]]) -> None:
    """One sheet: the headings (bold, shaded), then a row per item (``{column key: value}``),
    every cell written through :mod:`emergency.exports`."""
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "B2"
    for i, col in enumerate(columns):
        width = max(10, min(40, len(col.heading) * 2 + 4))
        sheet.column_dimensions[_letter(i)].width = width
    heads = []
    for col in columns:
        cell = xlsx_cell(sheet, col.heading)
        cell.font, cell.fill = bold, fill
        heads.append(cell)
    sheet.append(heads)
    for item in items:
        append_row(sheet, [cell_value(col, item.get(col.key)) for col in columns])


def write_guide(book: Workbook, name: str, guide: Sequence[tuple[str, str]]) -> None:
    sheet = book.create_sheet(name)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 120
    append_row(sheet, ["项目", "说明"])
    for row in guide:
        append_row(sheet, row)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# ----------------------------------------------------------------------------- import
@dataclass(frozen=True)
class CellProblem:
    """One bad cell (or a sheet-level problem: row/column None)."""

    sheet: str
    row: int | None       # the spreadsheet's row number (1 = headings)
    column: str | None    # the column heading
    message_zh: str
    message_en: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "message_zh": self.message_zh, "message_en": self.message_en, "value": value}


class WorkbookInvalid(ValueError):
    """The workbook cannot become a plan: every problem, nothing stored."""

    def __init__(self, problems: Sequence[CellProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the workbook")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


@dataclass
class Locator:
    """Where each item of the imported document came from: document path → (sheet, row).
    ``sheets`` is the workbook's layout; a path under no item is on ``top`` (the plan's own
    row, 2 on its sheet). A column key may be dotted (``accident_pool.volume_m3``)."""

    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    sheets: Mapping[str, Sequence[Column]] = field(default_factory=lambda: SHEETS)
    top: str = "河流基本信息"

    def locate(self, problem: Problem) -> CellProblem:
        path = problem.path or ""
        best = ""
        for prefix in self.rows:
            if prefix and _under(path, prefix) and len(prefix) > len(best):
                best = prefix
        sheet, row = self.rows[best] if best else self.rows.get("", (self.top, 2))
        rest = path[len(best):].lstrip(".")
        keys = [c for c in self.sheets.get(sheet, ()) if rest and _under(rest, c.key)]
        column = max(keys, key=lambda c: len(c.key)).heading if keys else None
        return CellProblem(sheet, row, column, problem.message_zh, problem.message_en)


def locate(problems: Sequence[Problem], locator: Locator) -> list[CellProblem]:
    return [locator.locate(p) for p in problems]


def _read_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for bad files
        raise WorkbookInvalid([CellProblem("", None, None, "无法读取该文件:不是有效的 XLSX 工作簿",
                                           f"cannot read the file: not an XLSX workbook "
                                           f"({type(exc).__name__})")]) from None
    out = {}
    for name in book.sheet_names:
        if name in SHEETS:
            out[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    try:
        value = float(str(raw).strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_cell(col: Column, raw: Any, problem: Callable[[str, str], None]) -> Any:
    """The document value of one non-blank cell, or None after reporting the problem."""
    if isinstance(raw, str):
        raw = restore(raw.strip())
    if col.kind == "text":
        return raw if isinstance(raw, str) else _plain_number_text(raw)
    if col.kind in ("number", "integer"):
        value = _number(raw)
        if value is None:
            problem(f"须为数字(收到 {raw!r})", f"must be a number (got {raw!r})")
            return None
        if col.kind == "integer":
            if not value.is_integer():
                problem(f"须为整数(收到 {raw!r})", f"must be a whole number (got {raw!r})")
                return None
            return int(value)
        return int(value) if value.is_integer() and abs(value) < 2**53 and col.key not in (
            "lon", "lat") else value
    if col.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in (YES, "true", "1", "yes", "y"):
            return True
        if text in (NO, "false", "0", "no", "n"):
            return False
        problem(f"须填“是”或“否”(收到 {raw!r})", f"must be 是 (yes) or 否 (no) (got {raw!r})")
        return None
    if col.kind == "choice":
        text = str(raw).strip()
        by_word = {zh: code for code, zh in col.words.items()}
        if text in by_word:
            return by_word[text]
        if text in col.words:  # the code itself (intake, prefecture_city …) is accepted too
            return text
        problem(f"取值 {text!r} 不在允许范围内:{'、'.join(col.words.values())}",
                f"{text!r} is not one of: {', '.join(col.words.values())}")
        return None
    if col.kind == "list":
        text = str(raw)
        for sep in _SEPARATORS[1:]:
            text = text.replace(sep, LIST_SEPARATOR)
        items = [x.strip() for x in text.split(LIST_SEPARATOR) if x.strip()]
        bad = [x for x in items if col.allowed and x not in col.allowed]
        if bad:
            problem(f"{'、'.join(bad)} 不在允许范围内:{'、'.join(col.allowed)}",
                    f"{', '.join(bad)} not among: {', '.join(col.allowed)}")
            return None
        return items
    if col.kind == "date":
        if isinstance(raw, datetime | date):
            return (raw.date() if isinstance(raw, datetime) else raw).isoformat()
        try:
            return date.fromisoformat(str(raw).strip()[:10]).isoformat()
        except ValueError:
            problem(f"须为日期 YYYY-MM-DD(收到 {raw!r})",
                    f"must be a date YYYY-MM-DD (got {raw!r})")
            return None
    if col.kind == "json":
        try:
            return json.loads(str(raw))
        except json.JSONDecodeError as exc:
            problem(f"不是有效的 JSON:{exc.msg}", f"not valid JSON: {exc.msg}")
            return None
    raise AssertionError(col.kind)


def _plain_number_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def read_workbook(data: bytes, plan_id: str) -> tuple[dict[str, Any], Locator]:
    """The plan document in a filled workbook (the plan ``plan_id``), and where each item came
    from; raises :class:`WorkbookInvalid` with every bad cell."""
    problems: list[CellProblem] = []
    locator = Locator()
    items = read_tables(SHEETS, _read_sheets(data), plan_id, problems)
    basics = items.get("河流基本信息", [])
    if "河流基本信息" in items and len(basics) != 1:
        problems.append(CellProblem("河流基本信息", None, None,
                                    f"须恰有一行预案 {plan_id} 的基本信息(实有 {len(basics)} 行)",
                                    f"exactly one row of basic information for plan {plan_id} "
                                    f"is needed (found {len(basics)})"))
    if problems:
        raise WorkbookInvalid(problems)

    row, top = basics[0]
    document: dict[str, Any] = {"id": plan_id, **top}
    locator.rows[""] = ("河流基本信息", row)
    for sheet, key in SITE_SHEETS.items():
        sites = listed(items[sheet], sheet, key, locator)
        if sites:
            document[key] = sites
    document["response_cards"] = response_cards(items["应急处置卡"], "应急处置卡",
                                                "pollutant_class", locator)
    document["contacts"] = listed(items["联系人"], "联系人", "contacts", locator)
    return document, locator


def read_tables(sheets: Mapping[str, Sequence[Column]],
                found: Mapping[str, Sequence[Sequence[Any]]], plan_id: str,
                problems: list[CellProblem]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Every table of ``sheets`` read from the workbook's rows (``found``: sheet name → rows) as
    (row number, item) pairs without the plan id column; a missing sheet or a bad cell is added
    to ``problems``."""
    items: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name, columns in sheets.items():
        rows = found.get(name)
        if rows is None:
            problems.append(CellProblem(name, None, None, f"缺少工作表“{name}”",
                                        f"the sheet “{name}” is missing"))
            continue
        items[name] = read_table(name, columns, [list(r) for r in rows], plan_id, problems)
        for _row, item in items[name]:
            item.pop("plan_id", None)
    return items


def listed(rows: Sequence[tuple[int, dict[str, Any]]], sheet: str, path: str,
           locator: Locator) -> list[dict[str, Any]]:
    """The items read from ``sheet`` as the document's list at ``path``, each one's row noted in
    ``locator`` (``path[k]``)."""
    for k, (row, _item) in enumerate(rows):
        locator.rows[f"{path}[{k}]"] = (sheet, row)
    return [item for _row, item in rows]


def response_cards(rows: Sequence[tuple[int, dict[str, Any]]], sheet: str, card_key: str,
                   locator: Locator) -> dict[str, list[dict[str, Any]]]:
    """The response cards read from ``sheet``: its items grouped by ``card_key`` (the pollutant
    class, the scenario), each card's steps by their ``order`` column, then by row; each step's
    row noted in ``locator`` (``response_cards.<card>[k]``)."""
    cards: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
    for row, item in rows:
        card, order = item.pop(card_key), item.pop("order")
        cards.setdefault(card, []).append((order, row, item))
    out: dict[str, list[dict[str, Any]]] = {}
    for card, steps in cards.items():
        steps.sort(key=lambda t: (t[0], t[1]))
        out[card] = [step for _o, _r, step in steps]
        for k, (_o, row, _step) in enumerate(steps):
            locator.rows[f"response_cards.{card}[{k}]"] = (sheet, row)
    return out


def read_table(name: str, columns: Sequence[Column], rows: list[list[Any]], plan_id: str,
                problems: list[CellProblem]) -> list[tuple[int, dict[str, Any]]]:
    if not rows:
        problems.append(CellProblem(name, 1, None, "缺少表头行", "the heading row is missing"))
        return []
    headings = [str(restore(h)).strip() if h is not None else "" for h in rows[0]]
    where: dict[str, int] = {}
    for col in columns:
        if col.heading in headings:
            where[col.key] = headings.index(col.heading)
        elif col.required:
            problems.append(CellProblem(name, 1, col.heading, f"缺少列“{col.heading}”",
                                        f"the column “{col.heading}” is missing"))
    out: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(rows[1:], start=2):
        if all(_blank(c) for c in cells):
            continue
        item: dict[str, Any] = {}
        for col in columns:
            at = where.get(col.key)
            raw = cells[at] if at is not None and at < len(cells) else None
            if _blank(raw):
                if col.required and at is not None:
                    problems.append(CellProblem(name, number, col.heading, "必填,不能为空",
                                                "required: the cell is empty"))
                continue

            def problem(zh: str, en: str, col: Column = col, raw: Any = raw,
                        number: int = number) -> None:
                problems.append(CellProblem(name, number, col.heading, zh, en, raw))

            value = parse_cell(col, raw, problem)
            if value is not None:
                item[col.key] = value
        if "plan_id" in item and item["plan_id"] != plan_id:
            problems.append(CellProblem(
                name, number, columns[0].heading,  # the plan id is every sheet's first column
                f"预案编号 {item['plan_id']!r} 不是正在导入的预案 {plan_id!r}",
                f"plan id {item['plan_id']!r} is not the plan being imported ({plan_id!r})",
                item["plan_id"]))
            continue
        out.append((number, item))
    return out
