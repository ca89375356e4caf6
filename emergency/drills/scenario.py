"""The drill scenario format (演练脚本) and its validation. Pure: no Flask, no database.

A scenario is a YAML file written by drill organisers. Every problem is reported at once, each
with the file, the path inside it (``injects[2].trigger``) and the reason in Chinese and English.
The format, top to bottom (see ``library/*.yaml`` for complete examples)::

    format: 1
    title: 吉林经济技术开发区化工企业火灾爆炸次生水污染事件应急演练
    type: 实战                 # 桌面 (tabletop) | 实战 (live)
    sample: true               # a sample from the library (演练脚本示例)
    duration: "72:00"          # the drill ends at T+72:00 at the latest
    objectives:  [{id: O1, text: ..., weight: 1, owner: <participant id>}]
    participants: [{id: city-eeb, name: 吉林市生态环境局, level: city, roles: [信息报告]}]
                               # level: province | city | county | park | enterprise | other
    points: [{id: intake, name: ..., lon: .., lat: .., river: 第二松花江}]   # watched places
    incidents:                 # the first is the main one; T+0 is its occurred_at
      - id: main
        river: 第二松花江       # the river the release should reach (checked on the network)
        report: {...}          # exactly the body of POST /api/incidents (flow_condition required)
    tasks:                     # checklist items the drill adds to the incident (key → drill:key)
      - {key: close-intake, kind: close_intake, text: ..., due: {plume_front_reaches: intake,
         offset: "-02:00"}}
    phases:                    # in order; the last one is 终止 (termination): it ends the drill
      - {id: occurrence, name: 发生, trigger: "T+00:00"}
    injects:                   # the MSEL (主情景事件清单)
      - id: I1
        trigger: "T+00:20"     # or an event, see below
        mode: phone            # phone sms fax email system in_person video radio document media
        from: enterprise       # a participant id, or controller / simcell / all
        to: park
        message: ...
        objective: O1
        expected_actions:
          - {id: A1, text: ..., checklist: "report:first_report", within: "01:00", by: city-eeb,
             if_late: C1}
        notes: 导调提示 (controller notes)
    contingency:               # fired when an expected action is late (if_late)
      - {id: C1, mode: phone, from: controller, to: city-eeb, message: ..., objective: O1}

Triggers: ``"T+hh:mm"`` (scenario time), or one of
``{plume_front_reaches: <point id | site id | boundary uid | county/prefecture/province/nation>}``
(the predicted most-probable leading edge; ``offset`` may be negative: "an hour before"),
``{checklist_done: <item key | item kind>}``, ``{phase_starts: <phase id>}``,
``{inject_fired: <inject id>}``, ``{all: [...]}`` (the last of), ``{any: [...]}`` (the first of).
Event triggers take ``offset: "hh:mm"`` and, for plume and checklist, ``incident: <id>``.
Durations are ``"hh:mm"`` or whole minutes (unquoted ``1:30`` is read by YAML as 90 minutes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from emergency.incidents.inputs import InvalidIncident, parse_incident
from plans.problems import Problem, bilingual, known, one_of, pydantic_problems
from plans.vocabulary import BOUNDARY_LEVELS

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
FORMAT_VERSION = 1

TYPES = {"桌面": "tabletop", "tabletop": "tabletop", "实战": "live", "live": "live"}
TYPE_LABELS = {"tabletop": ("桌面演练", "tabletop exercise"), "live": ("实战演练", "live exercise")}
LEVELS = {"province": ("省级", "province"), "city": ("市级", "city"), "county": ("县级", "county"),
          "park": ("园区", "chemical park"), "enterprise": ("企业", "enterprise"),
          "other": ("其他", "other")}
MODES = {"phone": ("电话", "phone"), "sms": ("短信", "SMS"), "fax": ("传真", "fax"),
         "email": ("邮件", "e-mail"), "system": ("系统消息", "system message"),
         "in_person": ("现场", "in person"), "video": ("视频会商", "video conference"),
         "radio": ("对讲", "radio"), "document": ("文件", "document"),
         "media": ("媒体舆情", "media")}
RESERVED_PARTIES = {"controller": ("导调组", "exercise control"),
                    "simcell": ("模拟单元", "simulation cell"),
                    "all": ("全体参演单位", "all players")}
CHECKLIST_KINDS = ("report", "notify", "international", "close_intake", "activate_intercept",
                   "sample", "card", "default")
CHECKLIST_GROUPS = ("reporting", "on_site", "relocation", "medical", "monitoring", "market",
                    "information", "stability", "international")
TASK_PREFIX = "drill:"
EVENT_KEYS = ("plume_front_reaches", "checklist_done", "phase_starts", "inject_fired",
              "containment_event")
#: Events of a release inside a chemical park (三级防控; emergency.parks.engine.overflow_events).
CONTAINMENT_EVENTS = {
    "enterprise_overflow": ("企业事故应急池满溢", "the enterprise accident pool overflows"),
    "park_overflow": ("园区应急池满溢", "the park's pools overflow"),
    "river_release": ("污染物经园区排口入河", "pollutant reaches the river by the park outfall"),
}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_T_PLUS = re.compile(r"^T\s*\+\s*(\d{1,4}):([0-5]\d)$")
_DURATION = re.compile(r"^([+-])?(\d{1,4}):([0-5]\d)$")


# ------------------------------------------------------------------ problems
class InvalidScenario(ValueError):
    """The scenario has problems; ``problems`` lists every one of them."""

    code = "invalid_scenario"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.message_zh = f"演练脚本有 {len(problems)} 处错误"
        self.message_en = f"the scenario has {len(problems)} problem(s)"


# ------------------------------------------------------------------ the scenario
@dataclass(frozen=True)
class Trigger:
    """When something happens, in scenario time. ``kind``: at, plume, checklist, phase, inject,
    all, any."""

    kind: str
    at: timedelta | None = None
    target: str | None = None
    offset: timedelta = timedelta(0)
    incident: str | None = None
    children: tuple[Trigger, ...] = ()

    def describe(self, names: Mapping[str, tuple[str, str]] | None = None
                 ) -> tuple[str, str]:
        """(zh, en) for the MSEL. ``names``: id → (中文, English) of the places, phases,
        checklist items the trigger names (:meth:`Scenario.names`, plus the engine's site and
        boundary names); a boundary level is always named; an unknown id is shown as is."""
        names = names or {}

        def name(target: str | None) -> tuple[str, str]:
            target = target or ""
            if target in names:
                zh, en = names[target]
                return zh, en or zh
            if target in BOUNDARY_LEVELS:
                return BOUNDARY_LEVELS[target]
            return target, target

        off_zh = off_en = ""
        if self.offset:
            sign = "-" if self.offset < timedelta(0) else "+"
            off_zh = off_en = f" {sign}{format_duration(abs(self.offset))}"
        if self.kind == "at":
            text = format_t(self.at or timedelta(0))
            return text, text
        zh, en = name(self.target)
        if self.kind == "plume":
            return f"污染团前锋到达 {zh}{off_zh}", f"plume front reaches {en}{off_en}"
        if self.kind == "checklist":
            return f"任务完成:{zh}{off_zh}", f"checklist done: {en}{off_en}"
        if self.kind == "containment":
            zh, en = CONTAINMENT_EVENTS.get(self.target or "", (zh, en))
            return f"三级防控:{zh}{off_zh}", f"containment: {en}{off_en}"
        if self.kind == "phase":
            return f"阶段开始:{zh}{off_zh}", f"phase starts: {en}{off_en}"
        if self.kind == "inject":
            return f"注入 {self.target} 之后{off_zh}", f"after inject {self.target}{off_en}"
        parts = [c.describe(names) for c in self.children]
        joiner_zh, joiner_en = ("且", " and ") if self.kind == "all" else ("或", " or ")
        return (joiner_zh.join(f"({p[0]})" for p in parts),
                joiner_en.join(f"({p[1]})" for p in parts))


@dataclass(frozen=True)
class Objective:
    id: str
    text: str
    text_en: str = ""
    weight: float = 1.0
    owner: str | None = None


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    level: str
    roles: tuple[str, ...] = ()
    name_en: str = ""


@dataclass(frozen=True)
class Point:
    """A place the scenario watches (a receptor or section), e.g. a city intake."""

    id: str
    name: str
    lon: float
    lat: float
    kind: str = "receptor"
    river: str | None = None


@dataclass(frozen=True)
class ScenarioIncident:
    id: str
    report: dict          # the body of POST /api/incidents, as written
    occurred_at: datetime
    discovered_at: datetime
    river: str | None = None


@dataclass(frozen=True)
class Task:
    """A checklist item the drill adds to the incident (key ``drill:<key>``)."""

    key: str
    kind: str
    group: str
    text: str
    text_en: str = ""
    responsible: str = ""
    due: Trigger | None = None
    incident: str | None = None


@dataclass(frozen=True)
class ExpectedAction:
    id: str
    text: str
    checklist: str        # an item key (contains ':') or an item kind
    within: timedelta     # time allowed from the inject's delivery
    objective: str
    by: str | None = None
    if_late: str | None = None
    match: str = "any"    # 'any' matching item done, or 'all' of them
    incident: str | None = None
    text_en: str = ""


@dataclass(frozen=True)
class Inject:
    id: str
    trigger: Trigger | None   # None: contingency or ad hoc (fired by lateness or by hand)
    mode: str
    sender: str
    recipient: str
    message: str
    objective: str
    expected: tuple[ExpectedAction, ...] = ()
    notes: str = ""
    message_en: str = ""
    contingency: bool = False


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    trigger: Trigger
    name_en: str = ""


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    type: str
    duration: timedelta
    objectives: tuple[Objective, ...]
    participants: tuple[Participant, ...]
    incidents: tuple[ScenarioIncident, ...]
    phases: tuple[Phase, ...]
    injects: tuple[Inject, ...]
    contingency: tuple[Inject, ...] = ()
    points: tuple[Point, ...] = ()
    tasks: tuple[Task, ...] = ()
    title_en: str = ""
    description: str = ""
    sample: bool = False
    source: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def t0(self) -> datetime:
        """Scenario time T+0: the main incident's occurrence."""
        return self.incidents[0].occurred_at

    @property
    def start_offset(self) -> timedelta:
        """Where the clock starts: the main incident's discovery (T+…)."""
        return self.incidents[0].discovered_at - self.incidents[0].occurred_at

    @property
    def primary(self) -> str:
        return self.incidents[0].id

    def inject(self, inject_id: str) -> Inject | None:
        return next((i for i in (*self.injects, *self.contingency) if i.id == inject_id), None)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    def names(self) -> dict[str, tuple[str, str]]:
        """What the scenario itself names: its points, phases and tasks (id → (中文, English)),
        for :meth:`Trigger.describe`."""
        out: dict[str, tuple[str, str]] = {p.id: (p.name, p.name) for p in self.points}
        out |= {p.id: (p.name, p.name_en or p.name) for p in self.phases}
        out |= {t.key: (t.text, t.text_en or t.text) for t in self.tasks}
        return out

    def party_name(self, party: str | None) -> str:
        if party is None:
            return ""
        if party in RESERVED_PARTIES:
            return RESERVED_PARTIES[party][0]
        found = next((p for p in self.participants if p.id == party), None)
        return found.name if found else party


# ------------------------------------------------------------------ times
def parse_t(value: Any) -> timedelta:
    """``"T+01:30"`` → 1 h 30 min. Raises ValueError."""
    if not isinstance(value, str):
        raise ValueError(value)
    m = _T_PLUS.match(value.strip())
    if not m:
        raise ValueError(value)
    return timedelta(hours=int(m.group(1)), minutes=int(m.group(2)))


def parse_duration(value: Any, *, signed: bool = False) -> timedelta:
    """``"01:30"`` / ``90`` (minutes; YAML reads unquoted 1:30 as 90) → timedelta."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value < 0 and not signed:
            raise ValueError(value)
        return timedelta(minutes=value)
    if isinstance(value, str):
        m = _DURATION.match(value.strip())
        if m and (signed or m.group(1) != "-"):
            sign = -1 if m.group(1) == "-" else 1
            return sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    raise ValueError(value)


def format_t(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"T{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ------------------------------------------------------------------ loading
def load_file(path: str | Path, *, catalogue: Any = None) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidScenario([Problem(path.name, "", f"无法读取文件:{err}",
                                               f"cannot read the file: {err}")]) from None
    return load_text(text, name=path.name, scenario_id=path.stem, catalogue=catalogue)


def load_text(text: str, *, name: str = "<upload>", scenario_id: str | None = None,
              catalogue: Any = None) -> Scenario:
    """Parse and check a scenario; raises :class:`InvalidScenario` with every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        where_en = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(err, "problem", None) or str(err)
        raise InvalidScenario([Problem(
            name, where_en, f"YAML 格式错误({where}):{reason}",
            f"not valid YAML ({where_en}): {reason}")]) from None
    return parse_scenario(data, name=name, scenario_id=scenario_id, catalogue=catalogue)


def library_files(directory: Path = LIBRARY_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def parse_scenario(data: Any, *, name: str = "<upload>", scenario_id: str | None = None,
                   catalogue: Any = None) -> Scenario:
    """Check a parsed scenario; raises :class:`InvalidScenario` with every problem at once.

    The format is the pydantic models below (``_ScenarioDoc``): types, required and unknown
    keys, vocabularies, and every reference between sections — checked by validators against
    the ids gathered from the document beforehand (:func:`_refs`), so that a wrong reference is
    reported together with a wrong type elsewhere. The incident reports (the rules of
    ``POST /api/incidents``), repeated ids and the order of the incidents are plain functions.
    """
    if catalogue is None:
        from emergency.substances import load_catalogue

        catalogue = load_catalogue()
    if not isinstance(data, dict):
        raise InvalidScenario([Problem(name, "", "须为键值映射(mapping)", "must be a mapping")])
    refs = _refs(data)
    problems: list[Problem] = []
    doc = _validate(_ScenarioDoc, data, name, refs, problems)
    incidents = _incidents(data, name, catalogue, problems)
    problems.extend(_repeated_ids(data, name))
    if refs.duration is not None and incidents and \
            incidents[0].discovered_at - incidents[0].occurred_at >= refs.duration:
        problems.append(Problem(name, "duration", "演练时长须长于从发生到发现的时间",
                                "the duration must be longer than the time from occurrence to "
                                "discovery"))
    if problems or doc is None:
        raise InvalidScenario(problems)
    return Scenario(
        id=doc.id or scenario_id or "uploaded", title=doc.title, title_en=doc.title_en,
        type=doc.type, duration=doc.duration,
        objectives=tuple(Objective(o.id, o.text, o.text_en, o.weight, o.owner)
                         for o in doc.objectives),
        participants=tuple(Participant(p.id, p.name, p.level, tuple(p.roles), p.name_en)
                           for p in doc.participants),
        incidents=incidents,
        phases=tuple(Phase(p.id, p.name, p.trigger.trigger(), p.name_en) for p in doc.phases),
        injects=tuple(i.inject() for i in doc.injects),
        contingency=tuple(i.inject() for i in doc.contingency),
        points=tuple(Point(p.id, p.name, p.lon, p.lat, p.kind or "receptor", p.river or None)
                     for p in doc.points),
        tasks=tuple(Task(TASK_PREFIX + t.key, t.kind, t.group or "on_site", t.text, t.text_en,
                         t.responsible, t.due.trigger() if t.due else None, t.incident)
                    for t in doc.tasks),
        description=doc.description, sample=doc.sample, source=name, raw=data,
    )


def parse_adhoc_inject(scenario: Scenario, data: Any, inject_id: str,
                       name: str = "inject") -> Inject:
    """An inject the controller writes during the run (临时注入), checked against the scenario.

    ``data`` has the fields of a scenario inject without ``id`` and ``trigger``.
    """
    refs = _Refs(
        objectives={o.id for o in scenario.objectives},
        parties={p.id for p in scenario.participants} | set(RESERVED_PARTIES),
        points={p.id for p in scenario.points}, incidents=[i.id for i in scenario.incidents],
        phases={p.id for p in scenario.phases}, injects={i.id for i in scenario.injects},
        contingency={i.id for i in scenario.contingency}, tasks={t.key for t in scenario.tasks})
    body = dict(data) if isinstance(data, dict) else data
    if isinstance(body, dict):
        body["id"] = inject_id
    problems: list[Problem] = []
    doc = _validate(_AdhocInjectDoc, body, name, refs, problems)
    if problems or doc is None:
        raise InvalidScenario(problems)
    return doc.inject()


# ------------------------------------------------------------------ the format
@dataclass
class _Refs:
    """The ids a scenario defines, gathered before it is validated (for its references)."""

    objectives: set[str]
    parties: set[str]
    points: set[str]
    incidents: list[str]
    phases: set[str]
    injects: set[str]
    contingency: set[str]
    tasks: set[str]
    if_late: set[str] = field(default_factory=set)      # contingency named by some action
    duration: timedelta | None = None


def _ids(data: Mapping[str, Any], key: str, id_key: str = "id") -> list[str]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [str(i[id_key]) for i in items if isinstance(i, dict) and i.get(id_key) is not None]


def _refs(data: Mapping[str, Any]) -> _Refs:
    actions = [a for key in ("injects", "contingency")
               for i in (data.get(key) if isinstance(data.get(key), list) else [])
               if isinstance(i, dict) and isinstance(i.get("expected_actions"), list)
               for a in i["expected_actions"] if isinstance(a, dict)]
    try:
        duration = parse_duration(data.get("duration"))
    except ValueError:
        duration = None
    return _Refs(
        objectives=set(_ids(data, "objectives")),
        parties=set(_ids(data, "participants")) | set(RESERVED_PARTIES),
        points=set(_ids(data, "points")), incidents=_ids(data, "incidents"),
        phases=set(_ids(data, "phases")), injects=set(_ids(data, "injects")),
        contingency=set(_ids(data, "contingency")),
        tasks={TASK_PREFIX + k for k in _ids(data, "tasks", "key")},
        if_late={str(a["if_late"]) for a in actions if a.get("if_late") is not None},
        duration=duration)


def _validate(model: Any, data: Any, name: str, refs: _Refs, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data, context=refs)
    except ValidationError as error:
        problems.extend(pydantic_problems(error, name, model=model))
        return None


def _refs_of(info: ValidationInfo) -> _Refs:
    return info.context


def _text(value: Any) -> str:
    if value is None or value == "":
        raise bilingual("缺少该项", "missing")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bilingual("须为文本", "must be text")
    return str(value).strip()


def _optional_text(value: Any) -> str:
    return "" if value is None or value == "" else _text(value)


def _ident(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not _ID.match(str(value)):
        raise bilingual(f"编号须为 1–40 位字母、数字、- _ . ,收到 {value!r}",
                        f"an id must be 1–40 letters, digits, - _ . ; got {value!r}")
    return str(value)


def _target(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise bilingual("须为编号", "must be an id")
    return str(value)


def _offset(value: Any) -> timedelta:
    try:
        return parse_duration(value, signed=True)
    except ValueError:
        raise bilingual(f"时长须为 \"hh:mm\" 或分钟数,收到 {value!r}",
                        f"a duration must be \"hh:mm\" or whole minutes, got {value!r}") from None


def _duration(value: Any) -> timedelta:
    try:
        out = parse_duration(value)
    except ValueError:
        raise bilingual(f"时长须为 \"hh:mm\" 或分钟数,收到 {value!r}",
                        f"a duration must be \"hh:mm\" or whole minutes, got {value!r}") from None
    if out <= timedelta(0):
        raise bilingual("时长须大于 0", "the duration must be positive")
    return out


_party = known(lambda refs: refs.parties,
               "{value} 不是参演单位编号(或 controller / simcell / all)",
               "{value} is not a participant id (or controller / simcell / all)")
_objective = known(lambda refs: refs.objectives, "没有编号为 {value} 的演练目标",
                   "no objective with id {value}")
_incident = known(lambda refs: refs.incidents, "没有编号为 {value} 的事件",
                  "no incident with id {value}")
_phase = known(lambda refs: refs.phases, "没有编号为 {value} 的阶段", "no phase with id {value}")
_inject = known(lambda refs: refs.injects | refs.contingency, "没有编号为 {value} 的注入",
                "no inject with id {value}")
_contingency = known(lambda refs: refs.contingency, "没有编号为 {value} 的应急注入(contingency)",
                     "no contingency inject with id {value}")
_named_if_late = known(lambda refs: refs.if_late,
                       "应急注入 {value} 未被任何预期行动的 if_late 引用",
                       "contingency inject {value} is not named by any expected action's "
                       "if_late")


def _checklist_target(target: str, info: ValidationInfo) -> str:
    if target.startswith(TASK_PREFIX):
        if target not in _refs_of(info).tasks:
            raise bilingual(f"tasks 中没有 {target[len(TASK_PREFIX):]}",
                            f"no task {target[len(TASK_PREFIX):]} under tasks")
    elif ":" not in target and target not in CHECKLIST_KINDS:
        raise bilingual(f"{target} 不是任务清单项的键(如 report:first_report)或类别"
                        f"({' / '.join(CHECKLIST_KINDS)})",
                        f"{target} is neither a checklist item key (e.g. report:first_report) "
                        f"nor a kind ({', '.join(CHECKLIST_KINDS)})")
    return target


_Text = Annotated[str, BeforeValidator(_text), Field(max_length=4000)]
_OptText = Annotated[str, BeforeValidator(_optional_text), Field(max_length=4000)]
_Id = Annotated[str, BeforeValidator(_ident)]
_Duration = Annotated[timedelta, PlainValidator(_duration)]
_Party = Annotated[str, BeforeValidator(_text), _party]
_ObjectiveRef = Annotated[str, BeforeValidator(_text), _objective]
_IncidentRef = Annotated[str, BeforeValidator(_text), _incident]
_Target = Annotated[str, BeforeValidator(_target)]   # a trigger's target
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_TRIGGER_KINDS = ("at", *EVENT_KEYS, "all", "any")
_KIND_OF = {"at": "at", "plume_front_reaches": "plume", "checklist_done": "checklist",
            "phase_starts": "phase", "inject_fired": "inject", "containment_event": "containment",
            "all": "all", "any": "any"}


class _TriggerDoc(_Doc):
    """``"T+hh:mm"`` or a mapping with exactly one event (see the module's description)."""

    kind: str = Field(exclude=True)          # the event key, set by _read (not written)
    at: str | None = None
    plume_front_reaches: _Target | None = None
    checklist_done: _Target | None = None
    phase_starts: Annotated[_Target, _phase] | None = None
    inject_fired: Annotated[_Target, _inject] | None = None
    containment_event: _Target | None = None
    all_: list[_TriggerDoc] | None = Field(None, alias="all")
    any_: list[_TriggerDoc] | None = Field(None, alias="any")
    offset: Annotated[timedelta, PlainValidator(_offset)] | None = None
    incident: _IncidentRef | None = None

    @model_validator(mode="before")
    @classmethod
    def _read(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            try:
                parse_t(raw)
            except ValueError:
                raise bilingual(f"时间须写作 \"T+hh:mm\"(如 T+01:30),收到 {raw!r}",
                                "a scenario time is written \"T+hh:mm\" (e.g. T+01:30), "
                                f"got {raw!r}") from None
            return {"kind": "at", "at": raw}
        if not isinstance(raw, dict):
            raise bilingual("触发条件须为 \"T+hh:mm\" 或事件映射",
                            "a trigger is \"T+hh:mm\" or an event mapping")
        kinds = [k for k in _TRIGGER_KINDS if k in raw]
        if len(kinds) != 1 or "kind" in raw:
            raise bilingual("须且只能有一种触发:at / plume_front_reaches / checklist_done / "
                            "phase_starts / inject_fired / containment_event / all / any",
                            "exactly one of at, plume_front_reaches, checklist_done, "
                            "phase_starts, inject_fired, containment_event, all, any is required")
        return {**raw, "kind": kinds[0]}

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_t(value)
            except ValueError:
                raise bilingual("时间须写作 \"T+hh:mm\"", "written \"T+hh:mm\"") from None
        return value

    @field_validator("plume_front_reaches")
    @classmethod
    def _plume(cls, target: str | None, info: ValidationInfo) -> str | None:
        if target is not None and target not in BOUNDARY_LEVELS and \
                target not in _refs_of(info).points and ":" not in target:
            raise bilingual(f"{target} 既不是边界层级(county/prefecture/province/nation)、"
                            "points 中的点位,也不是站点或边界编号(含冒号,如 province:230000)",
                            f"{target} is neither a boundary level (county, prefecture, "
                            "province, nation), a point under points, nor a site or boundary id "
                            "(with a colon, e.g. province:230000)")
        return target

    @field_validator("checklist_done")
    @classmethod
    def _checklist(cls, target: str | None, info: ValidationInfo) -> str | None:
        return None if target is None else _checklist_target(target, info)

    @field_validator("containment_event")
    @classmethod
    def _containment(cls, target: str | None) -> str | None:
        if target is not None and target not in CONTAINMENT_EVENTS:
            raise bilingual(f"三级防控事件须为 {' / '.join(CONTAINMENT_EVENTS)} 之一",
                            f"a containment event is one of {', '.join(CONTAINMENT_EVENTS)}")
        return target

    @field_validator("all_", "any_")
    @classmethod
    def _children(cls, children: list[_TriggerDoc] | None) -> list[_TriggerDoc] | None:
        # all / any nest at most five deep below the trigger, the events inside them a sixth
        if children is not None and (not children or max(
                (c.depth() for c in children), default=0) > 5):
            raise bilingual("须为非空的触发条件列表(嵌套不超过 4 层)",
                            "must be a non-empty list of triggers (nested at most 4 deep)")
        return children

    @field_validator("offset")
    @classmethod
    def _offset_sign(cls, offset: timedelta | None, info: ValidationInfo) -> timedelta | None:
        kind = info.data.get("kind")
        if offset is None:
            return None
        if kind in ("all", "any"):
            raise bilingual("all / any 不能带 offset", "all / any take no offset")
        if offset < timedelta(0) and kind not in ("plume_front_reaches", "containment_event"):
            raise bilingual("只有污染团到达与三级防控事件可以提前(负的 offset)",
                            "only a plume arrival or a containment event may have a negative "
                            "offset")
        return offset

    @field_validator("incident")
    @classmethod
    def _incident_kind(cls, incident: str | None, info: ValidationInfo) -> str | None:
        if incident is not None and info.data.get("kind") not in (
                "plume_front_reaches", "checklist_done", "containment_event"):
            raise bilingual("只有污染团、任务清单与三级防控触发可指定 incident",
                            "only plume, checklist and containment triggers name an incident")
        return incident

    def depth(self) -> int:
        return 1 + max((c.depth() for c in (self.all_ or self.any_ or ())), default=0)

    def trigger(self) -> Trigger:
        kind = _KIND_OF[self.kind]
        offset = self.offset or timedelta(0)
        if kind == "at":
            return Trigger("at", at=parse_t(self.at) + offset)
        if kind in ("all", "any"):
            return Trigger(kind, children=tuple(c.trigger() for c in (self.all_ or self.any_)))
        return Trigger(kind, target=getattr(self, self.kind), offset=offset,
                       incident=self.incident)


def _at_within_duration(trigger: _TriggerDoc, info: ValidationInfo) -> _TriggerDoc:
    duration = _refs_of(info).duration
    if trigger.kind == "at" and duration is not None:
        at = trigger.trigger().at
        if at is not None and at > duration:
            raise bilingual(f"{format_t(at)} 晚于演练时长 {format_duration(duration)}",
                            f"{format_t(at)} is after the drill's duration")
    return trigger


_Trigger = Annotated[_TriggerDoc, AfterValidator(_at_within_duration)]


class _ObjectiveDoc(_Doc):
    id: _Id
    text: _Text
    text_en: _OptText = ""
    weight: Annotated[_Number, Field(gt=0)] = 1.0
    owner: _Party | None = None


class _ParticipantDoc(_Doc):
    id: _Id
    name: _Text
    name_en: _OptText = ""
    level: Annotated[str, one_of(LEVELS, "层级", "level")]
    roles: list[Annotated[str, Field(strict=True)]] = []


def _within_china(lo: float, hi: float) -> AfterValidator:
    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise bilingual(f"须为中国境内的十进制度数({lo:g}–{hi:g})",
                            f"must be decimal degrees within China ({lo:g}–{hi:g})")
        return value
    return AfterValidator(check)


class _PointDoc(_Doc):
    id: _Id
    name: _Text
    kind: _OptText = "receptor"
    lon: Annotated[_Number, _within_china(73.0, 136.0)]
    lat: Annotated[_Number, _within_china(3.0, 54.0)]
    river: _OptText = ""

    @field_validator("id")
    @classmethod
    def _not_a_level(cls, value: str) -> str:
        if value in BOUNDARY_LEVELS:
            raise bilingual("编号不能与边界层级同名", "an id cannot be a boundary level")
        return value


def _report(value: Any) -> dict:
    if not isinstance(value, dict):
        raise bilingual("须为事件信息(与 POST /api/incidents 的请求体相同)",
                        "must be the incident report (the body of POST /api/incidents)")
    return value


class _IncidentDoc(_Doc):
    """The report's own rules are :func:`_incidents` (those of ``POST /api/incidents``)."""

    id: _Id
    river: _OptText = ""
    report: Annotated[dict, PlainValidator(_report)]


class _TaskDoc(_Doc):
    key: _Id
    kind: Annotated[str, BeforeValidator(_optional_text),
                    one_of(CHECKLIST_KINDS, "任务类别", "kind")]
    group: Annotated[str, BeforeValidator(lambda v: _optional_text(v) or "on_site"),
                     one_of(CHECKLIST_GROUPS, "分组", "group")] = "on_site"
    text: _Text
    text_en: _OptText = ""
    responsible: _OptText = ""
    due: _TriggerDoc | None = None
    incident: _IncidentRef | None = None


def _at_least_two_phases(value: list[_PhaseDoc]) -> list[_PhaseDoc]:
    if len(value) < 2:
        raise bilingual("至少须有两个阶段(最后一个为终止)",
                        "at least two phases are needed (the last is termination)")
    return value


class _PhaseDoc(_Doc):
    id: _Id
    name: _Text
    name_en: _OptText = ""
    trigger: _Trigger

    @field_validator("trigger")
    @classmethod
    def _not_itself(cls, trigger: _TriggerDoc, info: ValidationInfo) -> _TriggerDoc:
        if _mentions(trigger.trigger(), "phase", info.data.get("id")):
            raise bilingual("阶段不能由自身开始触发",
                            "a phase cannot be triggered by its own start")
        return trigger


class _ActionDoc(_Doc):
    id: _Id
    text: _Text
    text_en: _OptText = ""
    checklist: Annotated[str, BeforeValidator(_text), AfterValidator(_checklist_target)]
    within: _Duration
    by: _Party | None = None
    if_late: Annotated[str, BeforeValidator(_text), _contingency] | None = None
    objective: _ObjectiveRef | None = None
    match: Literal["any", "all"] = "any"
    incident: _IncidentRef | None = None

    def action(self, objective: str) -> ExpectedAction:
        return ExpectedAction(self.id, self.text, self.checklist, self.within,
                              self.objective or objective, self.by, self.if_late, self.match,
                              self.incident, self.text_en)


class _AdhocInjectDoc(_Doc):
    """An inject without a trigger: written during the run (临时注入), or a contingency."""

    id: _Id
    mode: Annotated[str, BeforeValidator(_optional_text), one_of(MODES, "方式", "mode")]
    sender: _Party = Field(alias="from")
    recipient: _Party = Field(alias="to")
    message: _Text
    message_en: _OptText = ""
    objective: _ObjectiveRef
    expected_actions: list[_ActionDoc] = []
    notes: _OptText = ""

    def inject(self) -> Inject:
        trigger = getattr(self, "trigger", None)
        return Inject(self.id, trigger.trigger() if trigger else None, self.mode, self.sender,
                      self.recipient, self.message, self.objective,
                      tuple(a.action(self.objective) for a in self.expected_actions),
                      self.notes, self.message_en, trigger is None)


class _ContingencyDoc(_AdhocInjectDoc):
    id: Annotated[_Id, _named_if_late]


class _InjectDoc(_AdhocInjectDoc):
    trigger: _Trigger

    @field_validator("trigger")
    @classmethod
    def _not_itself(cls, trigger: _TriggerDoc, info: ValidationInfo) -> _TriggerDoc:
        if _mentions(trigger.trigger(), "inject", info.data.get("id")):
            raise bilingual("注入不能由自身触发", "an inject cannot be triggered by itself")
        return trigger


def _format(value: Any) -> Any:
    if value != FORMAT_VERSION:
        raise bilingual(f"不支持的格式版本 {value!r}(当前为 1)",
                        f"unsupported format {value!r} (this is 1)")
    return value


def _type(value: Any) -> str:
    kind = TYPES.get(str(value))
    if kind is None:
        raise bilingual("演练类型须为 桌面 或 实战", "type must be 桌面 (tabletop) or 实战 (live)")
    return kind


_Items = Field(min_length=1)


class _ScenarioDoc(_Doc):
    format: Annotated[int, PlainValidator(_format)] = FORMAT_VERSION
    id: _Id | None = None
    title: Annotated[_Text, Field(max_length=200)]
    title_en: _OptText = ""
    type: Annotated[str, PlainValidator(_type)]
    sample: Annotated[bool, Field(strict=True)] = False
    description: _OptText = ""
    duration: _Duration
    objectives: Annotated[list[_ObjectiveDoc], _Items]
    participants: Annotated[list[_ParticipantDoc], _Items]
    points: list[_PointDoc] = []
    incidents: Annotated[list[_IncidentDoc], _Items]
    tasks: list[_TaskDoc] = []
    phases: Annotated[list[_PhaseDoc], AfterValidator(_at_least_two_phases)]
    injects: Annotated[list[_InjectDoc], _Items]
    contingency: list[_ContingencyDoc] = []


_REPEATABLE = {"participants": set(RESERVED_PARTIES)}   # ids taken before the section starts


def _repeated_ids(data: Mapping[str, Any], name: str) -> list[Problem]:
    """Each section's ids are unique (injects and contingency together; actions per inject)."""
    out: list[Problem] = []

    def unique(items: Any, path: str, key: str, seen: set[str]) -> None:
        for k, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            value = item.get(key)
            if isinstance(value, bool) or not isinstance(value, str | int) or \
                    not _ID.match(str(value)):
                continue   # an unusable id is reported by the format
            if str(value) in seen:
                out.append(Problem(name, f"{path}[{k}].{key}", f"编号 {value} 重复",
                                   f"duplicate id {value}"))
            seen.add(str(value))

    for section in ("objectives", "participants", "points", "incidents", "phases"):
        unique(data.get(section), section, "id", set(_REPEATABLE.get(section, ())))
    unique(data.get("tasks"), "tasks", "key", set())
    seen: set[str] = set()
    for section in ("injects", "contingency"):
        unique(data.get(section), section, "id", seen)
        for k, inject in enumerate(data.get(section) if isinstance(data.get(section), list)
                                   else []):
            if isinstance(inject, dict):
                unique(inject.get("expected_actions"), f"{section}[{k}].expected_actions", "id",
                       set())
    return out


def _incidents(data: Mapping[str, Any], name: str, catalogue: Any,
               problems: list[Problem]) -> tuple[ScenarioIncident, ...]:
    """Each incident's report checked by the rules of ``POST /api/incidents``; the first
    incident is T+0 and no later one precedes it."""
    out = []
    raws = data.get("incidents")
    for k, raw in enumerate(raws if isinstance(raws, list) else []):
        path = f"incidents[{k}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("report"), dict):
            continue   # reported by the format
        report = {k2: (v.isoformat() if isinstance(v, datetime) else v)
                  for k2, v in raw["report"].items()}
        if report.get("flow_condition") in (None, "") and \
                report.get("discharge_m3s") in (None, ""):
            problems.append(Problem(
                name, f"{path}.report.flow_condition",
                "演练须给定水情(flow_condition)或流量,否则到达时间随演练月份变化",
                "a drill must fix flow_condition or discharge_m3s, else its timing depends on "
                "the month it is played in"))
        if report.get("is_drill") is False:
            problems.append(Problem(name, f"{path}.report.is_drill",
                                    "演练事件不能标记为真实事件",
                                    "a drill incident cannot be marked real"))
        try:
            inc = parse_incident(report, substances=catalogue,
                                 season_by_month={m: "normal" for m in range(1, 13)},
                                 now=datetime(2999, 1, 1, tzinfo=UTC))
        except InvalidIncident as err:
            problems.extend(Problem(name, f"{path}.report.{p.field}", p.message_zh,
                                    p.message_en) for p in err.problems)
            continue
        river = raw.get("river")
        out.append(ScenarioIncident(str(raw.get("id")), report, inc.occurred_at,
                                    inc.discovered_at,
                                    str(river).strip() or None if river is not None else None))
    if out:
        t0 = out[0].occurred_at
        for k, inc in enumerate(out[1:], start=1):
            if inc.occurred_at < t0:
                problems.append(Problem(name, f"incidents[{k}].report.occurred_at",
                                        "后续事件不能早于主事件(T+0)",
                                        "a later incident cannot precede T+0"))
    return tuple(out)


def _mentions(trigger: Trigger, kind: str, target: str | None) -> bool:
    if trigger.kind == kind and trigger.target == target:
        return True
    return any(_mentions(c, kind, target) for c in trigger.children)


def summary(scenario: Scenario) -> dict:
    """A short description for lists and the CLI."""
    main = scenario.incidents[0]
    return {
        "id": scenario.id, "title": scenario.title, "title_en": scenario.title_en,
        "type": scenario.type, "type_zh": TYPE_LABELS[scenario.type][0],
        "sample": scenario.sample, "description": scenario.description,
        "duration": format_duration(scenario.duration),
        "objectives": len(scenario.objectives), "participants": len(scenario.participants),
        "levels": sorted({p.level for p in scenario.participants},
                         key=list(LEVELS).index),
        "injects": len(scenario.injects), "contingency": len(scenario.contingency),
        "phases": [p.name for p in scenario.phases],
        "river": main.river, "substance": main.report.get("substance"),
        "flow_condition": main.report.get("flow_condition"),
        "occurred_at": main.occurred_at.isoformat(timespec="minutes"),
    }
