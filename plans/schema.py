"""Schema of a key-river plan file (一河一策一图 预案文件) and its validator.

A plan is one YAML file per key river, ``plans/rivers/<river_id>.yaml``, written for a data steward:
English keys, Chinese values, comments allowed. This module turns the parsed YAML into plain
dataclasses and reports **every** problem it finds — each with the file, the field path (e.g.
``receptors[2].place_level``) and the reason in Chinese and English — instead of stopping at the
first one. It does not read the river network: what it needs to know about the world (river ids,
segment ids, county names) comes in a :class:`ValidationContext`, so it is pure and fast to test.
Snapping sites onto the river and refusing far-away sites is the loader's job
(:mod:`plans.loader`).

The vocabularies a steward writes (receptor kinds, place levels, techniques, pollutant classes…)
are defined once in :mod:`plans.vocabulary` and imported here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from plans.problems import Problem  # noqa: F401  (re-exported: the one problem type)
from plans.vocabulary import (  # noqa: F401  (re-exported: the schema's vocabularies)
    DRINKING_WATER_KINDS,
    FACILITY_TYPES,
    MEASURE_GROUPS,
    PLACE_LEVELS,
    POLLUTANT_CLASSES,
    RECEPTOR_KINDS,
    SECTION_LEVELS,
    SITE_KINDS,
    TECHNIQUES,
)

# ---------------------------------------------------------------------- vocabularies
CONFIDENCE_LEVELS: Final[Mapping[str, str]] = {
    "high": "至少两项独立的已发表河道事实(面积 ±10%、汇口、流经县市/方向)相符",
    "medium": "已发表河道事实与河网相符,但缺少面积或存在可比的候选河道",
}

#: The marker that every invented name, number and contact in a sample plan must carry.
SAMPLE_MARK: Final[str] = "示例"

#: Lon/lat box of the plans (Jilin and its border rivers, with a margin).
LON_RANGE: Final[tuple[float, float]] = (119.5, 133.5)
LAT_RANGE: Final[tuple[float, float]] = (39.5, 48.5)

_ID_RE: Final = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# ---------------------------------------------------------------------- problems
class PlanValidationError(ValueError):
    """Plan files that cannot be used, with every problem found in them."""

    code = "plan_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        files = sorted({p.file for p in self.problems})
        head = "\n".join(f"  - {p}" for p in self.problems[:20])
        more = f"\n  … {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in {len(files)} plan file(s):\n{head}{more}"
        )
        self.message_zh = f"预案文件有 {len(self.problems)} 处问题({len(files)} 个文件)"
        self.message_en = f"{len(self.problems)} problem(s) in {len(files)} plan file(s)"


# ---------------------------------------------------------------------- documents
@dataclass(frozen=True)
class ValidationContext:
    """What the validator must know about the world (taken from the river network).

    ``river_ids`` are the ids of the network's named rivers (:func:`rivers.network.named_rivers`);
    ``seg_ids`` every segment id; ``unnamed_seg_ids`` the segments without a river name (the only
    ones an ``identified`` river may claim); ``prefectures`` and ``counties`` the Jilin
    administrative names of ``rivers/data/admin_*.geojson``.
    """

    river_ids: frozenset[str]
    seg_ids: frozenset[int]
    unnamed_seg_ids: frozenset[int]
    prefectures: frozenset[str]
    counties: frozenset[str]
    downstream_of: Mapping[int, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Identified:
    """Evidence that a river was identified among the network's unnamed channels."""

    seg_ids: tuple[int, ...]
    confidence: str
    evidence_zh: str
    published: Mapping[str, Any] = field(compare=False)
    network_match: Mapping[str, Any] = field(compare=False)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteDoc:
    """A site as written in the file, before snapping (receptor, facility or monitoring)."""

    local_id: str
    kind: str
    name_zh: str
    name_en: str | None
    lon: float
    lat: float
    segment_id: int | None
    attrs: Mapping[str, Any] = field(compare=False)
    path: str = ""  # field path in the file, e.g. "receptors[2]"


@dataclass(frozen=True)
class Measure:
    """One step of a response card (应急处置卡), in order."""

    order: int
    text_zh: str
    responsible_zh: str
    group: str
    deadline_h: float | None = None


@dataclass(frozen=True)
class Contact:
    """A responsible unit and how to reach it (sample numbers in sample plans)."""

    unit_zh: str
    role_zh: str
    phone: str


@dataclass(frozen=True)
class PlanDoc:
    """A validated plan file (sites not yet attached to the network)."""

    id: str
    name_zh: str
    name_en: str | None
    basin: str
    sample: bool
    sample_note_zh: str | None
    prefectures: tuple[str, ...]
    counties: tuple[str, ...]
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    identified: Identified | None
    sites: tuple[SiteDoc, ...]
    response_cards: Mapping[str, tuple[Measure, ...]] = field(compare=False)
    contacts: tuple[Contact, ...] = ()
    source_file: str = ""


# ---------------------------------------------------------------------- validation
_TOP_KEYS: Final = frozenset({
    "id", "name_zh", "name_en", "basin", "sample", "sample_note_zh", "prefectures", "counties",
    "upstream", "downstream", "identified", "receptors", "facilities", "monitoring",
    "response_cards", "contacts",
})
_COMMON_SITE_KEYS: Final = frozenset({
    "id", "name_zh", "name_en", "lon", "lat", "segment_id", "note_zh",
})
_RECEPTOR_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "intake": frozenset({"kind", "place_level", "serves_zh", "population_served",
                         "backup_source_zh", "capacity_m3_per_day"}),
    "water_source": frozenset({"kind", "place_level", "serves_zh", "population_served",
                               "backup_source_zh", "capacity_m3_per_day"}),
    "section": frozenset({"kind", "section_level", "cross_boundary", "boundary_zh"}),
    "irrigation_intake": frozenset({"kind", "serves_zh", "irrigated_area_mu"}),
}
_FACILITY_KEYS: Final = frozenset({
    "facility_type", "storage_m3", "techniques", "operator_zh", "contact_zh", "phone",
    "deploy_hours",
})
_MONITORING_KEYS: Final = frozenset({"parameters_zh", "frequency_zh"})
_IDENTIFIED_KEYS: Final = frozenset({
    "seg_ids", "confidence", "evidence_zh", "published", "network_match", "sources",
})
_MEASURE_KEYS: Final = frozenset({"text_zh", "responsible_zh", "group", "deadline_h"})
_CONTACT_KEYS: Final = frozenset({"unit_zh", "role_zh", "phone"})


class _Checker:
    """Collects problems for one file; every ``need_*`` returns the value or None."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, zh: str, en: str) -> None:
        self.problems.append(Problem(self.file, path, zh, en))

    @staticmethod
    def at(path: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def unknown_keys(self, raw: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
        for key in raw:
            if key not in allowed:
                self.add(self.at(path, str(key)),
                         f"未知字段 {key!r}(是否拼写错误?)",
                         f"unknown field {key!r} (a typo?)")

    def missing(self, path: str) -> None:
        self.add(path, "缺少必填字段", "required field is missing")

    def text(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True
             ) -> str | None:
        where = self.at(path, key)
        if key not in raw or raw[key] is None:
            if required:
                self.missing(where)
            return None
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            self.add(where, "须为非空文本", "must be non-empty text")
            return None
        return value.strip()

    def number(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True,
               minimum: float | None = None, integer: bool = False) -> float | None:
        where = self.at(path, key)
        if key not in raw or raw[key] is None:
            if required:
                self.missing(where)
            return None
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            self.add(where, f"须为数字(收到 {value!r})", f"must be a number (got {value!r})")
            return None
        if integer and not float(value).is_integer():
            self.add(where, f"须为整数(收到 {value!r})", f"must be a whole number (got {value!r})")
            return None
        if minimum is not None and value < minimum:
            self.add(where, f"不能小于 {minimum:g}(收到 {value!r})",
                     f"must be at least {minimum:g} (got {value!r})")
            return None
        return float(value)

    def boolean(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True
                ) -> bool | None:
        where = self.at(path, key)
        if key not in raw or raw[key] is None:
            if required:
                self.missing(where)
            return None
        if not isinstance(raw[key], bool):
            self.add(where, f"须为 true 或 false(收到 {raw[key]!r})",
                     f"must be true or false (got {raw[key]!r})")
            return None
        return raw[key]

    def choice(self, raw: Mapping[str, Any], key: str, path: str, allowed: Mapping[str, Any] |
               Sequence[str], *, required: bool = True) -> str | None:
        value = self.text(raw, key, path, required=required)
        if value is None:
            return None
        if value not in allowed:
            options = "、".join(allowed)
            self.add(self.at(path, key), f"取值 {value!r} 不在允许范围内:{options}",
                     f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return value

    def mapping(self, raw: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.add(path, "须为键值映射", "must be a mapping (key: value)")
            return None
        return raw

    def listing(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True
                ) -> list[Any] | None:
        where = self.at(path, key)
        if key not in raw or raw[key] is None:
            if required:
                self.missing(where)
            return None
        if not isinstance(raw[key], list):
            self.add(where, "须为列表", "must be a list")
            return None
        return raw[key]

    def text_list(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True
                  ) -> list[str]:
        items = self.listing(raw, key, path, required=required)
        out: list[str] = []
        for k, item in enumerate(items or []):
            if not isinstance(item, str) or not item.strip():
                self.add(self.at(self.at(path, key), k), "须为非空文本", "must be non-empty text")
            else:
                out.append(item.strip())
        return out

    def identifier(self, raw: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(raw, key, path)
        if value is not None and not _ID_RE.match(value):
            self.add(self.at(path, key),
                     f"编号 {value!r} 只能由小写字母、数字和连字符组成",
                     f"id {value!r} may contain only lower-case letters, digits and hyphens")
            return None
        return value


def validate_document(raw: Any, file: str, context: ValidationContext
                      ) -> tuple[PlanDoc | None, list[Problem]]:
    """Check one parsed plan file; return the plan and every problem found.

    The plan is valid only when the problem list is empty. It is returned (with placeholders
    for unusable fields) whenever its id could be read, so that a caller can go on checking what
    is left (the loader still snaps its sites); it is None when the file has no usable id.
    ``file`` is the name used in problem reports; the plan id must equal its stem.
    """
    c = _Checker(file)
    top = c.mapping(raw, "")
    if top is None:
        return None, c.problems
    c.unknown_keys(top, _TOP_KEYS, "")

    plan_id = c.identifier(top, "id", "")
    stem = file.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    if plan_id is not None and plan_id != stem:
        c.add("id", f"预案编号 {plan_id!r} 须与文件名 {stem!r} 相同",
              f"plan id {plan_id!r} must equal the file name {stem!r}")
    name_zh = c.text(top, "name_zh", "")
    name_en = c.text(top, "name_en", "", required=False)
    basin = c.text(top, "basin", "")
    sample = c.boolean(top, "sample", "")
    sample_note = c.text(top, "sample_note_zh", "", required=bool(sample))

    identified = _identified(c, top, context)
    if plan_id is not None and identified is None and "identified" not in top and (
            plan_id not in context.river_ids):
        c.add("id", f"{plan_id!r} 不是河网中已命名河流的编号;"
              "未命名河道须填写 identified(河段与证据)",
              f"{plan_id!r} is not the id of a named river of the network; a river identified "
              "among unnamed channels needs an 'identified' section (segments and evidence)")
    if plan_id is not None and identified is not None and plan_id in context.river_ids:
        c.add("id", f"{plan_id!r} 已是河网中已命名河流,不应再填写 identified",
              f"{plan_id!r} is already a named river of the network; drop 'identified'")

    prefectures = c.text_list(top, "prefectures", "")
    for k, name in enumerate(prefectures):
        if name not in context.prefectures:
            c.add(f"prefectures[{k}]", f"地级行政区 {name!r} 不在吉林省行政区划数据中",
                  f"prefecture {name!r} is not in the Jilin administrative data")
    counties = c.text_list(top, "counties", "")
    for k, name in enumerate(counties):
        if name not in context.counties:
            c.add(f"counties[{k}]", f"县级行政区 {name!r} 不在吉林省行政区划数据中",
                  f"county {name!r} is not in the Jilin administrative data")
    if "prefectures" in top and not prefectures:
        c.add("prefectures", "至少须有一个责任地级行政区", "at least one responsible prefecture")
    upstream = _plan_links(c, top, "upstream")
    downstream = _plan_links(c, top, "downstream")

    sites = _sites(c, top, bool(sample), context)
    cards = _response_cards(c, top)
    contacts = _contacts(c, top, bool(sample))

    if plan_id is None:
        return None, c.problems
    # Returned even with problems, so that the loader can still check the sites against the
    # river and report those problems too; the plan is valid only when ``problems`` is empty.
    return PlanDoc(
        id=plan_id, name_zh=name_zh or "", name_en=name_en, basin=basin or "",
        sample=bool(sample),
        sample_note_zh=sample_note, prefectures=tuple(prefectures), counties=tuple(counties),
        upstream=upstream, downstream=downstream, identified=identified, sites=tuple(sites),
        response_cards=cards, contacts=tuple(contacts), source_file=file,
    ), c.problems


def _plan_links(c: _Checker, top: Mapping[str, Any], key: str) -> tuple[str, ...]:
    links = c.text_list(top, key, "", required=False)
    for k, link in enumerate(links):
        if not _ID_RE.match(link):
            c.add(f"{key}[{k}]", f"预案编号 {link!r} 格式不对", f"plan id {link!r} is malformed")
    return tuple(links)


def _identified(c: _Checker, top: Mapping[str, Any], context: ValidationContext
                ) -> Identified | None:
    if "identified" not in top or top["identified"] is None:
        return None
    path = "identified"
    raw = c.mapping(top["identified"], path)
    if raw is None:
        return None
    c.unknown_keys(raw, _IDENTIFIED_KEYS, path)
    seg_ids: list[int] = []
    items = c.listing(raw, "seg_ids", path)
    for k, item in enumerate(items or []):
        where = f"{path}.seg_ids[{k}]"
        if isinstance(item, bool) or not isinstance(item, int):
            c.add(where, f"河段编号须为整数(收到 {item!r})",
                  f"a segment id must be a whole number (got {item!r})")
        elif item not in context.seg_ids:
            c.add(where, f"河段 {item} 不在河网中", f"segment {item} is not in the river network")
        elif item not in context.unnamed_seg_ids:
            c.add(where, f"河段 {item} 已属于已命名河流,不能再认定为另一条河",
                  f"segment {item} already belongs to a named river")
        else:
            seg_ids.append(item)
    if items is not None and not items:
        c.add(f"{path}.seg_ids", "至少须有一个河段", "at least one segment is required")
    if seg_ids and context.downstream_of:
        inside = set(seg_ids)
        mouths = [s for s in seg_ids if context.downstream_of.get(s) not in inside]
        if len(mouths) != 1:
            c.add(f"{path}.seg_ids",
                  f"所列河段须自上而下连成一条河(应恰有一个河口段,实有 {len(mouths)} 个)",
                  "the segments must form one connected river (exactly one mouth segment, "
                  f"found {len(mouths)})")
    confidence = c.choice(raw, "confidence", path, CONFIDENCE_LEVELS)
    evidence = c.text(raw, "evidence_zh", path)
    published = c.mapping(raw.get("published"), f"{path}.published") if "published" in raw \
        else None
    if "published" not in raw:
        c.missing(f"{path}.published")
    elif published is not None and not any(k in published for k in
                                           ("course_zh", "area_km2", "length_km")):
        c.add(f"{path}.published", "须记录已发表的河道事实(course_zh / area_km2 / length_km)",
              "must record the published course facts (course_zh / area_km2 / length_km)")
    network_match = raw.get("network_match") or {}
    if not isinstance(network_match, Mapping):
        c.add(f"{path}.network_match", "须为键值映射", "must be a mapping (key: value)")
        network_match = {}
    sources = c.text_list(raw, "sources", path)
    if "sources" in raw and not sources:
        c.add(f"{path}.sources", "至少须有一个来源地址", "at least one source address is required")
    if confidence is None or evidence is None or published is None or not seg_ids:
        return None
    return Identified(tuple(seg_ids), confidence, evidence, dict(published),
                      dict(network_match), tuple(sources))


def _coordinates(c: _Checker, raw: Mapping[str, Any], path: str) -> tuple[float, float] | None:
    lon = c.number(raw, "lon", path)
    lat = c.number(raw, "lat", path)
    if lon is None or lat is None:
        return None
    lon_ok = LON_RANGE[0] <= lon <= LON_RANGE[1]
    lat_ok = LAT_RANGE[0] <= lat <= LAT_RANGE[1]
    if lon_ok and lat_ok:
        return lon, lat
    if LON_RANGE[0] <= lat <= LON_RANGE[1] and LAT_RANGE[0] <= lon <= LAT_RANGE[1]:
        c.add(path, f"经纬度似乎写反了:经度应在前(收到 lon={lon}, lat={lat})",
              f"lon/lat look swapped: longitude comes first (got lon={lon}, lat={lat})")
    else:
        c.add(path, f"坐标 ({lon}, {lat}) 不在吉林省及周边范围内"
              f"(经度 {LON_RANGE[0]}–{LON_RANGE[1]},纬度 {LAT_RANGE[0]}–{LAT_RANGE[1]})",
              f"({lon}, {lat}) is outside Jilin and its surroundings (lon {LON_RANGE[0]}–"
              f"{LON_RANGE[1]}, lat {LAT_RANGE[0]}–{LAT_RANGE[1]})")
    return None


def _sample_marked(c: _Checker, value: str | None, where: str, what_zh: str, what_en: str,
                   sample: bool) -> None:
    if sample and value is not None and SAMPLE_MARK not in value:
        c.add(where, f"示例预案中的{what_zh}须标注“{SAMPLE_MARK}”,以免被当作真实信息",
              f"in a sample plan the {what_en} must carry “{SAMPLE_MARK}” so nobody takes it "
              "for real")


def _site_common(c: _Checker, raw: Mapping[str, Any], path: str, kind: str, sample: bool,
                 context: ValidationContext, attrs: dict[str, Any]) -> SiteDoc | None:
    local_id = c.identifier(raw, "id", path)
    name_zh = c.text(raw, "name_zh", path)
    _sample_marked(c, name_zh, f"{path}.name_zh", "名称", "name", sample)
    name_en = c.text(raw, "name_en", path, required=False)
    note = c.text(raw, "note_zh", path, required=False)
    if note is not None:
        attrs["note_zh"] = note
    coords = _coordinates(c, raw, path)
    segment_id: int | None = None
    if raw.get("segment_id") is not None:
        value = raw["segment_id"]
        if isinstance(value, bool) or not isinstance(value, int):
            c.add(f"{path}.segment_id", f"河段编号须为整数(收到 {value!r})",
                  f"a segment id must be a whole number (got {value!r})")
        elif value not in context.seg_ids:
            c.add(f"{path}.segment_id", f"河段 {value} 不在河网中",
                  f"segment {value} is not in the river network")
        else:
            segment_id = value
    if local_id is None or name_zh is None or coords is None:
        return None
    return SiteDoc(local_id, kind, name_zh, name_en, coords[0], coords[1], segment_id, attrs,
                   path)


def _sites(c: _Checker, top: Mapping[str, Any], sample: bool, context: ValidationContext
           ) -> list[SiteDoc]:
    sites: list[SiteDoc] = []
    for k, item in enumerate(c.listing(top, "receptors", "", required=False) or []):
        path = f"receptors[{k}]"
        raw = c.mapping(item, path)
        if raw is None:
            continue
        kind = c.choice(raw, "kind", path, RECEPTOR_KINDS)
        if kind is None:
            continue
        c.unknown_keys(raw, _COMMON_SITE_KEYS | _RECEPTOR_KEYS[kind], path)
        attrs = _receptor_attrs(c, raw, path, kind)
        site = _site_common(c, raw, path, kind, sample, context, attrs)
        if site is not None:
            sites.append(site)
    for k, item in enumerate(c.listing(top, "facilities", "", required=False) or []):
        path = f"facilities[{k}]"
        raw = c.mapping(item, path)
        if raw is None:
            continue
        c.unknown_keys(raw, _COMMON_SITE_KEYS | _FACILITY_KEYS, path)
        attrs = _facility_attrs(c, raw, path, sample)
        site = _site_common(c, raw, path, "intercept", sample, context, attrs)
        if site is not None:
            sites.append(site)
    for k, item in enumerate(c.listing(top, "monitoring", "", required=False) or []):
        path = f"monitoring[{k}]"
        raw = c.mapping(item, path)
        if raw is None:
            continue
        c.unknown_keys(raw, _COMMON_SITE_KEYS | _MONITORING_KEYS, path)
        attrs: dict[str, Any] = {}
        params = c.text_list(raw, "parameters_zh", path, required=False)
        if params:
            attrs["parameters_zh"] = tuple(params)
        freq = c.text(raw, "frequency_zh", path, required=False)
        if freq is not None:
            attrs["frequency_zh"] = freq
        site = _site_common(c, raw, path, "monitoring", sample, context, attrs)
        if site is not None:
            sites.append(site)
    seen: dict[str, str] = {}
    for site in sites:
        if site.local_id in seen:
            c.add(f"{site.path}.id",
                  f"编号 {site.local_id!r} 与 {seen[site.local_id]} 重复(同一预案内须唯一)",
                  f"id {site.local_id!r} repeats {seen[site.local_id]} (must be unique in a plan)")
        else:
            seen[site.local_id] = site.path
    if not sites:
        c.add("receptors", "预案至少须有一个敏感目标、设施或监测点",
              "a plan needs at least one receptor, facility or monitoring point")
    return sites


def _receptor_attrs(c: _Checker, raw: Mapping[str, Any], path: str, kind: str
                    ) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if kind in DRINKING_WATER_KINDS:
        attrs["place_level"] = c.choice(raw, "place_level", path, PLACE_LEVELS)
        attrs["serves_zh"] = c.text(raw, "serves_zh", path)
        population = c.number(raw, "population_served", path, minimum=0, integer=True)
        attrs["population_served"] = None if population is None else int(population)
        attrs["backup_source_zh"] = c.text(raw, "backup_source_zh", path)
        capacity = c.number(raw, "capacity_m3_per_day", path, required=False, minimum=0)
        if capacity is not None:
            attrs["capacity_m3_per_day"] = capacity
    elif kind == "section":
        attrs["section_level"] = c.choice(raw, "section_level", path, SECTION_LEVELS)
        cross = c.boolean(raw, "cross_boundary", path, required=False)
        attrs["cross_boundary"] = bool(cross)
        boundary = c.text(raw, "boundary_zh", path, required=bool(cross))
        if boundary is not None:
            attrs["boundary_zh"] = boundary
    else:  # irrigation_intake
        attrs["serves_zh"] = c.text(raw, "serves_zh", path)
        area = c.number(raw, "irrigated_area_mu", path, required=False, minimum=0)
        if area is not None:
            attrs["irrigated_area_mu"] = area
    return attrs


def _facility_attrs(c: _Checker, raw: Mapping[str, Any], path: str, sample: bool
                    ) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "facility_type": c.choice(raw, "facility_type", path, FACILITY_TYPES),
        "storage_m3": c.number(raw, "storage_m3", path, minimum=0),
        "deploy_hours": c.number(raw, "deploy_hours", path, minimum=0),
        "operator_zh": c.text(raw, "operator_zh", path),
        "contact_zh": c.text(raw, "contact_zh", path),
        "phone": c.text(raw, "phone", path),
    }
    _sample_marked(c, attrs["phone"], f"{path}.phone", "电话号码", "phone number", sample)
    techniques = c.text_list(raw, "techniques", path)
    if "techniques" in raw and not techniques:
        c.add(f"{path}.techniques", "至少须有一项处置技术", "at least one technique is required")
    for k, technique in enumerate(techniques):
        if technique not in TECHNIQUES:
            c.add(f"{path}.techniques[{k}]",
                  f"处置技术 {technique!r} 不在允许范围内:{'、'.join(TECHNIQUES)}",
                  f"technique {technique!r} is not one of: {', '.join(TECHNIQUES)}")
    attrs["techniques"] = tuple(t for t in techniques if t in TECHNIQUES)
    return attrs


def _response_cards(c: _Checker, top: Mapping[str, Any]) -> dict[str, tuple[Measure, ...]]:
    if "response_cards" not in top or top["response_cards"] is None:
        c.missing("response_cards")
        return {}
    cards_raw = c.mapping(top["response_cards"], "response_cards")
    if cards_raw is None:
        return {}
    cards: dict[str, tuple[Measure, ...]] = {}
    for pclass, measures_raw in cards_raw.items():
        path = f"response_cards.{pclass}"
        if pclass not in POLLUTANT_CLASSES:
            c.add(path, f"污染物类别 {pclass!r} 不在允许范围内:{'、'.join(POLLUTANT_CLASSES)}",
                  f"pollutant class {pclass!r} is not one of: {', '.join(POLLUTANT_CLASSES)}")
            continue
        if not isinstance(measures_raw, list) or not measures_raw:
            c.add(path, "须为非空的处置措施列表(按顺序)",
                  "must be a non-empty, ordered list of measures")
            continue
        measures: list[Measure] = []
        for k, item in enumerate(measures_raw):
            mpath = f"{path}[{k}]"
            raw = c.mapping(item, mpath)
            if raw is None:
                continue
            c.unknown_keys(raw, _MEASURE_KEYS, mpath)
            text = c.text(raw, "text_zh", mpath)
            responsible = c.text(raw, "responsible_zh", mpath)
            group = c.choice(raw, "group", mpath, MEASURE_GROUPS)
            deadline = c.number(raw, "deadline_h", mpath, required=False, minimum=0)
            if text is not None and responsible is not None and group is not None:
                measures.append(Measure(k + 1, text, responsible, group, deadline))
        cards[pclass] = tuple(measures)
    if not cards_raw:
        c.add("response_cards", "至少须有一张应急处置卡", "at least one response card is required")
    return cards


def _contacts(c: _Checker, top: Mapping[str, Any], sample: bool) -> list[Contact]:
    contacts: list[Contact] = []
    for k, item in enumerate(c.listing(top, "contacts", "") or []):
        path = f"contacts[{k}]"
        raw = c.mapping(item, path)
        if raw is None:
            continue
        c.unknown_keys(raw, _CONTACT_KEYS, path)
        unit = c.text(raw, "unit_zh", path)
        role = c.text(raw, "role_zh", path)
        phone = c.text(raw, "phone", path)
        _sample_marked(c, phone, f"{path}.phone", "电话号码", "phone number", sample)
        if unit is not None and role is not None and phone is not None:
            contacts.append(Contact(unit, role, phone))
    return contacts
