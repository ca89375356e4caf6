"""Warning level (预警级别: blue < yellow < orange < red) by the rule table ``rules/warning.yaml``.

The level follows the predicted tier and the urgency: how soon the plume front reaches the first
receptor predicted above its limit. The thresholds are the system's engineering rules [I], kept
in the table so they can be changed without touching code.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final

from emergency.grading import (
    RULES_DIR,
    TIERS,
    GradingTable,
    RuleTableError,
    check_keys,
    default_grading_table,
    number_at,
    read_rule_yaml,
    text_at,
)

__all__ = [
    "TARGET_KINDS",
    "WARNING_TABLE_PATH",
    "ReceptorForecast",
    "WarningAssessment",
    "WarningLevel",
    "WarningReason",
    "WarningTable",
    "assess_warning",
    "default_warning_table",
    "load_warning_table",
    "parse_warning_table",
]

WARNING_TABLE_PATH: Final = RULES_DIR / "warning.yaml"

TARGET_KINDS: Final = ("intake", "section", "boundary", "other")
TARGET_KIND_TEXT: Final = {
    "intake": ("取水口", "intake"),
    "section": ("监测断面", "monitoring section"),
    "boundary": ("跨界断面", "boundary crossing"),
    "other": ("敏感目标", "receptor"),
}


class WarningLevel(StrEnum):
    """The four national warning colours, comparable by severity (blue < red)."""

    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        return list(WarningLevel).index(self)

    def __lt__(self, other: object) -> bool:
        # Severity order, not alphabetical: callers compare warning levels, not strings.
        if not isinstance(other, WarningLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, WarningLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, WarningLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, WarningLevel):
            return NotImplemented
        return self.rank >= other.rank


@dataclass(frozen=True)
class ReceptorForecast:
    """The predicted plume at one receptor (敏感目标).

    ``kind`` is one of TARGET_KINDS; ``hours_to_arrival`` is the time from now until the
    leading edge arrives (h, 0 if it is already there); concentrations in mg/L.
    """

    name_zh: str
    kind: str
    hours_to_arrival: float
    peak_mg_l: float
    limit_mg_l: float

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValueError(
                f"receptor {self.name_zh!r}: kind must be one of {TARGET_KINDS}, "
                f"got {self.kind!r}"
            )
        if not (math.isfinite(self.hours_to_arrival) and self.hours_to_arrival >= 0):
            raise ValueError(
                f"receptor {self.name_zh!r}: hours_to_arrival must be ≥ 0 "
                f"(0 when the front is already there), got {self.hours_to_arrival!r}"
            )
        if not (math.isfinite(self.peak_mg_l) and self.peak_mg_l >= 0):
            raise ValueError(f"receptor {self.name_zh!r}: peak_mg_l must be ≥ 0")
        if not (math.isfinite(self.limit_mg_l) and self.limit_mg_l > 0):
            raise ValueError(f"receptor {self.name_zh!r}: limit_mg_l must be > 0")

    @property
    def exceeds(self) -> bool:
        return self.peak_mg_l > self.limit_mg_l


@dataclass(frozen=True)
class WarningReason:
    """A table condition that held; ``condition`` is its id in the table."""

    condition: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class WarningAssessment:
    """The warning level, why, and the urgency (hours until the first predicted exceedance)."""

    level: WarningLevel
    label_zh: str
    label_en: str
    reasons: tuple[WarningReason, ...]
    urgency_hours: float | None
    first_exceedance: ReceptorForecast | None


# ---------------------------------------------------------------------------------------------
# The rule table


@dataclass(frozen=True)
class Condition:
    id: str
    tier_in: frozenset[int] | None
    exceedance_at: frozenset[str] | None  # None: no exceedance clause
    within_hours: float | None


@dataclass(frozen=True)
class WarningRule:
    level: WarningLevel
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class WarningTable:
    labels: Mapping[WarningLevel, tuple[str, str]]  # level -> (zh, en)
    rules: tuple[WarningRule, ...]  # most severe first
    default_id: str
    default_level: WarningLevel
    default_zh: str
    default_en: str


def _parse_condition(raw: Any, where: str) -> Condition:
    cond = check_keys(raw, where, ("id",), ("tier_in", "exceedance_at", "within_hours"))
    if len(cond) == 1:
        raise RuleTableError(f"{where}: a condition needs at least one clause")
    tier_in = None
    if "tier_in" in cond:
        tiers = cond["tier_in"]
        if (
            not isinstance(tiers, list)
            or not tiers
            or any(isinstance(t, bool) or t not in TIERS for t in tiers)
        ):
            raise RuleTableError(f"{where}.tier_in: expected a list of tiers from {TIERS}")
        tier_in = frozenset(int(t) for t in tiers)
    exceedance_at = None
    if "exceedance_at" in cond:
        kinds = cond["exceedance_at"]
        if kinds == "any":
            exceedance_at = frozenset(TARGET_KINDS)
        elif isinstance(kinds, list) and kinds and all(k in TARGET_KINDS for k in kinds):
            exceedance_at = frozenset(kinds)
        else:
            raise RuleTableError(
                f"{where}.exceedance_at: expected 'any' or a list from {TARGET_KINDS}"
            )
    within = None
    if "within_hours" in cond:
        if exceedance_at is None:
            raise RuleTableError(f"{where}.within_hours: needs exceedance_at")
        within = number_at(cond, "within_hours", where)
    return Condition(text_at(cond, "id", where), tier_in, exceedance_at, within)


def _level(value: Any, where: str) -> WarningLevel:
    try:
        return WarningLevel(value)
    except ValueError:
        raise RuleTableError(
            f"{where}: level must be one of {[str(w) for w in WarningLevel]}, got {value!r}"
        ) from None


def parse_warning_table(data: Mapping[str, Any]) -> WarningTable:
    """Validate a warning table already read from YAML; raise RuleTableError when malformed."""
    body = check_keys(data, "warning table", ("schema", "levels", "rules", "default"))
    if body["schema"] != "warning/1":
        raise RuleTableError(f"warning table: unsupported schema {body['schema']!r}")
    levels = check_keys(body["levels"], "levels", [str(w) for w in WarningLevel])
    if list(levels) != [str(w) for w in WarningLevel]:
        raise RuleTableError("levels: list blue, yellow, orange, red, lowest first")
    labels = {}
    for level in WarningLevel:
        where = f"levels.{level}"
        row = check_keys(levels[level.value], where, ("zh", "en"))
        labels[level] = (text_at(row, "zh", where), text_at(row, "en", where))

    if not isinstance(body["rules"], list) or not body["rules"]:
        raise RuleTableError("rules: expected a non-empty list")
    rules: list[WarningRule] = []
    for i, raw in enumerate(body["rules"]):
        rule = check_keys(raw, f"rules[{i}]", ("level", "when"))
        level = _level(rule["level"], f"rules[{i}]")
        if rules and not level < rules[-1].level:
            # The first matching rule wins, so a later rule must be less severe.
            raise RuleTableError(f"rules[{i}]: rules must run from the most severe level down")
        if not isinstance(rule["when"], list) or not rule["when"]:
            raise RuleTableError(f"rules[{i}].when: expected a non-empty list of conditions")
        when = tuple(
            _parse_condition(c, f"rules[{i}].when[{j}]") for j, c in enumerate(rule["when"])
        )
        rules.append(WarningRule(level, when))

    default = check_keys(body["default"], "default", ("id", "level", "zh", "en"))
    default_level = _level(default["level"], "default")
    if not default_level < rules[-1].level:
        raise RuleTableError("default: must be less severe than every rule")
    ids = [c.id for r in rules for c in r.when] + [default["id"]]
    if len(set(ids)) != len(ids):
        raise RuleTableError("warning table: condition ids must be unique")
    return WarningTable(
        labels=labels,
        rules=tuple(rules),
        default_id=text_at(default, "id", "default"),
        default_level=default_level,
        default_zh=text_at(default, "zh", "default"),
        default_en=text_at(default, "en", "default"),
    )


def load_warning_table(path: Path = WARNING_TABLE_PATH) -> WarningTable:
    """Read and validate a warning table file."""
    try:
        return parse_warning_table(read_rule_yaml(path))
    except RuleTableError as exc:
        raise RuleTableError(f"{path.name}: {exc}") from exc


@cache
def default_warning_table() -> WarningTable:
    """The shipped table, read once per process."""
    return load_warning_table()


# ---------------------------------------------------------------------------------------------
# Applying the table


def _hours(value: float) -> str:
    return f"{value:g}"


def _explain(
    cond: Condition,
    tier: int | None,
    hit: ReceptorForecast | None,
    grading: GradingTable,
) -> WarningReason:
    parts_zh: list[str] = []
    parts_en: list[str] = []
    if cond.tier_in is not None and tier is not None:
        label = grading.label(tier)
        parts_zh.append(f"预测事件级别为{label.text_zh}")
        parts_en.append(f"predicted event tier is {label.text_en}")
    if hit is not None:
        kind_zh, kind_en = TARGET_KIND_TEXT[hit.kind]
        conc_zh = f"峰值 {hit.peak_mg_l:g} mg/L 超过限值 {hit.limit_mg_l:g} mg/L"
        conc_en = f"peak {hit.peak_mg_l:g} mg/L above the limit {hit.limit_mg_l:g} mg/L"
        if cond.within_hours is not None:
            parts_zh.append(
                f"{kind_zh}「{hit.name_zh}」预计 {_hours(hit.hours_to_arrival)} 小时后超标"
                f"（{conc_zh}），在 {_hours(cond.within_hours)} 小时以内"
            )
            parts_en.append(
                f"{kind_en} {hit.name_zh} is predicted to exceed in "
                f"{_hours(hit.hours_to_arrival)} h ({conc_en}), within "
                f"{_hours(cond.within_hours)} h"
            )
        else:
            parts_zh.append(f"预测{kind_zh}「{hit.name_zh}」超标（{conc_zh}）")
            parts_en.append(f"{kind_en} {hit.name_zh} is predicted to exceed ({conc_en})")
    return WarningReason(cond.id, "，且".join(parts_zh), "; and ".join(parts_en))


def _match(
    cond: Condition, tier: int | None, exceeding: Sequence[ReceptorForecast]
) -> tuple[bool, ReceptorForecast | None]:
    """Whether ``cond`` holds, and the earliest receptor that satisfies its exceedance clause."""
    if cond.tier_in is not None and tier not in cond.tier_in:
        return False, None
    if cond.exceedance_at is None:
        return True, None
    for forecast in exceeding:  # sorted by arrival, so the first hit is the most urgent
        if forecast.kind not in cond.exceedance_at:
            continue
        if cond.within_hours is None or forecast.hours_to_arrival <= cond.within_hours:
            return True, forecast
    return False, None


def assess_warning(
    predicted_tier: int | None,
    forecasts: Iterable[ReceptorForecast],
    table: WarningTable | None = None,
    grading: GradingTable | None = None,
) -> WarningAssessment:
    """The warning level for a predicted tier (1 = I … 4 = IV, or None) and receptor forecasts.

    Only receptors predicted above their limit count. Urgency is the hours until the front
    reaches the first such receptor.
    """
    if predicted_tier is not None and predicted_tier not in TIERS:
        raise ValueError(f"predicted_tier must be one of {TIERS} or None, got {predicted_tier!r}")
    table = table or default_warning_table()
    grading = grading or default_grading_table()
    exceeding = sorted((f for f in forecasts if f.exceeds), key=lambda f: f.hours_to_arrival)
    first = exceeding[0] if exceeding else None
    urgency = first.hours_to_arrival if first else None

    for rule in table.rules:
        reasons = []
        for cond in rule.when:
            holds, hit = _match(cond, predicted_tier, exceeding)
            if holds:
                reasons.append(_explain(cond, predicted_tier, hit, grading))
        if reasons:
            zh, en = table.labels[rule.level]
            return WarningAssessment(rule.level, zh, en, tuple(reasons), urgency, first)

    zh, en = table.labels[table.default_level]
    reason = WarningReason(table.default_id, table.default_zh, table.default_en)
    return WarningAssessment(table.default_level, zh, en, (reason,), urgency, first)
