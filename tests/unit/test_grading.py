"""Event grading (附件1 of the national plan) and warning levels, row by row."""

import copy
from typing import Any

import pytest
import yaml

from emergency.grading import (
    GRADING_TABLE_PATH,
    BoundaryImpact,
    GradingFacts,
    GradingTable,
    IntakeImpact,
    RuleTableError,
    default_grading_table,
    grade,
    load_grading_table,
    parse_grading_table,
)
from emergency.warning import (
    WARNING_TABLE_PATH,
    ReceptorForecast,
    WarningLevel,
    assess_warning,
    parse_warning_table,
)


def raw_grading_table() -> dict[str, Any]:
    return yaml.safe_load(GRADING_TABLE_PATH.read_text(encoding="utf-8"))


def table_with(**changes: Any) -> GradingTable:
    """The shipped table with top-level sections replaced."""
    data = raw_grading_table()
    data.update(changes)
    return parse_grading_table(data)


def intake(place_level: str, peak: float = 0.5, limit: float = 0.1) -> IntakeImpact:
    return IntakeImpact("测试水源地取水口", place_level, peak_mg_l=peak, limit_mg_l=limit)


def crossing(level: str, peak: float = 0.5, limit: float = 0.1) -> BoundaryImpact:
    return BoundaryImpact(level, "上游", "下游", peak_mg_l=peak, limit_mg_l=limit, distance_km=42)


def binding(facts: GradingFacts, table: GradingTable | None = None) -> list[tuple[str, int]]:
    return [(r.criterion, r.level) for r in grade(facts, table).binding_reasons]


# --- numeric criteria: every band and both sides of every threshold --------------------------

NUMERIC_CASES = [
    # (fact, value, criterion id, tier) — "以上含本数, 以下不含本数"
    ("deaths", 30, "deaths", 1),
    ("deaths", 29, "deaths", 2),
    ("deaths", 10, "deaths", 2),
    ("deaths", 9, "deaths", 3),
    ("deaths", 3, "deaths", 3),
    ("deaths", 2, "deaths", 4),
    ("deaths", 1, "deaths", 4),
    ("injured", 100, "injured", 1),
    ("injured", 99, "injured", 2),
    ("injured", 50, "injured", 2),
    ("injured", 49, "injured", 3),
    ("injured", 10, "injured", 3),
    ("injured", 9, "injured", 4),
    ("injured", 1, "injured", 4),
    ("evacuated", 50_000, "evacuated", 1),
    ("evacuated", 49_999, "evacuated", 2),
    ("evacuated", 10_000, "evacuated", 2),
    ("evacuated", 9_999, "evacuated", 3),
    ("evacuated", 5_000, "evacuated", 3),
    ("evacuated", 4_999, "evacuated", 4),
    ("evacuated", 1, "evacuated", 4),
    ("economic_loss_cny", 100_000_000, "economic_loss", 1),
    ("economic_loss_cny", 99_999_999, "economic_loss", 2),
    ("economic_loss_cny", 20_000_000, "economic_loss", 2),
    ("economic_loss_cny", 19_999_999, "economic_loss", 3),
    ("economic_loss_cny", 5_000_000, "economic_loss", 3),
    ("economic_loss_cny", 4_999_999, "economic_loss", 4),
    ("economic_loss_cny", 0.5, "economic_loss", 4),
]


@pytest.mark.parametrize(
    ("fact", "value", "criterion", "tier"),
    NUMERIC_CASES,
    ids=[f"{fact}={value}->tier{tier}" for fact, value, _, tier in NUMERIC_CASES],
)
def test_a_count_alone_sets_the_tier_of_its_band(
    fact: str, value: float, criterion: str, tier: int
) -> None:
    assessment = grade(GradingFacts(**{fact: value}))

    assert assessment.level == tier
    assert binding(GradingFacts(**{fact: value})) == [(criterion, tier)]


def test_a_reason_quotes_the_value_and_the_band_in_both_languages() -> None:
    (reason,) = grade(GradingFacts(deaths=12)).reasons

    assert "12人" in reason.text_zh and "10人以上、30人以下" in reason.text_zh
    assert "重大（II级）" in reason.text_zh
    assert "12 persons" in reason.text_en and "≥ 10 and < 30" in reason.text_en
    assert "tier II (major)" in reason.text_en


def test_fewer_than_three_deaths_is_worded_as_the_regulation_words_it() -> None:
    (reason,) = grade(GradingFacts(deaths=2)).reasons

    assert "3人以下" in reason.text_zh
    assert "> 0 and < 3" in reason.text_en


# --- the residual row --------------------------------------------------------------------------


def test_an_event_with_no_casualties_and_no_other_criterion_is_iv_by_the_residual_row() -> None:
    assessment = grade(GradingFacts())

    assert assessment.level == 4
    assert [(r.criterion, r.level) for r in assessment.reasons] == [("residual", 4)]
    assert "尚未达到较大突发环境事件级别" in assessment.reasons[0].text_zh
    assert "no higher criterion met" in assessment.reasons[0].text_en


def test_zero_deaths_does_not_count_as_fewer_than_three_deaths() -> None:
    assert binding(GradingFacts(deaths=0)) == [("residual", 4)]


def test_the_residual_row_is_not_added_when_a_criterion_has_triggered() -> None:
    assert binding(GradingFacts(deaths=1)) == [("deaths", 4)]


def test_a_table_without_a_residual_tier_leaves_an_event_that_meets_nothing_ungraded() -> None:
    residual = dict(raw_grading_table()["residual"], tier=None)
    table = table_with(residual=residual)

    assessment = grade(GradingFacts(sensitive_area=True), table)

    assert assessment.level is None
    assert assessment.reasons == ()


# --- drinking-water intakes ------------------------------------------------------------------

INTAKE_CASES = [("prefecture_city", 1), ("county_city", 2), ("township", 3)]


@pytest.mark.parametrize(("place_level", "tier"), INTAKE_CASES)
def test_an_intake_predicted_above_its_limit_is_interrupted_and_graded_by_the_place_it_serves(
    place_level: str, tier: int
) -> None:
    assessment = grade(GradingFacts(intake_interruptions=(intake(place_level),)))

    assert assessment.level == tier
    assert binding(GradingFacts(intake_interruptions=(intake(place_level),))) == [
        ("intake_interrupted", tier)
    ]
    assert "测试水源地取水口" in assessment.reasons[0].text_zh


@pytest.mark.parametrize(("place_level", "tier"), INTAKE_CASES)
def test_an_intake_predicted_exactly_at_its_limit_is_not_interrupted(
    place_level: str, tier: int
) -> None:
    facts = GradingFacts(intake_interruptions=(intake(place_level, peak=0.1, limit=0.1),))

    assert binding(facts) == [("residual", 4)]


def test_an_intake_with_an_unknown_place_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="place_level must be one of"):
        intake("village")


# --- boundaries --------------------------------------------------------------------------------

BOUNDARY_CASES = [("nation", 1), ("province", 2), ("prefecture", 3)]


@pytest.mark.parametrize(("level", "tier"), BOUNDARY_CASES)
def test_a_predicted_exceedance_at_a_boundary_grades_by_the_boundary_level(
    level: str, tier: int
) -> None:
    facts = GradingFacts(boundary_impacts=(crossing(level),))

    assert grade(facts).level == tier
    assert binding(facts) == [("boundary_crossing", tier)]


@pytest.mark.parametrize(("level", "tier"), BOUNDARY_CASES)
def test_a_boundary_crossing_below_the_limit_does_not_count(level: str, tier: int) -> None:
    facts = GradingFacts(boundary_impacts=(crossing(level, peak=0.1, limit=0.1),))

    assert binding(facts) == [("residual", 4)]


def test_a_county_boundary_exceedance_is_not_a_grading_criterion() -> None:
    facts = GradingFacts(boundary_impacts=(crossing("county"),))

    assert binding(facts) == [("residual", 4)]


def test_the_national_border_reason_says_it_is_the_systems_reading() -> None:
    (reason,) = grade(GradingFacts(boundary_impacts=(crossing("nation"),))).reasons

    assert "本系统将国界断面预测超标视为重大跨国境影响" in reason.text_zh
    assert "this system reads" in reason.text_en


def test_the_national_border_tier_can_be_changed_in_the_table() -> None:
    boundary = copy.deepcopy(raw_grading_table()["boundary"])
    boundary["rows"]["nation"]["tier"] = 2
    table = table_with(boundary=boundary)

    assert grade(GradingFacts(boundary_impacts=(crossing("nation"),)), table).level == 2


# --- ecology and radiation rows ----------------------------------------------------------------

ECOLOGY_CASES = [
    ("regional_function_lost", 1),
    ("protected_species_extinct", 1),
    ("regional_function_partly_lost", 2),
    ("protected_species_mass_deaths", 2),
    ("protected_species_harmed", 3),
]
RADIATION_CASES = [
    ("class_1_2_source_lost_wide_contamination", 1),
    ("class_1_2_source_lost_or_stolen", 2),
    ("class_3_source_lost_or_stolen", 3),
    ("class_4_5_source_lost_or_stolen", 4),
]


@pytest.mark.parametrize(("value", "tier"), ECOLOGY_CASES)
def test_each_ecology_row_sets_its_tier(value: str, tier: int) -> None:
    assert binding(GradingFacts(ecology=value)) == [("ecology", tier)]


@pytest.mark.parametrize(("value", "tier"), RADIATION_CASES)
def test_each_radiation_row_sets_its_tier(value: str, tier: int) -> None:
    assert binding(GradingFacts(radiation=value)) == [("radiation", tier)]


@pytest.mark.parametrize("fact", ["ecology", "radiation"])
def test_an_ecology_or_radiation_value_not_in_the_table_is_rejected(fact: str) -> None:
    with pytest.raises(ValueError, match="rows of the grading table"):
        grade(GradingFacts(**{fact: "something_else"}))


def test_every_row_of_the_shipped_table_is_covered_by_these_cases() -> None:
    table = default_grading_table()
    in_table = {(c.id, b.tier) for c in table.numeric for b in c.bands}
    in_table |= {("intake", k) for k in table.intake.rows}
    in_table |= {("boundary", k) for k in table.boundary.rows}
    in_table |= {("ecology", k) for k in table.ecology.rows}
    in_table |= {("radiation", k) for k in table.radiation.rows}

    tested = {(c, t) for _, _, c, t in NUMERIC_CASES}
    tested |= {("intake", k) for k, _ in INTAKE_CASES}
    tested |= {("boundary", k) for k, _ in BOUNDARY_CASES} | {("boundary", "county")}
    tested |= {("ecology", k) for k, _ in ECOLOGY_CASES}
    tested |= {("radiation", k) for k, _ in RADIATION_CASES}
    assert in_table == tested


# --- several criteria at once ------------------------------------------------------------------


def test_the_most_severe_tier_triggered_wins() -> None:
    facts = GradingFacts(
        deaths=3,  # III
        evacuated=10_000,  # II
        intake_interruptions=(intake("township"),),  # III
    )

    assert grade(facts).level == 2


def test_every_triggered_criterion_is_listed_most_severe_first_then_in_table_order() -> None:
    facts = GradingFacts(
        deaths=1,
        injured=60,
        economic_loss_cny=6_000_000,
        intake_interruptions=(intake("county_city"), intake("prefecture_city", peak=0.01)),
        boundary_impacts=(crossing("prefecture"), crossing("province")),
        radiation="class_3_source_lost_or_stolen",
    )

    assert binding(facts) == [
        ("injured", 2),
        ("intake_interrupted", 2),
        ("boundary_crossing", 2),
        ("economic_loss", 3),
        ("boundary_crossing", 3),
        ("radiation", 3),
        ("deaths", 4),
    ]


# --- raise-level hints -------------------------------------------------------------------------


@pytest.mark.parametrize("hint", ["sensitive_area", "important_period", "public_attention"])
def test_a_raise_level_hint_is_advice_one_tier_up_and_does_not_change_the_grade(hint: str) -> None:
    assessment = grade(GradingFacts(deaths=5, **{hint: True}))

    assert assessment.level == 3
    (advice,) = assessment.advisories
    assert (advice.criterion, advice.level, advice.advisory) == (f"raise_level.{hint}", 2, True)
    assert "建议" in advice.text_zh and "advice only" in advice.text_en


def test_a_raise_level_hint_on_a_tier_i_event_says_it_cannot_go_higher() -> None:
    assessment = grade(GradingFacts(deaths=30, sensitive_area=True))

    assert assessment.level == 1
    assert assessment.advisories[0].level == 1
    assert "已是最高级别" in assessment.advisories[0].text_zh


def test_in_automatic_mode_the_hints_raise_the_grade_once_however_many_there_are() -> None:
    raise_level = dict(raw_grading_table()["raise_level"], mode="automatic")
    table = table_with(raise_level=raise_level)
    facts = GradingFacts(deaths=5, sensitive_area=True, important_period=True)

    assessment = grade(facts, table)

    assert assessment.level == 2
    assert assessment.advisories == ()
    assert [(r.criterion, r.level) for r in assessment.reasons][-2:] == [
        ("raise_level.sensitive_area", 2),
        ("raise_level.important_period", 2),
    ]


# --- facts are validated -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [{"deaths": -1}, {"injured": 1.5}, {"evacuated": True}, {"economic_loss_cny": float("nan")}],
)
def test_negative_fractional_or_non_numeric_counts_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        GradingFacts(**bad)


def test_lists_of_impacts_are_stored_as_tuples_so_the_facts_stay_immutable() -> None:
    facts = GradingFacts(intake_interruptions=[intake("township")])  # type: ignore[arg-type]

    assert isinstance(facts.intake_interruptions, tuple)


# --- the grading table is validated ------------------------------------------------------------


def test_the_shipped_grading_table_loads() -> None:
    assert load_grading_table().tiers[2].zh == "重大"


def test_a_table_whose_bands_are_out_of_order_is_rejected() -> None:
    numeric = copy.deepcopy(raw_grading_table()["numeric_criteria"])
    numeric[0]["bands"][0], numeric[0]["bands"][1] = numeric[0]["bands"][1], numeric[0]["bands"][0]

    with pytest.raises(RuleTableError, match="most severe tier down"):
        table_with(numeric_criteria=numeric)


def test_a_band_with_both_gte_and_gt_is_rejected() -> None:
    numeric = copy.deepcopy(raw_grading_table()["numeric_criteria"])
    numeric[0]["bands"][0]["gt"] = 30

    with pytest.raises(RuleTableError, match="exactly one of gte"):
        table_with(numeric_criteria=numeric)


def test_a_table_with_a_misspelt_key_is_rejected() -> None:
    data = raw_grading_table()
    data["residual"]["teir"] = 4

    with pytest.raises(RuleTableError, match="unknown key"):
        parse_grading_table(data)


def test_a_table_missing_an_intake_place_level_is_rejected() -> None:
    section = copy.deepcopy(raw_grading_table()["intake_interruption"])
    del section["rows"]["township"]

    with pytest.raises(RuleTableError, match="exactly the rows"):
        table_with(intake_interruption=section)


def test_a_tier_outside_one_to_four_is_rejected() -> None:
    section = copy.deepcopy(raw_grading_table()["ecology"])
    section["rows"]["protected_species_harmed"]["tier"] = 5

    with pytest.raises(RuleTableError, match="tier must be one of"):
        table_with(ecology=section)


# === warning levels ============================================================================


def forecast(kind: str, hours: float, peak: float = 0.5, limit: float = 0.1) -> ReceptorForecast:
    return ReceptorForecast(f"测试{kind}", kind, hours, peak_mg_l=peak, limit_mg_l=limit)


W = WarningLevel
WARNING_CASES = [
    # (id, predicted tier, forecasts, level, condition ids)
    ("tier I", 1, [], W.RED, ["red_tier"]),
    ("tier II", 2, [], W.RED, ["red_tier"]),
    ("intake at 12 h", 4, [forecast("intake", 12)], W.RED, ["red_intake_12h"]),
    ("intake at 12.01 h", 4, [forecast("intake", 12.01)], W.ORANGE, ["orange_intake_24h"]),
    ("tier III", 3, [], W.ORANGE, ["orange_tier"]),
    ("intake at 24 h", 4, [forecast("intake", 24)], W.ORANGE, ["orange_intake_24h"]),
    ("intake at 24.01 h", 4, [forecast("intake", 24.01)], W.YELLOW, ["yellow_exceedance"]),
    ("section soon", 4, [forecast("section", 1)], W.YELLOW, ["yellow_exceedance"]),
    ("ungraded exceedance", None, [forecast("other", 50)], W.YELLOW, ["yellow_exceedance"]),
    ("tier IV, nothing", 4, [], W.BLUE, ["blue_no_exceedance"]),
    ("at the limit", 4, [forecast("intake", 1, peak=0.1)], W.BLUE, ["blue_no_exceedance"]),
    ("ungraded, nothing", None, [], W.BLUE, ["blue_no_exceedance"]),
]


@pytest.mark.parametrize(
    ("tier", "forecasts", "level", "conditions"),
    [case[1:] for case in WARNING_CASES],
    ids=[case[0] for case in WARNING_CASES],
)
def test_the_warning_level_follows_the_first_rule_of_the_table_that_holds(
    tier: int | None,
    forecasts: list[ReceptorForecast],
    level: WarningLevel,
    conditions: list[str],
) -> None:
    assessment = assess_warning(tier, forecasts)

    assert assessment.level is level
    assert [r.condition for r in assessment.reasons] == conditions
    assert all(r.text_zh and r.text_en for r in assessment.reasons)


def test_every_condition_of_the_winning_rule_that_holds_is_a_reason() -> None:
    assessment = assess_warning(2, [forecast("intake", 5)])

    assert [r.condition for r in assessment.reasons] == ["red_tier", "red_intake_12h"]
    assert "5 小时后超标" in assessment.reasons[1].text_zh
    assert "in 5 h" in assessment.reasons[1].text_en


def test_urgency_is_the_time_to_the_first_receptor_predicted_above_its_limit() -> None:
    forecasts = [
        forecast("intake", 1, peak=0.05),  # earlier, but below its limit
        forecast("section", 30),
        forecast("intake", 8),
    ]

    assessment = assess_warning(4, forecasts)

    assert assessment.urgency_hours == 8
    assert assessment.first_exceedance == forecasts[2]
    assert assessment.level is WarningLevel.RED


def test_warning_levels_compare_by_severity_not_alphabetically() -> None:
    assert WarningLevel.BLUE < WarningLevel.YELLOW < WarningLevel.ORANGE < WarningLevel.RED
    assert max(WarningLevel) is WarningLevel.RED


def test_warning_labels_are_in_chinese_and_english() -> None:
    assessment = assess_warning(1, [])

    assert (assessment.label_zh, assessment.label_en) == ("红色预警", "red warning")


def test_a_predicted_tier_outside_one_to_four_is_rejected() -> None:
    with pytest.raises(ValueError, match="predicted_tier"):
        assess_warning(5, [])


def test_a_forecast_with_a_negative_arrival_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="hours_to_arrival"):
        forecast("intake", -1)


def raw_warning_table() -> dict[str, Any]:
    return yaml.safe_load(WARNING_TABLE_PATH.read_text(encoding="utf-8"))


def test_the_red_intake_horizon_can_be_changed_in_the_table() -> None:
    data = raw_warning_table()
    data["rules"][0]["when"][1]["within_hours"] = 6
    table = parse_warning_table(data)

    assert assess_warning(4, [forecast("intake", 8)], table).level is WarningLevel.ORANGE


def test_a_warning_table_whose_rules_are_not_most_severe_first_is_rejected() -> None:
    data = raw_warning_table()
    data["rules"].reverse()

    with pytest.raises(RuleTableError, match="most severe level down"):
        parse_warning_table(data)


def test_a_warning_condition_with_hours_but_no_receptor_clause_is_rejected() -> None:
    data = raw_warning_table()
    data["rules"][0]["when"][0]["within_hours"] = 3

    with pytest.raises(RuleTableError, match="needs exceedance_at"):
        parse_warning_table(data)
