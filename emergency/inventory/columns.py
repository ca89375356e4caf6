"""The inventory files' columns: Chinese headings as a provincial data steward writes them.

One table per inventory (one sheet per workbook). Materials are one row per item, with the
depot's columns repeated on each of its rows (the layout of the survey tables of
《环境应急资源调查指南(试行)》); a row whose item columns are all empty is a depot without items.

``computed`` columns are written on export for the reader (the river entry point) and
recomputed on import from the coordinates, so a steward never has to fill them in.
``入河河段编号`` is the exception: left empty it is computed, filled in it is honoured (the
steward knows the drain leads to the main river, not to the nearer ditch).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    heading: str
    heading_en: str
    type: str = "text"      # text | number | int | date | bool | choice | substances | list
    required: bool = False
    computed: bool = False
    max_length: int = 200
    aliases: tuple[str, ...] = ()
    note_zh: str = ""


def _c(field: str, heading: str, heading_en: str, type: str = "text", **kw: object) -> Column:
    return Column(field, heading, heading_en, type, **kw)  # type: ignore[arg-type]


_PREFECTURE = _c("prefecture", "所在市(州)", "prefecture", aliases=("所在市", "市(州)", "市州"),
                 note_zh="可省略;填写时须与所在县一致")
_COUNTY = _c("county", "所在县(市、区)", "county", required=True,
             aliases=("所在县", "县(市、区)", "所在县(区)", "所在县区", "县区"),
             note_zh="县级行政区全称或简称,如 伊通满族自治县 / 伊通县")
_LON = _c("lon", "经度", "longitude", "number", required=True, aliases=("经度(°)",),
          note_zh="WGS84 十进制度,如 126.5512;须位于所在县内")
_LAT = _c("lat", "纬度", "latitude", "number", required=True, aliases=("纬度(°)",),
          note_zh="WGS84 十进制度,如 43.8431")
_CONTACT = _c("contact", "联系人", "contact", required=True, max_length=50)
_PHONE = _c("phone", "联系电话", "phone", required=True, max_length=50, aliases=("电话",),
            note_zh="手机 11 位或固话 区号-号码;多个号码用 / 分隔")
_CONFIRMED = _c("confirmed_at", "核实日期", "confirmed on", "date",
                note_zh="YYYY-MM-DD 或 YYYY/MM/DD")
_SAMPLE = _c("sample", "示例数据", "sample data", "bool", note_zh="是 / 否(默认 否)")

COLUMNS: Final[Mapping[str, tuple[Column, ...]]] = {
    "risk_sources": (
        _c("kind", "风险源类型", "kind", "choice", required=True,
           note_zh="重大风险源企业 / 尾矿库 / 化工园区"),
        _c("name", "名称", "name", required=True, aliases=("风险源名称", "企业名称")),
        _c("operator", "运营单位", "operator", aliases=("运营(管理)单位", "管理单位", "所属企业")),
        _c("industry", "行业类别", "industry", max_length=100),
        _PREFECTURE, _COUNTY, _LON, _LAT,
        _c("substances", "风险物质及最大存在量(t)", "substances and maximum quantity (t)",
           "substances", required=True, max_length=2000, aliases=("风险物质及最大存在量",),
           note_zh="化学品目录中的名称、CAS 号或编号,加冒号和最大存在量(吨),多种用 ; 分隔,"
                   "如 硝基苯:120;苯:300"),
        _c("outfall_lon", "排放口经度", "outfall longitude", "number",
           note_zh="有排放口时填写(经纬度须同时填写);否则按厂址计算入河点"),
        _c("outfall_lat", "排放口纬度", "outfall latitude", "number"),
        _c("receiving_river", "受纳水体", "receiving river", max_length=100,
           note_zh="可省略;填写时在 20 km 内同名河流上确定入河点"),
        _c("entry_seg_id", "入河河段编号", "entry segment id", "int",
           note_zh="可省略(自动计算);填写时按该河段确定入河点"),
        _c("entry_lon", "入河点经度", "entry longitude", "number", computed=True),
        _c("entry_lat", "入河点纬度", "entry latitude", "number", computed=True),
        _c("entry_distance_m", "入河距离(m)", "distance to the river (m)", "number",
           computed=True),
        _c("joins_river", "汇入河流", "first named river", computed=True),
        _c("risk_level", "环境风险等级", "risk level", "choice", required=True,
           aliases=("风险等级",), note_zh="重大 / 较大 / 一般"),
        _CONTACT, _PHONE, _CONFIRMED, _SAMPLE,
    ),
    "materials": (
        _c("depot", "储备库名称", "depot", required=True, aliases=("储备库", "储备点名称")),
        _c("holder", "单位名称", "holder", required=True, aliases=("储备单位", "物资储备单位")),
        _c("holder_type", "单位类型", "holder type", "choice", required=True,
           note_zh="生态环境部门 / 其他政府部门 / 企业 / 事业单位 / 社会组织"),
        _c("storage_mode", "储备方式", "storage mode", "choice", required=True,
           note_zh="自储 / 代储 / 协议储备"),
        _PREFECTURE, _COUNTY,
        _c("address", "详细地址", "address", aliases=("地址", "储备地点")),
        _LON, _LAT, _CONTACT, _PHONE,
        _c("item", "物资名称", "item", max_length=100),
        _c("category", "类别", "category", "choice", aliases=("物资类别",),
           note_zh="安全防护 / 污染源切断 / 污染物控制 / 污染物收集 / 污染物降解 / "
                   "应急通信和指挥 / 环境监测"),
        _c("spec", "规格型号", "specification", max_length=100, aliases=("规格",)),
        _c("quantity", "数量", "quantity", "number", note_zh="不小于 0 的数"),
        _c("unit", "计量单位", "unit", max_length=20, aliases=("单位",),
           note_zh="吨、千克、升、立方米、米、个、套、台、辆 …"),
        _c("purpose", "主要用途", "purpose", aliases=("用途",)),
        _c("expiry", "有效期至", "expiry", "date", aliases=("有效期",),
           note_zh="YYYY-MM-DD 或 YYYY/MM/DD;无有效期留空"),
        _CONFIRMED, _SAMPLE,
    ),
    "teams": (
        _c("name", "队伍名称", "team", required=True),
        _c("level", "队伍级别", "level", "choice", required=True, aliases=("级别",),
           note_zh="省级 / 市级 / 县级"),
        _c("unit", "所属单位", "unit", required=True, aliases=("依托单位",)),
        _PREFECTURE, _COUNTY, _LON, _LAT,
        _c("members", "队员人数", "members", "int", required=True, aliases=("人数",)),
        _c("specialties", "专业特长", "specialties", "list", max_length=500,
           aliases=("专业方向",), note_zh="多项用 、 或 ; 分隔"),
        _c("leader", "队长", "leader", required=True, max_length=50, aliases=("负责人",)),
        _PHONE, _SAMPLE,
    ),
    "experts": (
        _c("name", "姓名", "name", required=True, max_length=50),
        _c("field", "专业领域", "field", required=True, max_length=100, aliases=("专业",)),
        _c("title", "职称", "title", max_length=50),
        _c("unit", "工作单位", "unit", required=True, aliases=("单位",)),
        _c("prefecture", "所在市(州)", "prefecture", aliases=("所在市", "市(州)"),
           note_zh="可省略;省直单位填 吉林省"),
        _PHONE, _SAMPLE,
    ),
}

#: The sheet each inventory lives on in a workbook.
SHEETS: Final[Mapping[str, str]] = {
    "risk_sources": "风险源",
    "materials": "应急物资",
    "teams": "应急队伍",
    "experts": "专家",
}

#: Columns that describe the depot (the same on each of its rows) and those of an item.
DEPOT_FIELDS: Final[tuple[str, ...]] = (
    "holder", "holder_type", "storage_mode", "prefecture", "address", "lon", "lat",
    "contact", "phone", "confirmed_at", "sample")
ITEM_FIELDS: Final[tuple[str, ...]] = (
    "item", "category", "spec", "quantity", "unit", "purpose", "expiry")
ITEM_REQUIRED: Final[tuple[str, ...]] = ("item", "category", "quantity", "unit")


def normalise_heading(text: object) -> str:
    """Headings compare after NFKC (full-width brackets → ASCII) and without any spaces."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def heading_index(kind: str) -> dict[str, Column]:
    """Every accepted heading (normalised) → its column, for one inventory."""
    index: dict[str, Column] = {}
    for col in COLUMNS[kind]:
        for name in (col.heading, col.heading_en, col.field, *col.aliases):
            index.setdefault(normalise_heading(name), col)
    return index


def column(kind: str, field: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.field == field)
