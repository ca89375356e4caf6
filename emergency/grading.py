"""Event grading (突发环境事件分级) by the rule table ``rules/grading.yaml``.

The table transcribes 附件1 of 《国家突发环境事件应急预案》(国办函〔2014〕119号); this module
only validates it and applies it: any one criterion suffices, the most severe tier wins, and
every criterion that triggers is listed as a reason.

Tiers are ints, 1 = I 特别重大 … 4 = IV 一般. An environmental event that triggers no criterion
is IV by the residual row (附件1 (四)), unless the table's ``residual.tier`` is null, in which case
its level is None. A count of 0 never triggers a "<N" row: no deaths is not "fewer than 3 deaths".
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from plans.vocabulary import BOUNDARY_LEVELS, PLACE_LEVELS

__all__ = [
    "GRADING_TABLE_PATH",
    "RAISE_HINTS",
    "RULES_DIR",
    "TIERS",
    "BoundaryImpact",
    "GradingFacts",
    "GradingTable",
    "IntakeImpact",
    "Reason",
    "RuleTableError",
    "TierAssessment",
    "TierLabel",
    "check_keys",
    "default_grading_table",
    "grade",
    "load_grading_table",
    "number_at",
    "parse_grading_table",
    "read_rule_yaml",
    "text_at",
]

RULES_DIR: Final = Path(__file__).resolve().parent / "rules"
GRADING_TABLE_PATH: Final = RULES_DIR / "grading.yaml"

TIERS: Final = (1, 2, 3, 4)
NUMERIC_FACTS: Final = ("deaths", "injured", "evacuated", "economic_loss_cny")
RAISE_HINTS: Final = ("sensitive_area", "important_period", "public_attention")
RAISE_MODES: Final = ("advisory", "automatic")


class RuleTableError(ValueError):
    """A rule table is malformed; the message names the table and the entry at fault."""


# ---------------------------------------------------------------------------------------------
# Facts in, assessment out


def _check_concentrations(what: str, peak_mg_l: float, limit_mg_l: float) -> None:
    if not (math.isfinite(peak_mg_l) and peak_mg_l >= 0):
        raise ValueError(f"{what}: peak_mg_l must be a finite number ≥ 0, got {peak_mg_l!r}")
    if not (math.isfinite(limit_mg_l) and limit_mg_l > 0):
        raise ValueError(f"{what}: limit_mg_l must be a finite number > 0, got {limit_mg_l!r}")


@dataclass(frozen=True)
class IntakeImpact:
    """A centralised drinking-water intake (集中式饮用水水源地取水口) on the plume's path.

    ``place_level`` is the place the intake supplies: 'prefecture_city' (设区的市及以上),
    'county_city' (县级城市) or 'township' (乡镇). Concentrations in mg/L.
    """

    name_zh: str
    place_level: str
    peak_mg_l: float
    limit_mg_l: float

    def __post_init__(self) -> None:
        if self.place_level not in PLACE_LEVELS:
            raise ValueError(
                f"intake {self.name_zh!r}: place_level must be one of {tuple(PLACE_LEVELS)}, "
                f"got {self.place_level!r}"
            )
        _check_concentrations(f"intake {self.name_zh!r}", self.peak_mg_l, self.limit_mg_l)

    @property
    def interrupted(self) -> bool:
        """True when the predicted peak exceeds the limit, so the intake must close."""
        return self.peak_mg_l > self.limit_mg_l


@dataclass(frozen=True)
class BoundaryImpact:
    """The plume at an administrative boundary (跨界断面).

    ``level`` is 'county', 'prefecture', 'province' or 'nation'; ``peak_mg_l`` is the predicted
    peak at the crossing, ``limit_mg_l`` its limit (mg/L); ``distance_km`` is the distance along
    the river from the spill to the crossing (km).
    """

    level: str
    from_zh: str
    to_zh: str
    peak_mg_l: float
    limit_mg_l: float
    distance_km: float

    def __post_init__(self) -> None:
        if self.level not in BOUNDARY_LEVELS:
            raise ValueError(
                f"boundary {self.from_zh}→{self.to_zh}: "
                f"level must be one of {tuple(BOUNDARY_LEVELS)}, "
                f"got {self.level!r}"
            )
        where = f"boundary {self.from_zh}→{self.to_zh}"
        _check_concentrations(where, self.peak_mg_l, self.limit_mg_l)
        if not (math.isfinite(self.distance_km) and self.distance_km >= 0):
            raise ValueError(f"{where}: distance_km must be ≥ 0, got {self.distance_km!r}")

    @property
    def exceeds(self) -> bool:
        """True when the predicted peak at the crossing exceeds the limit."""
        return self.peak_mg_l > self.limit_mg_l


def _as_tuple(name: str, items: Iterable[Any], kind: type) -> tuple[Any, ...]:
    result = tuple(items)
    for item in result:
        if not isinstance(item, kind):
            raise TypeError(f"{name} must hold {kind.__name__} items, got {type(item).__name__}")
    return result


@dataclass(frozen=True)
class GradingFacts:
    """What is known or predicted about an event, as the grading criteria need it.

    Counts are people; ``economic_loss_cny`` is the direct loss in CNY; ``ecology`` and
    ``radiation`` are row keys of the table's ``ecology`` / ``radiation`` sections (or None).
    ``sensitive_area``, ``important_period`` and ``public_attention`` are raise-level hints.
    """

    deaths: int = 0
    injured: int = 0
    evacuated: int = 0
    economic_loss_cny: float = 0.0
    intake_interruptions: tuple[IntakeImpact, ...] = ()
    boundary_impacts: tuple[BoundaryImpact, ...] = ()
    ecology: str | None = None
    radiation: str | None = None
    sensitive_area: bool = False
    important_period: bool = False
    public_attention: bool = False

    def __post_init__(self) -> None:
        for name in ("deaths", "injured", "evacuated"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an int ≥ 0, got {value!r}")
        loss = self.economic_loss_cny
        if (
            isinstance(loss, bool)
            or not isinstance(loss, int | float)
            or not (math.isfinite(loss) and loss >= 0)
        ):
            raise ValueError(f"economic_loss_cny must be a finite number ≥ 0, got {loss!r}")
        # Lists are accepted for convenience but stored as tuples so the facts stay immutable.
        intakes = _as_tuple("intake_interruptions", self.intake_interruptions, IntakeImpact)
        object.__setattr__(self, "intake_interruptions", intakes)
        crossings = _as_tuple("boundary_impacts", self.boundary_impacts, BoundaryImpact)
        object.__setattr__(self, "boundary_impacts", crossings)


@dataclass(frozen=True)
class Reason:
    """One criterion that triggered, with the tier it points to.

    ``advisory`` reasons (raise-level hints in advisory mode) suggest ``level`` without
    setting it.
    """

    criterion: str
    level: int
    text_zh: str
    text_en: str
    advisory: bool = False


@dataclass(frozen=True)
class TierAssessment:
    """The grade (1 = I … 4 = IV, or None when ungraded) and every reason, most severe first."""

    level: int | None
    reasons: tuple[Reason, ...]

    @property
    def binding_reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if not r.advisory)

    @property
    def advisories(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.advisory)


# ---------------------------------------------------------------------------------------------
# The rule table


@dataclass(frozen=True)
class TierLabel:
    roman: str
    zh: str
    en: str

    @property
    def text_zh(self) -> str:
        return f"{self.zh}（{self.roman}级）"

    @property
    def text_en(self) -> str:
        return f"tier {self.roman} ({self.en})"


@dataclass(frozen=True)
class Band:
    """Values ≥ ``threshold`` (or > it when not ``inclusive``) up to the band above."""

    tier: int
    threshold: float
    inclusive: bool

    def admits(self, value: float) -> bool:
        return value >= self.threshold if self.inclusive else value > self.threshold


@dataclass(frozen=True)
class NumericCriterion:
    id: str
    fact: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    bands: tuple[Band, ...]  # most severe first, thresholds strictly decreasing

    def match(self, value: float) -> tuple[Band, float | None] | None:
        """The band ``value`` falls in and that band's exclusive upper end, or None."""
        upper: float | None = None
        for band in self.bands:
            if band.admits(value):
                return band, upper
            upper = band.threshold
        return None


@dataclass(frozen=True)
class LookupRow:
    tier: int | None
    label_zh: str
    label_en: str
    criterion_zh: str
    criterion_en: str


@dataclass(frozen=True)
class LookupCriterion:
    id: str
    name_zh: str
    name_en: str
    rows: Mapping[str, LookupRow]


@dataclass(frozen=True)
class ResidualRule:
    tier: int | None
    criterion_zh: str
    criterion_en: str


@dataclass(frozen=True)
class RaiseRule:
    mode: str
    steps: int
    hints: Mapping[str, tuple[str, str]]  # hint -> (zh, en)


@dataclass(frozen=True)
class GradingTable:
    source_zh: str
    source_en: str
    tiers: Mapping[int, TierLabel]
    numeric: tuple[NumericCriterion, ...]
    intake: LookupCriterion
    boundary: LookupCriterion
    ecology: LookupCriterion
    radiation: LookupCriterion
    residual: ResidualRule
    raise_level: RaiseRule

    def label(self, tier: int) -> TierLabel:
        return self.tiers[tier]


def read_rule_yaml(path: Path) -> dict[str, Any]:
    """Read a rule table file with ``yaml.safe_load``; its top level must be a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleTableError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleTableError(f"{path.name}: the top level must be a mapping")
    return data


def check_keys(
    data: Any, where: str, required: Iterable[str], optional: Iterable[str] = ()
) -> Mapping[str, Any]:
    """``data`` as a mapping with every required key and no unknown one (typos fail loudly)."""
    if not isinstance(data, Mapping):
        raise RuleTableError(f"{where}: expected a mapping, got {type(data).__name__}")
    required = tuple(required)
    missing = [k for k in required if k not in data]
    if missing:
        raise RuleTableError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(str(k) for k in data if k not in required and k not in tuple(optional))
    if unknown:
        raise RuleTableError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return data


def text_at(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise RuleTableError(f"{where}.{key}: expected non-empty text, got {value!r}")
    return value.strip()


def number_at(data: Mapping[str, Any], key: str, where: str, *, minimum: float = 0) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleTableError(f"{where}.{key}: expected a number, got {value!r}")
    if value < minimum:
        raise RuleTableError(f"{where}.{key}: must be ≥ {minimum}, got {value!r}")
    return value


def _tier_or_none(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or value not in TIERS:
        raise RuleTableError(f"{where}: tier must be one of {TIERS} or null, got {value!r}")
    return int(value)


def _parse_tiers(data: Any) -> dict[int, TierLabel]:
    tiers = check_keys(data, "tiers", TIERS)
    labels = {}
    for tier in TIERS:
        where = f"tiers.{tier}"
        row = check_keys(tiers[tier], where, ("roman", "zh", "en"))
        labels[tier] = TierLabel(*(text_at(row, k, where) for k in ("roman", "zh", "en")))
    return labels


def _parse_numeric(data: Any) -> tuple[NumericCriterion, ...]:
    if not isinstance(data, list) or not data:
        raise RuleTableError("numeric_criteria: expected a non-empty list")
    criteria: list[NumericCriterion] = []
    for i, raw in enumerate(data):
        where = f"numeric_criteria[{i}]"
        keys = ("id", "fact", "name_zh", "name_en", "unit_zh", "unit_en", "bands")
        row = check_keys(raw, where, keys)
        where = f"numeric_criteria.{row['id']}"
        if row["fact"] not in NUMERIC_FACTS:
            raise RuleTableError(f"{where}.fact: must be one of {NUMERIC_FACTS}")
        if not isinstance(row["bands"], list) or not row["bands"]:
            raise RuleTableError(f"{where}.bands: expected a non-empty list")
        bands: list[Band] = []
        for j, raw_band in enumerate(row["bands"]):
            band_where = f"{where}.bands[{j}]"
            if not isinstance(raw_band, Mapping) or ("gte" in raw_band) == ("gt" in raw_band):
                raise RuleTableError(f"{band_where}: give exactly one of gte (≥) or gt (>)")
            bound = "gte" if "gte" in raw_band else "gt"
            band_map = check_keys(raw_band, band_where, ("tier", bound))
            tier = _tier_or_none(band_map["tier"], band_where)
            if tier is None:
                raise RuleTableError(f"{band_where}: a band needs a tier")
            threshold = number_at(band_map, bound, band_where)
            if bands and not (tier > bands[-1].tier and threshold < bands[-1].threshold):
                # Order matters: the first band a value admits is taken as its tier.
                raise RuleTableError(
                    f"{band_where}: bands must run from the most severe tier down, "
                    "with strictly decreasing thresholds"
                )
            bands.append(Band(tier=tier, threshold=threshold, inclusive=bound == "gte"))
        criteria.append(
            NumericCriterion(
                id=text_at(row, "id", where),
                fact=row["fact"],
                name_zh=text_at(row, "name_zh", where),
                name_en=text_at(row, "name_en", where),
                unit_zh=text_at(row, "unit_zh", where),
                unit_en=text_at(row, "unit_en", where),
                bands=tuple(bands),
            )
        )
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise RuleTableError("numeric_criteria: ids must be unique")
    return tuple(criteria)


def _parse_lookup(data: Any, section: str, keys: Iterable[str] | None) -> LookupCriterion:
    """A value → tier section; ``keys``, when given, are exactly the values the facts allow."""
    body = check_keys(data, section, ("id", "name_zh", "name_en", "rows"))
    rows_raw = body["rows"]
    if not isinstance(rows_raw, Mapping) or not rows_raw:
        raise RuleTableError(f"{section}.rows: expected a non-empty mapping")
    if keys is not None and set(rows_raw) != set(keys):
        raise RuleTableError(f"{section}.rows: must have exactly the rows {', '.join(keys)}")
    rows: dict[str, LookupRow] = {}
    for key, raw in rows_raw.items():
        where = f"{section}.rows.{key}"
        text_keys = ("label_zh", "label_en", "criterion_zh", "criterion_en")
        row = check_keys(raw, where, ("tier", *text_keys))
        texts = {k: text_at(row, k, where) for k in text_keys}
        rows[str(key)] = LookupRow(tier=_tier_or_none(row["tier"], where), **texts)
    return LookupCriterion(
        id=text_at(body, "id", section),
        name_zh=text_at(body, "name_zh", section),
        name_en=text_at(body, "name_en", section),
        rows=rows,
    )


def _parse_raise(data: Any) -> RaiseRule:
    body = check_keys(data, "raise_level", ("mode", "steps", "hints"))
    if body["mode"] not in RAISE_MODES:
        raise RuleTableError(f"raise_level.mode: must be one of {RAISE_MODES}")
    steps = body["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 3:
        raise RuleTableError(f"raise_level.steps: must be an int from 1 to 3, got {steps!r}")
    hints = check_keys(body["hints"], "raise_level.hints", RAISE_HINTS)
    texts = {}
    for hint in RAISE_HINTS:
        where = f"raise_level.hints.{hint}"
        row = check_keys(hints[hint], where, ("zh", "en"))
        texts[hint] = (text_at(row, "zh", where), text_at(row, "en", where))
    return RaiseRule(mode=body["mode"], steps=steps, hints=texts)


def parse_grading_table(data: Mapping[str, Any]) -> GradingTable:
    """Validate a grading table already read from YAML; raise RuleTableError when malformed."""
    sections = ("schema", "source_zh", "source_en", "tiers", "numeric_criteria")
    sections += ("intake_interruption", "boundary", "ecology", "radiation", "residual")
    sections += ("raise_level",)
    body = check_keys(data, "grading table", sections)
    if body["schema"] != "grading/1":
        raise RuleTableError(f"grading table: unsupported schema {body['schema']!r}")
    residual = check_keys(body["residual"], "residual", ("tier", "criterion_zh", "criterion_en"))
    table = GradingTable(
        source_zh=text_at(body, "source_zh", "grading table"),
        source_en=text_at(body, "source_en", "grading table"),
        tiers=_parse_tiers(body["tiers"]),
        numeric=_parse_numeric(body["numeric_criteria"]),
        intake=_parse_lookup(body["intake_interruption"], "intake_interruption", PLACE_LEVELS),
        boundary=_parse_lookup(body["boundary"], "boundary", BOUNDARY_LEVELS),
        ecology=_parse_lookup(body["ecology"], "ecology", None),
        radiation=_parse_lookup(body["radiation"], "radiation", None),
        residual=ResidualRule(
            tier=_tier_or_none(residual["tier"], "residual"),
            criterion_zh=text_at(residual, "criterion_zh", "residual"),
            criterion_en=text_at(residual, "criterion_en", "residual"),
        ),
        raise_level=_parse_raise(body["raise_level"]),
    )
    ids = [c.id for c in table.numeric] + [
        c.id for c in (table.intake, table.boundary, table.ecology, table.radiation)
    ]
    if len(set(ids)) != len(ids):
        raise RuleTableError("grading table: criterion ids must be unique")
    return table


def load_grading_table(path: Path = GRADING_TABLE_PATH) -> GradingTable:
    """Read and validate a grading table file."""
    try:
        return parse_grading_table(read_rule_yaml(path))
    except RuleTableError as exc:
        raise RuleTableError(f"{path.name}: {exc}") from exc


@cache
def default_grading_table() -> GradingTable:
    """The shipped table, read once per process."""
    return load_grading_table()


# ---------------------------------------------------------------------------------------------
# Applying the table


def _fmt(value: float) -> str:
    """Thousands separators; no trailing .0 on whole numbers."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.2f}"


def _numeric_reason(
    table: GradingTable, criterion: NumericCriterion, value: float
) -> Reason | None:
    found = criterion.match(value)
    if found is None:
        return None
    band, upper = found
    u_zh, u_en = criterion.unit_zh, criterion.unit_en
    # The regulation's own wording: "以上" includes the number, "以下" excludes it.
    low = _fmt(band.threshold)
    if upper is None:
        range_zh = f"{low}{u_zh}以上" if band.inclusive else f"超过{low}{u_zh}"
        range_en = f"≥ {low}" if band.inclusive else f"> {low}"
    elif band.inclusive:
        range_zh = f"{low}{u_zh}以上、{_fmt(upper)}{u_zh}以下"
        range_en = f"≥ {low} and < {_fmt(upper)}"
    else:
        range_zh = f"{_fmt(upper)}{u_zh}以下"
        range_en = f"> {low} and < {_fmt(upper)}"
    label = table.label(band.tier)
    return Reason(
        criterion=criterion.id,
        level=band.tier,
        text_zh=f"{criterion.name_zh}{_fmt(value)}{u_zh}（{range_zh}）：{label.text_zh}",
        text_en=f"{criterion.name_en}: {_fmt(value)} {u_en} ({range_en}): {label.text_en}",
    )


def _intake_reasons(table: GradingTable, intakes: Iterable[IntakeImpact]) -> list[Reason]:
    reasons = []
    for intake in intakes:
        row = table.intake.rows[intake.place_level]
        if not intake.interrupted or row.tier is None:
            continue
        label = table.label(row.tier)
        reasons.append(
            Reason(
                criterion=table.intake.id,
                level=row.tier,
                text_zh=(
                    f"预测取水口「{intake.name_zh}」（{row.label_zh}）峰值 {_fmt(intake.peak_mg_l)}"
                    f" mg/L 超过限值 {_fmt(intake.limit_mg_l)} mg/L，{row.criterion_zh}："
                    f"{label.text_zh}"
                ),
                text_en=(
                    f"intake {intake.name_zh} ({row.label_en}): predicted peak "
                    f"{_fmt(intake.peak_mg_l)} mg/L exceeds the limit {_fmt(intake.limit_mg_l)}"
                    f" mg/L, so {row.criterion_en}: {label.text_en}"
                ),
            )
        )
    return reasons


def _boundary_reasons(table: GradingTable, crossings: Iterable[BoundaryImpact]) -> list[Reason]:
    reasons = []
    for crossing in crossings:
        row = table.boundary.rows[crossing.level]
        if not crossing.exceeds or row.tier is None:
            continue
        label = table.label(row.tier)
        route = f"{crossing.from_zh}→{crossing.to_zh}"
        reasons.append(
            Reason(
                criterion=table.boundary.id,
                level=row.tier,
                text_zh=(
                    f"预测{row.label_zh}（{route}，距事发点 {_fmt(crossing.distance_km)} km）峰值"
                    f" {_fmt(crossing.peak_mg_l)} mg/L 超过限值 {_fmt(crossing.limit_mg_l)} mg/L，"
                    f"{row.criterion_zh}：{label.text_zh}"
                ),
                text_en=(
                    f"{row.label_en} {route} ({_fmt(crossing.distance_km)} km downstream): "
                    f"predicted peak {_fmt(crossing.peak_mg_l)} mg/L exceeds the limit "
                    f"{_fmt(crossing.limit_mg_l)} mg/L, {row.criterion_en}: {label.text_en}"
                ),
            )
        )
    return reasons


def _category_reason(
    table: GradingTable, criterion: LookupCriterion, value: str | None, fact: str
) -> Reason | None:
    if value is None:
        return None
    if value not in criterion.rows:
        raise ValueError(
            f"{fact} must be one of {sorted(criterion.rows)} (rows of the grading table) or None, "
            f"got {value!r}"
        )
    row = criterion.rows[value]
    if row.tier is None:
        return None
    label = table.label(row.tier)
    return Reason(
        criterion=criterion.id,
        level=row.tier,
        text_zh=f"{criterion.name_zh}：{row.criterion_zh}：{label.text_zh}",
        text_en=f"{criterion.name_en}: {row.criterion_en}: {label.text_en}",
    )


def _raise_reasons(
    table: GradingTable, facts: GradingFacts, level: int
) -> tuple[int, list[Reason]]:
    """Raise-level hints: advisory reasons, or (automatic mode) one raise however many hints."""
    rule = table.raise_level
    hints = [h for h in RAISE_HINTS if getattr(facts, h)]
    if not hints:
        return level, []
    raised = max(TIERS[0], level - rule.steps)
    label = table.label(raised)
    advisory = rule.mode == "advisory"
    reasons = []
    for hint in hints:
        zh, en = rule.hints[hint]
        if raised == level:
            text_zh = f"{zh}：已是最高级别{label.text_zh}，无法再提高"
            text_en = f"{en}: already at the highest level, {label.text_en}"
        elif advisory:
            text_zh = f"{zh}：可考虑提高响应级别至{label.text_zh}（建议，不自动调整）"
            text_en = f"{en}: consider raising the level to {label.text_en} (advice only)"
        else:
            text_zh = f"{zh}：级别提高至{label.text_zh}"
            text_en = f"{en}: level raised to {label.text_en}"
        reasons.append(Reason(f"raise_level.{hint}", raised, text_zh, text_en, advisory=advisory))
    return (level if advisory else raised), reasons


def grade(facts: GradingFacts, table: GradingTable | None = None) -> TierAssessment:
    """Grade an event: any one criterion suffices and the most severe tier wins.

    Every triggered criterion is a reason, most severe first, then table order; raise-level
    hints follow as advisory reasons unless the table's ``raise_level.mode`` is automatic.
    """
    table = table or default_grading_table()
    reasons: list[Reason] = []
    for criterion in table.numeric:
        found = _numeric_reason(table, criterion, getattr(facts, criterion.fact))
        if found:
            reasons.append(found)
    reasons += _intake_reasons(table, facts.intake_interruptions)
    reasons += _boundary_reasons(table, facts.boundary_impacts)
    for criterion, value, fact in (
        (table.ecology, facts.ecology, "ecology"),
        (table.radiation, facts.radiation, "radiation"),
    ):
        found = _category_reason(table, criterion, value, fact)
        if found:
            reasons.append(found)

    if reasons:
        level: int | None = min(r.level for r in reasons)
    elif table.residual.tier is not None:
        level = table.residual.tier
        label = table.label(level)
        reasons.append(
            Reason(
                criterion="residual",
                level=level,
                text_zh=f"{table.residual.criterion_zh}：{label.text_zh}",
                text_en=f"{table.residual.criterion_en}: {label.text_en}",
            )
        )
    else:
        return TierAssessment(level=None, reasons=())

    reasons.sort(key=lambda r: r.level)  # stable: table order within a tier
    level, hints = _raise_reasons(table, facts, level)
    return TierAssessment(level=level, reasons=(*reasons, *hints))
