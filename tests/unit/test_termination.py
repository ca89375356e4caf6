"""Termination conditions (国家预案 响应终止) from the data, on hand-made facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from emergency.incidents.command import (
    DecisionRefused,
    OpenItem,
    Sample,
    check_decision,
    termination_conditions,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 24, 12, 0, tzinfo=SH)
RULES = {"termination": {"consecutive_compliant_samples": 2,
                         "critical_kinds": ["close_intake", "report"]}}


def pkg(tail_hours: float, limit: float | None = 0.017):
    intake = SimpleNamespace(kind="intake", name_zh="示例取水口", name_en=None, km=40.0,
                             worst_exceeds=True, exceeds=True,
                             front_at_earliest=NOW + timedelta(hours=tail_hours - 3),
                             tail_at=NOW + timedelta(hours=tail_hours))
    return SimpleNamespace(substance=SimpleNamespace(limit_mg_l=limit), downstream=[intake])


def samples(*values, site="s1"):
    return [Sample(site, "断面", NOW - timedelta(hours=len(values) - k), v)
            for k, v in enumerate(values)]


def met(conditions):
    return {c.id: c.met for c in conditions}


def test_all_conditions_met_after_the_plume_passed_and_two_compliant_samples():
    conds = termination_conditions(pkg(-1), samples(1.0, 0.01, 0.012), [], NOW, RULES)
    assert met(conds) == {"below_limit": True, "plume_passed": True, "no_urgent_items": True}
    decision = check_decision({"kind": "terminate"}, status="responding", current_level=2,
                              computed_tier=2, conditions=conds)
    assert decision.new_status == "terminated" and not decision.unmet


def test_one_compliant_sample_after_an_exceedance_is_not_enough():
    conds = termination_conditions(pkg(-1), samples(1.0, 0.01), [], NOW, RULES)
    assert met(conds)["below_limit"] is False
    assert "连续 2 次" in next(c for c in conds if c.id == "below_limit").text_zh


def test_no_monitoring_or_no_limit_cannot_show_compliance():
    assert met(termination_conditions(pkg(-1), [], [], NOW, RULES))["below_limit"] is False
    no_limit = termination_conditions(pkg(-1, limit=None), samples(0.0, 0.0), [], NOW, RULES)
    assert met(no_limit)["below_limit"] is False


def test_a_plume_still_upstream_of_an_intake_and_an_immediate_item_block_termination():
    items = [OpenItem("close_intake", "关闭示例取水口", NOW - timedelta(hours=1), True),
             OpenItem("card", "其他", NOW - timedelta(hours=5), False)]
    conds = termination_conditions(pkg(+3), samples(0.01, 0.01), items, NOW, RULES)
    assert met(conds) == {"below_limit": True, "plume_passed": False, "no_urgent_items": False}
    with pytest.raises(DecisionRefused) as err:
        check_decision({"kind": "terminate"}, status="responding", current_level=2,
                       computed_tier=2, conditions=conds)
    assert {c.id for c in err.value.unmet} == {"plume_passed", "no_urgent_items"}
    overridden = check_decision({"kind": "terminate", "override_reason": "省政府决定"},
                                status="responding", current_level=2, computed_tier=2,
                                conditions=conds)
    assert overridden.override_reason and len(overridden.unmet) == 2
