"""Schema of a key-river plan file (一河一策一图 预案文件) and its validator.

A plan is one YAML file per key river, ``plans/rivers/<river_id>.yaml``, written for a data steward:
English keys, Chinese values, comments allowed. This module turns the parsed YAML into plain
dataclasses and reports **every** problem it finds — each with the file, the field path (e.g.
``receptors[2].place_level``) and the reason in Chinese and English — instead of stopping at the
first one. The format is the pydantic models below, checked as every document of the
application is (:mod:`plans.problems`); the plan's fields, its identified section, each site
and the cards are validated separately, so that a plan with a problem in one place still
yields its other sites for the loader. It does not read the river network: what it needs to
know about the world (river ids, segment ids, county names) comes in a
:class:`ValidationContext`, so it is pure and fast to test.
Snapping sites onto the river and refusing far-away sites is the loader's job
(:mod:`plans.loader`).

The vocabularies a steward writes (receptor kinds, place levels, techniques, pollutant classes…)
are defined once in :mod:`plans.vocabulary` and imported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from plans.problems import (
    Problem,
    at,
    bilingual,
    known,
    message,
    not_empty,
    one_of,
    outside,
    pydantic_problems,
)
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


# ---------------------------------------------------------------------- the file format
# Structure (types, ranges, required and unknown keys, vocabularies) is the pydantic models
# below, their errors translated by plans.problems.pydantic_problems; what the plan says about
# the world (river ids, segments, administrative names) is checked by validators reading the
# ValidationContext, and the rules of a whole plan (file name, sample marks, coordinates,
# repeated ids) are plain functions. Each site, card and section is validated on its own, so a
# plan with a problem in one place still yields its other sites for the loader to snap.
_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9-]*$"


def _world(info: ValidationInfo) -> ValidationContext:
    return info.context


def _whole(value: float) -> int:
    if not float(value).is_integer():
        raise bilingual(f"须为整数(收到 {value!r})", f"must be a whole number (got {value!r})")
    return int(value)


_known_segment = known(lambda world: world.seg_ids, "河段 {value} 不在河网中",
                       "segment {value} is not in the river network")
_unnamed = known(lambda world: world.unnamed_seg_ids,
                 "河段 {value} 已属于已命名河流,不能再认定为另一条河",
                 "segment {value} already belongs to a named river")
_prefecture = known(lambda world: world.prefectures,
                    "地级行政区 {value!r} 不在吉林省行政区划数据中",
                    "prefecture {value!r} is not in the Jilin administrative data")
_county = known(lambda world: world.counties, "县级行政区 {value!r} 不在吉林省行政区划数据中",
                "county {value!r} is not in the Jilin administrative data")


_Id = Annotated[str, Field(pattern=_ID_PATTERN)]
_Text = Annotated[str, Field(min_length=1)]
_Number = Annotated[float, Field(allow_inf_nan=False)]
_Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Count = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_whole)]
_Segment = Annotated[int, _known_segment]


class _Doc(BaseModel):
    """A mapping of the plan file: strict types (a number is never read from text), unknown
    keys refused; a key written as null is not written (optional fields take None)."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True,
                              frozen=True)


class _IdentifiedDoc(_Doc):
    seg_ids: Annotated[list[Annotated[int, _known_segment, _unnamed]],
                       not_empty("至少须有一个河段", "at least one segment is required")]
    confidence: Annotated[str, one_of(CONFIDENCE_LEVELS)]
    evidence_zh: _Text
    published: dict[str, Any]
    network_match: dict[str, Any] | None = None
    sources: Annotated[list[_Text], not_empty("至少须有一个来源地址",
                                               "at least one source address is required")]

    @field_validator("seg_ids")
    @classmethod
    def _one_river(cls, seg_ids: list[int], info: ValidationInfo) -> list[int]:
        downstream_of = _world(info).downstream_of
        if downstream_of:
            inside = set(seg_ids)
            mouths = [s for s in seg_ids if downstream_of.get(s) not in inside]
            if len(mouths) != 1:
                raise bilingual(
                    f"所列河段须自上而下连成一条河(应恰有一个河口段,实有 {len(mouths)} 个)",
                    "the segments must form one connected river (exactly one mouth segment, "
                    f"found {len(mouths)})")
        return seg_ids

    @field_validator("published")
    @classmethod
    def _course_facts(cls, published: dict[str, Any]) -> dict[str, Any]:
        if not any(k in published for k in ("course_zh", "area_km2", "length_km")):
            raise bilingual("须记录已发表的河道事实(course_zh / area_km2 / length_km)",
                            "must record the published course facts (course_zh / area_km2 / "
                            "length_km)")
        return published

    def identified(self) -> Identified:
        return Identified(tuple(self.seg_ids), self.confidence, self.evidence_zh,
                          dict(self.published), dict(self.network_match or {}),
                          tuple(self.sources))


class _SiteDoc(_Doc):
    """What every site has: id, names, where it is (checked against the box by _located)."""

    id: _Id
    name_zh: _Text
    name_en: _Text | None = None
    lon: _Number
    lat: _Number
    segment_id: _Segment | None = None
    note_zh: _Text | None = None

    def attrs(self) -> dict[str, Any]:
        """The kind's own fields, as the loader keeps them on the site."""
        out = {k: v for k, v in self if k not in _COMMON_SITE_FIELDS and v is not None}
        return out | ({"note_zh": self.note_zh} if self.note_zh is not None else {})


_COMMON_SITE_FIELDS: Final = frozenset({*_SiteDoc.model_fields, "kind"})


class _DrinkingWaterDoc(_SiteDoc):
    kind: str
    place_level: Annotated[str, one_of(PLACE_LEVELS)]
    serves_zh: _Text
    population_served: _Count
    backup_source_zh: _Text
    capacity_m3_per_day: _Amount | None = None


class _SectionDoc(_SiteDoc):
    kind: str
    section_level: Annotated[str, one_of(SECTION_LEVELS)]
    cross_boundary: bool | None = None
    boundary_zh: _Text | None = Field(None, validate_default=True)

    def attrs(self) -> dict[str, Any]:
        return super().attrs() | {"cross_boundary": bool(self.cross_boundary)}

    @field_validator("boundary_zh")
    @classmethod
    def _named_boundary(cls, boundary: str | None, info: ValidationInfo) -> str | None:
        if boundary is None and info.data.get("cross_boundary"):
            raise bilingual(*message("missing"))
        return boundary


class _IrrigationDoc(_SiteDoc):
    kind: str
    serves_zh: _Text
    irrigated_area_mu: _Amount | None = None


class _FacilityDoc(_SiteDoc):
    facility_type: Annotated[str, one_of(FACILITY_TYPES)]
    storage_m3: _Amount
    deploy_hours: _Amount
    operator_zh: _Text
    contact_zh: _Text
    phone: _Text
    techniques: Annotated[list[Annotated[_Text, one_of(TECHNIQUES, "处置技术", "technique")]],
                          not_empty("至少须有一项处置技术", "at least one technique is required")]

    def attrs(self) -> dict[str, Any]:
        return super().attrs() | {"techniques": tuple(self.techniques)}


class _MonitoringDoc(_SiteDoc):
    parameters_zh: list[_Text] | None = None
    frequency_zh: _Text | None = None

    def attrs(self) -> dict[str, Any]:
        out = super().attrs()
        out.pop("parameters_zh", None)
        return out | ({"parameters_zh": tuple(self.parameters_zh)} if self.parameters_zh
                      else {})


_RECEPTOR_DOCS: Final[Mapping[str, type[_SiteDoc]]] = {
    "intake": _DrinkingWaterDoc, "water_source": _DrinkingWaterDoc, "section": _SectionDoc,
    "irrigation_intake": _IrrigationDoc,
}


class _MeasureDoc(_Doc):
    text_zh: _Text
    responsible_zh: _Text
    group: Annotated[str, one_of(MEASURE_GROUPS)]
    deadline_h: _Amount | None = None


class _ContactDoc(_Doc):
    unit_zh: _Text
    role_zh: _Text
    phone: _Text


class _PlanDoc(_Doc):
    """The plan's own fields; sites, cards and the identified section are checked one by one
    (the keys are listed here so that a misspelt one is refused)."""

    id: _Id
    name_zh: _Text
    name_en: _Text | None = None
    basin: _Text
    sample: bool
    sample_note_zh: _Text | None = Field(None, validate_default=True)
    prefectures: Annotated[list[Annotated[_Text, _prefecture]],
                           not_empty("至少须有一个责任地级行政区",
                                      "at least one responsible prefecture")]
    counties: list[Annotated[_Text, _county]]
    upstream: list[_Id] | None = None
    downstream: list[_Id] | None = None
    identified: Any = None
    receptors: list[Any] | None = None
    facilities: list[Any] | None = None
    monitoring: list[Any] | None = None
    response_cards: dict[Any, Any]
    contacts: list[_ContactDoc]

    @field_validator("sample_note_zh")
    @classmethod
    def _sample_note(cls, note: str | None, info: ValidationInfo) -> str | None:
        if note is None and info.data.get("sample"):
            raise bilingual(*message("missing"))
        return note


def _check(model: type[_Doc], raw: Any, file: str, path: str, context: ValidationContext,
           problems: list[Problem]) -> tuple[Any, list[dict[str, Any]]]:
    """(the model, []) or (None, pydantic's errors), the problems appended."""
    try:
        return model.model_validate(raw, context=context), []
    except ValidationError as error:
        problems.extend(pydantic_problems(error, file, path, model=model))
        return None, error.errors(include_url=False)


# ---------------------------------------------------------------------- validation
def validate_document(raw: Any, file: str, context: ValidationContext
                      ) -> tuple[PlanDoc | None, list[Problem]]:
    """Check one parsed plan file; return the plan and every problem found.

    The plan is valid only when the problem list is empty. It is returned (with placeholders
    for unusable fields) whenever its id could be read, so that a caller can go on checking what
    is left (the loader still snaps its sites); it is None when the file has no usable id.
    ``file`` is the name used in problem reports; the plan id must equal its stem.
    """
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return None, [Problem(file, "", *message("dict_type"))]
    head, errors = _check(_PlanDoc, raw, file, "", context, problems)
    bad = {e["loc"][0] for e in errors if e["loc"]}
    plan_id = head.id if head else (raw["id"].strip() if "id" not in bad else None)
    sample = raw.get("sample") is True

    stem = file.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    if plan_id is not None and plan_id != stem:
        problems.append(Problem(file, "id", f"预案编号 {plan_id!r} 须与文件名 {stem!r} 相同",
                                f"plan id {plan_id!r} must equal the file name {stem!r}"))
    identified = None
    if raw.get("identified") is not None:
        found, _ = _check(_IdentifiedDoc, raw["identified"], file, "identified", context,
                          problems)
        identified = found.identified() if found else None
    elif "identified" not in raw and plan_id is not None and plan_id not in context.river_ids:
        problems.append(Problem(
            file, "id",
            f"{plan_id!r} 不是河网中已命名河流的编号;未命名河道须填写 identified(河段与证据)",
            f"{plan_id!r} is not the id of a named river of the network; a river identified "
            "among unnamed channels needs an 'identified' section (segments and evidence)"))
    if plan_id is not None and identified is not None and plan_id in context.river_ids:
        problems.append(Problem(file, "id",
                                f"{plan_id!r} 已是河网中已命名河流,不应再填写 identified",
                                f"{plan_id!r} is already a named river of the network; drop "
                                "'identified'"))

    sites = _sites(raw, file, context, problems, bad)
    cards = _response_cards(raw.get("response_cards"), file, context, problems)
    if sample:
        _sample_marks(raw, file, problems)
    if plan_id is None:
        return None, problems
    # Returned even with problems, so that the loader can still check the sites against the
    # river and report those problems too; the plan is valid only when ``problems`` is empty.
    links = {key: tuple(getattr(head, key) or ()) if head else
             tuple(x for x in (raw.get(key) if isinstance(raw.get(key), list) else [])
                   if isinstance(x, str) and _ID_RE.match(x)) for key in ("upstream", "downstream")}
    return PlanDoc(
        id=plan_id, name_zh=head.name_zh if head else "", name_en=head.name_en if head else None,
        basin=head.basin if head else "", sample=sample,
        sample_note_zh=head.sample_note_zh if head else None,
        prefectures=tuple(head.prefectures) if head else (),
        counties=tuple(head.counties) if head else (),
        upstream=links["upstream"], downstream=links["downstream"], identified=identified,
        sites=tuple(sites), response_cards=cards,
        contacts=tuple(Contact(c.unit_zh, c.role_zh, c.phone) for c in head.contacts)
        if head else (), source_file=file,
    ), problems


def _located(lon: float, lat: float, path: str, file: str, problems: list[Problem]) -> bool:
    """Inside the box of the plans; else a problem (saying so when lon/lat look swapped)."""
    if LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        return True
    if LON_RANGE[0] <= lat <= LON_RANGE[1] and LAT_RANGE[0] <= lon <= LAT_RANGE[1]:
        problems.append(Problem(
            file, path, f"经纬度似乎写反了:经度应在前(收到 lon={lon}, lat={lat})",
            f"lon/lat look swapped: longitude comes first (got lon={lon}, lat={lat})"))
    else:
        problems.append(Problem(
            file, path, f"坐标 ({lon}, {lat}) 不在吉林省及周边范围内"
            f"(经度 {LON_RANGE[0]}–{LON_RANGE[1]},纬度 {LAT_RANGE[0]}–{LAT_RANGE[1]})",
            f"({lon}, {lat}) is outside Jilin and its surroundings (lon {LON_RANGE[0]}–"
            f"{LON_RANGE[1]}, lat {LAT_RANGE[0]}–{LAT_RANGE[1]})"))
    return False


def _site(model: type[_SiteDoc], kind: str, item: Any, path: str, file: str,
          context: ValidationContext, problems: list[Problem]) -> SiteDoc | None:
    """The site for the loader to snap: also when only its kind's own fields are wrong."""
    doc, errors = _check(model, item, file, path, context, problems)
    if not isinstance(item, Mapping):
        return None
    bad = {e["loc"][0] for e in errors if e["loc"]}
    inside = not bad & {"lon", "lat"} and _located(item["lon"], item["lat"], path, file,
                                                   problems)
    if doc is not None:
        return SiteDoc(doc.id, kind, doc.name_zh, doc.name_en, doc.lon, doc.lat, doc.segment_id,
                       doc.attrs(), path) if inside else None
    if bad & {"id", "name_zh"} or not inside:
        return None
    name_en = item.get("name_en") if "name_en" not in bad else None
    return SiteDoc(item["id"].strip(), kind, item["name_zh"].strip(),
                   name_en.strip() if isinstance(name_en, str) else None, float(item["lon"]),
                   float(item["lat"]), None if "segment_id" in bad else item.get("segment_id"),
                   {}, path)


def _receptor_kind(item: Any, path: str, file: str, problems: list[Problem]) -> str | None:
    kind = item.get("kind") if isinstance(item, Mapping) else None
    if not isinstance(item, Mapping):
        return "intake"     # any of them: the site's own check says it is not a mapping
    if kind is None:
        problems.append(Problem(file, at(path, "kind"), *message("missing")))
    elif kind not in RECEPTOR_KINDS:
        problems.append(Problem(file, at(path, "kind"), *outside(kind, RECEPTOR_KINDS)))
    else:
        return kind
    return None


def _sites(raw: Mapping[str, Any], file: str, context: ValidationContext,
           problems: list[Problem], bad: set[Any]) -> list[SiteDoc]:
    def items(key: str) -> list[Any]:
        value = raw.get(key)
        return value if isinstance(value, list) and key not in bad else []

    sites: list[SiteDoc] = []
    for k, item in enumerate(items("receptors")):
        path = f"receptors[{k}]"
        kind = _receptor_kind(item, path, file, problems)
        if kind is not None:
            sites.append(_site(_RECEPTOR_DOCS[kind], kind, item, path, file, context, problems))
    for k, item in enumerate(items("facilities")):
        sites.append(_site(_FacilityDoc, "intercept", item, f"facilities[{k}]", file, context,
                           problems))
    for k, item in enumerate(items("monitoring")):
        sites.append(_site(_MonitoringDoc, "monitoring", item, f"monitoring[{k}]", file,
                           context, problems))
    found = [s for s in sites if s is not None]
    seen: dict[str, str] = {}
    for site in found:
        if site.local_id in seen:
            problems.append(Problem(
                file, f"{site.path}.id",
                f"编号 {site.local_id!r} 与 {seen[site.local_id]} 重复(同一预案内须唯一)",
                f"id {site.local_id!r} repeats {seen[site.local_id]} (must be unique in a plan)"))
        else:
            seen[site.local_id] = site.path
    if not found:
        problems.append(Problem(file, "receptors", "预案至少须有一个敏感目标、设施或监测点",
                                "a plan needs at least one receptor, facility or monitoring "
                                "point"))
    return found


def _sample_marks(raw: Mapping[str, Any], file: str, problems: list[Problem]) -> None:
    """In a sample plan every invented name and phone number carries 示例."""
    def marked(item: Any, key: str, path: str, what_zh: str, what_en: str) -> None:
        value = item.get(key) if isinstance(item, Mapping) else None
        if isinstance(value, str) and value.strip() and SAMPLE_MARK not in value:
            problems.append(Problem(
                file, at(path, key),
                f"示例预案中的{what_zh}须标注“{SAMPLE_MARK}”,以免被当作真实信息",
                f"in a sample plan the {what_en} must carry “{SAMPLE_MARK}” so nobody takes it "
                "for real"))

    for key in ("receptors", "facilities", "monitoring"):
        for k, item in enumerate(raw.get(key) if isinstance(raw.get(key), list) else []):
            if key == "receptors" and (not isinstance(item, Mapping) or item.get(
                    "kind") not in RECEPTOR_KINDS):
                continue   # a receptor of no known kind is not checked further
            marked(item, "name_zh", f"{key}[{k}]", "名称", "name")
            if key == "facilities":
                marked(item, "phone", f"{key}[{k}]", "电话号码", "phone number")
    for k, item in enumerate(raw.get("contacts") if isinstance(raw.get("contacts"), list)
                             else []):
        marked(item, "phone", f"contacts[{k}]", "电话号码", "phone number")


#: Every card of a plan is validated in one call (a plan has some fifty measures).
_CARDS_TYPE: Final = dict[str, list[_MeasureDoc]]
_CARDS: Final = TypeAdapter(_CARDS_TYPE)


def _response_cards(cards_raw: Any, file: str, context: ValidationContext,
                    problems: list[Problem]) -> dict[str, tuple[Measure, ...]]:
    if not isinstance(cards_raw, Mapping):
        return {}   # missing or not a mapping: said by the plan's own check
    if not cards_raw:
        problems.append(Problem(file, "response_cards", "至少须有一张应急处置卡",
                                "at least one response card is required"))
    cards: dict[str, list[Any]] = {}
    for pclass, measures_raw in cards_raw.items():
        path = f"response_cards.{pclass}"
        if pclass not in POLLUTANT_CLASSES:
            problems.append(Problem(file, path, *outside(pclass, POLLUTANT_CLASSES, "污染物类别",
                                                         "pollutant class")))
        elif not isinstance(measures_raw, list) or not measures_raw:
            problems.append(Problem(file, path, "须为非空的处置措施列表(按顺序)",
                                    "must be a non-empty, ordered list of measures"))
        else:
            cards[pclass] = measures_raw
    try:
        checked = _CARDS.validate_python(cards, context=context)
    except ValidationError as error:
        problems.extend(pydantic_problems(error, file, "response_cards", model=_CARDS_TYPE))
        # the plan is refused; keep the measures that are right, as placeholders
        checked = {pclass: [m for item in items if (m := _quietly(_MeasureDoc, item, context))]
                   for pclass, items in cards.items()}
    return {pclass: tuple(Measure(k + 1, m.text_zh, m.responsible_zh, m.group, m.deadline_h)
                          for k, m in enumerate(measures)) for pclass, measures in checked.items()}


def _quietly(model: type[_Doc], raw: Any, context: ValidationContext) -> Any:
    try:
        return model.model_validate(raw, context=context)
    except ValidationError:
        return None
