"""Plausibility of monitoring results and the results file (issue 16), without the app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from emergency.incidents.inputs import InvalidIncident
from emergency.incidents.observations import (
    FRONT_TIME_SLACK,
    FRONT_VELOCITY_MARGIN,
    parse_observation,
    plausibility,
    samples_from,
)
from emergency.monitoring.results_file import read_results

T0 = datetime(2026, 7, 23, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=2)


def obs(hours: float, **kw):
    body = {"site_id": "s", "observed_at": (T0 + timedelta(hours=hours)).isoformat(),
            "concentration_mg_l": 1.0} | kw
    return parse_observation(body)


def codes(o, km=80.0, earliest_h=20.0):
    return [d.code for d in plausibility(o, km=km, occurred_at=T0, now=NOW,
                                         earliest_front_s=earliest_h * 3600)]


def test_a_front_one_minute_after_release_80_km_away_is_implausible():
    assert codes(obs(1 / 60, front_detected=True)) == ["front_too_early"]


def test_the_front_margin_is_25_percent_on_velocity_and_30_minutes():
    bound_h = 20.0 / FRONT_VELOCITY_MARGIN - FRONT_TIME_SLACK.total_seconds() / 3600
    assert codes(obs(bound_h + 0.01, front_detected=True)) == []
    assert codes(obs(bound_h - 0.01, front_detected=True)) == ["front_too_early"]
    # a concentration without the front flag says nothing about the front
    assert codes(obs(1.0)) == []


def test_before_release_future_and_not_downstream_are_doubted():
    assert codes(obs(-1)) == ["before_release"]
    assert codes(obs(24 * 3)) == ["in_future"]
    assert codes(obs(5), km=None) == ["not_downstream"]


def test_form_problems_are_all_reported_at_once():
    with pytest.raises(InvalidIncident) as err:
        parse_observation({"observed_at": "soon", "concentration_mg_l": -1, "colour": "red"})
    assert {p.field for p in err.value.problems} == {"observed_at", "concentration_mg_l",
                                                     "location", "colour"}


def row(**kw):
    base = dict(id=1, km=10.0, observed_at=T0 + timedelta(hours=3), concentration_mg_l=0.2,
                not_detected=False, detection_limit_mg_l=None, front_detected=False,
                parameter=None, voided_at=None)
    return SimpleNamespace(**(base | kw))


def test_only_valid_results_of_the_substance_on_the_path_after_release_are_fitted():
    rows = [row(id=1), row(id=2, voided_at=NOW), row(id=3, km=None),
            row(id=4, observed_at=T0 - timedelta(hours=1)), row(id=5, parameter="氨氮"),
            row(id=6, not_detected=True, concentration_mg_l=0.0, detection_limit_mg_l=0.01)]
    samples = samples_from(rows, occurred_at=T0, same_substance=lambda p: p in (None, "苯"))
    assert [s.ref for s in samples] == [1, 6]
    assert samples[0].offset_m == 10_000 and samples[0].t_s == 3 * 3600
    assert samples[1].not_detected and samples[1].detection_limit_mg_l == 0.01


HEAD = "点位,经度,纬度,采样时间,监测项目,浓度(mg/L),检出限,备注\n"


def test_the_results_file_reads_chinese_headings_and_not_detected_forms():
    text = (HEAD + "A,,,2026-07-23 14:30,苯,0.5,0.01,\n"
            "B 桥,126.5,43.9,2026/7/23 15:00,苯,未检出,0.01,自动站\n"
            "C,,,2026-07-23 16:00,苯,<0.02,,\n")
    parsed = read_results(text.encode("utf-8-sig"), "r.csv")
    assert parsed.problems == []
    bodies = [b for _n, b in parsed.bodies]
    assert bodies[0] == {"site_id": "A", "observed_at": "2026-07-23T14:30",
                         "detection_limit_mg_l": 0.01, "concentration_mg_l": 0.5,
                         "parameter": "苯"}
    assert bodies[1]["lon"] == 126.5 and bodies[1]["name_zh"] == "B 桥"
    assert bodies[1]["not_detected"] and bodies[1]["observed_at"] == "2026-07-23T15:00"
    assert bodies[2]["detection_limit_mg_l"] == 0.02


def test_the_results_file_names_row_and_column_of_each_problem():
    text = HEAD + "A,,,2026-07-23 14:30,苯,abc,,\n,,,,苯,1,,\nB,x,43,2026-07-23 14:30,苯,1,,\n"
    parsed = read_results(text.encode(), "r.csv")
    assert {(p.row, p.column) for p in parsed.problems} == {
        (2, "浓度(mg/L)"), (3, "点位"), (3, "采样时间"), (4, "经度")}
    assert read_results(b"a,b\n1,2\n", "r.csv").problems[0].row == 0
    assert read_results(b"x", "r.txt").problems[0].column == "file"
