"""Chemical-park plans (一园一策一图) and the three-level prevention system (三级防控体系).

One YAML file per chemical park, ``plans/parks/<park_id>.yaml``, written like a river plan:
English keys, Chinese values. A park plan holds

* **level 1 — enterprise (企业级)**: per enterprise its accident pool (事故应急池: volume, volume
  already in use), bund (围堰), rain and sewage outfalls with their cut-off valves (location,
  valve type, normally closed or not, who closes it, minutes to close, minutes for spilled water
  to run off to it);
* **level 2 — park (园区级)**: public emergency pools, gates on the rain network, the park's
  outfalls to rivers (snapped to the river network), diversion ditches, pumping capacity;
* **level 3 — river (流域级)**: the key-river plans and intercept sites that take over — linked
  by id, never copied;
* contacts, response cards per scenario (火灾爆炸, 泄漏, 消防废水) and readiness dates.

The file is validated with pydantic (types, ranges, required keys) and then against the world:
every facility within the park's radius, every outfall on a river, linked plans and sites that
exist. Every problem is reported with file, field path and reason in Chinese and English
(:class:`plans.problems.Problem`), all at once. Pure: no import from ``emergency``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from plans.problems import Problem, bilingual, pydantic_problems
from plans.schema import SAMPLE_MARK, PlanValidationError
from rivers.geo import project

if TYPE_CHECKING:
    from plans.loader import PlanSet
    from rivers.network import RiverNetwork

PARKS_DIR = Path(__file__).resolve().parent / "parks"
#: A facility farther than this from the park's centre is outside the park (m) unless the
#: plan gives its own ``radius_m``.
DEFAULT_PARK_RADIUS_M = 3000.0
#: A park outfall farther than this from any river is refused (m).
MAX_OUTFALL_DISTANCE_M = 3000.0

#: The scenarios a park's response cards are written for.
PARK_SCENARIOS: Mapping[str, tuple[str, str]] = {
    "fire_explosion": ("火灾爆炸", "fire or explosion"),
    "leak": ("泄漏", "leak"),
    "firewater": ("消防废水", "fire-fighting water"),
}
#: The three levels, in the order they hold a release.
PREVENTION_LEVELS: Mapping[str, tuple[str, str]] = {
    "enterprise": ("企业级", "enterprise level"),
    "park": ("园区级", "park level"),
    "river": ("流域级", "river level"),
}

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Lon = Annotated[float, Field(ge=119.5, le=133.5, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=39.5, le=48.5, allow_inf_nan=False)]
Volume = Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)]
Minutes = Annotated[float, Field(ge=0, le=24 * 60, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutfallValve(_Strict):
    """An enterprise outfall (排口) and its cut-off valve (切断阀)."""

    id: Id
    kind: Literal["rain", "sewage"]
    name_zh: Text
    lon: Lon
    lat: Lat
    valve_type_zh: Text
    normally_closed: bool
    closer_zh: Text
    close_minutes: Minutes
    runoff_minutes: Minutes = 5.0


class AccidentPool(_Strict):
    volume_m3: Volume
    in_use_m3: Volume = 0.0

    @model_validator(mode="after")
    def _in_use_fits(self) -> AccidentPool:
        if self.in_use_m3 > self.volume_m3:
            raise bilingual("已占用容积不能大于总容积", "in_use_m3 exceeds volume_m3")
        return self

    @property
    def free_m3(self) -> float:
        return self.volume_m3 - self.in_use_m3


class Enterprise(_Strict):
    id: Id
    name_zh: Text
    risk_source_zh: Text | None = None     # the inventory's risk source of the same name
    lon: Lon
    lat: Lat
    accident_pool: AccidentPool
    bund_m3: Volume = 0.0
    firewater_m3_per_h: Volume = 0.0       # design fire-water flow (消防用水量)
    outfalls: list[OutfallValve] = Field(min_length=1)

    @property
    def rain_outfall(self) -> OutfallValve:
        return next((o for o in self.outfalls if o.kind == "rain"), self.outfalls[0])


class ParkPool(_Strict):
    id: Id
    name_zh: Text
    lon: Lon
    lat: Lat
    volume_m3: Volume
    in_use_m3: Volume = 0.0

    @model_validator(mode="after")
    def _in_use_fits(self) -> ParkPool:
        if self.in_use_m3 > self.volume_m3:
            raise bilingual("已占用容积不能大于总容积", "in_use_m3 exceeds volume_m3")
        return self


class ParkGate(_Strict):
    id: Id
    name_zh: Text
    lon: Lon
    lat: Lat
    normally_closed: bool
    closer_zh: Text
    close_minutes: Minutes


class ParkOutfall(_Strict):
    id: Id
    name_zh: Text
    lon: Lon
    lat: Lat
    gate: Id | None = None


class Ditch(_Strict):
    id: Id
    name_zh: Text
    capacity_m3: Volume
    note_zh: str = ""


class ParkFacilities(_Strict):
    pools: list[ParkPool] = []
    gates: list[ParkGate] = []
    outfalls: list[ParkOutfall] = Field(min_length=1)
    ditches: list[Ditch] = []
    pumping_m3_per_h: Volume | None = None
    runoff_minutes: Minutes = 15.0


class RiverLevel(_Strict):
    plans: list[Id] = []
    intercept_sites: list[Annotated[str, Field(min_length=1, max_length=160)]] = []


class CardStep(_Strict):
    text_zh: Text
    responsible_zh: Text
    level: Literal["enterprise", "park", "river"]


class ParkContact(_Strict):
    unit_zh: Text
    role_zh: Text
    phone: Annotated[str, Field(min_length=3, max_length=40)]


class Readiness(_Strict):
    pools_confirmed_on: date | None = None
    valves_tested_on: date | None = None


class ParkPlanDoc(_Strict):
    """A park plan file as written."""

    id: Id
    name_zh: Text
    risk_source_zh: Text                   # the chemical park in the risk-source inventory
    prefecture_zh: Text
    county_zh: Text
    sample: bool
    lon: Lon
    lat: Lat
    radius_m: Annotated[float, Field(gt=0, le=20000)] = DEFAULT_PARK_RADIUS_M
    enterprises: list[Enterprise] = []
    park: ParkFacilities
    river: RiverLevel = RiverLevel()
    contacts: list[ParkContact] = []
    response_cards: dict[Literal["fire_explosion", "leak", "firewater"], list[CardStep]] = {}
    readiness: Readiness = Readiness()


# ---------------------------------------------------------------------- snapped plan
@dataclass(frozen=True)
class OutfallOnRiver:
    """A park outfall attached to the river network."""

    outfall: ParkOutfall
    segment_index: int
    segment_id: int
    lon: float          # the point on the river
    lat: float
    distance_m: float
    river_name_zh: str


@dataclass(frozen=True)
class ParkPlan:
    doc: ParkPlanDoc
    outfalls: tuple[OutfallOnRiver, ...]
    source_file: str = ""
    version: int | None = None  # the published version (plans kept in a database)

    @property
    def id(self) -> str:
        return self.doc.id

    def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return next((e for e in self.doc.enterprises if e.id == enterprise_id), None)

    def enterprise_for_risk_source(self, name_zh: str) -> Enterprise | None:
        return next((e for e in self.doc.enterprises if e.risk_source_zh == name_zh), None)

    def outfall_for(self, enterprise: Enterprise | None = None) -> OutfallOnRiver:
        """The park outfall a release leaves by: the one nearest the enterprise (or centre)."""
        lon, lat = (enterprise.lon, enterprise.lat) if enterprise else (self.doc.lon,
                                                                          self.doc.lat)
        return min(self.outfalls, key=lambda o: _metres(lon, lat, o.outfall.lon, o.outfall.lat))

    def gate_for(self, outfall: ParkOutfall):
        return next((g for g in self.doc.park.gates if g.id == outfall.gate), None)


@dataclass(frozen=True)
class ParkPlanSet:
    parks: Mapping[str, ParkPlan]

    def __len__(self) -> int:
        return len(self.parks)

    @property
    def plans(self) -> Mapping[str, ParkPlan]:
        """The parks by id, under the name a river plan set uses (the plan store is generic)."""
        return self.parks

    def __iter__(self):
        return iter(self.parks.values())

    def get(self, park_id: str) -> ParkPlan | None:
        return self.parks.get(park_id)

    def for_risk_source(self, name_zh: str) -> tuple[ParkPlan, Enterprise | None] | None:
        """The park plan that covers the risk source of this name, and its enterprise entry."""
        for park in self.parks.values():
            if park.doc.risk_source_zh == name_zh:
                return park, None
            found = park.enterprise_for_risk_source(name_zh)
            if found is not None:
                return park, found
        return None


# ---------------------------------------------------------------------- validation
def parse_park_document(raw: Any, file: str) -> tuple[ParkPlanDoc | None, list[Problem]]:
    """Types, ranges, required keys, ids unique, references inside the file, sample marks."""
    if not isinstance(raw, Mapping):
        return None, [Problem(file, "", "园区预案须为映射(键: 值)",
                              "a park plan must be a mapping")]
    try:
        doc = ParkPlanDoc.model_validate(raw)
    except ValidationError as error:
        return None, pydantic_problems(error, file, model=ParkPlanDoc)
    problems: list[Problem] = []
    seen: dict[str, str] = {}

    def unique(kind_id: str, path: str) -> None:
        if kind_id in seen:
            problems.append(Problem(file, path, f"编号 {kind_id!r} 与 {seen[kind_id]} 重复",
                                    f"id {kind_id!r} repeats {seen[kind_id]}"))
        seen.setdefault(kind_id, path)

    for i, e in enumerate(doc.enterprises):
        unique(e.id, f"enterprises[{i}]")
        for j, o in enumerate(e.outfalls):
            unique(o.id, f"enterprises[{i}].outfalls[{j}]")
    for key in ("pools", "gates", "outfalls", "ditches"):
        for i, item in enumerate(getattr(doc.park, key)):
            unique(item.id, f"park.{key}[{i}]")
    gates = {g.id for g in doc.park.gates}
    for i, o in enumerate(doc.park.outfalls):
        if o.gate is not None and o.gate not in gates:
            problems.append(Problem(file, f"park.outfalls[{i}].gate",
                                    f"闸门 {o.gate!r} 不在本园区预案中",
                                    f"gate {o.gate!r} is not in this park plan"))
    if doc.sample:
        for i, c in enumerate(doc.contacts):
            if SAMPLE_MARK not in c.unit_zh and SAMPLE_MARK not in c.role_zh:
                problems.append(Problem(file, f"contacts[{i}]", "示例预案的联系人须标注“示例”",
                                        "contacts of a sample plan must be marked 示例"))
    return doc, problems


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x1, y1 = project(lon1, lat1)
    x2, y2 = project(lon2, lat2)
    return math.hypot(float(x1) - float(x2), float(y1) - float(y2))


def _facilities(doc: ParkPlanDoc) -> Iterable[tuple[str, str, float, float]]:
    for i, e in enumerate(doc.enterprises):
        yield f"enterprises[{i}]", e.name_zh, e.lon, e.lat
        for j, o in enumerate(e.outfalls):
            yield f"enterprises[{i}].outfalls[{j}]", o.name_zh, o.lon, o.lat
    # the park's outfalls may lie outside it, where its rain main reaches the river
    for key in ("pools", "gates"):
        for i, item in enumerate(getattr(doc.park, key)):
            yield f"park.{key}[{i}]", item.name_zh, item.lon, item.lat


def check_against_world(doc: ParkPlanDoc, file: str, network: RiverNetwork,
                        plans: PlanSet | None = None, *,
                        max_outfall_distance_m: float = MAX_OUTFALL_DISTANCE_M
                        ) -> tuple[ParkPlan | None, list[Problem]]:
    """Facilities inside the park, outfalls on a river, linked river plans and sites exist."""
    problems: list[Problem] = []
    for path, name, lon, lat in _facilities(doc):
        d = _metres(doc.lon, doc.lat, lon, lat)
        if d > doc.radius_m:
            problems.append(Problem(
                file, path, f"「{name}」距园区中心 {d / 1000:.1f} km,超出园区范围"
                f"({doc.radius_m / 1000:g} km)",
                f"{name!r} is {d / 1000:.1f} km from the park centre, outside the park "
                f"({doc.radius_m / 1000:g} km)"))
    outfalls: list[OutfallOnRiver] = []
    for i, o in enumerate(doc.park.outfalls):
        snap = network.snap(o.lon, o.lat, max_distance_m=math.inf)
        if snap.distance_m > max_outfall_distance_m:
            problems.append(Problem(
                file, f"park.outfalls[{i}]",
                f"排口「{o.name_zh}」距最近河流({snap.river_name_zh or '未命名河道'})"
                f" {snap.distance_m / 1000:.1f} km,超过 {max_outfall_distance_m / 1000:g} km",
                f"outfall {o.name_zh!r} is {snap.distance_m / 1000:.1f} km from the nearest "
                f"river ({snap.river_name_zh or 'unnamed'}), beyond "
                f"{max_outfall_distance_m / 1000:g} km"))
            continue
        outfalls.append(OutfallOnRiver(o, snap.position.segment, snap.seg_id, snap.lon, snap.lat,
                                       snap.distance_m, snap.river_name_zh or "未命名河道"))
    if plans is not None:
        for i, pid in enumerate(doc.river.plans):
            if pid not in plans.plans:
                problems.append(Problem(file, f"river.plans[{i}]", f"河流预案 {pid!r} 不存在",
                                        f"river plan {pid!r} does not exist"))
        for i, sid in enumerate(doc.river.intercept_sites):
            try:
                plans.site(sid)
            except KeyError:
                problems.append(Problem(file, f"river.intercept_sites[{i}]",
                                        f"拦截点 {sid!r} 不在任何河流预案中",
                                        f"intercept site {sid!r} is in no river plan"))
    if problems:
        return None, problems
    return ParkPlan(doc, tuple(outfalls), file), []


def validate_park_plan(raw: Any, file: str, network: RiverNetwork,
                       plans: PlanSet | None = None) -> tuple[ParkPlan | None, list[Problem]]:
    doc, problems = parse_park_document(raw, file)
    if doc is None or problems:
        return None, problems
    return check_against_world(doc, file, network, plans)


def check_park_document(network: RiverNetwork, raw: Any, plan_id: str,
                        plans: PlanSet | None) -> list[Problem]:
    """Every problem of ``raw`` as the park plan ``plan_id`` (an editor's draft, an import): the
    file validator's rules, against the network and the river plans in force."""
    doc, problems = parse_park_document(raw, plan_id)
    if doc is not None and doc.id != plan_id:
        problems.append(Problem(plan_id, "id", f"预案编号 {doc.id!r} 与园区预案 {plan_id!r} 不符",
                                f"id {doc.id!r} is not the park plan {plan_id!r}"))
    if doc is None or problems:
        return problems
    return check_against_world(doc, plan_id, network, plans)[1]


def build_park_set(network: RiverNetwork, documents: Iterable[tuple[str, Any]], *,
                   plans: PlanSet | None = None, versions: Mapping[str, int] | None = None,
                   problems: list[Problem] | None = None,
                   validated: dict[tuple[str, int], tuple[ParkPlan | None, list[Problem]]]
                   | None = None) -> ParkPlanSet:
    """Validate parsed park documents — ``(name, document)``, the name being the file name or
    the plan id — into a :class:`ParkPlanSet`; raise :class:`PlanValidationError` with every
    problem. ``versions`` gives each plan's published version (plans kept in a database);
    ``validated`` keeps each versioned document's validation between calls (a published
    version never changes; pass ``plans=None`` then, so the result depends on the network
    only)."""
    problems = list(problems or [])
    versions = versions or {}
    parks: dict[str, ParkPlan] = {}
    for name, raw in documents:
        key = (name, versions[name]) if validated is not None and name in versions else None
        if key is not None and key in validated:
            park, found = validated[key]
        else:
            park, found = validate_park_plan(raw, name, network, plans)
            if park is not None and name in versions:
                park = replace(park, version=versions[name])
            if key is not None:
                validated[key] = (park, found)
        problems.extend(found)
        if park is not None:
            if park.id in parks:
                problems.append(Problem(name, "id", f"园区预案编号 {park.id!r} 重复",
                                        f"park plan id {park.id!r} repeats"))
            parks[park.id] = park
    if problems:
        raise PlanValidationError(problems)
    return ParkPlanSet(parks)


def load_park_plans(network: RiverNetwork, plans: PlanSet | None = None,
                    parks_dir: Path | str | None = None) -> ParkPlanSet:
    """Read and check every ``plans/parks/*.yaml``; raise :class:`PlanValidationError` with all
    problems if any file is wrong."""
    folder = Path(parks_dir) if parks_dir is not None else PARKS_DIR
    problems: list[Problem] = []
    documents: list[tuple[str, Any]] = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text("utf-8"), Loader=loader)
        except yaml.YAMLError as error:
            problems.append(Problem(path.name, "", f"YAML 格式错误:{error}",
                                    f"YAML syntax error: {error}"))
            continue
        documents.append((path.name, raw))
    return build_park_set(network, documents, plans=plans, problems=problems)


def dump_park_plan(doc: ParkPlanDoc) -> str:
    """The YAML text of a park plan (the format it is read in)."""
    data = doc.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
