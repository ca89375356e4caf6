"""The system's shared vocabularies (词表), each defined once, with its Chinese and English words.

Pure data: no import from ``emergency`` (plans sit below the command system), so the plan
schema, the engine, the rule tables and the web layer all read the same words from here.

* ``RECEPTOR_KINDS`` — 敏感目标 a plan lists: 取水口, 水源地, 断面, 灌溉取水口.
* ``SITE_KINDS`` — every kind a plan site can have (receptors, 拦截点, 监测点).
* ``KIND_LABELS`` — the words for every kind of point the engine forecasts at: the site kinds,
  plus ``boundary`` (an administrative boundary the water crosses), ``point`` (a queried point)
  and ``risk_source`` (风险源, on the plan maps).
* ``SAMPLED_KINDS`` — the downstream points at which the checklist plans sampling.
* ``DRINKING_WATER_KINDS`` — receptors that supply drinking water (they need ``place_level``).
* ``PLACE_LEVELS`` — the level of the place an intake serves; event grading depends on it
  (设区的市 → 特别重大, 县级城市 → 重大, 乡镇 → 较大; DOMAIN.md §2).
* ``SECTION_LEVELS`` — 国控 / 省控 monitoring sections.
* ``BOUNDARY_LEVELS`` — 县界, 市界, 省界, 国界.
* ``FACILITY_TYPES`` — 环境应急空间与设施 types, written in Chinese as on the plan sheets.
* ``TECHNIQUES`` — the eight 一河一策 response techniques (DOMAIN.md §1): 中文 → English.
* ``POLLUTANT_CLASSES`` — the pollutant classes of the substance catalogue, which are also the
  keys of a plan's response cards: code → (中文, English).
* ``MEASURE_GROUPS`` — the eight response measure groups of 《国家突发环境事件应急预案》 §4.2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

RECEPTOR_KINDS: Final[Mapping[str, tuple[str, str]]] = {
    "intake": ("取水口", "drinking-water intake"),
    "water_source": ("水源地", "drinking-water source"),
    "section": ("监测断面", "monitoring section"),
    "irrigation_intake": ("灌溉取水口", "irrigation intake"),
}
#: Every kind a :class:`plans.loader.Site` can have.
SITE_KINDS: Final[tuple[str, ...]] = (*RECEPTOR_KINDS, "intercept", "monitoring")

KIND_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    **RECEPTOR_KINDS,
    "intercept": ("拦截点", "intercept site"),
    "monitoring": ("监测点", "monitoring point"),
    "boundary": ("行政边界", "boundary"),
    "point": ("查询点", "queried point"),
    "risk_source": ("风险源", "risk source"),
}

SAMPLED_KINDS: Final[tuple[str, ...]] = (*RECEPTOR_KINDS, "monitoring", "boundary")

#: Receptor kinds that supply drinking water and therefore need the served place's level.
DRINKING_WATER_KINDS: Final[frozenset[str]] = frozenset({"intake", "water_source"})

PLACE_LEVELS: Final[Mapping[str, tuple[str, str]]] = {
    "prefecture_city": ("设区的市", "prefecture-level city (设区的市)"),
    "county_city": ("县级城市", "county-level city or county town"),
    "township": ("乡镇", "township"),
}

SECTION_LEVELS: Final[Mapping[str, tuple[str, str]]] = {
    "national": ("国控", "national (国控) section"),
    "provincial": ("省控", "provincial (省控) section"),
}

BOUNDARY_LEVELS: Final[Mapping[str, tuple[str, str]]] = {
    "county": ("县界", "county boundary"),
    "prefecture": ("市界", "prefecture boundary"),
    "province": ("省界", "provincial boundary"),
    "nation": ("国界", "national border"),
}

FACILITY_TYPES: Final[Mapping[str, str]] = {
    "闸": "sluice",
    "坝": "dam or weir",
    "水电站": "hydropower station",
    "桥": "bridge",
    "涵洞": "culvert",
    "坑塘": "pond",
    "水库": "reservoir",
    "河道": "river reach (temporary weir site)",
}

TECHNIQUES: Final[Mapping[str, str]] = {
    "筑坝拦截": "weir / temporary dam interception",
    "闸坝调控": "sluice and dam gate control",
    "活性炭吸附坝": "activated-carbon adsorption weir",
    "投药/中和/沉淀": "chemical dosing, neutralisation and precipitation",
    "导流/分流": "diversion",
    "调水稀释": "dilution with released water",
    "吸附/打捞": "absorb and skim (booms, absorbent pads)",
    "清污分流": "separating clean from polluted water",
}

POLLUTANT_CLASSES: Final[Mapping[str, tuple[str, str]]] = {
    "petroleum": ("石油类", "petroleum"),
    "toxic_organic": ("有机毒物", "toxic organics"),
    "heavy_metal": ("重金属(含类金属)", "heavy metals and metalloids"),
    "acid_base": ("酸碱", "acids and bases"),
    "cyanide": ("氰化物", "cyanide"),
    "nutrient_other": ("营养盐/其他", "nutrients and other"),
}

MEASURE_GROUPS: Final[Mapping[str, str]] = {
    "现场污染处置": "on-site pollution control",
    "转移安置人员": "evacuation and resettlement",
    "医学救援": "medical rescue",
    "应急监测": "emergency monitoring",
    "市场监管和调控": "market supervision and regulation",
    "信息发布和舆论引导": "public information and media",
    "维护社会稳定": "maintaining public order",
    "国际通报和援助": "international notification and assistance",
}
