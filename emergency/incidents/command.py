"""Commander decisions (指挥决策): start the response at a level, change it, terminate it.

Pure: no Flask, no SQLAlchemy. The service (:mod:`emergency.incidents.command_service`) loads the
incident, its observations and checklist, and calls :func:`check_decision`.

Termination follows 《国家突发环境事件应急预案》(国办函〔2014〕119号) 响应终止:
"当事件条件已经排除、污染物质已降至规定限值以内、所造成的危害基本消除时,由启动响应的人民政府终止应急响应".
From the data
(rules/response.yaml ``termination``):

* ``below_limit`` — at every monitored downstream section and intake, the last *n* consecutive
  samples are within the limit (and there is monitoring at all);
* ``plume_passed`` — the predicted trailing edge has passed every intake the plume threatens;
* ``no_urgent_items`` — no immediate (立即) or overdue critical checklist item is open.

A commander may still terminate with an explicit override reason; it is logged with the unmet
conditions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emergency.labels import roman

KINDS = ("start", "change_level", "terminate")
LEVELS = (1, 2, 3, 4)
DECISION_KIND_LABELS = {"start": ("启动响应", "response started"),
                        "change_level": ("调整响应级别", "response level changed"),
                        "terminate": ("终止响应", "response terminated")}
MAX_TEXT = 2000


@dataclass(frozen=True)
class Condition:
    """One termination condition and whether the data meet it."""

    id: str
    met: bool
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Sample:
    """A monitoring result as the termination rule reads it."""

    site: str          # site id, or the km for a free point
    name_zh: str
    observed_at: datetime
    concentration_mg_l: float


@dataclass(frozen=True)
class OpenItem:
    kind: str
    text_zh: str
    due_at: datetime | None
    immediate: bool


class DecisionRefused(ValueError):
    """A decision that may not be taken: bilingual messages and, for a termination, the unmet
    conditions."""

    def __init__(self, message_zh: str, message_en: str, field: str = "kind",
                 unmet: Sequence[Condition] = ()) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en, self.field = message_zh, message_en, field
        self.unmet = tuple(unmet)


def termination_conditions(pkg: Any, samples: Sequence[Sample], open_items: Sequence[OpenItem],
                           now: datetime, rules: Mapping[str, Any]) -> list[Condition]:
    """The conditions of the national plan, checked against the incident's data as of ``now``."""
    term = rules.get("termination") or {}
    n = int(term.get("consecutive_compliant_samples", 2))
    critical = set(term.get("critical_kinds") or ())
    limit = pkg.substance.limit_mg_l
    return [_below_limit(samples, limit, n), _plume_passed(pkg, now),
            _no_urgent(open_items, critical, now)]


def _below_limit(samples: Sequence[Sample], limit: float | None, n: int) -> Condition:
    if limit is None:
        return Condition("below_limit", False,
                         "污染物无地表水标准限值:是否达标须由监测人员判定",
                         "the substance has no surface-water limit: compliance must be judged "
                         "by the monitoring team")
    if not samples:
        return Condition("below_limit", False, "尚无应急监测数据,不能证明污染物已降至限值以内",
                         "no monitoring results yet: nothing shows the pollutant back within "
                         "the limit")
    by_site: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_site[s.site].append(s)
    failing_zh, failing_en = [], []
    for series in by_site.values():
        last = sorted(series, key=lambda s: s.observed_at)[-n:]
        bad = [s for s in last if s.concentration_mg_l > limit]
        if bad or len(last) < n:
            worst = max(s.concentration_mg_l for s in last)
            name = last[-1].name_zh
            if bad:
                failing_zh.append(f"{name}最近一次 {last[-1].concentration_mg_l:g} mg/L"
                                  f"(限值 {limit:g},最高 {worst / limit:.1f} 倍)")
                failing_en.append(f"{name}: last {last[-1].concentration_mg_l:g} mg/L "
                                  f"(limit {limit:g})")
            else:
                failing_zh.append(f"{name}仅 {len(last)} 次达标,须连续 {n} 次")
                failing_en.append(f"{name}: {len(last)} compliant sample(s), {n} needed")
    if failing_zh:
        return Condition("below_limit", False,
                         f"污染物尚未降至限值以内(须各断面、取水口连续 {n} 次达标):"
                         + ";".join(failing_zh),
                         f"not back within the limit ({n} consecutive compliant samples at every "
                         "section and intake needed): " + "; ".join(failing_en))
    return Condition("below_limit", True, f"各监测点位最近连续 {n} 次监测均达标",
                     f"the last {n} samples at every monitored site are within the limit")


def _plume_passed(pkg: Any, now: datetime) -> Condition:
    ahead = [d for d in pkg.downstream
             if d.kind in ("intake", "water_source") and (d.worst_exceeds or d.exceeds)
             and d.tail_at > now]
    if ahead:
        first = min(ahead, key=lambda d: d.km)
        minutes = (first.front_at_earliest - now).total_seconds() / 60
        when_zh = (f"预计 {minutes:.0f} 分钟后到达" if minutes > 0 else "污染团正在过境")
        when_en = (f"expected in {minutes:.0f} min" if minutes > 0 else "the plume is passing")
        return Condition("plume_passed", False,
                         f"污染团尚未通过下游 {len(ahead)} 处取水口:{first.name_zh}"
                         f"(km {first.km:g}){when_zh}",
                         f"the plume has not yet passed {len(ahead)} downstream intake(s): "
                         f"{first.name_en or first.name_zh} (km {first.km:g}) {when_en}")
    return Condition("plume_passed", True, "污染团已通过(或不会超标到达)下游全部取水口",
                     "the plume has passed (or will not exceed at) every downstream intake")


def _no_urgent(items: Sequence[OpenItem], critical: set[str], now: datetime) -> Condition:
    urgent = [i for i in items if i.kind in critical
              and (i.immediate or (i.due_at is not None and i.due_at < now))]
    if urgent:
        return Condition("no_urgent_items", False,
                         f"尚有 {len(urgent)} 项立即或超时的关键任务未完成:"
                         f"{urgent[0].text_zh[:60]}",
                         f"{len(urgent)} immediate or overdue critical item(s) still open")
    return Condition("no_urgent_items", True, "无立即或超时的关键任务",
                     "no immediate or overdue critical item open")


@dataclass(frozen=True)
class Decision:
    """A validated decision, ready to be recorded."""

    kind: str
    level: int | None
    computed_tier: int | None
    basis: str
    override_reason: str
    unmet: tuple[Condition, ...]
    new_status: str | None
    summary_zh: str
    summary_en: str


def check_decision(data: Any, *, status: str, current_level: int | None,
                   computed_tier: int | None, conditions: Sequence[Condition] = ()) -> Decision:
    """Validate a commander's decision against the incident's state; raise DecisionRefused."""
    if not isinstance(data, dict):
        raise DecisionRefused("请求体须为 JSON 对象", "the body must be a JSON object", "body")
    kind = data.get("kind")
    if kind not in KINDS:
        raise DecisionRefused("kind 须为 start、change_level 或 terminate",
                              "kind must be start, change_level or terminate")
    basis = _text(data.get("basis"), "basis")
    override = _text(data.get("override_reason"), "override_reason")
    level = data.get("level")
    if kind == "terminate":
        if status == "terminated":
            raise DecisionRefused("响应已终止", "the response is already terminated")
        unmet = tuple(c for c in conditions if not c.met)
        if unmet and not override:
            raise DecisionRefused(
                "终止条件未满足:" + ";".join(c.text_zh for c in unmet)
                + "。如确需终止,须由指挥长填写理由",
                "termination conditions not met: " + "; ".join(c.text_en for c in unmet)
                + ". To terminate anyway a commander must give a reason",
                "override_reason", unmet)
        zh = "终止应急响应" + (f"(条件未全部满足,指挥长决定:{override})" if unmet else
                              "(终止条件均已满足)")
        en = "response terminated" + (" (override: conditions not all met)" if unmet else "")
        return Decision(kind, current_level, computed_tier, basis, override, unmet,
                        "terminated", zh, en)
    if isinstance(level, str) and level.strip().upper() in ("I", "II", "III", "IV"):
        level = ("I", "II", "III", "IV").index(level.strip().upper()) + 1
    if isinstance(level, bool) or level not in LEVELS:
        raise DecisionRefused("响应级别须为 I–IV(1–4)", "level must be I–IV (1–4)", "level")
    if not basis:
        raise DecisionRefused("须写明启动(调整)响应的依据", "give the basis of the decision",
                              "basis")
    if computed_tier is not None and level != computed_tier and not override:
        raise DecisionRefused(
            f"所选 {roman(level)} 级与系统研判的 {roman(computed_tier)} 级不同,须填写调整理由",
            f"level {roman(level)} differs from the computed tier {roman(computed_tier)}: give "
            "the reason for the override", "override_reason")
    differs = computed_tier is not None and level != computed_tier
    note_zh = f"(系统研判 {roman(computed_tier)} 级,调整理由:{override})" if differs else ""
    note_en = f" (computed {roman(computed_tier)}; override: {override})" if differs else ""
    if kind == "start":
        if status != "reported":
            raise DecisionRefused("响应已启动或已终止", "the response was already started or ended")
        return Decision(kind, level, computed_tier, basis, override, (), "responding",
                        f"启动 {roman(level)} 级应急响应{note_zh};依据:{basis}",
                        f"response started at level {roman(level)}{note_en}")
    if status != "responding":
        raise DecisionRefused("仅在响应期间可调整响应级别",
                              "the level can change only while responding")
    if level == current_level:
        raise DecisionRefused(f"响应级别已是 {roman(level)} 级",
                              f"the level is already {roman(level)}", "level")
    return Decision(kind, level, computed_tier, basis, override, (), None,
                    f"响应级别由 {roman(current_level)} 级调整为 {roman(level)} 级{note_zh};"
                    f"依据:{basis}",
                    f"response level changed from {roman(current_level)} to {roman(level)}"
                    f"{note_en}")


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise DecisionRefused(f"{field} 须为不超过 {MAX_TEXT} 字的文本",
                              f"{field} must be text up to {MAX_TEXT} characters", field)
    return value.strip()
