"""Fixed vocabularies of the inventories (Chinese value → code / English).

The Chinese values are what a data steward types into the spreadsheet; codes are what the API
and the database use where a code is shorter or stabler than the Chinese text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: The inventories that can be imported and exported, with their names (zh, en).
KINDS: Final[Mapping[str, tuple[str, str]]] = {
    "risk_sources": ("风险源", "risk sources"),
    "materials": ("应急物资", "emergency materials"),
    "teams": ("应急队伍", "response teams"),
    "experts": ("专家", "experts"),
}

#: Risk-source kinds (风险源类型): code → (中文, English).
RISK_SOURCE_KINDS: Final[Mapping[str, tuple[str, str]]] = {
    "enterprise": ("重大风险源企业", "major risk-source enterprise"),
    "tailings_pond": ("尾矿库", "tailings pond"),
    "chemical_park": ("化工园区", "chemical park"),
}

#: 环境风险等级 (the enterprise risk classification of HJ 941-2018: 重大 / 较大 / 一般).
RISK_LEVELS: Final[Mapping[str, str]] = {"重大": "major", "较大": "significant", "一般": "general"}

#: The seven categories of 《环境应急资源调查指南(试行)》(2019): 中文 → English.
MATERIAL_CATEGORIES: Final[Mapping[str, str]] = {
    "安全防护": "safety protection",
    "污染源切断": "cutting off the source",
    "污染物控制": "pollutant containment",
    "污染物收集": "pollutant collection",
    "污染物降解": "pollutant degradation",
    "应急通信和指挥": "communication and command",
    "环境监测": "environmental monitoring",
}

#: 储备方式: own stock, held by another unit for us, stock guaranteed by an agreement.
STORAGE_MODES: Final[Mapping[str, str]] = {
    "自储": "own stock",
    "代储": "held by another unit",
    "协议储备": "reserve by agreement",
}

#: 单位类型 of a materials holder.
HOLDER_TYPES: Final[Mapping[str, str]] = {
    "生态环境部门": "ecology and environment authority",
    "其他政府部门": "other government department",
    "企业": "enterprise",
    "事业单位": "public institution",
    "社会组织": "civil-society organisation",
}

#: 队伍级别.
TEAM_LEVELS: Final[Mapping[str, str]] = {"省级": "provincial", "市级": "prefectural",
                                         "县级": "county"}

#: Units of quantity (计量单位): accepted spelling → the stored spelling. Mass, length, area and
#: volume are stored as SI symbols (t, kg, m, m², m³, L), as the engine's rules write them; counts
#: keep their Chinese measure words (个, 套, 台, 辆 …).
UNITS: Final[Mapping[str, str]] = {
    **{u: u for u in ("个", "只", "套", "台", "辆", "艘", "架", "部", "件", "条", "袋", "包",
                      "桶", "箱", "块", "张", "卷", "双", "顶", "副", "把", "根", "瓶", "支", "组",
                      "盒")},
    **{u: "t" for u in ("t", "T", "吨")},
    **{u: "kg" for u in ("kg", "KG", "Kg", "千克", "公斤")},
    **{u: "L" for u in ("L", "l", "升")},
    **{u: "m³" for u in ("m³", "m3", "M3", "立方米", "方")},
    **{u: "m²" for u in ("m²", "m2", "M2", "平方米")},
    **{u: "m" for u in ("m", "M", "米", "延米")},
}

#: Yes/no cells (示例数据).
YES: Final[frozenset[str]] = frozenset({"是", "y", "yes", "true", "1", "示例"})
NO: Final[frozenset[str]] = frozenset({"否", "n", "no", "false", "0", ""})

#: Material items that expire within this many days are flagged (临近有效期).
EXPIRY_WARNING_DAYS: Final[int] = 90
