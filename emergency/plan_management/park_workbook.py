"""Chemical-park plans as spreadsheets (一园一策一图 表格交换): export, import into a draft.

The same exchange as the river plans' (:mod:`.workbook`, whose columns, cell rules, writer and
table reader this module shares): one sheet per table, the first column the park plan's id, one
row per item, headings in Chinese with the document's English key — 园区名称(name_zh) —

* 园区 — the park's own fields (one row per park), its pumping and runoff, readiness dates;
* 企业 — level 1: each enterprise, its accident pool (volume, in use), bund, fire water;
* 企业排口 — each enterprise outfall and its cut-off valve (by the enterprise's id);
* 公共应急池 / 闸门 / 园区排口 / 导流渠 — level 2;
* 流域衔接 — level 3: the river plans and intercept sites that take over (linked by id);
* 处置卡 — response-card steps by scenario (火灾爆炸, 泄漏, 消防废水), in order;
* 联系人 — contacts; 填表说明 — how to fill it in.

Every cell is written through :mod:`emergency.exports` (formula-like text made inert) and read
back with the project's XLSX reader (:func:`emergency.spreadsheets.xlsx_sheets`, python-calamine)
and :func:`emergency.exports.restore`, so an exported workbook imports as the same document.
:func:`read_park_workbook` is all or nothing: every bad cell with its sheet, row and column; the
returned :class:`.workbook.Locator` places the validator's problems (``enterprises[1].
accident_pool.volume_m3``) on the sheet, row and column they came from. Pure: no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from emergency.plan_management.workbook import (
    CellProblem,
    Column,
    Locator,
    WorkbookInvalid,
    listed,
    read_tables,
    response_cards,
    write_workbook,
)
from emergency.spreadsheets import UnreadableFile, xlsx_sheets
from plans.parks import PARK_SCENARIOS, PREVENTION_LEVELS


def _col(zh: str, key: str, kind: str = "text", **kw: Any) -> Column:
    """A column headed “中文(key)”."""
    return Column(f"{zh}({key})", key, kind, **kw)


PLAN_COLUMN: Final = _col("园区编号", "plan_id", required=True)
_ID = _col("编号", "id", required=True)
_NAME = _col("名称", "name_zh", required=True)
_LON = _col("经度", "lon", "number", required=True)
_LAT = _col("纬度", "lat", "number", required=True)
OUTFALL_KINDS: Final[dict[str, str]] = {"rain": "雨水", "sewage": "污水"}
LINK_KINDS: Final[dict[str, str]] = {"plan": "河流预案", "site": "拦截点"}

PARK_SHEET: Final = "园区"
SHEETS: Final[dict[str, tuple[Column, ...]]] = {
    PARK_SHEET: (
        PLAN_COLUMN, _col("园区名称", "name_zh", required=True),
        _col("风险源名称", "risk_source_zh", required=True),
        _col("市(州)", "prefecture_zh", required=True),
        _col("县(市、区)", "county_zh", required=True),
        _col("示例数据", "sample", "bool", required=True), _LON, _LAT,
        _col("园区半径 m", "radius_m", "number"),
        _col("转输泵能力 m³/h", "park.pumping_m3_per_h", "number"),
        _col("园区汇流时间 分钟", "park.runoff_minutes", "number"),
        _col("应急池容积核实日期", "readiness.pools_confirmed_on", "date"),
        _col("切断阀试验日期", "readiness.valves_tested_on", "date")),
    "企业": (
        PLAN_COLUMN, _ID, _NAME, _col("风险源名称", "risk_source_zh"), _LON, _LAT,
        _col("事故应急池容积 m³", "accident_pool.volume_m3", "number", required=True),
        _col("事故应急池已占用 m³", "accident_pool.in_use_m3", "number"),
        _col("围堰 m³", "bund_m3", "number"),
        _col("设计消防水量 m³/h", "firewater_m3_per_h", "number")),
    "企业排口": (
        PLAN_COLUMN, _col("企业编号", "enterprise", required=True), _ID,
        _col("类型", "kind", "choice", required=True, words=OUTFALL_KINDS), _NAME, _LON, _LAT,
        _col("切断阀类型", "valve_type_zh", required=True),
        _col("常闭", "normally_closed", "bool", required=True),
        _col("负责关闭", "closer_zh", required=True),
        _col("关闭用时 分钟", "close_minutes", "number", required=True),
        _col("汇流时间 分钟", "runoff_minutes", "number")),
    "公共应急池": (
        PLAN_COLUMN, _ID, _NAME, _LON, _LAT,
        _col("容积 m³", "volume_m3", "number", required=True),
        _col("已占用 m³", "in_use_m3", "number")),
    "闸门": (
        PLAN_COLUMN, _ID, _NAME, _LON, _LAT,
        _col("常闭", "normally_closed", "bool", required=True),
        _col("负责关闭", "closer_zh", required=True),
        _col("关闭用时 分钟", "close_minutes", "number", required=True)),
    "园区排口": (PLAN_COLUMN, _ID, _NAME, _LON, _LAT, _col("闸门编号", "gate")),
    "导流渠": (
        PLAN_COLUMN, _ID, _NAME, _col("容量 m³", "capacity_m3", "number", required=True),
        _col("备注", "note_zh")),
    "流域衔接": (
        PLAN_COLUMN, _col("类型", "link", "choice", required=True, words=LINK_KINDS),
        _col("编号", "ref", required=True)),
    "处置卡": (
        PLAN_COLUMN,
        _col("情景", "scenario", "choice", required=True,
             words={k: zh for k, (zh, _en) in PARK_SCENARIOS.items()}),
        _col("序号", "order", "integer", required=True),
        _col("措施", "text_zh", required=True), _col("责任人", "responsible_zh", required=True),
        _col("层级", "level", "choice", required=True,
             words={k: zh for k, (zh, _en) in PREVENTION_LEVELS.items()})),
    "联系人": (
        PLAN_COLUMN, _col("单位", "unit_zh", required=True),
        _col("职责", "role_zh", required=True), _col("电话", "phone", required=True)),
}
#: Sheets of level-2 items: sheet → key under ``park``.
PARK_ITEMS: Final[dict[str, str]] = {"公共应急池": "pools", "闸门": "gates",
                                     "园区排口": "outfalls", "导流渠": "ditches"}
GUIDE_SHEET: Final = "填表说明"
GUIDE: Final[tuple[tuple[str, str], ...]] = (
    ("用途", "化工园区“一园一策一图”预案的表格版本:导出 → 按需修改 → 在系统中导入为草稿 → "
           "提交审核 → 发布。整本工作簿全部通过校验才会保存(全部或全不),每个错误都列出工作表、"
           "行号和列名。"),
    ("表头", "每列表头为“中文名称(英文字段名)”,请勿修改;每个工作表第一列为园区编号(如 park-01),"
           "导入单个园区预案时只能出现该园区的编号。"),
    ("三级防控", "企业级:企业、企业排口(切断阀);园区级:公共应急池、闸门、园区排口、导流渠及"
             "园区表中的转输泵能力;流域级:流域衔接(河流预案编号,或拦截点编号“河流预案编号/点位编号”)。"),
    ("坐标", "经度、纬度为 WGS84 十进制度;企业、排口、应急池、闸门须在园区半径内,"
           "园区排口距河道不超过 3 km。"),
    ("企业排口", "企业编号须为“企业”表中的编号;类型填“雨水”或“污水”;常闭填“是”或“否”。"),
    ("处置卡", "情景:" + "、".join(zh for zh, _ in PARK_SCENARIOS.values()) + ";层级:"
             + "、".join(zh for zh, _ in PREVENTION_LEVELS.values()) + ";同一情景按序号排列。"),
    ("容积与时间", "容积单位 m³,不能为负,已占用不能大于容积;时间单位分钟。"),
    ("日期", "核实、试验日期填 YYYY-MM-DD。"),
    ("示例数据", "示例预案(示例数据=是)的联系人须含“示例”二字。"),
    ("编号", "编号在同一园区预案内唯一,只能由小写字母、数字和连字符组成(如 e1-rain)。"),
)


# ----------------------------------------------------------------------------- export
def _flat(item: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping with dotted keys: {"accident_pool": {"volume_m3": 1}} →
    {"accident_pool.volume_m3": 1}."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Mapping):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def _rows(doc: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The park plan's items per sheet, as {column key: value}."""
    pid = doc.get("id")
    park = doc.get("park") or {}
    top = _flat({k: v for k, v in doc.items()
                 if k not in ("enterprises", "river", "contacts", "response_cards")})
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    out[PARK_SHEET].append(top | {"plan_id": pid})
    for e in doc.get("enterprises") or []:
        out["企业"].append(_flat({k: v for k, v in e.items() if k != "outfalls"})
                         | {"plan_id": pid})
        out["企业排口"].extend({"plan_id": pid, "enterprise": e.get("id"), **o}
                             for o in e.get("outfalls") or [])
    for sheet, key in PARK_ITEMS.items():
        out[sheet] = [{"plan_id": pid, **item} for item in park.get(key) or []]
    river = doc.get("river") or {}
    out["流域衔接"] = [{"plan_id": pid, "link": link, "ref": ref}
                   for link, key in (("plan", "plans"), ("site", "intercept_sites"))
                   for ref in river.get(key) or []]
    for scenario, steps in (doc.get("response_cards") or {}).items():
        out["处置卡"].extend({"plan_id": pid, "scenario": scenario, "order": k, **step}
                          for k, step in enumerate(steps or [], start=1))
    out["联系人"] = [{"plan_id": pid, **c} for c in doc.get("contacts") or []]
    return out


def export_park_workbook(documents: Sequence[Mapping[str, Any]]) -> bytes:
    """A workbook of park plan ``documents`` (one park, or all), every cell written inertly."""
    return write_workbook(documents, SHEETS, _rows, (GUIDE_SHEET, GUIDE))


# ----------------------------------------------------------------------------- import
def _nest(item: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys back into nested mappings."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        *parents, last = key.split(".")
        at = out
        for part in parents:
            at = at.setdefault(part, {})
        at[last] = value
    return out


def read_park_workbook(data: bytes, plan_id: str) -> tuple[dict[str, Any], Locator]:
    """The park plan ``plan_id`` in a filled workbook, and where each item came from; raises
    :class:`WorkbookInvalid` with every bad cell (the document is then checked by the caller
    with the file validator's rules, its problems placed by the :class:`Locator`)."""
    try:
        sheets = xlsx_sheets(data, SHEETS)
    except UnreadableFile as exc:
        raise WorkbookInvalid([CellProblem("", None, None, exc.message_zh,
                                           exc.message_en)]) from None
    problems: list[CellProblem] = []
    items = read_tables(SHEETS, sheets, plan_id, problems)
    basics = items.get(PARK_SHEET, [])
    if PARK_SHEET in items and len(basics) != 1:
        problems.append(CellProblem(PARK_SHEET, None, None,
                                    f"须恰有一行园区 {plan_id} 的基本信息(实有 {len(basics)} 行)",
                                    f"exactly one row of basic information for park {plan_id} "
                                    f"is needed (found {len(basics)})"))
    enterprises = {item.get("id"): k for k, (_r, item) in enumerate(items.get("企业", []))}
    for row, item in items.get("企业排口", []):
        if item.get("enterprise") not in enterprises:
            problems.append(CellProblem(
                "企业排口", row, SHEETS["企业排口"][1].heading,
                f"企业 {item.get('enterprise')!r} 不在“企业”表中",
                f"enterprise {item.get('enterprise')!r} is not on the sheet “企业”",
                item.get("enterprise")))
    if problems:
        raise WorkbookInvalid(problems)

    locator = Locator(sheets=SHEETS, top=PARK_SHEET)
    row, top = basics[0]
    document: dict[str, Any] = {"id": plan_id, **_nest(top)}
    document.setdefault("park", {})
    locator.rows[""] = (PARK_SHEET, row)
    document["enterprises"] = []
    outfalls: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for row, item in items["企业排口"]:
        outfalls.setdefault(enterprises[item.pop("enterprise")], []).append((row, item))
    for k, (row, item) in enumerate(items["企业"]):
        entry = _nest(item)
        entry["outfalls"] = [o for _r, o in outfalls.get(k, [])]
        document["enterprises"].append(entry)
        locator.rows[f"enterprises[{k}]"] = ("企业", row)
        for j, (orow, _o) in enumerate(outfalls.get(k, [])):
            locator.rows[f"enterprises[{k}].outfalls[{j}]"] = ("企业排口", orow)
    for sheet, key in PARK_ITEMS.items():
        document["park"][key] = listed(items[sheet], sheet, f"park.{key}", locator)
    river: dict[str, list[str]] = {"plans": [], "intercept_sites": []}
    for row, item in items["流域衔接"]:
        key = "plans" if item["link"] == "plan" else "intercept_sites"
        locator.rows[f"river.{key}[{len(river[key])}]"] = ("流域衔接", row)
        river[key].append(item["ref"])
    document["river"] = river
    document["response_cards"] = response_cards(items["处置卡"], "处置卡", "scenario", locator)
    document["contacts"] = listed(items["联系人"], "联系人", "contacts", locator)
    return document, locator
