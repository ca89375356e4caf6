"""Periodic statistics of incidents (issue 15): counts by period, tier, substance, river and
prefecture from hand-made rows."""

from __future__ import annotations

from datetime import date

import pytest

from emergency.incidents.statistics import StatRow, count_by

ROWS = [StatRow(date(2026, 1, 5), 4, "硝基苯", "第二松花江", "吉林市"),
        StatRow(date(2026, 2, 9), 3, "苯", "第二松花江", "吉林市"),
        StatRow(date(2026, 4, 1), 4, "硝基苯", "伊通河", "长春市"),
        StatRow(date(2025, 12, 31), None, "硝基苯", None, None)]


@pytest.mark.parametrize(("by", "expected"), [
    ("month", [("2025-12", 1), ("2026-01", 1), ("2026-02", 1), ("2026-04", 1)]),
    ("quarter", [("2025Q4", 1), ("2026Q1", 2), ("2026Q2", 1)]),
    ("year", [("2025", 1), ("2026", 3)]),
    ("substance", [("硝基苯", 3), ("苯", 1)]),
    ("river", [("第二松花江", 2), ("伊通河", 1), ("未命名河道", 1)]),
    ("prefecture", [("吉林市", 2), ("未知", 1), ("长春市", 1)]),
])
def test_incidents_are_counted_by_each_dimension(by, expected):
    assert count_by(ROWS, by) == expected


def test_tiers_are_named_and_ungraded_counted_apart():
    counts = dict(count_by(ROWS, "tier"))
    assert counts["IV级 一般"] == 2 and counts["III级 较大"] == 1 and counts["未分级"] == 1
