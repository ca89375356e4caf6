"""The drill engine (演练导调): scenario clock, triggers, injects, lateness, phases. Pure.

Everything the engine reads is handed to it in a :class:`World`: the scenario's T+0, the plume's
predicted front times (from the incident engine's response package), the checklist's state,
what has fired and which phases have started. :func:`step` answers "at scenario time ``now``,
what fires?": scheduled injects whose triggers have occurred, phases in order, expected actions
now late (and the contingency injects they call for), and whether the drill has ended.

Times: a trigger is *due* when its condition occurred (``T+00:30``, the predicted front, the
moment an item was checked off); an inject is *delivered* when the engine processes it (``now``,
never before it is due). The time allowed for an expected action runs from delivery: an inject
the controller releases late does not make the players late.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from emergency.drills.scenario import (
    ExpectedAction,
    Inject,
    Scenario,
    Trigger,
)
from emergency.parks.engine import overflow_events
from plans.vocabulary import BOUNDARY_LEVELS

SPEEDS = {"stepped": 0.0, "real": 1.0, "x10": 10.0, "x60": 60.0}
LATE_AFTER = timedelta(seconds=1)


# ------------------------------------------------------------------ the clock
@dataclass(frozen=True)
class ScenarioClock:
    """Scenario time as a function of wall time: ``elapsed`` at ``anchor``, then ``speed``
    scenario seconds per wall second while running. Speed 0: it moves only when stepped."""

    t0: datetime
    elapsed: timedelta
    anchor: datetime
    speed: float = 1.0
    running: bool = True

    def elapsed_at(self, wall: datetime) -> timedelta:
        if not self.running or self.speed <= 0:
            return self.elapsed
        gone = max(wall - self.anchor, timedelta(0))  # a clock never runs backwards
        return self.elapsed + gone * self.speed

    def now(self, wall: datetime) -> datetime:
        return self.t0 + self.elapsed_at(wall)

    def pause(self, wall: datetime) -> ScenarioClock:
        return replace(self, elapsed=self.elapsed_at(wall), anchor=wall, running=False)

    def resume(self, wall: datetime) -> ScenarioClock:
        return replace(self, anchor=wall, running=True)

    def with_speed(self, speed: float, wall: datetime) -> ScenarioClock:
        if speed < 0:
            raise ValueError("speed must be ≥ 0")
        return replace(self, elapsed=self.elapsed_at(wall), anchor=wall, speed=float(speed))

    def step(self, delta: timedelta, wall: datetime) -> ScenarioClock:
        if delta < timedelta(0):
            raise ValueError("the clock cannot step back")
        return replace(self, elapsed=self.elapsed_at(wall) + delta, anchor=wall)


# ------------------------------------------------------------------ what the engine reads
@dataclass(frozen=True)
class ItemState:
    """A checklist item of a drill incident (``incident``: the scenario's incident id)."""

    incident: str
    key: str
    kind: str
    status: str
    done_at: datetime | None = None


@dataclass(frozen=True)
class FiredInject:
    inject_id: str
    due: datetime
    delivered: datetime
    kind: str = "scheduled"     # scheduled | contingency | manual | adhoc
    cause: str | None = None    # for a contingency: "<inject>/<action>" that was late


@dataclass(frozen=True)
class World:
    t0: datetime
    fronts: Mapping[str, Mapping[str, datetime]] = field(default_factory=dict)
    items: Sequence[ItemState] = ()
    fired: Mapping[str, FiredInject] = field(default_factory=dict)
    phases: Mapping[str, datetime] = field(default_factory=dict)
    late_seen: frozenset[str] = frozenset()
    adhoc: Sequence[Inject] = ()


@dataclass(frozen=True)
class ActionState:
    inject_id: str
    action: ExpectedAction
    delivered: datetime
    deadline: datetime
    done_at: datetime | None
    has_item: bool              # the incident's checklist has a matching item
    status: str                 # on_time | late | open | overdue (at ``as_of``)

    @property
    def key(self) -> str:
        return f"{self.inject_id}/{self.action.id}"


@dataclass(frozen=True)
class Tick:
    now: datetime
    fired: tuple[FiredInject, ...] = ()
    phases: tuple[tuple[str, datetime], ...] = ()
    late: tuple[ActionState, ...] = ()
    ended_at: datetime | None = None
    end_reason: str | None = None     # terminated (终止 phase) | time_limit


# ------------------------------------------------------------------ predictions
def fronts_from_downstream(downstream: Iterable) -> dict[str, datetime]:
    """Front times by target: every item's id, and each boundary level (its first crossing).

    ``downstream``: the response package's :class:`DownstreamItem` s (most-probable front).
    """
    out: dict[str, datetime] = {}
    for item in downstream:
        out.setdefault(item.id, item.front_at)
        if item.kind == "boundary":
            level = item.attrs.get("level")
            if level in BOUNDARY_LEVELS and (level not in out or item.front_at < out[level]):
                out[level] = item.front_at
    return out


#: Keys of containment events among an incident's event times (beside site ids and levels).
CONTAINMENT_KEY = "containment:"


def event_times(pkg) -> dict[str, datetime]:  # noqa: ANN001 - a ResponsePackage
    """The times a drill trigger can wait for in one incident's package: the plume's front at
    every target (:func:`fronts_from_downstream`) and, inside a chemical park, each level's
    overflow and the river release (``containment:<event>``)."""
    out = fronts_from_downstream(pkg.downstream)
    if pkg.containment is not None:
        for event, at in overflow_events(pkg.containment):
            out[CONTAINMENT_KEY + event] = at
    return out


# ------------------------------------------------------------------ evaluation of triggers
class _Times:
    def __init__(self, scenario: Scenario, world: World, fired: Mapping[str, FiredInject],
                 phases: Mapping[str, datetime]) -> None:
        self.scenario, self.world, self.fired, self.phases = scenario, world, fired, phases

    def of(self, trig: Trigger | None) -> datetime | None:
        if trig is None:
            return None
        w = self.world
        if trig.kind == "at":
            return w.t0 + (trig.at or timedelta(0))
        if trig.kind in ("all", "any"):
            times = [self.of(c) for c in trig.children]
            if trig.kind == "all":
                return None if any(t is None for t in times) else max(times)  # type: ignore
            known = [t for t in times if t is not None]
            return min(known) if known else None
        base: datetime | None = None
        if trig.kind == "plume":
            base = w.fronts.get(trig.incident or self.scenario.primary, {}).get(trig.target or "")
        elif trig.kind == "containment":
            base = w.fronts.get(trig.incident or self.scenario.primary, {}).get(
                CONTAINMENT_KEY + (trig.target or ""))
        elif trig.kind == "checklist":
            done = [i.done_at for i in matching(w.items, trig.target or "",
                                                trig.incident or self.scenario.primary)
                    if i.status == "done" and i.done_at is not None]
            base = min(done) if done else None
        elif trig.kind == "phase":
            base = self.phases.get(trig.target or "")
        elif trig.kind == "inject":
            f = self.fired.get(trig.target or "")
            base = f.delivered if f else None
        return None if base is None else base + trig.offset


def matching(items: Iterable[ItemState], target: str, incident: str) -> list[ItemState]:
    """Items of ``incident`` that ``target`` names: a key (with ':') or a kind."""
    by_key = ":" in target
    return [i for i in items if i.incident == incident and i.status != "superseded"
            and (i.key == target if by_key else i.kind == target)]


def done_at(action: ExpectedAction, items: Sequence[ItemState], primary: str
            ) -> tuple[datetime | None, bool]:
    """When the action was done (None: not yet) and whether any item matches it."""
    found = matching(items, action.checklist, action.incident or primary)
    if not found:
        return None, False
    times = [i.done_at for i in found if i.status == "done" and i.done_at is not None]
    if action.match == "all":
        return (max(times) if len(times) == len(found) else None), True
    return (min(times) if times else None), True


def all_injects(scenario: Scenario, adhoc: Sequence[Inject] = ()) -> dict[str, Inject]:
    return {i.id: i for i in (*scenario.injects, *scenario.contingency, *adhoc)}


def action_states(scenario: Scenario, world: World, as_of: datetime) -> list[ActionState]:
    """Every expected action of every delivered inject, with its state at ``as_of``."""
    defs = all_injects(scenario, world.adhoc)
    out = []
    for f in sorted(world.fired.values(), key=lambda f: (f.delivered, f.inject_id)):
        inj = defs.get(f.inject_id)
        if inj is None:
            continue
        for action in inj.expected:
            deadline = f.delivered + action.within
            done, has_item = done_at(action, world.items, scenario.primary)
            if done is not None and done <= as_of:
                status = "on_time" if done <= deadline else "late"
            else:
                done = None
                status = "overdue" if as_of > deadline else "open"
            out.append(ActionState(f.inject_id, action, f.delivered, deadline, done, has_item,
                                   status))
    return out


# ------------------------------------------------------------------ one step
def step(scenario: Scenario, world: World, now: datetime) -> Tick:
    """What happens up to scenario time ``now`` that has not happened yet."""
    limit = world.t0 + scenario.duration
    now = min(now, limit)
    fired = dict(world.fired)
    phases = dict(world.phases)
    late_seen = set(world.late_seen)
    defs = all_injects(scenario, world.adhoc)
    new_fired: list[FiredInject] = []
    new_phases: list[tuple[str, datetime]] = []
    new_late: list[ActionState] = []
    changed = True
    while changed:
        changed = False
        times = _Times(scenario, world, fired, phases)
        previous: datetime | None = None
        for phase in scenario.phases:
            if phase.id in phases:
                previous = phases[phase.id]
                continue
            due = times.of(phase.trigger)
            if due is None or due > now:
                break
            start = max(due, previous) if previous else due
            phases[phase.id] = start
            new_phases.append((phase.id, start))
            previous, changed = start, True
        for inj in scenario.injects:
            if inj.id in fired:
                continue
            due = times.of(inj.trigger)
            if due is not None and due <= now:
                f = FiredInject(inj.id, due, now)
                fired[inj.id] = f
                new_fired.append(f)
                changed = True
        current = replace(world, fired=fired, phases=phases)
        for state in action_states(scenario, current, now):
            if state.key in late_seen:
                continue
            if state.status not in ("overdue", "late"):
                continue
            late_seen.add(state.key)
            new_late.append(state)
            cid = state.action.if_late
            if cid and cid not in fired and cid in defs:
                f = FiredInject(cid, state.deadline, now, "contingency", state.key)
                fired[cid] = f
                new_fired.append(f)
                changed = True
    ended_at, reason = None, None
    last = scenario.phases[-1].id if scenario.phases else None
    if last and last in phases:
        ended_at, reason = phases[last], "terminated"
    elif now >= limit:
        ended_at, reason = limit, "time_limit"
    return Tick(now, tuple(new_fired), tuple(new_phases), tuple(new_late), ended_at, reason)


def apply(world: World, tick: Tick) -> World:
    """The world after ``tick`` (for callers that loop without a database)."""
    fired = dict(world.fired) | {f.inject_id: f for f in tick.fired}
    phases = dict(world.phases) | dict(tick.phases)
    return replace(world, fired=fired, phases=phases,
                   late_seen=world.late_seen | {s.key for s in tick.late})


# ------------------------------------------------------------------ looking ahead
@dataclass(frozen=True)
class Upcoming:
    at: datetime
    kind: str          # inject | phase | deadline | end
    ref: str
    text: str


def upcoming(scenario: Scenario, world: World, now: datetime) -> list[Upcoming]:
    """What is known to come next (injects and phases whose time can be computed now, open
    action deadlines, the time limit), soonest first."""
    times = _Times(scenario, world, world.fired, world.phases)
    out: list[Upcoming] = []
    for inj in scenario.injects:
        if inj.id not in world.fired:
            t = times.of(inj.trigger)
            if t is not None:
                out.append(Upcoming(max(t, now), "inject", inj.id, inj.message))
    for phase in scenario.phases:
        if phase.id not in world.phases:
            t = times.of(phase.trigger)
            if t is not None:
                out.append(Upcoming(max(t, now), "phase", phase.id, phase.name))
            break
    for state in action_states(scenario, world, now):
        if state.status == "open":
            out.append(Upcoming(state.deadline, "deadline", state.key, state.action.text))
    out.append(Upcoming(world.t0 + scenario.duration, "end", "duration", "演练时长上限"))
    return sorted(out, key=lambda u: u.at)


def next_time(scenario: Scenario, world: World, now: datetime) -> datetime | None:
    """The next scenario time after ``now`` at which something is known to happen."""
    # An action is late the moment after its deadline: look there, so its contingency fires.
    later = [u.at + (LATE_AFTER if u.kind == "deadline" else timedelta(0))
             for u in upcoming(scenario, world, now)]
    later = [t for t in later if t > now]
    return min(later) if later else None


def task_dues(scenario: Scenario, world: World) -> dict[str, datetime | None]:
    """Due times of the scenario's tasks (drill checklist items) from their ``due`` triggers."""
    times = _Times(scenario, world, world.fired, world.phases)
    return {t.key: times.of(t.due) for t in scenario.tasks}


def unreachable_targets(scenario: Scenario, fronts: Mapping[str, Mapping[str, datetime]]
                        ) -> list[tuple[str, str]]:
    """(where, target) of plume triggers whose target the plume does not reach: they never fire.
    """
    out = []

    def walk(trig: Trigger | None, where: str) -> None:
        if trig is None:
            return
        key = {"plume": trig.target, "containment": CONTAINMENT_KEY + (trig.target or "")
               }.get(trig.kind)
        if key is not None and key not in fronts.get(trig.incident or scenario.primary, {}):
            out.append((where, trig.target or ""))
        for child in trig.children:
            walk(child, where)

    for inj in scenario.injects:
        walk(inj.trigger, inj.id)
    for phase in scenario.phases:
        walk(phase.trigger, phase.id)
    for task in scenario.tasks:
        walk(task.due, task.key)
    return out


# ------------------------------------------------------------------ the dry run (预演)
@dataclass(frozen=True)
class PreviewInject:
    inject_id: str
    fires_at: datetime | None          # None: never within the duration
    warning_zh: str = ""
    warning_en: str = ""
    plume: bool = False                # its trigger waits for the plume


@dataclass(frozen=True)
class PreviewAction:
    inject_id: str
    action_id: str
    due_at: datetime                   # delivery + the time allowed


@dataclass(frozen=True)
class Preview:
    """The scenario played on paper (干推演): when each inject fires, when each expected action
    falls due, which phases start, and when the drill ends — on the engine's predicted plume
    (``fronts``) and assuming the players do every expected action on time (at its deadline,
    the latest on-time moment), so no contingency inject fires."""

    start: datetime
    injects: tuple[PreviewInject, ...]
    actions: tuple[PreviewAction, ...]
    phases: tuple[tuple[str, datetime], ...]
    ended_at: datetime
    end_reason: str


def _plume_targets(trig: Trigger | None) -> list[Trigger]:
    if trig is None:
        return []
    own = [trig] if trig.kind == "plume" else []
    return own + [t for c in trig.children for t in _plume_targets(c)]


def preview(scenario: Scenario, fronts: Mapping[str, Mapping[str, datetime]],
            names: Mapping[str, tuple[str, str]] | None = None, *,
            max_steps: int = 5_000) -> Preview:
    """The dry run of ``scenario`` on the predicted plume ``fronts`` (see :class:`Preview`).

    Injects that never fire within the duration get a warning (zh / en) saying why: the plume
    is not predicted to reach the target, or reaches it after the drill's end, or the inject
    waits for something that never happens; an inject due before the drill's start (the
    discovery) fires at the start, out of its order — also a warning.
    """
    from emergency.drills.scenario import format_t  # local: the module imports this one

    names = names or {}
    t0 = scenario.t0
    start = t0 + scenario.start_offset
    limit = t0 + scenario.duration
    world = World(t0=t0, fronts=fronts)
    items: list[ItemState] = []
    planned: set[str] = set()

    def plan_items(w: World) -> None:
        """Assume each delivered action done at its deadline, each timed task at its due."""
        for state in action_states(scenario, w, limit):
            if state.key in planned:
                continue
            planned.add(state.key)
            target = state.action.checklist
            incident = state.action.incident or scenario.primary
            key = target if ":" in target else f"{target}:preview:{state.key}"
            kind = next((t.kind for t in scenario.tasks if t.key == target),
                        target.split(":")[0] if ":" in target else target)
            items.append(ItemState(incident, key, kind, "done", state.deadline))
        for key, due in task_dues(scenario, w).items():
            if due is not None and f"task:{key}" not in planned:
                planned.add(f"task:{key}")
                task = next(t for t in scenario.tasks if t.key == key)
                items.append(ItemState(task.incident or scenario.primary, key, task.kind,
                                       "done", max(due, start)))

    now = start
    ended_at, reason = limit, "time_limit"
    for _ in range(max_steps):
        world = replace(world, items=tuple(items))
        tick = step(scenario, world, now)
        world = apply(world, tick)
        plan_items(world)
        world = replace(world, items=tuple(items))
        if tick.ended_at is not None:
            ended_at, reason = tick.ended_at, tick.end_reason or "terminated"
            break
        later = [t for t in (next_time(scenario, world, now),
                             *(i.done_at for i in items if i.done_at)) if t and t > now]
        if not later:
            break
        now = min(min(later), limit)
    fired = world.fired
    times = _Times(scenario, world, fired, world.phases)
    out = []
    for inj in scenario.injects:
        f = fired.get(inj.id)
        plume = _plume_targets(inj.trigger)
        zh = en = ""
        if f is None:
            due = times.of(inj.trigger)
            missing = [p for p in plume if p.target not in fronts.get(
                p.incident or scenario.primary, {})]
            if missing:
                label = names.get(missing[0].target or "", None)
                target_zh = label[0] if label else missing[0].target
                target_en = label[1] if label else missing[0].target
                zh = f"污染团预测不到达 {target_zh}:{inj.id} 不会触发"
                en = f"the plume is not predicted to reach {target_en}: {inj.id} never fires"
            elif due is not None and due > ended_at:
                zh = (f"{inj.id} 预计 {format_t(due - t0)} 触发,晚于演练结束 "
                      f"{format_t(ended_at - t0)}:演练中不会触发")
                en = (f"{inj.id} would fire at {format_t(due - t0)}, after the drill ends at "
                      f"{format_t(ended_at - t0)}: it never fires in the drill")
            else:
                zh = f"{inj.id} 在演练时长内不会触发(所等待的事件不会发生)"
                en = f"{inj.id} never fires within the duration (what it waits for never happens)"
        elif f.due < start:
            zh = (f"{inj.id} 应于 {format_t(f.due - t0)} 触发,早于演练开始(发现时间 "
                  f"{format_t(start - t0)}):将在开始时立即下达,顺序可能不对")
            en = (f"{inj.id} is due at {format_t(f.due - t0)}, before the drill starts "
                  f"({format_t(start - t0)}): it fires at the start, possibly out of order")
        out.append(PreviewInject(inj.id, f.delivered if f else None, zh, en, bool(plume)))
    actions = tuple(PreviewAction(s.inject_id, s.action.id, s.deadline)
                    for s in action_states(scenario, world, ended_at)
                    if s.inject_id in {i.id for i in scenario.injects})
    return Preview(start, tuple(out), actions, tuple(sorted(world.phases.items(),
                                                             key=lambda x: x[1])),
                   ended_at, reason)
