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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from emergency.incidents.inputs import InvalidIncident, parse_incident
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
@dataclass(frozen=True)
class ScenarioProblem:
    file: str
    path: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.message_zh} / {self.message_en}"


class InvalidScenario(ValueError):
    """The scenario has problems; ``problems`` lists every one of them."""

    code = "invalid_scenario"

    def __init__(self, problems: list[ScenarioProblem]) -> None:
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
        raise InvalidScenario([ScenarioProblem(path.name, "", f"无法读取文件:{err}",
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
        raise InvalidScenario([ScenarioProblem(
            name, where_en, f"YAML 格式错误({where}):{reason}",
            f"not valid YAML ({where_en}): {reason}")]) from None
    return parse_scenario(data, name=name, scenario_id=scenario_id, catalogue=catalogue)


def library_files(directory: Path = LIBRARY_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def parse_scenario(data: Any, *, name: str = "<upload>", scenario_id: str | None = None,
                   catalogue: Any = None) -> Scenario:
    if catalogue is None:
        from emergency.substances import load_catalogue

        catalogue = load_catalogue()
    return _Checker(name, catalogue).scenario(data, scenario_id)


# ------------------------------------------------------------------ the checker
_TOP_KEYS = {"format", "id", "title", "title_en", "type", "sample", "description", "duration",
             "objectives", "participants", "points", "incidents", "tasks", "phases", "injects",
             "contingency"}


class _Checker:
    def __init__(self, name: str, catalogue: Any) -> None:
        self.name = name
        self.catalogue = catalogue
        self.problems: list[ScenarioProblem] = []

    # -------------------------------------------------------------- helpers
    def bad(self, path: str, zh: str, en: str) -> None:
        self.problems.append(ScenarioProblem(self.name, path, zh, en))

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path, "须为键值映射(mapping)", "must be a mapping")
            return None
        for key in sorted(set(map(str, value)) - allowed):
            self.bad(f"{path}.{key}" if path else key, "未知字段(拼写错误?)",
                     f"unknown key (typo?); allowed: {', '.join(sorted(allowed))}")
        return value

    def items(self, data: dict, key: str, path: str, *, required: bool = True) -> list:
        value = data.get(key)
        where = f"{path}.{key}" if path else key
        if value is None:
            if required:
                self.bad(where, "缺少该项(须为非空列表)", "missing (a non-empty list is required)")
            return []
        if not isinstance(value, list) or (required and not value):
            self.bad(where, "须为非空列表", "must be a non-empty list")
            return []
        return value

    def text(self, data: dict, key: str, path: str, *, required: bool = True,
             max_len: int = 4000) -> str:
        value = data.get(key)
        where = f"{path}.{key}" if path else key
        if value is None or value == "":
            if required:
                self.bad(where, "缺少该项", "missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.bad(where, "须为文本", "must be text")
            return ""
        value = str(value).strip()
        if len(value) > max_len:
            self.bad(where, f"不得超过 {max_len} 字", f"at most {max_len} characters")
        return value

    def ident(self, data: dict, key: str, path: str, seen: set[str] | None = None,
              what: str = "id") -> str:
        value = data.get(key)
        where = f"{path}.{key}"
        if not isinstance(value, str | int) or isinstance(value, bool) or \
                not _ID.match(str(value)):
            self.bad(where, f"{what} 须为 1–40 位字母、数字、- _ . ,收到 {value!r}",
                     f"{what} must be 1–40 letters, digits, - _ . ; got {value!r}")
            return ""
        value = str(value)
        if seen is not None:
            if value in seen:
                self.bad(where, f"编号 {value} 重复", f"duplicate id {value}")
            seen.add(value)
        return value

    def duration(self, data: dict, key: str, path: str, *, required: bool = True,
                 positive: bool = True, signed: bool = False) -> timedelta | None:
        where = f"{path}.{key}" if path else key
        if data.get(key) is None:
            if required:
                self.bad(where, "缺少时长(hh:mm)", "missing duration (hh:mm)")
            return None
        try:
            value = parse_duration(data[key], signed=signed)
        except ValueError:
            self.bad(where, f"时长须为 \"hh:mm\" 或分钟数,收到 {data[key]!r}",
                     f"a duration must be \"hh:mm\" or whole minutes, got {data[key]!r}")
            return None
        if positive and value <= timedelta(0):
            self.bad(where, "时长须大于 0", "the duration must be positive")
        return value

    # -------------------------------------------------------------- the whole
    def scenario(self, data: Any, scenario_id: str | None) -> Scenario:
        data = self.mapping(data, "", _TOP_KEYS)
        if data is None:
            raise InvalidScenario(self.problems)
        if data.get("format", FORMAT_VERSION) != FORMAT_VERSION:
            self.bad("format", f"不支持的格式版本 {data.get('format')!r}(当前为 1)",
                     f"unsupported format {data.get('format')!r} (this is 1)")
        title = self.text(data, "title", "", max_len=200)
        kind = TYPES.get(str(data.get("type", "")))
        if kind is None:
            self.bad("type", "演练类型须为 桌面 或 实战",
                     "type must be 桌面 (tabletop) or 实战 (live)")
        sample = data.get("sample", False)
        if not isinstance(sample, bool):
            self.bad("sample", "须为 true 或 false", "must be true or false")
        duration = self.duration(data, "duration", "")
        sid = scenario_id or str(data.get("id") or "uploaded")
        if data.get("id") is not None:
            sid = self.ident(data, "id", "") or sid

        objectives = self.objectives(data)
        participants = self.participants(data)
        points = self.points(data)
        incidents = self.incidents(data)
        phases_raw = self.items(data, "phases", "")
        injects_raw = self.items(data, "injects", "")
        contingency_raw = self.items(data, "contingency", "", required=False)
        tasks_raw = self.items(data, "tasks", "", required=False)

        refs = _Refs(
            objectives={o.id for o in objectives},
            parties={p.id for p in participants} | set(RESERVED_PARTIES),
            points={p.id for p in points},
            incidents=[i.id for i in incidents],
            phases={str(p.get("id")) for p in phases_raw if isinstance(p, dict)},
            injects={str(i.get("id")) for i in injects_raw if isinstance(i, dict)},
            contingency={str(i.get("id")) for i in contingency_raw if isinstance(i, dict)},
            tasks={TASK_PREFIX + str(t.get("key")) for t in tasks_raw if isinstance(t, dict)},
        )
        for k, objective in enumerate(objectives):
            if objective.owner is not None and objective.owner not in refs.parties:
                self.bad(f"objectives[{k}].owner", f"{objective.owner} 不是参演单位编号",
                         f"{objective.owner} is not a participant id")
        tasks = self.tasks(tasks_raw, refs)
        phases = self.phases(phases_raw, refs)
        seen: set[str] = set()
        injects = tuple(x for k, raw in enumerate(injects_raw)
                        if (x := self.inject(raw, f"injects[{k}]", refs, seen, False)))
        contingency = tuple(x for k, raw in enumerate(contingency_raw)
                            if (x := self.inject(raw, f"contingency[{k}]", refs, seen, True)))
        self.check_contingency_use(injects, contingency)
        if duration is not None and incidents:
            self.check_times_within(duration, injects, phases, incidents)
        if self.problems:
            raise InvalidScenario(self.problems)
        return Scenario(
            id=sid, title=title, title_en=self.text(data, "title_en", "", required=False),
            type=kind or "tabletop", duration=duration or timedelta(0),
            objectives=objectives, participants=participants, incidents=incidents,
            phases=phases, injects=injects, contingency=contingency, points=points, tasks=tasks,
            description=self.text(data, "description", "", required=False),
            sample=bool(sample), source=self.name, raw=data,
        )

    # -------------------------------------------------------------- sections
    def objectives(self, data: dict) -> tuple[Objective, ...]:
        out, seen = [], set()
        for k, raw in enumerate(self.items(data, "objectives", "")):
            path = f"objectives[{k}]"
            raw = self.mapping(raw, path, {"id", "text", "text_en", "weight", "owner"})
            if raw is None:
                continue
            weight = raw.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int | float) or \
                    not math.isfinite(weight) or weight <= 0:
                self.bad(f"{path}.weight", "权重须为正数", "weight must be a positive number")
                weight = 1
            out.append(Objective(self.ident(raw, "id", path, seen), self.text(raw, "text", path),
                                 self.text(raw, "text_en", path, required=False), float(weight),
                                 str(raw["owner"]) if raw.get("owner") is not None else None))
        return tuple(out)

    def participants(self, data: dict) -> tuple[Participant, ...]:
        out, seen = [], set(RESERVED_PARTIES)
        for k, raw in enumerate(self.items(data, "participants", "")):
            path = f"participants[{k}]"
            raw = self.mapping(raw, path, {"id", "name", "name_en", "level", "roles"})
            if raw is None:
                continue
            level = str(raw.get("level", ""))
            if level not in LEVELS:
                self.bad(f"{path}.level", f"层级须为 {' / '.join(LEVELS)} 之一",
                         f"level must be one of {', '.join(LEVELS)}")
            roles = raw.get("roles", [])
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                self.bad(f"{path}.roles", "角色须为文本列表", "roles must be a list of text")
                roles = []
            out.append(Participant(self.ident(raw, "id", path, seen), self.text(raw, "name", path),
                                   level, tuple(roles),
                                   self.text(raw, "name_en", path, required=False)))
        return tuple(out)

    def points(self, data: dict) -> tuple[Point, ...]:
        out, seen = [], set()
        for k, raw in enumerate(self.items(data, "points", "", required=False)):
            path = f"points[{k}]"
            raw = self.mapping(raw, path, {"id", "name", "kind", "lon", "lat", "river"})
            if raw is None:
                continue
            pid = self.ident(raw, "id", path, seen)
            if pid in BOUNDARY_LEVELS:
                self.bad(f"{path}.id", "编号不能与边界层级同名", "an id cannot be a boundary level")
            lon, lat = self.lonlat(raw, path)
            out.append(Point(pid, self.text(raw, "name", path), lon, lat,
                             str(raw.get("kind") or "receptor"),
                             self.text(raw, "river", path, required=False) or None))
        return tuple(out)

    def lonlat(self, raw: dict, path: str) -> tuple[float, float]:
        values = []
        for key, lo, hi in (("lon", 73.0, 136.0), ("lat", 3.0, 54.0)):
            value = raw.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not lo <= value <= hi:
                self.bad(f"{path}.{key}", f"须为中国境内的十进制度数({lo:g}–{hi:g})",
                         f"must be decimal degrees within China ({lo:g}–{hi:g})")
                values.append(0.0)
            else:
                values.append(float(value))
        return values[0], values[1]

    def incidents(self, data: dict) -> tuple[ScenarioIncident, ...]:
        out, seen = [], set()
        for k, raw in enumerate(self.items(data, "incidents", "")):
            path = f"incidents[{k}]"
            raw = self.mapping(raw, path, {"id", "river", "report"})
            if raw is None:
                continue
            iid = self.ident(raw, "id", path, seen)
            report = raw.get("report")
            if not isinstance(report, dict):
                self.bad(f"{path}.report", "须为事件信息(与 POST /api/incidents 的请求体相同)",
                         "must be the incident report (the body of POST /api/incidents)")
                continue
            report = {k2: (v.isoformat() if isinstance(v, datetime) else v)
                      for k2, v in report.items()}
            if report.get("flow_condition") in (None, "") and \
                    report.get("discharge_m3s") in (None, ""):
                self.bad(f"{path}.report.flow_condition",
                         "演练须给定水情(flow_condition)或流量,否则到达时间随演练月份变化",
                         "a drill must fix flow_condition or discharge_m3s, else its timing "
                         "depends on the month it is played in")
            if report.get("is_drill") is False:
                self.bad(f"{path}.report.is_drill", "演练事件不能标记为真实事件",
                         "a drill incident cannot be marked real")
            try:
                inc = parse_incident(report, substances=self.catalogue,
                                     season_by_month={m: "normal" for m in range(1, 13)},
                                     now=datetime(2999, 1, 1, tzinfo=UTC))
            except InvalidIncident as err:
                for p in err.problems:
                    self.bad(f"{path}.report.{p.field}", p.message_zh, p.message_en)
                continue
            out.append(ScenarioIncident(iid, report, inc.occurred_at, inc.discovered_at,
                                        self.text(raw, "river", path, required=False) or None))
        if out:
            t0 = out[0].occurred_at
            for k, inc in enumerate(out[1:], start=1):
                if inc.occurred_at < t0:
                    self.bad(f"incidents[{k}].report.occurred_at",
                             "后续事件不能早于主事件(T+0)", "a later incident cannot precede T+0")
        return tuple(out)

    def tasks(self, raws: list, refs: _Refs) -> tuple[Task, ...]:
        out, seen = [], set()
        for k, raw in enumerate(raws):
            path = f"tasks[{k}]"
            raw = self.mapping(raw, path, {"key", "kind", "group", "text", "text_en",
                                           "responsible", "due", "incident"})
            if raw is None:
                continue
            key = self.ident(raw, "key", path, seen, what="key")
            kind = str(raw.get("kind", ""))
            if kind not in CHECKLIST_KINDS:
                self.bad(f"{path}.kind", f"任务类别须为 {' / '.join(CHECKLIST_KINDS)} 之一",
                         f"kind must be one of {', '.join(CHECKLIST_KINDS)}")
            group = str(raw.get("group") or "on_site")
            if group not in CHECKLIST_GROUPS:
                self.bad(f"{path}.group", f"分组须为 {' / '.join(CHECKLIST_GROUPS)} 之一",
                         f"group must be one of {', '.join(CHECKLIST_GROUPS)}")
            due = self.trigger(raw["due"], f"{path}.due", refs) if raw.get("due") is not None \
                else None
            incident = self.incident_ref(raw, path, refs)
            out.append(Task(TASK_PREFIX + key, kind, group, self.text(raw, "text", path),
                            self.text(raw, "text_en", path, required=False),
                            self.text(raw, "responsible", path, required=False), due, incident))
        return tuple(out)

    def incident_ref(self, raw: dict, path: str, refs: _Refs) -> str | None:
        value = raw.get("incident")
        if value is None:
            return None
        if str(value) not in refs.incidents:
            self.bad(f"{path}.incident", f"没有编号为 {value} 的事件",
                     f"no incident with id {value}")
            return None
        return str(value)

    def phases(self, raws: list, refs: _Refs) -> tuple[Phase, ...]:
        out, seen = [], set()
        for k, raw in enumerate(raws):
            path = f"phases[{k}]"
            raw = self.mapping(raw, path, {"id", "name", "name_en", "trigger"})
            if raw is None:
                continue
            pid = self.ident(raw, "id", path, seen)
            if "trigger" not in raw:
                self.bad(f"{path}.trigger", "缺少触发条件", "missing trigger")
                continue
            trig = self.trigger(raw["trigger"], f"{path}.trigger", refs)
            if trig is not None and _mentions(trig, "phase", pid):
                self.bad(f"{path}.trigger", "阶段不能由自身开始触发",
                         "a phase cannot be triggered by its own start")
            if trig is not None:
                out.append(Phase(pid, self.text(raw, "name", path),
                                 trig, self.text(raw, "name_en", path, required=False)))
        if len(out) < 2 and not any(p.path.startswith("phases") for p in self.problems):
            self.bad("phases", "至少须有两个阶段(最后一个为终止)",
                     "at least two phases are needed (the last is termination)")
        return tuple(out)

    def inject(self, raw: Any, path: str, refs: _Refs, seen: set[str],
               contingency: bool) -> Inject | None:
        allowed = {"id", "mode", "from", "to", "message", "message_en", "objective",
                   "expected_actions", "notes"} | (set() if contingency else {"trigger"})
        raw = self.mapping(raw, path, allowed)
        if raw is None:
            return None
        iid = self.ident(raw, "id", path, seen)
        trig = None
        if not contingency:
            if "trigger" not in raw:
                self.bad(f"{path}.trigger", "缺少触发条件", "missing trigger")
            else:
                trig = self.trigger(raw["trigger"], f"{path}.trigger", refs)
                if trig is not None and _mentions(trig, "inject", iid):
                    self.bad(f"{path}.trigger", "注入不能由自身触发",
                             "an inject cannot be triggered by itself")
        mode = str(raw.get("mode", ""))
        if mode not in MODES:
            self.bad(f"{path}.mode", f"方式须为 {' / '.join(MODES)} 之一",
                     f"mode must be one of {', '.join(MODES)}")
        parties = []
        for key in ("from", "to"):
            value = str(raw.get(key, ""))
            if value not in refs.parties:
                self.bad(f"{path}.{key}", f"{value or '(空)'} 不是参演单位编号"
                         "(或 controller / simcell / all)",
                         f"{value or '(empty)'} is not a participant id "
                         "(or controller / simcell / all)")
            parties.append(value)
        objective = str(raw.get("objective", ""))
        if objective not in refs.objectives:
            self.bad(f"{path}.objective", f"没有编号为 {objective or '(空)'} 的演练目标",
                     f"no objective with id {objective or '(empty)'}")
        expected = []
        aseen: set[str] = set()
        for k, araw in enumerate(self.items(raw, "expected_actions", path, required=False)):
            action = self.action(araw, f"{path}.expected_actions[{k}]", refs, aseen, objective)
            if action is not None:
                expected.append(action)
        return Inject(iid, trig, mode, parties[0], parties[1], self.text(raw, "message", path),
                      objective, tuple(expected), self.text(raw, "notes", path, required=False),
                      self.text(raw, "message_en", path, required=False), contingency)

    def action(self, raw: Any, path: str, refs: _Refs, seen: set[str],
               objective: str) -> ExpectedAction | None:
        raw = self.mapping(raw, path, {"id", "text", "text_en", "checklist", "within", "by",
                                       "if_late", "objective", "match", "incident"})
        if raw is None:
            return None
        aid = self.ident(raw, "id", path, seen)
        target = str(raw.get("checklist", ""))
        self.checklist_target(target, f"{path}.checklist", refs)
        within = self.duration(raw, "within", path)
        by = raw.get("by")
        if by is not None and str(by) not in refs.parties:
            self.bad(f"{path}.by", f"{by} 不是参演单位编号", f"{by} is not a participant id")
        if_late = raw.get("if_late")
        if if_late is not None and str(if_late) not in refs.contingency:
            self.bad(f"{path}.if_late", f"没有编号为 {if_late} 的应急注入(contingency)",
                     f"no contingency inject with id {if_late}")
        own = raw.get("objective")
        if own is not None and str(own) not in refs.objectives:
            self.bad(f"{path}.objective", f"没有编号为 {own} 的演练目标",
                     f"no objective with id {own}")
        match = str(raw.get("match", "any"))
        if match not in ("any", "all"):
            self.bad(f"{path}.match", "须为 any 或 all", "must be any or all")
        return ExpectedAction(aid, self.text(raw, "text", path), target,
                              within or timedelta(minutes=1), str(own or objective),
                              str(by) if by is not None else None,
                              str(if_late) if if_late is not None else None, match,
                              self.incident_ref(raw, path, refs),
                              self.text(raw, "text_en", path, required=False))

    def checklist_target(self, target: str, path: str, refs: _Refs) -> None:
        if not target:
            self.bad(path, "缺少对应的任务清单项(键或类别)", "missing checklist item key or kind")
        elif target.startswith(TASK_PREFIX):
            if target not in refs.tasks:
                self.bad(path, f"tasks 中没有 {target[len(TASK_PREFIX):]}",
                         f"no task {target[len(TASK_PREFIX):]} under tasks")
        elif ":" not in target and target not in CHECKLIST_KINDS:
            self.bad(path, f"{target} 不是任务清单项的键(如 report:first_report)或类别"
                     f"({' / '.join(CHECKLIST_KINDS)})",
                     f"{target} is neither a checklist item key (e.g. report:first_report) "
                     f"nor a kind ({', '.join(CHECKLIST_KINDS)})")

    # -------------------------------------------------------------- triggers
    def trigger(self, raw: Any, path: str, refs: _Refs, depth: int = 0) -> Trigger | None:
        if isinstance(raw, str):
            try:
                return Trigger("at", at=parse_t(raw))
            except ValueError:
                self.bad(path, f"时间须写作 \"T+hh:mm\"(如 T+01:30),收到 {raw!r}",
                         f"a scenario time is written \"T+hh:mm\" (e.g. T+01:30), got {raw!r}")
                return None
        if not isinstance(raw, dict):
            self.bad(path, "触发条件须为 \"T+hh:mm\" 或事件映射",
                     "a trigger is \"T+hh:mm\" or an event mapping")
            return None
        kinds = [k for k in ("at", *EVENT_KEYS, "all", "any") if k in raw]
        if len(kinds) != 1:
            self.bad(path, "须且只能有一种触发:at / plume_front_reaches / checklist_done / "
                     "phase_starts / inject_fired / containment_event / all / any",
                     "exactly one of at, plume_front_reaches, checklist_done, phase_starts, "
                     "inject_fired, containment_event, all, any is required")
            return None
        kind = kinds[0]
        allowed = {kind, "offset"} | ({"incident"} if kind in (
            "plume_front_reaches", "checklist_done", "containment_event") else set())
        if kind in ("all", "any"):
            allowed = {kind}
        self.mapping(raw, path, allowed)
        if kind in ("all", "any"):
            children_raw = raw[kind]
            if not isinstance(children_raw, list) or not children_raw or depth > 4:
                self.bad(f"{path}.{kind}", "须为非空的触发条件列表(嵌套不超过 4 层)",
                         "must be a non-empty list of triggers (nested at most 4 deep)")
                return None
            children = [self.trigger(c, f"{path}.{kind}[{n}]", refs, depth + 1)
                        for n, c in enumerate(children_raw)]
            if any(c is None for c in children):
                return None
            return Trigger(kind, children=tuple(children))
        offset = timedelta(0)
        if "offset" in raw:
            offset = self.duration(raw, "offset", path, positive=False,
                                   signed=kind in ("plume_front_reaches",
                                                        "containment_event")) or timedelta(0)
        incident = self.incident_ref(raw, path, refs)
        if kind == "at":
            try:
                return Trigger("at", at=parse_t(raw["at"]) + offset)
            except ValueError:
                self.bad(f"{path}.at", "时间须写作 \"T+hh:mm\"", "written \"T+hh:mm\"")
                return None
        target = raw[kind]
        if not isinstance(target, str | int) or isinstance(target, bool) or target == "":
            self.bad(f"{path}.{kind}", "须为编号", "must be an id")
            return None
        target = str(target)
        where = f"{path}.{kind}"
        if kind == "plume_front_reaches":
            if target not in BOUNDARY_LEVELS and target not in refs.points and ":" not in target:
                self.bad(where, f"{target} 既不是边界层级(county/prefecture/province/nation)、"
                         "points 中的点位,也不是站点或边界编号(含冒号,如 province:230000)",
                         f"{target} is neither a boundary level (county, prefecture, province, "
                         "nation), a point under points, nor a site or boundary id (with a "
                         "colon, e.g. province:230000)")
            return Trigger("plume", target=target, offset=offset, incident=incident)
        if kind == "containment_event":
            if target not in CONTAINMENT_EVENTS:
                self.bad(where, f"三级防控事件须为 {' / '.join(CONTAINMENT_EVENTS)} 之一",
                         f"a containment event is one of {', '.join(CONTAINMENT_EVENTS)}")
                return None
            return Trigger("containment", target=target, offset=offset, incident=incident)
        if kind == "checklist_done":
            self.checklist_target(target, where, refs)
            return Trigger("checklist", target=target, offset=offset, incident=incident)
        if kind == "phase_starts":
            if target not in refs.phases:
                self.bad(where, f"没有编号为 {target} 的阶段", f"no phase with id {target}")
            return Trigger("phase", target=target, offset=offset)
        if target not in refs.injects and target not in refs.contingency:
            self.bad(where, f"没有编号为 {target} 的注入", f"no inject with id {target}")
        return Trigger("inject", target=target, offset=offset)

    # -------------------------------------------------------------- cross-checks
    def check_contingency_use(self, injects: tuple[Inject, ...],
                              contingency: tuple[Inject, ...]) -> None:
        used = {a.if_late for i in (*injects, *contingency) for a in i.expected if a.if_late}
        for k, c in enumerate(contingency):
            if c.id not in used:
                self.bad(f"contingency[{k}].id", f"应急注入 {c.id} 未被任何预期行动的 if_late 引用",
                         f"contingency inject {c.id} is not named by any expected action's "
                         "if_late")

    def check_times_within(self, duration: timedelta, injects: tuple[Inject, ...],
                           phases: tuple[Phase, ...],
                           incidents: tuple[ScenarioIncident, ...]) -> None:
        for k, inj in enumerate(injects):
            if inj.trigger is not None and inj.trigger.kind == "at" and \
                    inj.trigger.at is not None and inj.trigger.at > duration:
                self.bad(f"injects[{k}].trigger", f"{format_t(inj.trigger.at)} 晚于演练时长 "
                         f"{format_duration(duration)}",
                         f"{format_t(inj.trigger.at)} is after the drill's duration")
        for k, phase in enumerate(phases):
            if phase.trigger.kind == "at" and phase.trigger.at and phase.trigger.at > duration:
                self.bad(f"phases[{k}].trigger", "晚于演练时长", "after the drill's duration")
        start = incidents[0].discovered_at - incidents[0].occurred_at
        if start >= duration:
            self.bad("duration", "演练时长须长于从发生到发现的时间",
                     "the duration must be longer than the time from occurrence to discovery")


@dataclass
class _Refs:
    objectives: set[str]
    parties: set[str]
    points: set[str]
    incidents: list[str]
    phases: set[str]
    injects: set[str]
    contingency: set[str]
    tasks: set[str]


def _mentions(trigger: Trigger, kind: str, target: str) -> bool:
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


def parse_adhoc_inject(scenario: Scenario, data: Any, inject_id: str,
                       name: str = "inject") -> Inject:
    """An inject the controller writes during the run (临时注入), checked against the scenario.

    ``data`` has the fields of a scenario inject without ``id`` and ``trigger``.
    """
    checker = _Checker(name, None)
    refs = _Refs(
        objectives={o.id for o in scenario.objectives},
        parties={p.id for p in scenario.participants} | set(RESERVED_PARTIES),
        points={p.id for p in scenario.points}, incidents=[i.id for i in scenario.incidents],
        phases={p.id for p in scenario.phases}, injects={i.id for i in scenario.injects},
        contingency={i.id for i in scenario.contingency}, tasks={t.key for t in scenario.tasks})
    body = dict(data) if isinstance(data, dict) else data
    if isinstance(body, dict):
        body["id"] = inject_id
    inject = checker.inject(body, "", refs, set(), True)
    if checker.problems or inject is None:
        raise InvalidScenario([ScenarioProblem(p.file, p.path.lstrip("."), p.message_zh,
                                               p.message_en) for p in checker.problems])
    return inject
